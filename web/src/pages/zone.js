// One zone: its properties, the lifecycle buttons the member may use
// (release, acknowledge, dispute with a reason, withdraw), the parties'
// answers, its versions, and, for the owner party's officials and analysts,
// its private sites with a form to add one.
import L from 'leaflet';

export default {
  path: '/zones/:id',
  title: 'Zone',
  nav: false,
  async render(ctx, params) {
    const { h, el, api, me, can } = ctx;
    const id = params.id;
    const path = `/zones/${encodeURIComponent(id)}`;
    const parties = await ctx.parties();
    const kind = Object.fromEntries(parties.map((p) => [p.id, p.kind]));
    let miniMap = null;

    async function show() {
      const z = await api(path, { signal: ctx.signal });
      if (ctx.signal.aborted) return;
      const p = z.properties;
      document.title = `${p.name} · truce`;
      const mine = p.owner === me.party;
      const responded = me.party && p.responses && p.responses[me.party];
      const answerable = !mine && me.party && kind[me.party] !== 'monitor';
      const msg = h('p', { class: 'action-note', role: 'status', 'aria-live': 'polite' });
      const act = (verb, body) => async () => {
        msg.className = 'action-note';
        msg.textContent = `${verb}…`;
        try {
          await api(`${path}/${verb}`, { method: 'POST', body });
          msg.textContent = '';
          await show();
        } catch (e) {
          msg.className = 'action-note form-errors';
          msg.textContent = `Could not ${verb}: ${e.message}`;
        }
      };
      const buttons = [];
      if (mine && can('release') && p.status === 'draft') {
        buttons.push(h('button', { type: 'button', 'data-action': 'release', onclick: act('release') }, 'release'));
      }
      if (answerable && can('acknowledge') && ['proposed', 'disputed'].includes(p.status) && !(responded && responded.kind === 'acknowledge')) {
        buttons.push(h('button', { type: 'button', 'data-action': 'acknowledge', onclick: act('acknowledge', { version: p.version, zone_hash: p.zone_hash }) }, 'acknowledge'));
      }
      let disputeForm = null;
      if (answerable && can('dispute') && ['proposed', 'in_force'].includes(p.status) && !(responded && responded.kind === 'dispute')) {
        const reason = h('textarea', { name: 'reason', rows: 2, required: true });
        disputeForm = h('form', { class: 'dispute-form', 'aria-label': 'Dispute this zone' },
          ctx.field('Reason for the dispute', reason),
          h('button', { type: 'submit', class: 'danger', 'data-action': 'dispute' }, 'dispute'));
        disputeForm.addEventListener('submit', async (e) => {
          e.preventDefault();
          ctx.showErrors(disputeForm, null);
          try {
            await api(`${path}/dispute`, { method: 'POST', body: { reason: reason.value } });
            await show();
          } catch (err) { ctx.showErrors(disputeForm, err); }
        });
      }
      let withdrawForm = null;
      if (mine && can('withdraw') && ['proposed', 'in_force', 'disputed'].includes(p.status)) {
        const reason = h('input', { name: 'reason' });
        withdrawForm = h('form', { class: 'withdraw-form', 'aria-label': 'Withdraw this zone' },
          ctx.field('Reason for withdrawing (optional)', reason),
          h('button', { type: 'submit', class: 'secondary', 'data-action': 'withdraw' }, 'withdraw'));
        withdrawForm.addEventListener('submit', async (e) => {
          e.preventDefault();
          ctx.showErrors(withdrawForm, null);
          try {
            await api(`${path}/withdraw`, { method: 'POST', body: { reason: reason.value } });
            await show();
          } catch (err) { ctx.showErrors(withdrawForm, err); }
        });
      }

      const responses = Object.entries(p.responses || {});
      const mapDiv = h('div', { class: 'mini-map', role: 'img', 'aria-label': `Outline of ${p.name}` });
      const head = h('div', null,
        h('p', null, h('a', { href: '#/zones' }, '← Zones')),
        h('h1', null, p.name, ' ', h('span', { id: 'zone-status' }, ctx.status(p.status))),
        h('div', { class: 'cols' },
          h('section', { class: 'panel', 'aria-label': 'Properties' },
            h('dl', { class: 'props' },
              h('dt', null, 'Owner'), h('dd', null, p.owner),
              h('dt', null, 'Category'), h('dd', null, p.category.replace(/_/g, ' ')),
              h('dt', null, 'Valid from'), h('dd', null, ctx.fmtTime(p.valid_from)),
              h('dt', null, 'Valid until'), h('dd', null, p.valid_until ? ctx.fmtTime(p.valid_until) : 'open'),
              h('dt', null, 'Buffer'), h('dd', null, `${p.buffer_m} m`),
              h('dt', null, 'Version'), h('dd', null, p.version ? `${p.version}${p.in_force_version ? ` (in force: ${p.in_force_version})` : ''}` : 'not released'),
              p.zone_hash ? [h('dt', null, 'Zone hash'), h('dd', null, h('code', null, p.zone_hash))] : null,
              p.release_entry ? [h('dt', null, 'Released in'), h('dd', null, h('a', { href: '#/journal' }, `journal entry ${p.release_entry}`))] : null,
              p.withdrawn ? [h('dt', null, 'Withdrawn'), h('dd', null, p.withdrawn.reason || 'yes')] : null,
              h('dt', null, 'Created'), h('dd', null, `${ctx.fmtTime(p.created_at)} by ${p.created_by}`))),
          mapDiv),
        buttons.length || disputeForm || withdrawForm
          ? h('section', { class: 'panel', 'aria-label': 'Actions' }, h('h2', null, 'Actions'), h('div', { class: 'actions' }, buttons), disputeForm, withdrawForm, msg)
          : msg,
        h('h2', null, 'Answers of the parties'),
        ctx.table({
          caption: 'Acknowledgements and disputes', empty: 'No party has answered yet.', rows: responses,
          columns: [
            { label: 'Party', value: ([party]) => party },
            { label: 'Answer', value: ([, r]) => r.kind },
            { label: 'Reason', value: ([, r]) => r.reason || '' },
            { label: 'By', value: ([, r]) => `${r.member}, ${ctx.fmtTime(r.time)}` },
            { label: 'Entry', value: ([, r]) => String(r.entry ?? '') },
          ],
        }),
        h('h2', null, 'Versions'),
        ctx.table({
          caption: 'Released versions', empty: 'Not released yet.', rows: p.versions || [],
          columns: [
            { label: 'Version', value: (v) => String(v.version) },
            { label: 'Status', value: (v) => ctx.status(v.status) },
            { label: 'Name', value: (v) => v.name },
            { label: 'Buffer', value: (v) => `${v.buffer_m} m` },
            { label: 'Released', value: (v) => `${ctx.fmtTime(v.released_at)} by ${v.released_by}` },
            { label: 'Hash', value: (v) => h('code', null, (v.zone_hash || '').slice(0, 19) + '…') },
          ],
        }));
      const sitesBox = h('section', { 'aria-label': 'Private sites' });
      ctx.clear(el).append(head, sitesBox);
      if (miniMap) miniMap.remove();
      miniMap = L.map(mapDiv, { zoomControl: false, attributionControl: false, dragging: false, scrollWheelZoom: false, doubleClickZoom: false, touchZoom: false, boxZoom: false, keyboard: false, zoomAnimation: false, preferCanvas: true });
      const shape = L.geoJSON(z, { style: { color: '#1f5fa8', weight: 2, fillOpacity: 0.2 } }).addTo(miniMap);
      miniMap.fitBounds(shape.getBounds().pad(0.2));
      if (mine && can('site')) await showSites(sitesBox);
    }

    async function showSites(box) {
      const sites = await api(`${path}/sites`, { signal: ctx.signal });
      const rows = sites.features || [];
      const lon = h('input', { name: 'lon', inputmode: 'decimal' });
      const lat = h('input', { name: 'lat', inputmode: 'decimal' });
      const radius = h('input', { name: 'radius_m', type: 'number', min: '0', step: '1', value: '100' });
      const label = h('input', { name: 'label' });
      const geometry = h('input', { name: 'geometry', type: 'hidden' });
      const form = h('form', { class: 'site-form', 'aria-label': 'Add a private site' },
        h('h3', null, 'Add a private site'), geometry,
        h('div', { class: 'toolbar' }, ctx.field('Longitude', lon), ctx.field('Latitude', lat), ctx.field('Radius (metres)', radius), ctx.field('Label', label)),
        h('button', { type: 'submit', 'data-action': 'add-site' }, 'Add site'));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        ctx.showErrors(form, null);
        const x = Number(lon.value);
        const y = Number(lat.value);
        if (lon.value.trim() === '' || !Number.isFinite(x)) { ctx.showErrors(form, { message: 'longitude must be a number', field: 'lon' }); return; }
        if (lat.value.trim() === '' || !Number.isFinite(y)) { ctx.showErrors(form, { message: 'latitude must be a number', field: 'lat' }); return; }
        try {
          await api(`${path}/sites`, { method: 'POST', body: { geometry: { type: 'Point', coordinates: [x, y] }, radius_m: Number(radius.value), label: label.value } });
          await show();
        } catch (err) {
          // A geometry error belongs to the position fields.
          if (err.field && err.field.startsWith('geometry')) err.field = 'lon';
          ctx.showErrors(form, err);
        }
      });
      box.append(h('h2', null, 'Private sites'),
        h('p', { class: 'muted' }, `Only ${me.party}'s officials and analysts see these. Other parties learn only that a check met a protected site of this zone, never where.`),
        ctx.table({
          caption: `${rows.length} private site${rows.length === 1 ? '' : 's'}`, empty: 'No private site in this zone.', rows,
          columns: [
            { label: 'Label', value: (s) => s.properties.label },
            { label: 'Position', value: (s) => h('code', null, s.geometry.coordinates.join(', ')) },
            { label: 'Radius', value: (s) => `${s.properties.radius_m} m` },
            { label: 'Revealed', value: (s) => (s.properties.revealed_entry ? `entry ${s.properties.revealed_entry}` : 'no') },
          ],
        }), form);
    }

    await show();
    let t = 0;
    ctx.onEvent((ev) => {
      if (ev.data && ev.data.subject === id) { clearTimeout(t); t = setTimeout(() => show().catch(() => {}), 200); }
    });
    return () => { clearTimeout(t); if (miniMap) miniMap.remove(); };
  },
};
