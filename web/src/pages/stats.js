// Charts: violations per week by perpetrator and by answerable party, from
// GET /api/v1/stats/violations, filtered by from/until like the lists. Each
// chart has its totals in a table beside it (the same numbers, readable
// without the picture).
import uPlot from 'uplot';
import { builder, field, input, fill, errorBox, live, onSubmit, utcInput, table, fmtDate } from './kit.js';

const PALETTE = ['#1f5fa8', '#a1261c', '#1d6b3a', '#8a5a00', '#6a3d9a', '#00838f', '#c2185b', '#5d4037', '#455a64', '#9e9d24'];

export default {
  path: '/stats',
  title: 'Charts',
  nav: true,
  async render(ctx) {
    const E = builder(ctx.h);
    const state = { from: '', until: '' };
    const form = E('form', { class: 'filters toolbar', 'aria-label': 'Filter the charts' },
      field(E, 'From (UTC)', input(E, 'from', { type: 'datetime-local' })),
      field(E, 'Until (UTC)', input(E, 'until', { type: 'datetime-local' })),
      E('button', { type: 'submit' }, 'Apply filters'));
    const perp = E('section', { class: 'chart-block', 'data-by': 'perpetrator', 'aria-labelledby': 'chart-perp' });
    const party = E('section', { class: 'chart-block', 'data-by': 'answerable_party', 'aria-labelledby': 'chart-party' });
    fill(ctx.el, E('h1', {}, 'Violations per week'),
      E('p', {}, 'Released incidents with at least one violation, counted once per key and week (weeks start Monday 00:00 UTC).'),
      form, perp, party);
    const plots = [];
    const dispose = () => { plots.splice(0).forEach((p) => p.destroy()); };
    const draw = async () => {
      const q = {};
      if (state.from) q.from = state.from;
      if (state.until) q.until = state.until;
      dispose();
      await Promise.all([
        chart(ctx, E, perp, 'chart-perp', 'By perpetrator', { ...q, by: 'perpetrator', interval: 'week' }, plots),
        chart(ctx, E, party, 'chart-party', 'By answerable party', { ...q, by: 'answerable_party', interval: 'week' }, plots),
      ]);
    };
    onSubmit(ctx, form, async () => {
      const fd = new FormData(form);
      state.from = utcInput(fd.get('from'));
      state.until = utcInput(fd.get('until'));
      await draw();
    });
    await draw();
    const onResize = () => plots.forEach((p) => p.setSize(size(p.root.parentElement)));
    window.addEventListener('resize', onResize);
    live(ctx, ['incident.', 'zone.', 'commitment.'], draw);
    return () => { window.removeEventListener('resize', onResize); dispose(); };
  },
};

function size(box) {
  const w = Math.max(280, Math.min(1100, (box && box.clientWidth) || 800));
  return { width: w, height: Math.round(Math.min(320, Math.max(200, w * 0.35))) };
}

async function chart(ctx, E, box, id, title, query, plots) {
  let r;
  try {
    r = await ctx.api('/api/v1/stats/violations', { query });
  } catch (err) {
    fill(box, E('h2', { id }, title), errorBox(E, err));
    return;
  }
  const series = r.series || [];
  // One x value per week, in order, from every series' counts.
  const weeks = [...new Set(series.flatMap((s) => (s.counts || []).map((c) => c.start)))].sort();
  const xs = weeks.map((w) => Date.parse(w) / 1000);
  const ys = series.map((s) => {
    const m = new Map((s.counts || []).map((c) => [c.start, c.count]));
    return weeks.map((w) => m.get(w) || 0);
  });
  const totals = series.map((s) => (s.counts || []).reduce((n, c) => n + c.count, 0));
  const plotBox = E('div', { class: 'chart', role: 'img', 'aria-label': `${title}: violations per week; totals in the table below` });
  fill(box,
    E('h2', { id }, title),
    series.length ? plotBox : E('p', { class: 'muted' }, 'No violation in this window.'),
    table(E, `${title}: totals ${weeks.length ? `(${fmtDate(weeks[0])} to week of ${fmtDate(weeks[weeks.length - 1])})` : ''}`, ['Key', 'Violations'],
      series.map((s, i) => E('tr', { 'data-key': s.key, 'data-total': totals[i] },
        E('th', { scope: 'row' }, E('span', { class: `swatch-key k${i % PALETTE.length}`, 'aria-hidden': 'true' }), ` ${s.label || s.key}`),
        E('td', {}, String(totals[i])))),
      { class: 'totals' }));
  if (!series.length) return;
  const opts = {
    ...size(box),
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
    axes: [{}, { label: 'violations', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }],
    series: [{ label: 'week' }, ...series.map((s, i) => ({
      label: s.label || s.key, stroke: PALETTE[i % PALETTE.length], width: 2,
      points: { show: true, size: 7 },
    }))],
    legend: { show: true },
  };
  plots.push(new uPlot(opts, [xs, ...ys], plotBox));
}
