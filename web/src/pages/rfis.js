// Requests for information: list, detail with answer (by a report) or
// decline for the party asked, and the form that asks (officials, analysts).
// Written against SPEC 4.1's rfi fields; when the server has no RFI API yet
// (404 "no such endpoint") the page says so.
import {
  builder, roles, fmtTime, utcInput, statusEl, parties, actors, actorName, field, input, select, table, props, fill,
  errorBox, live, onSubmit, isMissing, notAvailable,
} from './kit.js';
import { reportItems } from './reports.js';

export default {
  path: '/rfis',
  title: 'RFIs',
  nav: true,
  render: (ctx) => list(ctx),
};

export const rfiPage = {
  path: '/rfis/:id',
  title: 'RFI',
  nav: false,
  render: (ctx, params) => detail(ctx, params.id),
};

// overdue: the API's flag when it gives one, else open past its due time.
const overdue = (r) => (typeof r.overdue === 'boolean' ? r.overdue : r.status === 'open' && r.due && Date.parse(r.due) < Date.now());

async function list(ctx) {
  const E = builder(ctx.h);
  const me = roles(ctx.me);
  const out = E('div', {});
  const formBox = E('div', {});
  fill(ctx.el, E('h1', {}, 'Requests for information'), out, formBox);
  const get = () => ctx.api('/api/v1/rfis', { query: { limit: 1000 } });
  const draw = (r) => {
    const items = r.items || [];
    fill(out, table(E, `RFIs (${items.length})`, ['Question', 'From', 'To', 'Due', 'Status', 'Answer'],
      items.map((x) => E('tr', { 'data-id': x.id, class: overdue(x) ? 'overdue' : null, 'data-overdue': overdue(x) ? 'true' : null },
        E('td', {}, E('a', { href: `#/rfis/${x.id}` }, (x.question || x.id).slice(0, 100))),
        E('td', {}, x.from), E('td', {}, x.to),
        E('td', {}, fmtTime(x.due), overdue(x) ? E('strong', { class: 'overdue-flag' }, ' overdue') : null),
        E('td', {}, statusEl(E, x.status)),
        E('td', {}, x.report_id ? E('a', { href: `#/reports/${x.report_id}` }, x.report_id) : '—'))),
      { class: 'rfis' }));
  };
  try {
    draw(await get());
  } catch (err) {
    fill(out, isMissing(err) ? notAvailable(E, 'Requests for information') : errorBox(E, err));
    return;
  }
  if ((me.official || me.analyst) && me.party) {
    const [byParty, actorList] = await Promise.all([parties(ctx), actors(ctx)]);
    const f = E('form', { class: 'create panel', 'aria-label': 'Ask for information' },
      E('h2', {}, 'Ask another party'),
      field(E, 'To', select(E, 'to', [...byParty.keys()].filter((p) => p !== me.party).map((p) => [p, `${p} — ${byParty.get(p).name}`]), '')),
      field(E, 'Question', E('textarea', { name: 'question', rows: 3, required: true })),
      field(E, 'Subject actors', E('select', { name: 'subjects', multiple: true, size: Math.min(6, Math.max(2, actorList.length)) },
        actorList.map((a) => E('option', { value: a.id }, a.name))), 'Hold Ctrl or Shift to choose several.'),
      field(E, 'Due (UTC)', input(E, 'due', { type: 'datetime-local' })),
      E('button', { type: 'submit', 'data-action': 'create' }, 'ask'));
    onSubmit(ctx, f, async () => {
      const fd = new FormData(f);
      const body = { to: fd.get('to'), question: fd.get('question') || '', subjects: fd.getAll('subjects') };
      if (fd.get('due')) body.due = utcInput(fd.get('due'));
      const r = await ctx.api('/api/v1/rfis', { method: 'POST', body });
      ctx.navigate(`#/rfis/${r.id}`);
    });
    fill(formBox, f);
  }
  live(ctx, ['rfi.', 'report.'], async () => { try { draw(await get()); } catch (err) { fill(out, errorBox(E, err)); } });
}

async function detail(ctx, id) {
  const E = builder(ctx.h);
  const me = roles(ctx.me);
  const head = E('div', {});
  const formBox = E('div', {});
  fill(ctx.el, E('p', {}, E('a', { href: '#/rfis' }, '← RFIs')), head, formBox);
  const byActor = new Map((await actors(ctx)).map((a) => [a.id, a]));
  let drawnFor = '';
  const load = async () => {
    let r;
    try {
      r = await ctx.api(`/api/v1/rfis/${encodeURIComponent(id)}`);
    } catch (err) {
      fill(head, E('h1', {}, 'RFI'), isMissing(err) ? notAvailable(E, 'Requests for information') : errorBox(E, err));
      fill(formBox);
      return;
    }
    fill(head,
      E('h1', {}, 'Request for information'),
      E('p', {}, 'Status: ', statusEl(E, r.status), overdue(r) ? E('strong', { class: 'overdue-flag', 'data-overdue': 'true' }, ' — past its due date') : null),
      props(E, [
        ['Id', r.id],
        ['From', r.from],
        ['To', r.to],
        ['Question', r.question],
        ['Subjects', (r.subjects || []).length ? E('ul', {}, r.subjects.map((a) => E('li', {}, E('a', { href: `#/actors/${a}` }, actorName(byActor, a))))) : '—'],
        ['Due', fmtTime(r.due)],
        ['Answer', r.report_id ? E('a', { href: `#/reports/${r.report_id}` }, `report ${r.report_id}`) : '—'],
        r.status === 'declined' ? ['Reason declined', r.reason || ''] : null,
      ]));
    // Only the officials of the party asked answer or decline (SPEC 2; the API judges).
    if (r.status !== 'open' || !me.party || me.party !== r.to || !me.official) {
      fill(formBox);
      drawnFor = '';
      return;
    }
    if (drawnFor === r.status) return;
    drawnFor = r.status;
    // Answer with one of the caller's party's reports.
    let mine = [];
    try { mine = reportItems(await ctx.api('/api/v1/reports', { query: { limit: 1000 } })).filter((x) => x.owner === me.party); } catch { /* no reports API */ }
    const answer = E('form', { class: 'answer panel', 'aria-label': 'Answer the request' },
      E('h2', {}, 'Answer with a report'),
      field(E, 'Report', select(E, 'report_id', mine.map((x) => [x.id, `${x.id} — ${(x.text || '').slice(0, 60)} (${x.status})`]), '')),
      E('button', { type: 'submit', 'data-action': 'answer' }, 'answer'));
    onSubmit(ctx, answer, async () => {
      await ctx.api(`/api/v1/rfis/${encodeURIComponent(id)}/answer`, { method: 'POST', body: { report_id: new FormData(answer).get('report_id') || '' } });
      await load();
    });
    const decline = E('form', { class: 'decline panel', 'aria-label': 'Decline the request' },
      E('h2', {}, 'Decline'),
      field(E, 'Reason', input(E, 'reason')),
      E('button', { type: 'submit', 'data-action': 'decline', class: 'danger' }, 'decline'));
    onSubmit(ctx, decline, async () => {
      await ctx.api(`/api/v1/rfis/${encodeURIComponent(id)}/decline`, { method: 'POST', body: { reason: new FormData(decline).get('reason') || '' } });
      await load();
    });
    fill(formBox, answer, decline);
  };
  await load();
  live(ctx, ['rfi.'], (ev) => { if (!ev.data || ev.data.subject === id) load(); });
}
