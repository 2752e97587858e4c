// The map: the office's zones, incidents and notices over an offline base
// layer of country borders (Natural Earth via world-atlas, shipped in the
// build; tiles only when the server is given --tile-url), the caller's own
// party's private sites, filters, and drawing of draft zones and incidents.
import L from 'leaflet';
import { feature } from 'topojson-client';
import { TerraDraw, TerraDrawPolygonMode, TerraDrawPointMode } from 'terra-draw';
import { TerraDrawLeafletAdapter } from 'terra-draw-leaflet-adapter';

// __ATLAS__ is the hashed URL of the borders, set by build.mjs.
/* global __ATLAS__ */

export const OWNER_COLOURS = ['#1f5fa8', '#c2410c', '#6d28d9', '#047857', '#a16207', '#be185d'];
export const STATUS_FILL = {
  draft: '#6366f1', proposed: '#eab308', in_force: '#16a34a', disputed: '#dc2626', withdrawn: '#9ca3af', expired: '#9ca3af',
};
const ZONE_STATUSES = ['draft', 'proposed', 'in_force', 'disputed', 'withdrawn', 'expired'];
const CATEGORIES = ['opposition_area', 'civilian_area', 'humanitarian_site', 'other'];
export const INCIDENT_TYPES = ['armed_clash', 'air_strike', 'shelling', 'remote_explosive', 'suicide_bomb', 'grenade',
  'attack_on_civilians', 'abduction', 'property_destruction', 'territory_change', 'overflight', 'movement', 'other'];
const TYPE_GROUPS = [
  { label: 'Fighting, strikes, explosions', colour: '#ea580c', types: ['armed_clash', 'air_strike', 'shelling', 'remote_explosive', 'suicide_bomb', 'grenade'] },
  { label: 'Attacks on civilians, abductions', colour: '#be123c', types: ['attack_on_civilians', 'abduction'] },
  { label: 'Destruction, territory', colour: '#7c3aed', types: ['property_destruction', 'territory_change'] },
  { label: 'Overflight (hostile)', colour: '#0369a1', types: ['overflight'] },
  { label: 'Movement, other (not hostile)', colour: '#64748b', types: ['movement', 'other'] },
];
const TYPE_COLOUR = Object.fromEntries(TYPE_GROUPS.flatMap((g) => g.types.map((t) => [t, g.colour])));
const INCIDENT_STATUSES = ['draft', 'reported', 'accepted', 'disputed', 'verified', 'refuted'];
const WINDOWS = [['all', 'All time'], ['7', 'Last 7 days'], ['30', 'Last 30 days'], ['90', 'Last 90 days'], ['365', 'Last year']];

// The Leaflet adapter of terra-draw adds a <style> element per pane, which
// the page's Content-Security-Policy refuses; set the pane's z-index through
// the CSSOM instead (the same effect, allowed).
class CSPLeafletAdapter extends TerraDrawLeafletAdapter {
  createPaneStyleSheet(pane, zIndex) {
    const el = this._map.getPane(pane) || this._map.createPane(pane);
    el.style.zIndex = String(zIndex + 600);
    return { remove() {} };
  }
}

let atlasPromise = null;
async function borders() {
  if (!atlasPromise) {
    atlasPromise = fetch(__ATLAS__).then((r) => {
      if (!r.ok) throw new Error('borders: HTTP ' + r.status);
      return r.json();
    }).then((topo) => unwrap(feature(topo, topo.objects.countries)));
  }
  return atlasPromise;
}

// unwrap keeps each ring's longitudes continuous, so outlines that cross
// ±180° (Russia, Fiji) do not draw bands across the whole map.
function unwrap(fc) {
  const ring = (r) => {
    for (let i = 1; i < r.length; i++) {
      let d = r[i][0] - r[i - 1][0];
      while (d > 180) { r[i][0] -= 360; d -= 360; }
      while (d < -180) { r[i][0] += 360; d += 360; }
    }
  };
  for (const f of fc.features) {
    const g = f.geometry;
    if (!g) continue;
    if (g.type === 'Polygon') g.coordinates.forEach(ring);
    if (g.type === 'MultiPolygon') g.coordinates.forEach((p) => p.forEach(ring));
  }
  return fc;
}

