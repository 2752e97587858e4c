// Commitments: the board (by status, then by effective dates), one
// commitment's page with release / accept / withdraw / fulfil, and the form
// that drafts a new pledge (officials and analysts).
import {
  builder, roles, fmtTime, fmtDate, utcInput, statusEl, parties, field, input, select, props, fill, errorBox, live,
  onSubmit, actionButton, act, table,
} from './kit.js';

const COLUMNS = ['draft', 'proposed', 'accepted', 'breached', 'fulfilled', 'withdrawn'];

export default {
  path: '/commitments',
  title: 'Commitments',
  nav: true,
  render: (ctx) => board(ctx),
};

export const commitmentPage = {
  path: '/commitments/:id',
  title: 'Commitment',
  nav: false,
  render: (ctx, params) => detail(ctx, params.id),
};

async function listAll(ctx, path) {
  if (ctx.listAll) return ctx.listAll(path, {}, { max: 10000 });
  return (await ctx.api(path, { query: { limit: 10000 } })).items || [];
}

// ends is when a pledge stops binding (null: open-ended).
const ends = (c) => (c.effective_until ? Date.parse(c.effective_until) : Infinity);

async function board(ctx) {
  const E = builder(ctx.h);
  const me = roles(ctx.me);
  const out = E('div', { class: 'board', role: 'region', 'aria-label': 'Commitments by status' });
  const formBox = E('div', {});
  fill(ctx.el, E('h1', {}, 'Commitments'),
    E('p', {}, 'Pledges by one party to another, by status; within a status the one ending soonest first. A breached commitment has violations counted against it.'),
    out, formBox);
  const load = async () => {
    let items;
    try {
      items = await listAll(ctx, '/api/v1/commitments');
    } catch (err) {
      fill(out, errorBox(E, err));
      return;
    }
    const now = Date.now();
    fill(out, COLUMNS.map((st) => {
      const xs = items.filter((c) => c.status === st).sort((a, b) => ends(a) - ends(b) || Date.parse(a.effective_from) - Date.parse(b.effective_from));
      return E('section', { class: `column column-${st}`, 'data-status': st, 'aria-labelledby': `col-${st}` },
        E('h2', { id: `col-${st}` }, statusEl(E, st), ` ${xs.length}`),
        E('ul', { class: 'cards' }, xs.map((c) => {
          const lapsed = c.effective_until && Date.parse(c.effective_until) < now && (st === 'proposed' || st === 'accepted');
          return E('li', { class: ['card', lapsed ? 'overdue' : null].filter(Boolean).join(' '), 'data-id': c.id, 'data-overdue': lapsed ? 'true' : null },
            E('a', { href: `#/commitments/${c.id}` }, c.text),
            E('div', { class: 'meta' }, `${c.party} → ${c.to}`),
            E('div', { class: 'meta' }, `from ${fmtDate(c.effective_from)}`, c.effective_until ? ` until ${fmtDate(c.effective_until)}` : ', open-ended'),
            c.breaches ? E('div', { class: 'meta breaches', 'data-breaches': c.breaches }, `${c.breaches} breach(es)`) : null,
            lapsed ? E('div', { class: 'meta overdue-flag' }, 'past its end date') : null);
        })));
    }));
  };
  if ((me.official || me.analyst) && me.party) {
    const byParty = await parties(ctx);
    let zones = [];
    try {
      zones = ctx.listAll ? await ctx.listAll('/api/v1/zones', {}, { max: 10000 }) : ((await ctx.api('/api/v1/zones', { query: { limit: 10000 } })).features || []);
    } catch { /* the form still works without zone names */ }
    const f = E('form', { class: 'create panel', 'aria-label': 'Draft a commitment' },
      E('h2', {}, 'Draft a commitment'),
      field(E, 'Made to', select(E, 'to', [...byParty.keys()].filter((p) => p !== me.party).map((p) => [p, `${p} — ${byParty.get(p).name}`]), '')),
      field(E, 'Text', E('textarea', { name: 'text', rows: 3, required: true })),
      field(E, 'Zones covered', E('select', { name: 'zone_ids', multiple: true, size: Math.min(6, Math.max(2, zones.length)) },
        zones.filter((z) => z.properties.status !== 'draft').map((z) => E('option', { value: z.properties.id }, `${z.properties.name} (${z.properties.owner}, ${z.properties.status.replace(/_/g, ' ')})`))),
      'Hold Ctrl or Shift to choose several.'),
      field(E, 'Effective from (UTC)', input(E, 'effective_from', { type: 'datetime-local' })),
      field(E, 'Effective until (UTC, optional)', input(E, 'effective_until', { type: 'datetime-local' })),
      E('button', { type: 'submit', 'data-action': 'create' }, 'create draft'));
    onSubmit(ctx, f, async () => {
      const fd = new FormData(f);
      const body = { to: fd.get('to'), text: fd.get('text') || '', zone_ids: fd.getAll('zone_ids') };
      if (fd.get('effective_from')) body.effective_from = utcInput(fd.get('effective_from'));
      if (fd.get('effective_until')) body.effective_until = utcInput(fd.get('effective_until'));
      const c = await ctx.api('/api/v1/commitments', { method: 'POST', body });
      ctx.navigate(`#/commitments/${c.id}`);
    });
    fill(formBox, f);
  }
  await load();
  live(ctx, ['commitment.', 'incident.', 'zone.'], load);
}

