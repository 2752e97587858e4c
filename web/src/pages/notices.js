// Notices: the list of planned activities declared to the office and one
// notice's page, with its deconfliction result as recorded.
import { builder, fmtTime, field, select, table, props, fill, errorBox, live, onSubmit, statusEl } from './kit.js';

export default {
  path: '/notices',
  title: 'Notices',
  nav: true,
  render: (ctx) => list(ctx),
};

export const noticePage = {
  path: '/notices/:id',
  title: 'Notice',
  nav: false,
  render: (ctx, params) => detail(ctx, params.id),
};

export function resultEl(E, result) {
  return E('strong', { class: `result result-${result}`, 'data-result': result }, result);
}

export function conflictsTable(E, conflicts, caption) {
  return table(E, caption || 'Conflicts', ['Zone', 'Owner', 'Status', 'Reason'],
    (conflicts || []).map((c) => E('tr', { 'data-zone': c.zone_id, 'data-reason': c.reason },
      E('td', {}, E('a', { href: `#/zones/${c.zone_id}` }, c.zone_name || c.zone_id)),
      E('td', {}, c.owner),
      E('td', {}, statusEl(E, c.status)),
      E('td', {}, c.reason))),
    { class: 'conflicts' });
}

function geomText(g) {
  if (!g) return '—';
  if (g.type === 'Point') return `Point ${g.coordinates[1]}, ${g.coordinates[0]} (lat, lon)`;
  if (g.type === 'Polygon') return `Polygon of ${Math.max(0, g.coordinates[0].length - 1)} vertices`;
  return g.type;
}

async function list(ctx) {
  const E = builder(ctx.h);
  const partiesR = await ctx.api('/api/v1/parties');
  const form = E('form', { class: 'filters', 'aria-label': 'Filter notices' },
    field(E, 'Party', select(E, 'party', [['', 'any'], ...(partiesR.items || []).map((p) => [p.id, `${p.id} — ${p.name}`])], '')),
    E('button', { type: 'submit' }, 'Apply filters'));
  const out = E('div', { class: 'results' });
  fill(ctx.el, E('h1', {}, 'Notices'),
    E('p', {}, E('a', { href: '#/deconflict' }, 'Check a planned activity (deconfliction)')), form, out);
  let party = '';
  let items = [];
  let next = '';
  const draw = () => {
    fill(out,
      table(E, `Notices (${items.length}${next ? '+' : ''})`, ['Declared', 'Party', 'Activity', 'From', 'Until', 'Result', 'Conflicts'],
        items.map((f) => {
          const p = f.properties;
          return E('tr', { 'data-id': p.id },
            E('td', {}, E('a', { href: `#/notices/${p.id}` }, fmtTime(p.time))),
            E('td', {}, p.party),
            E('td', {}, p.activity),
            E('td', {}, fmtTime(p.from)),
            E('td', {}, fmtTime(p.until)),
            E('td', {}, resultEl(E, p.result)),
            E('td', {}, (p.conflicts || []).map((c) => c.zone_name).join('; ') || '—'));
        }), { class: 'list notices' }),
      next ? E('button', { type: 'button', onclick: () => load(next) }, 'Load more') : null);
  };
  const load = async (cursor) => {
    try {
      const q = { limit: 100 };
      if (party) q.party = party;
      if (cursor) q.cursor = cursor;
      const r = await ctx.api('/api/v1/notices', { query: q });
      items = cursor ? items.concat(r.features || []) : (r.features || []);
      next = r.next_cursor || '';
      draw();
    } catch (err) {
      fill(out, errorBox(E, err));
    }
  };
  onSubmit(ctx, form, async () => {
    party = new FormData(form).get('party') || '';
    await load('');
  });
  await load('');
  live(ctx, ['notice.'], () => load(''));
}

async function detail(ctx, id) {
  const E = builder(ctx.h);
  const out = E('div', {});
  fill(ctx.el, E('p', {}, E('a', { href: '#/notices' }, '← Notices')), out);
  let n;
  try {
    n = await ctx.api(`/api/v1/notices/${encodeURIComponent(id)}`);
  } catch (err) {
    fill(out, E('h1', {}, 'Notice'), errorBox(E, err));
    return;
  }
  const p = n.properties;
  fill(out,
    E('h1', {}, p.activity || 'Notice'),
    props(E, [
      ['Id', p.id],
      ['Party', p.party],
      ['Declared by', p.member],
      ['Declared', fmtTime(p.time)],
      ['Activity', p.activity],
      ['Note', p.note],
      ['Geometry', geomText(n.geometry)],
      ['Buffer', `${p.buffer_m} m`],
      ['From', fmtTime(p.from)],
      ['Until', fmtTime(p.until)],
      ['Result', resultEl(E, p.result)],
      ['Journal entry', String(p.entry)],
    ]),
    E('h2', {}, 'Conflicts'),
    conflictsTable(E, p.conflicts, `${(p.conflicts || []).length} conflict(s)`));
}
