// The zones list: every zone the member may see (released zones and their
// own party's drafts), filtered by status and owner, live.
const STATUSES = ['draft', 'proposed', 'in_force', 'disputed', 'withdrawn', 'expired'];

export default {
  path: '/zones',
  title: 'Zones',
  nav: true,
  async render(ctx) {
    const { h, el } = ctx;
    const parties = await ctx.parties();
    const status = h('select', { name: 'status' }, h('option', { value: '' }, 'Any status'), STATUSES.map((s) => h('option', { value: s }, s.replace('_', ' '))));
    const owner = h('select', { name: 'owner' }, h('option', { value: '' }, 'Any owner'), parties.map((p) => h('option', { value: p.id }, p.id)));
    status.value = ctx.query.get('status') || '';
    owner.value = ctx.query.get('owner') || '';
    const out = h('div', { class: 'table-wrap' });
    el.append(h('h1', null, 'Zones'),
      h('p', { class: 'muted' }, 'Protected areas designated by the parties. A zone is in force once every other party has acknowledged it.'),
      h('form', { class: 'toolbar', 'aria-label': 'Filter zones', onsubmit: (e) => e.preventDefault() },
        ctx.field('Status', status), ctx.field('Owner', owner),
        h('a', { href: '#/map' }, 'Show on the map')),
      out);

    async function load() {
      const zones = await ctx.listAll('/zones', { status: status.value, owner: owner.value }, { signal: ctx.signal });
      zones.sort((a, b) => a.properties.name.localeCompare(b.properties.name));
      ctx.clear(out).append(ctx.table({
        caption: `${zones.length} zone${zones.length === 1 ? '' : 's'}`,
        empty: 'No zone matches.',
        rows: zones.map((f) => f.properties),
        rowAttrs: (p) => ({ 'data-id': p.id }),
        columns: [
          { label: 'Name', value: (p) => h('a', { href: `#/zones/${encodeURIComponent(p.id)}` }, p.name) },
          { label: 'Owner', value: (p) => p.owner },
          { label: 'Status', value: (p) => ctx.status(p.status) },
          { label: 'Category', value: (p) => p.category.replace(/_/g, ' ') },
          { label: 'Valid', value: (p) => `${ctx.fmtTime(p.valid_from)} – ${p.valid_until ? ctx.fmtTime(p.valid_until) : 'open'}` },
          { label: 'Buffer', value: (p) => `${p.buffer_m} m` },
          { label: 'Version', value: (p) => String(p.version || '—') },
        ],
      }));
    }
    const reload = () => load().catch((e) => { if (!ctx.signal.aborted) ctx.clear(out).append(h('p', { class: 'form-errors', role: 'alert' }, e.message)); });
    status.addEventListener('change', reload);
    owner.addEventListener('change', reload);
    await load();
    let t = 0;
    ctx.onEvent((ev) => {
      if (String(ev.data && ev.data.kind).startsWith('zone.')) { clearTimeout(t); t = setTimeout(reload, 300); }
    });
    return () => clearTimeout(t);
  },
};
