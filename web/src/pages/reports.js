// Intelligence reports: list, detail (Admiralty grading with its meaning,
// TLP label), release by the owner's official, and the drafting form
// (officials, analysts). Written against SPEC 4.1's report fields; when the
// server has no reports API yet (404 "no such endpoint") the page says so.
import {
  builder, roles, fmtTime, statusEl, parties, actors, actorName, field, input, select, table, props, fill, errorBox,
  live, onSubmit, actionButton, act, isMissing, notAvailable, grading, tlpLabel, RELIABILITY, CREDIBILITY, TLP,
} from './kit.js';

export default {
  path: '/reports',
  title: 'Reports',
  nav: true,
  render: (ctx) => list(ctx),
};

export const reportPage = {
  path: '/reports/:id',
  title: 'Report',
  nav: false,
  render: (ctx, params) => detail(ctx, params.id),
};

// asReport accepts a plain report object or a GeoJSON Feature of one.
export function asReport(x) {
  if (x && x.type === 'Feature') return { ...(x.properties || {}), geometry: x.geometry || null };
  return x;
}

export function reportItems(r) {
  return ((r && (r.items || r.features)) || []).map(asReport);
}

function subjectsText(byActor, ids) {
  return (ids || []).map((a) => actorName(byActor, a)).join('; ') || '—';
}

async function list(ctx) {
  const E = builder(ctx.h);
  const me = roles(ctx.me);
  const out = E('div', {});
  const formBox = E('div', {});
  fill(ctx.el, E('h1', {}, 'Intelligence reports'), out, formBox);
  let first;
  try {
    first = await ctx.api('/api/v1/reports', { query: { limit: 1000 } });
  } catch (err) {
    if (isMissing(err)) {
      fill(out, notAvailable(E, 'Intelligence reports'));
      return;
    }
    fill(out, errorBox(E, err));
    return;
  }
  const [actorList, byParty] = await Promise.all([actors(ctx), parties(ctx)]);
  const byActor = new Map(actorList.map((a) => [a.id, a]));
  const draw = (items) => fill(out, table(E, `Reports (${items.length})`, ['Report', 'Owner', 'Subjects', 'Grading', 'Handling', 'To', 'Status'],
    items.map((r) => E('tr', { 'data-id': r.id },
      E('td', {}, E('a', { href: `#/reports/${r.id}` }, (r.text || r.id).slice(0, 80))),
      E('td', {}, r.owner),
      E('td', {}, subjectsText(byActor, r.subjects)),
      E('td', {}, E('abbr', { title: `source: ${r.reliability_meaning || RELIABILITY[r.reliability] || '?'}; information: ${r.credibility_meaning || CREDIBILITY[r.credibility] || '?'}` }, `${r.reliability || '?'}${r.credibility || '?'}`)),
      E('td', {}, tlpLabel(E, r.handling)),
      E('td', {}, (r.to || []).length ? r.to.join(', ') : 'all parties'),
      E('td', {}, statusEl(E, r.status)))),
    { class: 'reports' }));
  draw(reportItems(first));
  const load = async () => {
    try { draw(reportItems(await ctx.api('/api/v1/reports', { query: { limit: 1000 } }))); } catch (err) { fill(out, errorBox(E, err)); }
  };
  if ((me.official || me.analyst) && me.party) fill(formBox, createForm(ctx, E, actorList, byParty));
  live(ctx, ['report.'], load);
}

function createForm(ctx, E, actorList, byParty) {
  const me = roles(ctx.me);
  const f = E('form', { class: 'create panel', 'aria-label': 'Draft a report' },
    E('h2', {}, 'Draft a report'),
    field(E, 'Text', E('textarea', { name: 'text', rows: 4, required: true })),
    field(E, 'Subject actors', E('select', { name: 'subjects', multiple: true, size: Math.min(6, Math.max(2, actorList.length)) },
      actorList.map((a) => E('option', { value: a.id }, a.name))), 'Hold Ctrl or Shift to choose several.'),
    field(E, 'Source reliability', select(E, 'reliability', Object.entries(RELIABILITY).map(([k, v]) => [k, `${k} — ${v}`]), 'F')),
    field(E, 'Information credibility', select(E, 'credibility', Object.entries(CREDIBILITY).map(([k, v]) => [k, `${k} — ${v}`]), '6')),
    field(E, 'Handling (TLP 2.0)', select(E, 'handling', Object.entries(TLP).map(([k, v]) => [k, `${k} — ${v}`]), 'TLP:AMBER')),
    E('fieldset', {}, E('legend', {}, 'Released to (none checked: all parties)'),
      [...byParty.keys()].filter((p) => p !== me.party).map((p) => {
        const id = `to-${p}`;
        return E('div', { class: 'check' }, E('input', { type: 'checkbox', name: 'to', value: p, id }), E('label', { for: id }, ` ${p} — ${byParty.get(p).name}`));
      })),
    E('fieldset', {}, E('legend', {}, 'Location (optional point)'),
      field(E, 'Longitude', input(E, 'lon', { type: 'number', step: 'any', min: '-180', max: '180' })),
      field(E, 'Latitude', input(E, 'lat', { type: 'number', step: 'any', min: '-90', max: '90' }))),
    E('button', { type: 'submit', 'data-action': 'create' }, 'create draft'));
  onSubmit(ctx, f, async () => {
    const fd = new FormData(f);
    const body = {
      text: fd.get('text') || '', subjects: fd.getAll('subjects'), reliability: fd.get('reliability'),
      credibility: Number(fd.get('credibility')), handling: fd.get('handling'), to: fd.getAll('to'),
    };
    if (fd.get('lon') !== '' || fd.get('lat') !== '') body.geometry = { type: 'Point', coordinates: [Number(fd.get('lon')), Number(fd.get('lat'))] };
    const r = asReport(await ctx.api('/api/v1/reports', { method: 'POST', body }));
    ctx.navigate(`#/reports/${r.id}`);
  });
  return f;
}

