// Actors: the designation matrix (actors × parties, disputed rows
// highlighted), each actor's page with every party's designation history,
// and an official's form to set their own party's designation.
import { builder, roles, fmtTime, actors, parties, field, input, select, table, props, fill, errorBox, live, onSubmit, human } from './kit.js';

const DESIGNATIONS = ['party_to_cessation', 'excluded', 'undetermined'];

export default {
  path: '/actors',
  title: 'Actors',
  nav: true,
  render: (ctx) => matrix(ctx),
};

export const actorPage = {
  path: '/actors/:id',
  title: 'Actor',
  nav: false,
  render: (ctx, params) => detail(ctx, params.id),
};

function cell(E, d) {
  return d ? E('span', { class: `designation designation-${d}`, 'data-designation': d }, human(d)) : E('span', { class: 'designation none' }, '—');
}

async function matrix(ctx) {
  const E = builder(ctx.h);
  const me = roles(ctx.me);
  const out = E('div', {});
  const createBox = E('div', {});
  fill(ctx.el, E('h1', {}, 'Actors'),
    E('p', {}, 'Each party\u2019s designation of every armed group, side by side. Rows where the parties differ are disputed.'),
    out, createBox);
  const byParty = await parties(ctx);
  const cols = [...byParty.values()].filter((p) => p.kind !== 'monitor').map((p) => p.id);
  // Monitors may designate too; show their column only if they did.
  const load = async () => {
    let list;
    try {
      list = await actors(ctx);
    } catch (err) {
      fill(out, errorBox(E, err));
      return;
    }
    const extra = [...byParty.keys()].filter((id) => !cols.includes(id) && list.some((a) => a.designations && a.designations[id]));
    const columns = cols.concat(extra);
    const disputed = list.filter((a) => a.disputed).length;
    fill(out,
      E('p', { class: 'legend' }, E('span', { class: 'disputed-swatch', 'aria-hidden': 'true' }, ' '), ` disputed: ${disputed} of ${list.length} actors`),
      table(E, 'Designation matrix', ['Actor', 'Answerable party', ...columns.map((c) => `${c}`), 'Disputed'],
        list.map((a) => E('tr', { 'data-id': a.id, 'data-disputed': String(!!a.disputed), class: a.disputed ? 'disputed' : null },
          E('th', { scope: 'row' }, E('a', { href: `#/actors/${a.id}` }, a.name)),
          E('td', {}, a.answerable_party || '—'),
          columns.map((c) => E('td', { 'data-party': c }, cell(E, (a.designations || {})[c]))),
          E('td', {}, a.disputed ? E('strong', { class: 'disputed-flag' }, 'disputed') : 'no'))),
        { class: 'matrix actors' }));
  };
  if (me.official || me.analyst) {
    const f = E('form', { class: 'create', 'aria-label': 'New actor' },
      E('h2', {}, 'New actor'),
      field(E, 'Name', input(E, 'name', { required: true })),
      field(E, 'Aliases', input(E, 'aliases'), 'Separated by commas.'),
      field(E, 'Answerable party', select(E, 'answerable_party', [['', 'none'], ...[...byParty.keys()].map((p) => [p, p])], '')),
      E('button', { type: 'submit', 'data-action': 'create' }, 'create'));
    onSubmit(ctx, f, async () => {
      const fd = new FormData(f);
      const aliases = String(fd.get('aliases') || '').split(',').map((s) => s.trim()).filter(Boolean);
      const a = await ctx.api('/api/v1/actors', { method: 'POST', body: { name: fd.get('name'), aliases, answerable_party: fd.get('answerable_party') || null } });
      ctx.navigate(`#/actors/${a.id}`);
    });
    fill(createBox, f);
  }
  await load();
  live(ctx, ['designation.', 'actor.'], load);
}

async function detail(ctx, id) {
  const E = builder(ctx.h);
  const me = roles(ctx.me);
  const head = E('div', {});
  const hist = E('div', {});
  const formBox = E('div', {});
  fill(ctx.el, E('p', {}, E('a', { href: '#/actors' }, '← Actors')), head, formBox, hist);
  const byParty = await parties(ctx);
  let formDrawn = false;
  const load = async () => {
    let a; let h;
    try {
      [a, h] = await Promise.all([
        ctx.api(`/api/v1/actors/${encodeURIComponent(id)}`),
        ctx.api(`/api/v1/actors/${encodeURIComponent(id)}/designations`),
      ]);
    } catch (err) {
      fill(head, E('h1', {}, 'Actor'), errorBox(E, err));
      return;
    }
    const des = a.designations || {};
    fill(head,
      E('h1', { class: a.disputed ? 'disputed' : null }, a.name),
      props(E, [
        ['Id', a.id],
        ['Aliases', (a.aliases || []).join(', ')],
        ['Answerable party', a.answerable_party || '—'],
        ['Disputed', E('span', { 'data-disputed': String(!!a.disputed), class: a.disputed ? 'disputed-flag' : null }, a.disputed ? 'yes: the parties differ' : 'no')],
        ['Created', `${fmtTime(a.created_at)} by ${a.created_by || '—'}`],
      ]),
      table(E, 'Current designations', ['Party', 'Designation'],
        [...byParty.keys()].map((p) => E('tr', { 'data-party': p }, E('th', { scope: 'row' }, p), E('td', {}, cell(E, des[p])))),
        { class: 'designations' }));
    // History, grouped by party, in journal order.
    const items = h.items || [];
    const groups = [...byParty.keys()].map((p) => [p, items.filter((x) => x.party === p)]).filter(([, xs]) => xs.length);
    fill(hist, E('h2', {}, 'Designation history'),
      groups.length ? groups.map(([p, xs]) => table(E, `${p}: ${xs.length} designation(s)`, ['Time', 'Designation', 'Note', 'By', 'Entry'],
        xs.map((x) => E('tr', { 'data-entry': x.entry }, E('td', {}, fmtTime(x.time)), E('td', {}, cell(E, x.designation)),
          E('td', {}, x.note || ''), E('td', {}, x.member), E('td', {}, String(x.entry)))),
        { class: 'history', 'data-party': p })) : E('p', {}, 'No party has designated this actor.'));
    if (me.official && me.party && !formDrawn) {
      formDrawn = true;
      const f = E('form', { class: 'designate panel', 'aria-label': `Set ${me.party}'s designation` },
        E('h2', {}, `Set ${me.party}\u2019s designation`),
        field(E, 'Designation', select(E, 'designation', DESIGNATIONS.map((d) => [d, human(d)]), des[me.party] || 'undetermined')),
        field(E, 'Note', input(E, 'note')),
        E('button', { type: 'submit', 'data-action': 'designate' }, 'designate'));
      onSubmit(ctx, f, async () => {
        const fd = new FormData(f);
        await ctx.api(`/api/v1/actors/${encodeURIComponent(id)}/designations/${me.party}`, { method: 'PUT', body: { designation: fd.get('designation'), note: fd.get('note') || '' } });
        await load();
      });
      fill(formBox, f);
    }
  };
  await load();
  live(ctx, ['designation.', 'actor.'], load);
}
