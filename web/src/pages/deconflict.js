// Deconfliction: a planner (or official) checks a planned activity against
// the zones and private sites, sees the answer exactly as the API gives it,
// and may submit it to the office as a notice. The page never shows more
// than the API's answer: a conflict caused by a private site names the zone
// and the reason protected_site, nothing of the site.
import L from 'leaflet';
import { feature } from 'topojson-client';
import { builder, roles, field, input, select, fill, onSubmit, utcInput, toInput } from './kit.js';
import { resultEl, conflictsTable } from './notices.js';

// __ATLAS__ is the hashed URL of the Natural Earth borders, set by build.mjs.
/* global __ATLAS__ */
let atlas = null;
function borders() {
  if (!atlas) {
    atlas = fetch(__ATLAS__).then((r) => {
      if (!r.ok) throw new Error('borders: HTTP ' + r.status);
      return r.json();
    }).then((topo) => feature(topo, topo.objects.countries)).catch((e) => { atlas = null; throw e; });
  }
  return atlas;
}

const round = (x) => Math.round(x * 1e5) / 1e5;

// pickMap is a small map to pick the point (or the polygon's vertices) by
// clicking; the coordinate fields stay the keyboard way to enter them. It
// shows the borders shipped with the build and the zones the member sees.
function pickMap(ctx, E, form, kind) {
  const div = E('div', { class: 'pick-map', role: 'region', 'aria-label': 'Map: click to pick the point or add a vertex' });
  const map = L.map(div, { zoomSnap: 0.5, attributionControl: true });
  div.truceMap = map; // for the browser tests
  map.attributionControl.setPrefix('Leaflet');
  map.setView([35.95, 36.45], 8.5);
  const zones = L.featureGroup().addTo(map);
  const picked = L.featureGroup().addTo(map);
  const gone = () => (ctx.signal && ctx.signal.aborted) || !map.getPane('mapPane');
  borders().then((fc) => {
    if (gone()) return;
    L.geoJSON(fc, { interactive: false, style: { color: '#6b7280', weight: 1, fillColor: '#f5f3ee', fillOpacity: 1 } }).addTo(map).bringToBack();
    map.attributionControl.addAttribution('Borders: Natural Earth (public domain)');
  }).catch((e) => console.warn(e));
  ctx.api('/api/v1/zones', { query: { limit: 10000 } }).then((fc) => {
    if (gone()) return;
    for (const f of fc.features || []) {
      const st = f.properties.status;
      if (st === 'withdrawn' || st === 'expired') continue;
      L.geoJSON(f, {
        interactive: false,
        style: { color: st === 'in_force' ? '#a1261c' : '#8a5a00', weight: 1.5, dashArray: st === 'in_force' ? null : '4 3', fillOpacity: 0.08 },
      }).addTo(zones);
    }
  }).catch((e) => console.warn(e));
  const els = form.elements;
  const redraw = () => {
    picked.clearLayers();
    if (kind.value === 'Point') {
      const lon = Number(els.lon.value); const lat = Number(els.lat.value);
      if (els.lon.value !== '' && els.lat.value !== '' && Number.isFinite(lon) && Number.isFinite(lat)) {
        L.circleMarker([lat, lon], { radius: 7, color: '#1f5fa8', weight: 3, fillOpacity: 0.4, interactive: false }).addTo(picked);
      }
    } else {
      const pts = String(els.vertices.value).split('\n').map((l) => l.split(/[\s,;]+/).filter(Boolean).map(Number))
        .filter((p) => p.length === 2 && p.every(Number.isFinite)).map(([x, y]) => [y, x]);
      if (pts.length > 2) L.polygon(pts, { color: '#1f5fa8', weight: 2, interactive: false }).addTo(picked);
      else if (pts.length) L.polyline(pts, { color: '#1f5fa8', weight: 2, interactive: false }).addTo(picked);
      pts.forEach((p) => L.circleMarker(p, { radius: 4, color: '#1f5fa8', interactive: false }).addTo(picked));
    }
  };
  map.on('click', (e) => {
    const lon = round(e.latlng.lng); const lat = round(e.latlng.lat);
    if (kind.value === 'Point') {
      els.lon.value = String(lon);
      els.lat.value = String(lat);
    } else {
      const v = els.vertices.value.trim();
      els.vertices.value = (v ? v + '\n' : '') + `${lon}, ${lat}`;
    }
    redraw();
  });
  form.addEventListener('input', redraw);
  form.addEventListener('change', redraw);
  // Leaflet measures its container: tell it once the page is laid out
  // (unless the page was left meanwhile and the map removed).
  let removed = false;
  requestAnimationFrame(() => { if (!removed) map.invalidateSize(); });
  if (ctx.onLeave) ctx.onLeave(() => { removed = true; map.remove(); });
  return div;
}

