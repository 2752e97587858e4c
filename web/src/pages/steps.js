// Steps of the agreement: the board (by status, then by due date, overdue
// marked), one step's page where the responsible party's official updates
// status and evidence, and the form that records a new step (officials).
import { builder, roles, fmtTime, fmtDate, utcInput, statusEl, parties, field, input, select, props, fill, errorBox, live, onSubmit, human } from './kit.js';

const COLUMNS = ['overdue', 'planned', 'in_progress', 'done', 'abandoned'];
const SETTABLE = ['planned', 'in_progress', 'done', 'abandoned'];

export default {
  path: '/steps',
  title: 'Steps',
  nav: true,
  render: (ctx) => board(ctx),
};

export const stepPage = {
  path: '/steps/:id',
  title: 'Step',
  nav: false,
  render: (ctx, params) => detail(ctx, params.id),
};

async function board(ctx) {
  const E = builder(ctx.h);
  const me = roles(ctx.me);
  const out = E('div', { class: 'board', role: 'region', 'aria-label': 'Steps by status' });
  const formBox = E('div', {});
  fill(ctx.el, E('h1', {}, 'Steps of the agreement'),
    E('p', {}, 'By status, earliest due first. A step past its due date while planned or in progress is overdue.'),
    out, formBox);
  const load = async () => {
    let items;
    try {
      items = ctx.listAll ? await ctx.listAll('/api/v1/steps', {}, { max: 10000 }) : ((await ctx.api('/api/v1/steps', { query: { limit: 10000 } })).items || []);
    } catch (err) {
      fill(out, errorBox(E, err));
      return;
    }
    fill(out, COLUMNS.map((st) => {
      const xs = items.filter((s) => s.status === st).sort((a, b) => Date.parse(a.due) - Date.parse(b.due));
      return E('section', { class: `column column-${st}`, 'data-status': st, 'aria-labelledby': `col-${st}` },
        E('h2', { id: `col-${st}` }, statusEl(E, st), ` ${xs.length}`),
        E('ul', { class: 'cards' }, xs.map((s) => E('li', {
          class: ['card', s.status === 'overdue' ? 'overdue' : null].filter(Boolean).join(' '),
          'data-id': s.id, 'data-overdue': s.status === 'overdue' ? 'true' : null,
        },
        E('a', { href: `#/steps/${s.id}` }, s.title),
        E('div', { class: 'meta' }, `responsible: ${s.responsible_party}`),
        E('div', { class: 'meta' }, `due ${fmtDate(s.due)}`, s.status === 'overdue' ? E('strong', { class: 'overdue-flag' }, ' — overdue') : null),
        s.evidence ? E('div', { class: 'meta evidence' }, s.evidence) : null))));
    }));
  };
  if (me.official && me.party) {
    const byParty = await parties(ctx);
    const f = E('form', { class: 'create panel', 'aria-label': 'Record a step' },
      E('h2', {}, 'Record a step of the agreement'),
      field(E, 'Title', input(E, 'title', { required: true })),
      field(E, 'Responsible party', select(E, 'responsible_party', [...byParty.keys()].map((p) => [p, `${p} — ${byParty.get(p).name}`]), me.party)),
      field(E, 'Due (UTC)', input(E, 'due', { type: 'datetime-local', required: true })),
      field(E, 'Evidence', E('textarea', { name: 'evidence', rows: 2 })),
      E('button', { type: 'submit', 'data-action': 'create' }, 'create'));
    onSubmit(ctx, f, async () => {
      const fd = new FormData(f);
      const body = { title: fd.get('title') || '', responsible_party: fd.get('responsible_party'), evidence: fd.get('evidence') || '' };
      if (fd.get('due')) body.due = utcInput(fd.get('due'));
      const s = await ctx.api('/api/v1/steps', { method: 'POST', body });
      ctx.navigate(`#/steps/${s.id}`);
    });
    fill(formBox, f);
  }
  await load();
  live(ctx, ['step.'], load);
}

async function detail(ctx, id) {
  const E = builder(ctx.h);
  const me = roles(ctx.me);
  const head = E('div', {});
  const formBox = E('div', {});
  fill(ctx.el, E('p', {}, E('a', { href: '#/steps' }, '← Steps')), head, formBox);
  let formFor = '';
  const load = async () => {
    let s;
    try {
      s = await ctx.api(`/api/v1/steps/${encodeURIComponent(id)}`);
    } catch (err) {
      fill(head, E('h1', {}, 'Step'), errorBox(E, err));
      fill(formBox);
      return;
    }
    fill(head,
      E('h1', {}, s.title),
      E('p', {}, 'Status: ', statusEl(E, s.status), s.status === 'overdue' ? E('strong', { class: 'overdue-flag', 'data-overdue': 'true' }, ' — past its due date') : null),
      props(E, [
        ['Id', s.id],
        ['Responsible party', s.responsible_party],
        ['Due', fmtTime(s.due)],
        ['Evidence', s.evidence || ''],
        ['Recorded by', `${s.created_by} (${s.created_party}) at ${fmtTime(s.created_at)}`],
        ['Updated', fmtTime(s.updated_at)],
      ]));
    // The update form, drawn once per status so a refresh does not wipe typing.
    if (me.official && me.party === s.responsible_party && formFor !== s.status) {
      formFor = s.status;
      const cur = SETTABLE.includes(s.status) ? s.status : 'in_progress';
      const f = E('form', { class: 'update panel', 'aria-label': 'Update the step' },
        E('h2', {}, 'Update'),
        field(E, 'Status', select(E, 'status', SETTABLE.map((x) => [x, human(x)]), cur)),
        field(E, 'Evidence', E('textarea', { name: 'evidence', rows: 3 }, s.evidence || '')),
        E('button', { type: 'submit', 'data-action': 'update' }, 'update'));
      onSubmit(ctx, f, async () => {
        const fd = new FormData(f);
        await ctx.api(`/api/v1/steps/${encodeURIComponent(id)}`, { method: 'PATCH', body: { status: fd.get('status'), evidence: fd.get('evidence') || '' } });
        formFor = '';
        await load();
      });
      fill(formBox, f);
    }
  };
  await load();
  live(ctx, ['step.'], (ev) => { if (!ev.data || ev.data.subject === id) load(); });
}
