// Small helpers shared by the list, detail and board pages (incidents,
// notices, deconfliction, actors, commitments, steps, reports, RFIs, stats).
// Everything builds DOM through the shell's h(), so server data is only ever
// set as text, never parsed as HTML.

// builder returns the shell's h (kept as a seam: pages call E(...)).
export function builder(h) {
  return h;
}

// Roles of the caller (ctx.me: {username, party, roles}).
export function roles(me) {
  const r = new Set((me && me.roles) || []);
  return {
    party: (me && me.party) || null,
    official: r.has('official'),
    analyst: r.has('analyst'),
    planner: r.has('planner'),
    observer: r.has('observer'),
    admin: r.has('admin'),
  };
}

// Times are shown as UTC, as the API gives them.
export function fmtTime(t) {
  if (!t) return '—';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export function fmtDate(t) {
  if (!t) return '—';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return d.toISOString().slice(0, 10);
}

// A <input type="datetime-local"> value read as UTC, to RFC 3339; '' stays ''.
export function utcInput(v) {
  if (!v) return '';
  const s = v.length === 16 ? v + ':00' : v;
  return s + 'Z';
}

// The value a datetime-local input shows for an RFC 3339 time.
export function toInput(t) {
  if (!t) return '';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return '';
  return d.toISOString().slice(0, 16);
}

export function statusEl(E, status, extra) {
  return E('span', { class: `status status-${status}`, 'data-status': status }, String(status).replace(/_/g, ' '), extra || null);
}

// Cached reference data: parties and actors by id.
export async function parties(ctx) {
  const list = ctx.parties ? await ctx.parties() : ((await ctx.api('/api/v1/parties')).items || []);
  return new Map(list.map((p) => [p.id, p]));
}

export async function actors(ctx) {
  const out = [];
  let cursor = '';
  for (let i = 0; i < 100; i++) {
    const r = await ctx.api('/api/v1/actors', { query: cursor ? { limit: 1000, cursor } : { limit: 1000 } });
    out.push(...(r.items || []));
    if (!r.next_cursor) break;
    cursor = r.next_cursor;
  }
  return out;
}

export function actorName(byId, id) {
  if (!id) return '—';
  const a = byId.get(id);
  return a ? a.name : id;
}

// isMissing says whether an API error means the endpoint is not there at
// all (the reports and RFIs API may not be merged yet), rather than a
// missing item.
export function isMissing(err) {
  return err && err.status === 404 && /no such endpoint/i.test(err.message || '');
}

// A labelled field: label + control, with a slot the shell's showErrors
// can fill (it finds the control by name).
let seq = 0;
export function field(E, label, control, hint) {
  const id = control.id || `pf${++seq}`;
  control.id = id;
  return E('div', { class: 'field' },
    E('label', { for: id }, label),
    control,
    hint ? E('small', { class: 'hint' }, hint) : null);
}

export function input(E, name, attrs) {
  return E('input', { name, type: 'text', ...(attrs || {}) });
}

export function select(E, name, options, value, attrs) {
  return E('select', { name, ...(attrs || {}) },
    options.map(([v, text]) => E('option', { value: v, selected: v === value ? 'selected' : null }, text)));
}

// A table with a caption; rows is an array of <tr>.
export function table(E, caption, headers, rows, attrs) {
  const a = { ...(attrs || {}) };
  a.class = ['list', a.class].filter(Boolean).join(' ');
  return E('div', { class: 'table-wrap' }, E('table', a,
    E('caption', {}, caption),
    E('thead', {}, E('tr', {}, headers.map((x) => E('th', { scope: 'col' }, x)))),
    E('tbody', {}, rows.length ? rows : E('tr', {}, E('td', { colspan: headers.length, class: 'empty' }, 'Nothing to show.')))));
}

// A dl of [term, value] pairs; value may be a node or text.
export function props(E, pairs) {
  return E('dl', { class: 'props' }, pairs.filter(Boolean).map(([k, v]) => [E('dt', {}, k), E('dd', {}, v === null || v === undefined || v === '' ? '—' : v)]));
}

// Replace the children of node.
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

// An error message in place of content.
export function errorBox(E, err) {
  return E('p', { class: 'error', role: 'alert' }, (err && err.message) || String(err));
}

// notAvailable is shown when the API lacks a feature's endpoints.
export function notAvailable(E, what) {
  return E('p', { class: 'notice unavailable', role: 'status', 'data-unavailable': 'true' },
    `${what} are not available on this server yet.`);
}

// live calls refresh (debounced) on events whose kind starts with one of
// the prefixes, through ctx.onEvent (dropped when the page is left).
export function live(ctx, prefixes, refresh) {
  if (!ctx.onEvent) return;
  let timer = null;
  if (ctx.signal) ctx.signal.addEventListener('abort', () => clearTimeout(timer));
  ctx.onEvent((ev) => {
    const kind = (ev && (ev.kind || (ev.data && ev.data.kind) || ev.event || ev.type)) || '';
    if (prefixes.length && !prefixes.some((p) => kind.startsWith(p))) return;
    clearTimeout(timer);
    timer = setTimeout(() => { if (!(ctx.signal && ctx.signal.aborted)) refresh(ev); }, 150);
  });
}

// A form that submits through fn, showing errors with the shell's
// showErrors (beside the field the API names) and disabling its buttons
// while the request runs.
export function onSubmit(ctx, form, fn) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const buttons = [...form.querySelectorAll('button')];
    buttons.forEach((b) => { b.disabled = true; });
    try {
      clearErrors(form);
      await fn(e.submitter);
    } catch (err) {
      showError(ctx, form, err);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
}

export function clearErrors(form) {
  form.querySelectorAll('.field-error, .form-errors').forEach((n) => n.remove());
  form.querySelectorAll('[aria-invalid]').forEach((n) => n.removeAttribute('aria-invalid'));
}

export function showError(ctx, form, err) {
  if (ctx.showErrors) {
    ctx.showErrors(form, err);
    return;
  }
  const E = builder(ctx.h);
  form.prepend(E('p', { class: 'form-errors error', role: 'alert' }, (err && err.message) || String(err)));
}

// An action button: lifecycle verb as text and data-action.
export function actionButton(E, verb, onclick, label) {
  return E('button', { type: 'button', 'data-action': verb, class: `action action-${verb}`, onclick }, label || verb);
}

// Runs an action, reporting an API refusal in the status line instead of
// failing the page.
export async function act(ctx, statusLine, fn) {
  try {
    statusLine.textContent = '';
    await fn();
  } catch (err) {
    statusLine.textContent = (err && err.message) || String(err);
    statusLine.classList.add('error');
  }
}

// Admiralty grading (source reliability, information credibility) and TLP 2.0.
export const RELIABILITY = {
  A: 'Completely reliable', B: 'Usually reliable', C: 'Fairly reliable',
  D: 'Not usually reliable', E: 'Unreliable', F: 'Reliability cannot be judged',
};
export const CREDIBILITY = {
  1: 'Confirmed by other sources', 2: 'Probably true', 3: 'Possibly true',
  4: 'Doubtful', 5: 'Improbable', 6: 'Truth cannot be judged',
};
export const TLP = {
  'TLP:CLEAR': 'Disclosure is not limited',
  'TLP:GREEN': 'Limited disclosure, within the community',
  'TLP:AMBER': 'Limited disclosure, recipients\u2019 organisations and clients on a need-to-know basis',
  'TLP:AMBER+STRICT': 'Limited disclosure, recipients\u2019 organisations only',
  'TLP:RED': 'For the eyes and ears of individual recipients only, no further disclosure',
};

export function tlpLabel(E, handling) {
  const cls = 'tlp tlp-' + String(handling || '').replace(/^TLP:/, '').replace('+', '-').toLowerCase();
  return E('span', { class: cls, title: TLP[handling] || '', 'data-tlp': handling || '' }, handling || '—');
}

export function grading(E, reliability, credibility, rMeaning, cMeaning) {
  const rm = rMeaning || RELIABILITY[reliability] || 'unknown';
  const cm = cMeaning || CREDIBILITY[credibility] || 'unknown';
  return E('span', { class: 'grading', 'data-grading': `${reliability || ''}${credibility || ''}` },
    E('abbr', { title: `source: ${rm}; information: ${cm}` }, `${reliability || '?'}${credibility || '?'}`),
    ` — source: ${rm}; information: ${cm}`);
}

export const INCIDENT_TYPES = ['armed_clash', 'air_strike', 'shelling', 'remote_explosive', 'suicide_bomb', 'grenade',
  'attack_on_civilians', 'abduction', 'property_destruction', 'territory_change', 'overflight', 'movement', 'other'];

export const human = (s) => String(s || '').replace(/_/g, ' ');