export default {
  path: '/deconflict',
  title: 'Deconfliction',
  nav: true,
  async render(ctx) {
    const E = builder(ctx.h);
    const me = roles(ctx.me);
    if (!(me.planner || me.official) || !me.party) {
      fill(ctx.el, E('h1', {}, 'Deconfliction'),
        E('p', { class: 'notice', role: 'status' }, 'Deconfliction checks and notices are submitted by planners and officials.'));
      return;
    }
    const now = new Date();
    now.setUTCMinutes(0, 0, 0);
    const later = new Date(now.getTime() + 6 * 3600 * 1000);

    const kind = select(E, 'kind', [['Point', 'Point (longitude, latitude)'], ['Polygon', 'Polygon (list of vertices)']], 'Point');
    const pointBox = E('fieldset', { class: 'point' },
      E('legend', {}, 'Point'),
      field(E, 'Longitude (−180 to 180)', input(E, 'lon', { type: 'number', step: 'any', min: '-180', max: '180', inputmode: 'decimal' })),
      field(E, 'Latitude (−90 to 90)', input(E, 'lat', { type: 'number', step: 'any', min: '-90', max: '90', inputmode: 'decimal' })));
    const polyBox = E('fieldset', { class: 'polygon', hidden: true },
      E('legend', {}, 'Polygon'),
      field(E, 'Vertices', E('textarea', { name: 'vertices', rows: 5, spellcheck: 'false', placeholder: '36.55, 35.85\n36.65, 35.85\n36.65, 35.95' }),
        'One vertex per line: longitude, latitude. The ring is closed for you.'));
    kind.addEventListener('change', () => {
      const poly = kind.value === 'Polygon';
      polyBox.hidden = !poly;
      pointBox.hidden = poly;
    });
    const form = E('form', { class: 'deconflict', 'aria-label': 'Planned activity', novalidate: true },
      E('h2', {}, 'Planned activity'),
      field(E, 'Geometry', kind),
      pointBox, polyBox,
      field(E, 'Buffer (metres)', input(E, 'buffer_m', { type: 'number', min: '0', step: 'any', value: '0', inputmode: 'decimal' })),
      field(E, 'From (UTC)', input(E, 'from', { type: 'datetime-local', value: toInput(now) })),
      field(E, 'Until (UTC, optional)', input(E, 'until', { type: 'datetime-local', value: toInput(later) })),
      E('div', { class: 'buttons' }, E('button', { type: 'submit', name: 'op', value: 'check', 'data-action': 'check' }, 'check')),
      E('fieldset', { class: 'as-notice' },
        E('legend', {}, 'Submit as a notice to the office'),
        field(E, 'Activity', input(E, 'activity', { maxlength: '200' })),
        field(E, 'Note', input(E, 'note')),
        E('button', { type: 'submit', name: 'op', value: 'notice', 'data-action': 'submit-notice' }, 'submit as notice')));
    const out = E('section', { class: 'deconflict-result', 'aria-live': 'polite', 'aria-label': 'Result' });
    fill(ctx.el, E('h1', {}, 'Deconfliction'),
      E('p', {}, 'Checks a planned activity against the zones in force, proposed or disputed and the protected sites inside them. ',
        'A check that meets another party\u2019s protected site is recorded for that party.'),
      E('div', { class: 'deconflict-layout' }, form, E('div', { class: 'deconflict-side' }, pickMap(ctx, E, form, kind), out)));

    const geometry = (fd) => {
      if (fd.get('kind') === 'Polygon') {
        const pts = String(fd.get('vertices') || '').split('\n').map((l) => l.trim()).filter(Boolean)
          .map((l) => l.split(/[\s,;]+/).filter(Boolean).map(Number));
        const ring = pts.slice();
        if (ring.length && (ring[0][0] !== ring[ring.length - 1][0] || ring[0][1] !== ring[ring.length - 1][1])) ring.push(ring[0]);
        return { type: 'Polygon', coordinates: [ring] };
      }
      const num = (v) => (v === null || v === '' ? NaN : Number(v));
      return { type: 'Point', coordinates: [num(fd.get('lon')), num(fd.get('lat'))] };
    };
    const localErrors = (fd, g) => {
      if (g.type === 'Point') {
        const [lon, lat] = g.coordinates;
        if (!Number.isFinite(lon) || lon < -180 || lon > 180) return { field: 'lon', message: 'longitude must be a number from -180 to 180' };
        if (!Number.isFinite(lat) || lat < -90 || lat > 90) return { field: 'lat', message: 'latitude must be a number from -90 to 90' };
      } else if (g.coordinates[0].some((p) => p.length !== 2 || !p.every(Number.isFinite))) {
        return { field: 'vertices', message: 'each line must hold a longitude and a latitude' };
      }
      if (!fd.get('from')) return { field: 'from', message: 'from is required' };
      return null;
    };

    onSubmit(ctx, form, async (submitter) => {
      const fd = new FormData(form);
      const g = geometry(fd);
      const bad = localErrors(fd, g);
      if (bad) throw Object.assign(new Error(bad.message), { status: 400, code: 'invalid', ...bad });
      const body = { geometry: g, buffer_m: Number(fd.get('buffer_m') || 0), from: utcInput(fd.get('from')) };
      if (fd.get('until')) body.until = utcInput(fd.get('until'));
      const notice = submitter && submitter.value === 'notice';
      let r;
      if (notice) {
        body.activity = fd.get('activity') || '';
        body.note = fd.get('note') || '';
        r = await ctx.api('/api/v1/notices', { method: 'POST', body });
      } else {
        r = await ctx.api('/api/v1/deconflict', { method: 'POST', body });
      }
      show(r, notice);
    });

    // The result as the API gave it: the result, each conflict's zone,
    // owner, status and reason, and the answer's JSON itself.
    const show = (r, notice) => {
      const result = r.result;
      const conflicts = r.conflicts || [];
      const id = notice && r.properties ? r.properties.id : '';
      const raw = notice ? { result: r.result, conflicts } : r;
      fill(out,
        E('h2', {}, notice ? 'Notice recorded' : 'Result'),
        E('p', { class: 'result-line' }, 'Result: ', resultEl(E, result),
          result === 'clear' ? ' — no zone or protected site is met.' : null,
          result === 'advisory' ? ' — only proposed or disputed zones are met: talk to their owners.' : null,
          result === 'conflict' ? ' — a zone in force or a protected site is met: do not proceed without agreement.' : null),
        id ? E('p', {}, 'Recorded as ', E('a', { href: `#/notices/${id}` }, id), '.') : null,
        conflictsTable(E, conflicts, `${conflicts.length} conflict(s)`),
        E('details', {}, E('summary', {}, 'The answer as the API gave it'), E('pre', { class: 'json' }, JSON.stringify(raw, null, 2))));
      if (out.scrollIntoView) out.scrollIntoView({ block: 'nearest' });
    };
  },
};
