// app.js is the shell of truce's web UI: sign-in and sign-out, the header,
// the hash router and the helpers every page uses (see web/README.md).
//
// Pages never build HTML from strings: h() sets text with textContent, so
// nothing the server (or another party) wrote can become markup.

const TOKEN_KEY = 'truce.session';

/** ApiError is the contract's error shape {"error":{"code","message","field"}} plus the HTTP status. */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code || '';
    this.field = field || '';
  }
}

// The session: {token, expires_at, user} kept in sessionStorage (this tab only).
let session = loadSession();
let expiryTimer = 0;

function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || 'null');
    if (s && s.token && (!s.expires_at || Date.parse(s.expires_at) > Date.now())) return s;
  } catch { /* a damaged value is no session */ }
  sessionStorage.removeItem(TOKEN_KEY);
  return null;
}

/** me is the signed-in caller from GET /api/v1/me: {username, party, roles}; null when signed out. */
export let me = null;

/** api calls the JSON API. path is '/api/v1/...' or short ('/zones', 'zones'). Returns parsed JSON
 * (text for text/plain, null for 204); throws ApiError. A 401 ends the session ("Your session expired"). */
export async function api(path, { method = 'GET', body, query, headers = {}, signal } = {}) {
  let url = path.startsWith('/api/') ? path : '/api/v1/' + path.replace(/^\//, '');
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    const qs = q.toString();
    if (qs) url += (url.includes('?') ? '&' : '?') + qs;
  }
  const h = { Accept: 'application/json, text/plain', ...headers };
  if (session) h.Authorization = 'Bearer ' + session.token;
  let payload;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(url, { method, headers: h, body: payload, signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The server could not be reached. Check the connection and try again.', '');
  }
  if (res.status === 401 && session && !url.endsWith('/sessions')) {
    expireSession('Your session expired. Sign in again.');
    throw new ApiError(401, 'unauthorized', 'Your session expired.', '');
  }
  if (!res.ok) {
    let e = {};
    try { e = (await res.json()).error || {}; } catch { /* not the contract's shape */ }
    throw new ApiError(res.status, e.code, e.message || `${res.status} ${res.statusText}`, e.field);
  }
  if (res.status === 204) return null;
  const ct = res.headers.get('Content-Type') || '';
  if (ct.includes('json') && !ct.includes('jsonl') && !ct.includes('ndjson')) return res.json();
  return res.text();
}

// Role rules of SPEC 2 (the API is the final judge; these decide which buttons show).
const RULES = {
  draft: ['official', 'analyst'],
  create: ['official', 'analyst'],
  release: ['official'],
  acknowledge: ['official'],
  dispute: ['official'],
  withdraw: ['official'],
  accept: ['official'],
  designate: ['official'],
  attribute: ['official'],
  respond: ['official', 'analyst'],
  verify: ['official'],
  deconflict: ['official', 'planner'],
  notice: ['official', 'planner'],
  site: ['official', 'analyst'],
  reveal: ['official'],
  answer: ['official', 'analyst'],
  decline: ['official'],
  step: ['official'],
  status: ['official'],
};

/** can(action) says whether the caller's role may do action (SPEC 2's roles table); admins act on no office item. */
export function can(action) {
  if (!me || !me.party) return false;
  const allowed = RULES[action];
  if (!allowed) throw new Error(`can: unknown action ${action}`);
  return (me.roles || []).some((r) => allowed.includes(r));
}

/** h builds a DOM element: h('button', {class: 'x', 'data-action': 'release', onclick: f}, 'release').
 * Strings become text nodes (never markup); arrays are flattened; null/false/undefined are skipped.
 * attrs: on* functions are listeners; style takes an object; value/checked/disabled/hidden/selected are properties. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (['value', 'checked', 'disabled', 'hidden', 'selected', 'multiple', 'required', 'readOnly'].includes(k)) el[k] = v;
    else if (k === 'class' && Array.isArray(v)) el.className = v.filter(Boolean).join(' ');
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** clear empties an element. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** showErrors puts err.message beside the control named err.field in form (aria-invalid, aria-describedby)
 * and a summary before the form's first field ("Not saved:", or the form's data-error-title).
 * showErrors(form, null) clears them. */
export function showErrors(form, err) {
  for (const e of form.querySelectorAll('.field-error, .form-errors')) e.remove();
  for (const e of form.querySelectorAll('[aria-invalid]')) {
    e.removeAttribute('aria-invalid');
    e.removeAttribute('aria-describedby');
  }
  if (!err) return;
  const message = err.message || String(err);
  let control = null;
  if (err.field) {
    // The exact name, then without a leading 'properties.', then shorter prefixes
    // ('geometry.coordinates[0][2]' -> 'geometry.coordinates' -> 'geometry').
    const names = [err.field, err.field.replace(/^properties\./, '')];
    for (let f = names[1]; /[.[]/.test(f);) {
      f = f.slice(0, Math.max(f.lastIndexOf('.'), f.lastIndexOf('[')));
      names.push(f);
    }
    for (const n of names) {
      control = form.querySelector(`[name="${CSS.escape(n)}"]`);
      if (control) break;
    }
  }
  const summary = h('div', { class: 'form-errors', role: 'alert' },
    h('strong', null, (form.dataset.errorTitle || 'Not saved:') + ' '), message, err.field && !control ? ` (${err.field})` : '');
  const first = form.querySelector('.field');
  if (first) first.before(summary);
  else form.prepend(summary);
  if (control) {
    const id = 'err-' + Math.random().toString(36).slice(2);
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', id);
    const note = h('span', { class: 'field-error', id, 'data-field': err.field }, message);
    (control.closest('.field') || control.parentElement).appendChild(note);
    control.focus();
  }
}

let fieldSeq = 0;
/** field wraps a control with its label: field('Name', h('input', {name: 'name'})). */
export function field(label, control, hint) {
  if (!control.id) control.id = 'f' + ++fieldSeq;
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hint ? h('small', { class: 'hint' }, hint) : null);
}

/** fmtTime shows an RFC 3339 time as 'YYYY-MM-DD HH:MM UTC'. */
export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** status renders a status badge with data-status (tests and styles key on it). */
export function status(s) {
  return h('span', { class: `status status-${s}`, 'data-status': s }, String(s).replace(/_/g, ' '));
}

/** table builds an accessible table: columns [{label, value: row => string|Node}], rows, caption. */
export function table({ caption, columns, rows, empty = 'Nothing to show.', rowAttrs }) {
  return h('table', { class: 'list' },
    h('caption', null, caption),
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
    h('tbody', null, rows.length === 0
      ? h('tr', null, h('td', { colspan: columns.length, class: 'empty' }, empty))
      : rows.map((r) => h('tr', rowAttrs ? rowAttrs(r) : null, columns.map((c) => h('td', null, c.value(r)))))));
}

let partyCache = null;
/** parties returns the arrangement's parties [{id, name, kind, verifier_key}] (cached per sign-in). */
export async function parties() {
  if (!partyCache) partyCache = api('/parties').then((r) => r.items || []).catch((e) => { partyCache = null; throw e; });
  return partyCache;
}

/** listAll follows next_cursor to read a whole list (bounded by max items). */
export async function listAll(path, query = {}, { max = 10000, key = 'items', signal } = {}) {
  const out = [];
  let cursor = '';
  for (;;) {
    const page = await api(path, { query: { ...query, limit: Math.min(max - out.length, 10000), cursor }, signal });
    const items = page[key] || page.features || [];
    out.push(...items);
    cursor = page.next_cursor;
    if (!cursor || out.length >= max) return out;
  }
}

/** navigate goes to a hash route: navigate('#/zones/abc') or navigate('/zones/abc'). */
export function navigate(hash) {
  const target = hash.startsWith('#') ? hash : '#' + hash;
  if (location.hash === target) route();
  else location.hash = target;
}

// Live events: one fetch stream of /api/v1/events per sign-in, resumed with Last-Event-ID.
const listeners = new Set();
let stream = null; // {abort, lastId}
let liveState = 'off';

/** onEvent(fn) calls fn({id, event, data}) for each event of /api/v1/events; returns the unsubscribe function. */
export function onEvent(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function setLive(state) {
  liveState = state;
  const el = document.getElementById('live');
  if (el) {
    el.dataset.state = state;
    el.textContent = { on: 'live', connecting: 'connecting…', off: 'offline' }[state] || state;
    el.title = state === 'on' ? 'Receiving the office’s changes as they happen' : 'Not receiving live changes; retrying';
  }
}

function startEvents() {
  stopEvents();
  const ctl = new AbortController();
  const s = { ctl, lastId: '', retry: 1000 };
  stream = s;
  (async () => {
    while (!ctl.signal.aborted && session) {
      setLive('connecting');
      try {
        const headers = { Authorization: 'Bearer ' + session.token, Accept: 'text/event-stream' };
        if (s.lastId) headers['Last-Event-ID'] = s.lastId;
        const res = await fetch('/api/v1/events', { headers, signal: ctl.signal });
        if (res.status === 401) { expireSession('Your session expired. Sign in again.'); return; }
        if (!res.ok || !res.body) throw new Error('events: HTTP ' + res.status);
        setLive('on');
        s.retry = 1000;
        await readEvents(res.body, s);
      } catch (e) {
        if (ctl.signal.aborted) return;
      }
      if (ctl.signal.aborted) return;
      setLive('off');
      await new Promise((r) => setTimeout(r, s.retry));
      s.retry = Math.min(s.retry * 2, 15000);
    }
  })();
}

async function readEvents(body, s) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value.replace(/\r\n?/g, '\n');
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const ev = { id: '', event: 'message', data: '' };
      const data = [];
      for (const line of block.split('\n')) {
        if (!line || line.startsWith(':')) continue;
        const c = line.indexOf(':');
        const k = c < 0 ? line : line.slice(0, c);
        const v = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
        if (k === 'id') ev.id = v;
        else if (k === 'event') ev.event = v;
        else if (k === 'data') data.push(v);
      }
      if (!data.length && !ev.id) continue;
      if (ev.id) s.lastId = ev.id;
      if (ev.event === 'dropped') return; // resume from lastId
      try { ev.data = JSON.parse(data.join('\n')); } catch { ev.data = data.join('\n'); }
      for (const fn of [...listeners]) {
        try { fn(ev); } catch (e) { console.warn('event listener failed', e); }
      }
    }
  }
}