let configPromise = null;
function uiConfig() {
  if (!configPromise) configPromise = fetch('/ui/config.json').then((r) => r.json()).catch(() => ({}));
  return configPromise;
}

/** utcInput turns a datetime-local value (read as UTC) into RFC 3339. */
export function utcInput(v) {
  if (!v) return null;
  return (v.length === 16 ? v + ':00' : v) + 'Z';
}

/** parseCoords reads 'lon, lat' pairs, one per line (or separated by ';'). */
export function parseCoords(text) {
  const pts = [];
  for (const raw of text.split(/[\n;]+/)) {
    const line = raw.trim();
    if (!line) continue;
    const nums = line.split(/[\s,]+/).filter(Boolean).map(Number);
    if (nums.length !== 2 || nums.some((n) => !Number.isFinite(n))) throw new Error(`“${line}” is not “longitude, latitude”`);
    pts.push(nums);
  }
  return pts;
}

const fmtCoords = (pts) => pts.map(([x, y]) => `${+x.toFixed(6)}, ${+y.toFixed(6)}`).join('\n');

export default {
  path: '/map',
  title: 'Map',
  nav: true,
  async render(ctx) {
    const { h, api, me, can, el } = ctx;
    performance.clearMarks('truce-map-ready');
    const [cfg, partyList, actorList] = await Promise.all([
      uiConfig(),
      ctx.parties(),
      ctx.listAll('/actors', {}, { max: 10000 }).catch(() => []),
    ]);
    const actors = Object.fromEntries(actorList.map((a) => [a.id, a.name]));
    const ownerColour = Object.fromEntries(partyList.map((p, i) => [p.id, OWNER_COLOURS[i % OWNER_COLOURS.length]]));

    // Layout
    const mapDiv = h('div', { id: 'map', class: 'map', role: 'region', 'aria-label': 'Map of zones, incidents and notices' });
    const side = h('aside', { class: 'map-side', 'aria-label': 'Filters, legend and drawing' });
    el.append(h('h1', { class: 'visually-hidden' }, 'Map'), h('div', { class: 'map-layout' }, mapDiv, side));

    const map = L.map(mapDiv, { preferCanvas: true, zoomSnap: 0.5, worldCopyJump: false, attributionControl: true });
    mapDiv.truceMap = map; // for the browser tests (latLng -> pixel)
    map.attributionControl.setPrefix('Leaflet');
    // One canvas for every feature: Leaflet finds what a click hits only among
    // the layers of the canvas on top, so zones and incidents must share it.
    const renderer = L.canvas({ padding: 0.3 });
    // Leaflet 1.9 can still run a redraw the browser had scheduled after
    // the map is gone (its canvas context deleted: "reading 'save'", a
    // race of the family of Leaflet issue #6030), seen once in a test
    // leaving this page; a redraw without a context has nothing to draw.
    const leafletRedraw = renderer._redraw;
    renderer._redraw = function () { if (this._ctx) leafletRedraw.call(this); };
    map.setView([35.95, 36.45], 9);
    if (cfg.tile_url) {
      L.tileLayer(cfg.tile_url, { maxZoom: 19, attribution: 'Tiles: configured server' }).addTo(map);
    } else {
      map.getContainer().classList.add('offline-base');
    }
    const baseReady = (cfg.tile_url ? Promise.resolve() : borders().then((fc) => {
      if (!ctx.signal.aborted) {
        L.geoJSON(fc, {
          interactive: false, renderer,
          style: { color: '#6b7280', weight: 1, fillColor: '#f5f3ee', fillOpacity: 1 },
        }).addTo(map);
        map.attributionControl.addAttribution('Borders: Natural Earth (public domain)');
      }
    }));

    const zonesLayer = L.featureGroup().addTo(map);
    const sitesLayer = L.featureGroup().addTo(map);
    const noticesLayer = L.featureGroup().addTo(map);
    const incidentsLayer = L.featureGroup().addTo(map);

    // Filters
    const windowSel = h('select', { name: 'window' }, WINDOWS.map(([v, l]) => h('option', { value: v }, l)));
    const zoneChecks = ZONE_STATUSES.map((s) => h('input', { type: 'checkbox', name: 'zone-status', value: s, checked: true }));
    const incStatus = h('select', { name: 'incident-status' }, h('option', { value: '' }, 'Any status'),
      INCIDENT_STATUSES.map((s) => h('option', { value: s }, s)));
    const violationsOnly = h('input', { type: 'checkbox', name: 'violations-only' });
    const layerChecks = {};
    const layerToggle = (key, label, layer) => {
      const c = h('input', { type: 'checkbox', name: 'layer', value: key, checked: true,
        onchange: () => (c.checked ? layer.addTo(map) : layer.remove()) });
      layerChecks[key] = c;
      return h('label', { class: 'check' }, c, ' ', label);
    };
    const counts = h('p', { class: 'map-count', id: 'map-count', 'aria-live': 'polite' }, 'Loading…');

    const filters = h('form', { class: 'map-filters', 'aria-label': 'Filters', onsubmit: (e) => e.preventDefault() },
      h('h2', null, 'Filters'),
      ctx.field('Incidents in', windowSel),
      h('fieldset', null, h('legend', null, 'Zone status'),
        zoneChecks.map((c) => h('label', { class: 'check' }, c, ' ', c.value.replace('_', ' ')))),
      ctx.field('Incident status', incStatus),
      h('label', { class: 'check' }, violationsOnly, ' Violations only'),
      h('fieldset', null, h('legend', null, 'Layers'),
        layerToggle('zones', 'Zones', zonesLayer), layerToggle('incidents', 'Incidents', incidentsLayer),
        layerToggle('notices', 'Notices', noticesLayer), layerToggle('sites', 'Our private sites', sitesLayer)),
      counts);

    const legend = h('section', { 'aria-label': 'Legend' }, h('h2', null, 'Legend'),
      h('h3', null, 'Zone owner (outline)'),
      h('ul', { class: 'legend' }, partyList.filter((p) => p.kind !== 'monitor').map((p) =>
        h('li', null, swatch(h, ownerColour[p.id], '#fff'), `${p.id} — ${p.name}`))),
      h('h3', null, 'Zone status (fill)'),
      h('ul', { class: 'legend' }, ZONE_STATUSES.filter((s) => s !== 'expired').map((s) =>
        h('li', null, swatch(h, '#374151', STATUS_FILL[s]), s === 'withdrawn' ? 'withdrawn, expired' : s.replace('_', ' ')))),
      h('h3', null, 'Incidents'),
      h('ul', { class: 'legend' }, TYPE_GROUPS.map((g) => h('li', null, swatch(h, g.colour, g.colour, true), g.label)),
        h('li', null, swatch(h, '#111', '#fff', true), 'thick black ring: a violation of a zone in force')),
      h('h3', null, 'Other'),
      h('ul', { class: 'legend' },
        h('li', null, swatch(h, '#0f766e', '#fff', true), 'notice of a planned activity (its buffer)'),
        me.party ? h('li', null, swatch(h, '#111827', '#fde047', true), `our (${me.party}) private site: never shown to other parties`) : null));

    side.append(filters);
    const drawBox = h('section', { 'aria-label': 'Drawing' });
    if (can('draft')) side.append(drawBox);
    side.append(legend);

    // Data
    let zones = [];
    let incidents = [];
    let notices = [];
    let sites = [];
    const byId = new Map();

    const popupLink = (title, path, rows) => {
      const box = h('div', { class: 'popup' }, h('h3', null, title));
      box.append(h('dl', { class: 'props' }, rows.filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v)]).flat()));
      box.append(h('p', null, h('a', { href: '#' + path, 'data-link': path }, 'Open details')));
      return box;
    };

    function drawZones() {
      zonesLayer.clearLayers();
      const shown = new Set(zoneChecks.filter((c) => c.checked).map((c) => c.value));
      let n = 0;
      for (const z of zones) {
        const p = z.properties;
        if (!shown.has(p.status)) continue;
        n++;
        const dashed = p.status === 'proposed' || p.status === 'draft' || p.status === 'disputed';
        const layer = L.geoJSON(z, {
          renderer,
          style: {
            color: ownerColour[p.owner] || '#374151', weight: p.status === 'in_force' ? 3 : 2,
            dashArray: dashed ? '6 5' : null, fillColor: STATUS_FILL[p.status] || '#9ca3af',
            fillOpacity: p.status === 'in_force' ? 0.35 : 0.18,
          },
        });
        layer.bindPopup(() => popupLink(p.name, `/zones/${encodeURIComponent(p.id)}`, [
          ['Owner', p.owner], ['Status', ctx.status(p.status)], ['Category', p.category.replace(/_/g, ' ')],
          ['Buffer', `${p.buffer_m} m`], ['Valid', `${ctx.fmtTime(p.valid_from)} – ${p.valid_until ? ctx.fmtTime(p.valid_until) : 'open'}`]]));
        layer.addTo(zonesLayer);
      }
      return n;
    }

    function drawIncidents() {
      incidentsLayer.clearLayers();
      const st = incStatus.value;
      let n = 0;
      for (const f of incidents) {
        const p = f.properties;
        if (st && p.status !== st) continue;
        const violating = (p.violations || []).length > 0;
        if (violationsOnly.checked && !violating) continue;
        if (!f.geometry) continue;
        n++;
        const colour = TYPE_COLOUR[p.type] || '#64748b';
        // Only violations get an outline: one canvas path operation less for
        // the rest, which counts with thousands of incidents.
        const opts = {
          renderer, radius: violating ? 7 : 5, stroke: violating, color: '#111', weight: 3,
          fillColor: colour, fillOpacity: 0.9,
        };
        let layer;
        if (f.geometry.type === 'Point') {
          const [x, y] = f.geometry.coordinates;
          layer = L.circleMarker([y, x], opts);
        } else {
          layer = L.geoJSON(f, { renderer, style: { color: colour, weight: 2 }, pointToLayer: (_, ll) => L.circleMarker(ll, opts) });
        }
        layer.bindPopup(() => popupLink(p.type.replace(/_/g, ' '), `/incidents/${encodeURIComponent(p.id)}`, [
          ['When', ctx.fmtTime(p.occurred_at)], ['Status', ctx.status(p.status)],
          ['Perpetrator', p.perpetrator ? (actors[p.perpetrator] || p.perpetrator) : 'unknown'],
          ['Fatalities', String(p.fatalities ?? 0)],
          violating ? ['Violates', p.violations.map((v) => v.zone_name).join(', ')] : null]));
        layer.addTo(incidentsLayer);
      }
      return n;
    }

    function drawNotices() {
      noticesLayer.clearLayers();
      for (const f of notices) {
        const p = f.properties;
        const style = { renderer, color: '#0f766e', weight: 2, dashArray: '4 4', fillColor: '#0f766e', fillOpacity: 0.08 };
        const layer = L.geoJSON(f, {
          renderer, style,
          pointToLayer: (_, ll) => L.circle(ll, { ...style, radius: Math.max(p.buffer_m || 0, 150) }),
        });
        layer.bindPopup(() => popupLink(p.activity || 'Notice', `/notices/${encodeURIComponent(p.id)}`, [
          ['Party', p.party], ['From', ctx.fmtTime(p.from)], ['Until', ctx.fmtTime(p.until)], ['Result', ctx.status(p.result)]]));
        layer.addTo(noticesLayer);
      }
      return notices.length;
    }

    function drawSites() {
      sitesLayer.clearLayers();
      for (const s of sites) {
        const [x, y] = s.geometry.coordinates;
        const p = s.properties;
        L.circle([y, x], { renderer, radius: p.radius_m || 100, color: '#111827', weight: 2, dashArray: '2 3', fillColor: '#fde047', fillOpacity: 0.6 })
          .bindPopup(() => popupLink(p.label || 'Private site', `/zones/${encodeURIComponent(s.zone)}`, [
            ['Private', `to ${me.party} only`], ['Radius', `${p.radius_m} m`]]))
          .addTo(sitesLayer);
      }
      return sites.length;
    }

    function redraw() {
      const z = drawZones();
      const i = drawIncidents();
      const n = drawNotices();
      const s = drawSites();
      mapDiv.dataset.zones = z;
      mapDiv.dataset.incidents = i;
      mapDiv.dataset.notices = n;
      mapDiv.dataset.sites = s;
      counts.textContent = `Showing ${z} zones, ${i} incidents, ${n} notices` + (me.party ? `, ${s} of our private sites.` : '.') +
        (incidents.length >= 10000 ? ' At most 10,000 incidents are loaded: narrow the time window to see the others.' : '');
    }

    async function load() {
      const win = windowSel.value;
      const query = {};
      if (win !== 'all') query.from = new Date(Date.now() - Number(win) * 864e5).toISOString().replace(/\.\d+Z$/, 'Z');
      mapDiv.dataset.from = query.from || '';
      const [z, i, n] = await Promise.all([
        ctx.listAll('/zones', {}, { max: 10000, signal: ctx.signal }),
        ctx.listAll('/incidents', query, { max: 10000, signal: ctx.signal }),
        ctx.listAll('/notices', {}, { max: 10000, signal: ctx.signal }),
      ]);
      zones = z;
      incidents = i;
      notices = n;
      byId.clear();
      for (const f of [...z, ...i, ...n]) byId.set(f.properties.id, f);
      // Our own party's private sites, for the roles the API shows them to.
      sites = [];
      if (can('site')) {
        const own = z.filter((f) => f.properties.owner === me.party);
        const lists = await Promise.all(own.map((f) => api(`/zones/${encodeURIComponent(f.properties.id)}/sites`, { signal: ctx.signal })
          .then((r) => (r.features || r.items || []).map((s) => ({ ...s, zone: f.properties.id })))
          .catch(() => [])));
        sites = lists.flat();
      }
      if (ctx.signal.aborted) return;
      redraw();
    }

    windowSel.addEventListener('change', () => load().catch(fail));
    incStatus.addEventListener('change', redraw);
    violationsOnly.addEventListener('change', redraw);
    zoneChecks.forEach((c) => c.addEventListener('change', redraw));
    const fail = (e) => { if (!ctx.signal.aborted) counts.textContent = 'Could not load the map’s data: ' + e.message; };

    await Promise.all([baseReady.catch((e) => { counts.textContent = 'Borders not loaded: ' + e.message; }), load()]);
    if (ctx.signal.aborted) return;
    if (zones.length) {
      const b = zonesLayer.getBounds();
      if (b.isValid()) map.fitBounds(b.pad(0.25), { maxZoom: 11, animate: false });
    }
    mapDiv.dataset.ready = '1';
    performance.mark('truce-map-ready');

    // Live: reload when the office changes (debounced).
    let timer = 0;
    ctx.onEvent((ev) => {
      const k = String(ev.data && ev.data.kind || ev.event);
      if (!/^(zone|incident|notice|site)/.test(k)) return;
      clearTimeout(timer);
      timer = setTimeout(() => load().catch(fail), 400);
    });

    let draw = null;
    if (can('draft')) draw = drawing(ctx, map, drawBox, actorList, () => load().catch(fail));
    return () => {
      clearTimeout(timer);
      if (draw) draw.stop();
      // A zoom the user started may still be animating: stop it first, or
      // its end would touch the removed panes.
      // Leaflet ends a zoom animation on a timer that would touch the removed
      // panes: end it now (its own idempotent handler).
      map.stop();
      if (map._animatingZoom) map._onZoomTransitionEnd();
      map.off();
      map.remove();
    };
  },
};

