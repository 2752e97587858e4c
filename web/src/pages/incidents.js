// Incidents: the list (filtered like GET /api/v1/incidents) and one
// incident's page with its violations, responses, attributions side by side,
// verifications, and the lifecycle actions the member may take.
import {
  builder, roles, fmtTime, utcInput, statusEl, parties, actors, actorName, field, input, select,
  table, props, fill, errorBox, live, onSubmit, actionButton, act, human,
} from './kit.js';

export default {
  path: '/incidents',
  title: 'Incidents',
  nav: true,
  render: (ctx) => list(ctx),
};

export const incidentPage = {
  path: '/incidents/:id',
  title: 'Incident',
  nav: false,
  render: (ctx, params) => detail(ctx, params.id),
};

// The latest first (of what is loaded).
const sortByTime = (fs) => fs.slice().sort((a, b) => Date.parse(b.properties.occurred_at) - Date.parse(a.properties.occurred_at));

async function list(ctx) {
  const E = builder(ctx.h);
  const actorList = await actors(ctx);
  const byActor = new Map(actorList.map((a) => [a.id, a]));
  const state = { from: '', until: '', perpetrator: '', violation: '' };
  const form = E('form', { class: 'filters', 'aria-label': 'Filter incidents' },
    field(E, 'From (UTC)', input(E, 'from', { type: 'datetime-local' })),
    field(E, 'Until (UTC)', input(E, 'until', { type: 'datetime-local' })),
    field(E, 'Perpetrator', select(E, 'perpetrator', [['', 'any'], ...actorList.map((a) => [a.id, a.name])], '')),
    field(E, 'Violation', select(E, 'violation', [['', 'any'], ['true', 'violations only'], ['false', 'no violation']], '')),
    E('button', { type: 'submit' }, 'Apply filters'));
  const out = E('div', { class: 'results' });
  fill(ctx.el, E('h1', {}, 'Incidents'), form, out);

  let items = [];
  let next = '';
  const query = (cursor) => {
    const q = { limit: 100 };
    if (state.from) q.from = state.from;
    if (state.until) q.until = state.until;
    if (state.perpetrator) q.perpetrator = state.perpetrator;
    if (state.violation) q.violation = state.violation;
    if (cursor) q.cursor = cursor;
    return q;
  };
  const draw = () => {
    const rows = items.map((f) => {
      const p = f.properties;
      const v = p.violations || [];
      return E('tr', { 'data-id': p.id, class: v.length ? 'violation' : null },
        E('td', {}, E('a', { href: `#/incidents/${p.id}` }, fmtTime(p.occurred_at))),
        E('td', {}, human(p.type)),
        E('td', {}, actorName(byActor, p.perpetrator)),
        E('td', {}, p.answerable_party || '—'),
        E('td', {}, statusEl(E, p.status), p.overdue ? E('div', { class: 'overdue-flag', 'data-overdue': 'true' }, 'answer overdue') : null),
        E('td', { 'data-violations': v.length }, v.length ? v.map((x) => x.zone_name).join('; ') : 'no'),
        E('td', {}, p.owner));
    });
    fill(out,
      table(E, `Incidents (${items.length}${next ? '+' : ''})`, ['Occurred', 'Type', 'Perpetrator', 'Answerable', 'Status', 'Violation', 'Reported by'], rows, { class: 'list incidents' }),
      next ? E('button', { type: 'button', onclick: () => load(next) }, 'Load more') : null);
  };
  const load = async (cursor) => {
    try {
      const r = await ctx.api('/api/v1/incidents', { query: query(cursor) });
      items = sortByTime(cursor ? items.concat(r.features || []) : (r.features || []));
      next = r.next_cursor || '';
      draw();
    } catch (err) {
      fill(out, errorBox(E, err));
    }
  };
  onSubmit(ctx, form, async () => {
    const fd = new FormData(form);
    state.from = utcInput(fd.get('from'));
    state.until = utcInput(fd.get('until'));
    state.perpetrator = fd.get('perpetrator') || '';
    state.violation = fd.get('violation') || '';
    const r = await ctx.api('/api/v1/incidents', { query: query('') });
    items = sortByTime(r.features || []);
    next = r.next_cursor || '';
    draw();
  });
  await load('');
  live(ctx, ['incident.', 'zone.', 'commitment.'], () => load(''));
}