function stopEvents() {
  if (stream) stream.ctl.abort();
  stream = null;
  setLive('off');
}

// The router and the page frame.
let pages = [];
let current = null; // {leave()}
let root;
let flash = '';

function setSession(s) {
  session = s;
  if (s) sessionStorage.setItem(TOKEN_KEY, JSON.stringify(s));
  else sessionStorage.removeItem(TOKEN_KEY);
  clearTimeout(expiryTimer);
  if (s && s.expires_at) {
    const ms = Date.parse(s.expires_at) - Date.now();
    expiryTimer = setTimeout(() => expireSession('Your session expired. Sign in again.'), Math.min(Math.max(ms, 0), 2 ** 31 - 1));
  }
}

function expireSession(message) {
  setSession(null);
  me = null;
  partyCache = null;
  stopEvents();
  flash = message;
  route();
}

/** signOut ends the session on the server and shows the sign-in page. The page is left and the
 * event stream closed first, so no request of the page is still under way when the token dies. */
export async function signOut() {
  leavePage();
  stopEvents();
  const s = session;
  setSession(null);
  me = null;
  partyCache = null;
  if (s) {
    try {
      await fetch('/api/v1/sessions/current', { method: 'DELETE', headers: { Authorization: 'Bearer ' + s.token } });
    } catch { /* the server will expire it */ }
  }
  flash = 'Signed out.';
  navigate('#/signin');
}