function swatch(h, stroke, fill, dot) {
  const s = h('span', { class: dot ? 'swatch dot' : 'swatch', 'aria-hidden': 'true' });
  s.style.borderColor = stroke;
  s.style.background = fill;
  return s;
}

// drawing fills box with the tools to draw a draft zone or place a draft
// incident: terra-draw on the map, or coordinates typed in (keyboard users).
function drawing(ctx, map, box, actorList, reload) {
  const { h, api, showErrors, field } = ctx;
  const draw = new TerraDraw({
    adapter: new CSPLeafletAdapter({ lib: L, map, coordinatePrecision: 6 }),
    modes: [new TerraDrawPolygonMode({ pointerDistance: 30 }), new TerraDrawPointMode()],
  });
  draw.start();
  draw.setMode('static');
  map.getContainer().truceDraw = draw; // for the browser tests

  const status = h('p', { class: 'muted', 'aria-live': 'polite', id: 'draw-status' });
  const zoneBtn = h('button', { type: 'button', 'data-action': 'draw-zone' }, 'Draw a zone');
  const incBtn = h('button', { type: 'button', class: 'secondary', 'data-action': 'place-incident' }, 'Place an incident');
  const formBox = h('div');
  box.append(h('h2', null, 'Draw'), h('p', { class: 'muted' }, 'Drafts stay in your party’s HQ until an official releases them.'),
    h('div', { class: 'actions' }, zoneBtn, incBtn), status, formBox);

  const nowLocal = () => new Date().toISOString().slice(0, 16);
  let onFinish = null;
  draw.on('finish', (id) => {
    const f = draw.getSnapshotFeature(id);
    if (f && onFinish) onFinish(f);
  });
  const stopDrawing = () => {
    draw.clear();
    draw.setMode('static');
    map.getContainer().parentElement.classList.remove('drawing');
    onFinish = null;
  };
  const cancel = h('button', { type: 'button', class: 'secondary', 'data-action': 'cancel-draw', onclick: () => { stopDrawing(); ctx.clear(formBox); status.textContent = ''; } }, 'Cancel');

  zoneBtn.addEventListener('click', () => {
    stopDrawing();
    const geom = h('textarea', { name: 'geometry', rows: 6, class: 'coords', spellcheck: 'false',
      placeholder: '36.40, 36.05\n36.45, 36.05\n36.45, 36.10' });
    const name = h('input', { name: 'name', 'aria-required': 'true' });
    const category = h('select', { name: 'category' }, CATEGORIES.map((c) => h('option', { value: c }, c.replace(/_/g, ' '))));
    const from = h('input', { name: 'valid_from', type: 'datetime-local', value: nowLocal() });
    const until = h('input', { name: 'valid_until', type: 'datetime-local' });
    const buffer = h('input', { name: 'buffer_m', type: 'number', min: '0', step: '1', value: '0' });
    const show = h('button', { type: 'button', class: 'secondary', 'data-action': 'show-coords' }, 'Show on map');
    const save = h('button', { type: 'submit', 'data-action': 'save-zone' }, 'Save draft zone');
    const form = h('form', { class: 'draw-form', 'aria-label': 'New zone' },
      field('Boundary: one “longitude, latitude” per line', geom, 'Click on the map to add corners, click the first corner (or press Enter) to close; or type them here.'),
      show, field('Name', name), field('Category', category), field('Valid from (UTC)', from), field('Valid until (UTC, optional)', until),
      field('Buffer (metres)', buffer), h('div', { class: 'actions' }, save, cancel));
    const showCoords = () => {
      let pts;
      try { pts = parseCoords(geom.value); } catch (e) { showErrors(form, { message: e.message, field: 'geometry' }); return; }
      showErrors(form, null);
      if (pts.length < 3) return;
      const ring = [...pts, pts[0]];
      draw.clear();
      draw.addFeatures([{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] }, properties: { mode: 'polygon' } }]);
      map.fitBounds(L.latLngBounds(pts.map(([x, y]) => [y, x])).pad(0.3));
    };
    show.addEventListener('click', showCoords);
    onFinish = (f) => {
      const ring = f.geometry.coordinates[0];
      geom.value = fmtCoords(ring.slice(0, -1));
      status.textContent = `Boundary drawn with ${ring.length - 1} corners. Fill in the form and save.`;
      draw.setMode('static');
    };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      showErrors(form, null);
      let pts;
      try { pts = parseCoords(geom.value); } catch (err) { showErrors(form, { message: err.message, field: 'geometry' }); return; }
      const ring = pts.length && (pts[0][0] !== pts.at(-1)[0] || pts[0][1] !== pts.at(-1)[1]) ? [...pts, pts[0]] : pts;
      const body = {
        type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] },
        properties: { name: name.value.trim(), category: category.value, valid_from: utcInput(from.value), buffer_m: Number(buffer.value || 0) },
      };
      if (until.value) body.properties.valid_until = utcInput(until.value);
      save.disabled = true;
      try {
        const z = await api('/zones', { method: 'POST', body });
        stopDrawing();
        ctx.clear(formBox).append(h('p', { class: 'ok-note', role: 'status', id: 'draw-saved' }, 'Draft zone saved: ',
          h('a', { href: `#/zones/${encodeURIComponent(z.properties.id)}`, 'data-zone': z.properties.id }, z.properties.name), '.'));
        status.textContent = '';
        reload();
      } catch (err) {
        showErrors(form, err);
      } finally {
        save.disabled = false;
      }
    });
    ctx.clear(formBox).append(form);
    map.getContainer().parentElement.classList.add('drawing');
    draw.setMode('polygon');
    status.textContent = 'Drawing a zone: click the corners on the map, or type them in.';
    geom.focus();
  });

  incBtn.addEventListener('click', () => {
    stopDrawing();
    const geom = h('input', { name: 'geometry', class: 'coords', placeholder: '36.40, 36.05', spellcheck: 'false' });
    const when = h('input', { name: 'occurred_at', type: 'datetime-local', value: nowLocal() });
    const type = h('select', { name: 'type' }, INCIDENT_TYPES.map((t) => h('option', { value: t }, t.replace(/_/g, ' '))));
    const perp = h('select', { name: 'perpetrator' }, h('option', { value: '' }, 'Unknown'), actorList.map((a) => h('option', { value: a.id }, a.name)));
    const fatalities = h('input', { name: 'fatalities', type: 'number', min: '0', step: '1', value: '0' });
    const desc = h('textarea', { name: 'description', rows: 3 });
    const sources = h('textarea', { name: 'sources', rows: 2, placeholder: 'one source per line' });
    const save = h('button', { type: 'submit', 'data-action': 'save-incident' }, 'Save draft incident');
    const form = h('form', { class: 'draw-form', 'aria-label': 'New incident' },
      field('Position: “longitude, latitude”', geom, 'Click on the map, or type it.'),
      field('Occurred at (UTC)', when), field('Type', type), field('Perpetrator', perp), field('Fatalities', fatalities),
      field('Description', desc), field('Sources', sources), h('div', { class: 'actions' }, save, cancel));
    onFinish = (f) => {
      geom.value = fmtCoords([f.geometry.coordinates]);
      draw.clear();
      draw.addFeatures([{ type: 'Feature', geometry: f.geometry, properties: { mode: 'point' } }]);
      status.textContent = 'Position placed. Fill in the form and save.';
    };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      showErrors(form, null);
      let pts;
      try { pts = parseCoords(geom.value); } catch (err) { showErrors(form, { message: err.message, field: 'geometry' }); return; }
      const body = {
        type: 'Feature', geometry: { type: 'Point', coordinates: pts[0] || [] },
        properties: {
          occurred_at: utcInput(when.value), type: type.value, perpetrator: perp.value || null,
          fatalities: Number(fatalities.value || 0), description: desc.value,
          sources: sources.value.split('\n').map((s) => s.trim()).filter(Boolean),
        },
      };
      save.disabled = true;
      try {
        const inc = await api('/incidents', { method: 'POST', body });
        stopDrawing();
        ctx.clear(formBox).append(h('p', { class: 'ok-note', role: 'status', id: 'draw-saved' }, 'Draft incident saved: ',
          h('a', { href: `#/incidents/${encodeURIComponent(inc.properties.id)}` }, inc.properties.type.replace(/_/g, ' ')), '.'));
        status.textContent = '';
        reload();
      } catch (err) {
        showErrors(form, err);
      } finally {
        save.disabled = false;
      }
    });
    ctx.clear(formBox).append(form);
    map.getContainer().parentElement.classList.add('drawing');
    draw.setMode('point');
    status.textContent = 'Placing an incident: click its position on the map, or type it.';
    geom.focus();
  });

  return { stop() { try { draw.stop(); } catch { /* map gone */ } } };
}