async function detail(ctx, id) {
  const E = builder(ctx.h);
  const me = roles(ctx.me);
  const head = E('div', {});
  const statusLine = E('p', { class: 'action-status', role: 'status' });
  const actions = E('div', { class: 'actions item-actions', role: 'group', 'aria-label': 'Actions' });
  fill(ctx.el, E('p', {}, E('a', { href: '#/reports' }, '← Reports')), head, statusLine, actions);
  const actorList = await actors(ctx);
  const byActor = new Map(actorList.map((a) => [a.id, a]));
  const load = async () => {
    let r;
    try {
      r = asReport(await ctx.api(`/api/v1/reports/${encodeURIComponent(id)}`));
    } catch (err) {
      fill(head, E('h1', {}, 'Report'), isMissing(err) ? notAvailable(E, 'Intelligence reports') : errorBox(E, err));
      fill(actions);
      return;
    }
    const g = r.geometry;
    fill(head,
      E('h1', {}, `Report ${r.id}`),
      E('p', {}, 'Status: ', statusEl(E, r.status), ' ', tlpLabel(E, r.handling)),
      props(E, [
        ['Owner', r.owner],
        ['Text', E('p', { class: 'report-text' }, r.text || '')],
        ['Subjects', (r.subjects || []).length ? E('ul', {}, r.subjects.map((a) => E('li', {}, E('a', { href: `#/actors/${a}` }, actorName(byActor, a))))) : '—'],
        ['Grading', grading(E, r.reliability, r.credibility, r.reliability_meaning, r.credibility_meaning)],
        ['Handling', E('span', {}, tlpLabel(E, r.handling), ` — ${TLP[r.handling] || 'unknown'}`)],
        ['Released to', (r.to || []).length ? r.to.join(', ') : 'all parties'],
        ['Location', g && g.type === 'Point' ? `${g.coordinates[1]}, ${g.coordinates[0]} (lat, lon)` : (g ? g.type : '—')],
        ['Drafted', r.created_by ? `${r.created_by} at ${fmtTime(r.created_at)}` : null],
        ['Released', r.released_at ? fmtTime(r.released_at) : null],
        ['Journal hash', r.hash ? E('code', {}, r.hash) : null],
      ]));
    const btns = [];
    if (r.status === 'draft' && me.official && me.party === r.owner) {
      btns.push(actionButton(E, 'release', () => act(ctx, statusLine, async () => {
        await ctx.api(`/api/v1/reports/${encodeURIComponent(r.id)}/release`, { method: 'POST' });
        await load();
      })));
    }
    // The originator's officials change the label and audience (a released
    // report only ever wider: the API refuses narrowing with a conflict).
    let handling = null;
    if (me.official && me.party === r.owner) {
      const byParty = await parties(ctx);
      handling = E('form', { class: 'handling panel', 'aria-label': 'Change the handling' },
        E('h2', {}, 'Handling'),
        field(E, 'Label (TLP 2.0)', select(E, 'handling', Object.entries(TLP).map(([k, v]) => [k, `${k} — ${v}`]), r.handling)),
        E('fieldset', {}, E('legend', {}, 'Released to (none checked: all parties)'),
          [...byParty.keys()].filter((p) => p !== me.party).map((p) => {
            const cid = `hto-${p}`;
            return E('div', { class: 'check' }, E('input', { type: 'checkbox', name: 'to', value: p, id: cid, checked: (r.to || []).includes(p) }),
              E('label', { for: cid }, ` ${p} — ${byParty.get(p).name}`));
          })),
        E('button', { type: 'submit', 'data-action': 'handling' }, 'change handling'));
      onSubmit(ctx, handling, async () => {
        const fd = new FormData(handling);
        await ctx.api(`/api/v1/reports/${encodeURIComponent(r.id)}/handling`, { method: 'POST', body: { handling: fd.get('handling'), to: fd.getAll('to') } });
        await load();
      });
    }
    fill(actions, btns, handling);
  };
  await load();
  live(ctx, ['report.'], (ev) => { if (!ev.data || ev.data.subject === id) load(); });
}