function leavePage() {
  if (current) current.leave();
  current = null;
}

function signInPage(message) {
  leavePage();
  document.title = 'Sign in · truce';
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'off', spellcheck: 'false' });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', 'data-action': 'signin' }, 'Sign in');
  const form = h('form', { class: 'signin', 'aria-labelledby': 'signin-title', 'data-error-title': 'Not signed in:' },
    h('h1', { id: 'signin-title' }, 'truce'),
    h('p', { class: 'lead' }, 'The coordination office of the arrangement. Sign in with your member name.'),
    message ? h('p', { class: 'notice', role: 'status' }, message) : null,
    field('Member name', user), field('Password', pass), submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    showErrors(form, null);
    try {
      const s = await api('/sessions', { method: 'POST', body: { username: user.value.trim(), password: pass.value } });
      setSession({ token: s.token, expires_at: s.expires_at, user: s.user });
      flash = '';
      const back = sessionStorage.getItem('truce.back');
      sessionStorage.removeItem('truce.back');
      navigate(back && !back.startsWith('#/signin') ? back : '#/map');
    } catch (err) {
      pass.value = '';
      showErrors(form, err.status === 401 ? new ApiError(401, 'unauthorized', 'Wrong member name or password.', 'password') : err);
    } finally {
      submit.disabled = false;
    }
  });
  clear(root).appendChild(h('main', { class: 'signin-page', id: 'main' }, form));
  user.focus();
}