async function detail(ctx, id) {
  const E = builder(ctx.h);
  const me = roles(ctx.me);
  const [byParty, actorList] = await Promise.all([parties(ctx), actors(ctx)]);
  const byActor = new Map(actorList.map((a) => [a.id, a]));
  const monitored = [...byParty.values()].some((p) => p.kind === 'monitor');
  const myKind = me.party && byParty.get(me.party) ? byParty.get(me.party).kind : '';

  const head = E('div', {});
  const body = E('div', {});
  const actions = E('section', { class: 'incident-actions', 'aria-label': 'Actions' });
  const statusLine = E('p', { class: 'action-status', role: 'status' });
  fill(ctx.el, E('p', {}, E('a', { href: '#/incidents' }, '← Incidents')), head, statusLine,
    E('div', { class: 'cols' }, body, actions));

  let inc = null;
  const load = async () => {
    try {
      inc = await ctx.api(`/api/v1/incidents/${encodeURIComponent(id)}`);
    } catch (err) {
      fill(head, E('h1', {}, 'Incident'), errorBox(E, err));
      fill(body);
      fill(actions);
      return;
    }
    draw();
  };
  const refreshWith = (feature) => { inc = feature; draw(); };

  const draw = () => {
    const p = inc.properties;
    const geom = inc.geometry;
    fill(head,
      E('h1', {}, `${human(p.type)} — ${fmtTime(p.occurred_at)}`),
      E('p', {}, 'Status: ', statusEl(E, p.status), p.overdue ? E('span', { class: 'overdue', 'data-overdue': 'true' }, ' answer overdue') : null));
    const released = p.status !== 'draft';
    const violations = p.violations || [];
    const responses = p.responses || [];
    const attrs = p.attributions || {};
    const verifs = p.verifications || {};
    const partyIds = [...byParty.keys()];
    fill(body,
      E('section', { 'aria-labelledby': 'inc-props' }, E('h2', { id: 'inc-props' }, 'Properties'), props(E, [
        ['Id', p.id],
        ['Type', human(p.type)],
        ['Occurred', fmtTime(p.occurred_at)],
        ['Perpetrator', p.perpetrator ? E('a', { href: `#/actors/${p.perpetrator}` }, actorName(byActor, p.perpetrator)) : '—'],
        ['Target', p.target ? E('a', { href: `#/actors/${p.target}` }, actorName(byActor, p.target)) : '—'],
        ['Answerable party', p.answerable_party || '—'],
        ['Fatalities', String(p.fatalities)],
        ['Description', p.description],
        ['Sources', (p.sources || []).length ? E('ul', {}, p.sources.map((s) => E('li', {}, s))) : '—'],
        ['Location', geom && geom.type === 'Point' ? `${geom.coordinates[1]}, ${geom.coordinates[0]} (lat, lon)` : (geom ? geom.type : '—')],
        ['Reported by', `${p.owner} (${p.created_by})`],
        ['Released', fmtTime(p.released_at)],
        ['Answer due', p.answer_due ? fmtTime(p.answer_due) : '—'],
      ])),
      E('section', { 'aria-labelledby': 'inc-viol' }, E('h2', { id: 'inc-viol' }, 'Violations'),
        table(E, violations.length ? `${violations.length} violation(s)` : 'No violation', ['Zone', 'Answerable party', 'Commitment'],
          violations.map((v) => E('tr', { class: 'violation-row', 'data-zone': v.zone_id },
            E('td', {}, E('a', { href: `#/zones/${v.zone_id}` }, v.zone_name || v.zone_id)),
            E('td', {}, v.answerable_party || '—'),
            E('td', {}, v.commitment_id ? E('a', { href: `#/commitments/${v.commitment_id}` }, 'breach of ' + v.commitment_id) : 'no commitment covers it'))),
          { class: 'violations' })),
      E('section', { 'aria-labelledby': 'inc-resp' }, E('h2', { id: 'inc-resp' }, 'Responses of the answerable party'),
        table(E, `${responses.length} response(s)`, ['Time', 'Party', 'Kind', 'Text', 'Evidence', 'By'],
          responses.map((r) => E('tr', { 'data-kind': r.kind },
            E('td', {}, fmtTime(r.time)), E('td', {}, r.party), E('td', {}, r.kind), E('td', {}, r.text || ''),
            E('td', {}, r.evidence || ''), E('td', {}, r.member))),
          { class: 'responses' })),
      E('section', { 'aria-labelledby': 'inc-attr' }, E('h2', { id: 'inc-attr' }, 'Attributions'),
        E('p', { 'data-attribution-disputed': String(!!p.attribution_disputed), class: p.attribution_disputed ? 'disputed' : null },
          p.attribution_disputed ? 'The parties attribute this incident differently (attribution disputed).' : 'Attributions do not differ.'),
        table(E, 'Each party\u2019s attribution, side by side', ['Party', 'Actor', 'Note', 'By', 'Time'],
          partyIds.map((pid) => {
            const a = attrs[pid];
            return E('tr', { 'data-party': pid },
              E('th', { scope: 'row' }, pid),
              E('td', {}, a ? actorName(byActor, a.actor) : '—'),
              E('td', {}, a ? a.note || '' : ''),
              E('td', {}, a ? a.member : ''),
              E('td', {}, a ? fmtTime(a.time) : ''));
          }),
          { class: 'attributions' })),
      E('section', { 'aria-labelledby': 'inc-ver' }, E('h2', { id: 'inc-ver' }, 'Verification'),
        table(E, 'Verifications', ['Party', 'Outcome', 'Note', 'By', 'Time'],
          Object.entries(verifs).map(([pid, v]) => E('tr', { 'data-party': pid, 'data-outcome': v.outcome },
            E('th', { scope: 'row' }, pid), E('td', {}, v.outcome), E('td', {}, v.note || ''), E('td', {}, v.member), E('td', {}, fmtTime(v.time)))),
          { class: 'verifications' })));

    // Actions the member may take (the API is the final judge).
    const forms = [];
    if (p.status === 'draft' && me.official && me.party === p.owner) {
      forms.push(E('div', { class: 'action-group' },
        actionButton(E, 'release', () => act(ctx, statusLine, async () =>
          refreshWith(await ctx.api(`/api/v1/incidents/${p.id}/release`, { method: 'POST' }))))));
    }
    if (released && (me.official || me.analyst) && me.party && me.party === p.answerable_party) {
      const f = E('form', { class: 'respond', 'aria-label': 'Respond to the incident' },
        E('h2', {}, 'Respond'),
        field(E, 'Text', E('textarea', { name: 'text', rows: 3 })),
        field(E, 'Evidence', E('textarea', { name: 'evidence', rows: 2 })),
        E('div', { class: 'buttons' },
          E('button', { type: 'submit', name: 'kind', value: 'accept', 'data-action': 'accept' }, 'accept'),
          E('button', { type: 'submit', name: 'kind', value: 'dispute', 'data-action': 'dispute' }, 'dispute'),
          E('button', { type: 'submit', name: 'kind', value: 'comment', 'data-action': 'comment' }, 'comment')));
      onSubmit(ctx, f, async (submitter) => {
        const fd = new FormData(f);
        const kind = (submitter && submitter.value) || 'comment';
        refreshWith(await ctx.api(`/api/v1/incidents/${p.id}/responses`, { method: 'POST', body: { kind, text: fd.get('text') || '', evidence: fd.get('evidence') || '' } }));
      });
      forms.push(f);
    }
    if (released && me.official && me.party) {
      const mine = attrs[me.party];
      const f = E('form', { class: 'attribute', 'aria-label': `Set ${me.party}'s attribution` },
        E('h2', {}, `${me.party}'s attribution`),
        field(E, 'Actor', select(E, 'actor', actorList.map((a) => [a.id, a.name]), mine ? mine.actor : (p.perpetrator || ''))),
        field(E, 'Note', input(E, 'note', { value: mine ? mine.note : '' })),
        E('button', { type: 'submit', 'data-action': 'attribute' }, 'attribute'));
      onSubmit(ctx, f, async () => {
        const fd = new FormData(f);
        refreshWith(await ctx.api(`/api/v1/incidents/${p.id}/attributions/${me.party}`, { method: 'PUT', body: { actor: fd.get('actor'), note: fd.get('note') || '' } }));
      });
      forms.push(f);
    }
    if (released && me.official && me.party && (monitored ? myKind === 'monitor' : true)) {
      const f = E('form', { class: 'verify-form', 'aria-label': 'Verify the incident' },
        E('h2', {}, monitored ? 'Verify (monitor)' : 'Verify (joint)'),
        field(E, 'Outcome', select(E, 'outcome', [['confirmed', 'confirmed'], ['unconfirmed', 'unconfirmed'], ['refuted', 'refuted']], 'confirmed')),
        field(E, 'Note', input(E, 'note')),
        E('button', { type: 'submit', 'data-action': 'verify' }, 'verify'));
      onSubmit(ctx, f, async () => {
        const fd = new FormData(f);
        refreshWith(await ctx.api(`/api/v1/incidents/${p.id}/verification`, { method: 'POST', body: { outcome: fd.get('outcome'), note: fd.get('note') || '' } }));
      });
      forms.push(f);
    }
    fill(actions, forms);
  };

  await load();
  live(ctx, ['incident.', 'zone.', 'commitment.'], (ev) => {
    const subject = ev && (ev.subject || (ev.data && ev.data.subject));
    if (!subject || subject === id || !String(subject).startsWith('inc_')) load();
  });
}