async function detail(ctx, id) {
  const E = builder(ctx.h);
  const me = roles(ctx.me);
  const head = E('div', {});
  const statusLine = E('p', { class: 'action-status', role: 'status' });
  const actions = E('div', { class: 'actions item-actions', role: 'group', 'aria-label': 'Actions' });
  fill(ctx.el, E('p', {}, E('a', { href: '#/commitments' }, '← Commitments')), head, statusLine, actions);
  const zoneNames = new Map();
  let c;
  const draw = async () => {
    for (const z of c.zone_ids || []) {
      if (zoneNames.has(z)) continue;
      try {
        const f = await ctx.api(`/api/v1/zones/${encodeURIComponent(z)}`);
        zoneNames.set(z, f.properties.name);
      } catch { zoneNames.set(z, z); }
    }
    fill(head,
      E('h1', {}, `Commitment of ${c.party} to ${c.to}`),
      E('p', {}, 'Status: ', statusEl(E, c.status)),
      props(E, [
        ['Id', c.id],
        ['Pledge', c.text],
        ['By', c.party],
        ['To', c.to],
        ['Effective from', fmtTime(c.effective_from)],
        ['Effective until', c.effective_until ? fmtTime(c.effective_until) : 'open-ended'],
        ['Breaches', E('span', { 'data-breaches': c.breaches }, String(c.breaches))],
        ['Accepted', c.accepted_at ? fmtTime(c.accepted_at) : '—'],
        ['Ended', c.ended_at ? fmtTime(c.ended_at) : '—'],
        ['Note', c.note || ''],
        ['Drafted by', `${c.created_by} at ${fmtTime(c.created_at)}`],
      ]),
      table(E, 'Zones covered', ['Zone'], (c.zone_ids || []).map((z) => E('tr', { 'data-zone': z }, E('td', {}, E('a', { href: `#/zones/${z}` }, zoneNames.get(z) || z))))),
      c.breaches ? E('p', {}, E('a', { href: '#/incidents' }, 'See the incidents (filter: violations only)')) : null);
    const btns = [];
    const post = (path, body) => act(ctx, statusLine, async () => {
      c = await ctx.api(`/api/v1/commitments/${encodeURIComponent(c.id)}/${path}`, { method: 'POST', body });
      await draw();
    });
    if (me.official && me.party) {
      if (c.status === 'draft' && c.party === me.party) btns.push(actionButton(E, 'release', () => post('release')));
      if (c.status === 'proposed' && c.to === me.party) btns.push(actionButton(E, 'accept', () => post('accept')));
      if (['proposed', 'accepted', 'breached'].includes(c.status) && c.party === me.party) {
        btns.push(actionButton(E, 'withdraw', () => post('status', { status: 'withdrawn', note: note.value || '' })));
      }
      if (c.status === 'accepted' && c.to === me.party) {
        btns.push(actionButton(E, 'fulfil', () => post('status', { status: 'fulfilled', note: note.value || '' }), 'fulfil (declare fulfilled)'));
      }
    }
    const note = input(E, 'note');
    const hasStatus = btns.some((b) => ['withdraw', 'fulfil'].includes(b.dataset.action));
    fill(actions, hasStatus ? field(E, 'Note (for withdraw or fulfil)', note) : null, btns);
  };
  const load = async () => {
    try {
      c = await ctx.api(`/api/v1/commitments/${encodeURIComponent(id)}`);
    } catch (err) {
      fill(head, E('h1', {}, 'Commitment'), errorBox(E, err));
      fill(actions);
      return;
    }
    await draw();
  };
  await load();
  live(ctx, ['commitment.', 'incident.', 'zone.'], (ev) => {
    const s = ev && ev.data && ev.data.subject;
    if (!s || s === id || !String(s).startsWith('cmt_')) load();
  });
}