function header(active) {
  const roles = (me.roles || []).join(', ');
  return h('header', { class: 'top' },
    h('a', { class: 'skip', href: '#main', onclick: (e) => { e.preventDefault(); document.getElementById('main')?.focus(); } }, 'Skip to content'),
    h('a', { class: 'brand', href: '#/map' }, 'truce'),
    h('nav', { 'aria-label': 'Pages' }, h('ul', null, pages.filter((p) => p.nav).map((p) =>
      h('li', null, h('a', { href: '#' + p.path, 'aria-current': p === active ? 'page' : null }, p.title))))),
    h('div', { class: 'who', 'aria-label': 'Signed in as' },
      h('span', { id: 'live', class: 'live', 'data-state': liveState }, liveState === 'on' ? 'live' : 'offline'),
      h('span', { class: 'member', id: 'who-member' }, me.username),
      h('span', { class: 'party', id: 'who-party', title: me.partyName || '' }, me.party ? me.party : 'no party'),
      h('span', { class: 'role', id: 'who-role' }, roles),
      h('button', { type: 'button', class: 'link', 'data-action': 'signout', onclick: signOut }, 'Sign out')));
}

function match(path) {
  const parts = path.split('/').filter(Boolean);
  for (const p of pages) {
    const pp = p.path.split('/').filter(Boolean);
    if (pp.length !== parts.length) continue;
    const params = {};
    let ok = true;
    pp.forEach((seg, i) => {
      if (seg.startsWith(':')) params[seg.slice(1)] = decodeURIComponent(parts[i]);
      else if (seg !== parts[i]) ok = false;
    });
    if (ok) return { page: p, params };
  }
  return null;
}

async function route() {
  const hash = location.hash || '#/map';
  const [path, qs] = hash.slice(1).split('?');
  if (!session) {
    if (path !== '/signin') sessionStorage.setItem('truce.back', hash);
    const m = flash;
    flash = '';
    signInPage(m);
    return;
  }
  if (path === '/signin' || path === '' || path === '/') {
    navigate('#/map');
    return;
  }
  if (!me) {
    try {
      me = await api('/me');
      const ps = await parties().catch(() => []);
      me.partyName = (ps.find((p) => p.id === me.party) || {}).name || '';
      startEvents();
    } catch (e) {
      if (!session) return; // expired: the sign-in page is showing
      clear(root).appendChild(h('main', { id: 'main', class: 'page' }, h('p', { class: 'form-errors', role: 'alert' }, 'Could not load your account: ' + e.message)));
      return;
    }
  }
  leavePage();
  const found = match(path);
  const page = found ? found.page : null;
  const main = h('main', { id: 'main', class: 'page', tabindex: '-1', 'data-page': page ? page.path : 'none' });
  clear(root).append(header(page), main);
  if (!page) {
    main.append(h('h1', null, 'Not found'), h('p', null, 'No page at ', h('code', null, path), '. ', h('a', { href: '#/map' }, 'Back to the map'), '.'));
    return;
  }
  document.title = `${page.title} · truce`;
  const unsubs = [];
  const leaves = [];
  const ctl = new AbortController();
  const ctx = {
    el: main, api, me, can, h, clear, showErrors, navigate, field, fmtTime, status, table, parties, listAll, ApiError,
    query: new URLSearchParams(qs || ''),
    signal: ctl.signal,
    onEvent(fn) { const u = onEvent(fn); unsubs.push(u); return u; },
    onLeave(fn) { leaves.push(fn); },
  };
  const mine = {
    leave() {
      ctl.abort();
      unsubs.forEach((u) => u());
      leaves.forEach((f) => { try { f(); } catch (e) { console.warn(e); } });
    },
  };
  current = mine;
  try {
    const cleanup = await page.render(ctx, found.params);
    if (typeof cleanup === 'function') leaves.push(cleanup);
  } catch (e) {
    if (ctl.signal.aborted || !session) return;
    if (e instanceof ApiError && e.status === 404) {
      main.append(h('h1', null, 'Not found'), h('p', null, 'There is no such item, or it is not visible to you.'));
    } else {
      main.append(h('div', { class: 'form-errors', role: 'alert' }, 'This page failed: ' + (e.message || e)));
      console.warn(e);
    }
  }
}

/** start mounts the UI into #app with the page registry. */
export function start(registry) {
  pages = registry;
  root = document.getElementById('app');
  window.addEventListener('hashchange', route);
  if (session) setSession(session); // re-arm the expiry timer
  route();
}
