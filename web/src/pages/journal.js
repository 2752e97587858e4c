// The journal: entries as they arrive, the latest checkpoint, and its
// verification done here, in the browser, with WebCrypto: the office's
// Ed25519 signature of the checkpoint and each party's signature of each
// entry (C2SP signed notes, against the verifier keys the server publishes),
// and the RFC 6962 Merkle root recomputed over the entries (or, past
// FULL_LIMIT entries, inclusion proofs of the entries shown). A member need
// not take the server's word for it. See docs/journal.md for the formats.
import * as notes from '../verify.js';

const SHOWN = 100; // entries listed
const FULL_LIMIT = 20000; // up to this size the whole tree is recomputed here

export default {
  path: '/journal',
  title: 'Journal',
  nav: true,
  async render(ctx) {
    const { h, el, api } = ctx;
    const stateBox = h('p', { class: 'verify', id: 'verify-state', 'data-state': 'checking', role: 'status', 'aria-live': 'polite' }, 'Checking in this browser…');
    const detail = h('ul', { class: 'verify-detail', id: 'verify-detail' });
    const cpBox = h('section', { class: 'panel', 'aria-label': 'Latest checkpoint' });
    const keysBox = h('section', { 'aria-label': 'Verifier keys' });
    const entriesBox = h('section', { class: 'table-wrap', 'aria-label': 'Entries' });
    const cosignBox = h('div', { id: 'cosigners' });
    el.append(h('h1', null, 'Journal'),
      h('p', { class: 'muted' }, 'Every change that reaches the office is one signed entry in an append-only Merkle tree. This page checks the signatures and the tree itself, with your browser’s own cryptography, against the published keys.'),
      stateBox, detail,
      h('div', { class: 'cols' }, cpBox, keysBox),
      entriesBox);

    const info = await api('/journal', { signal: ctx.signal });
    let keys;
    const fail = (why) => {
      stateBox.dataset.state = 'failed';
      stateBox.textContent = 'Verification FAILED in this browser: ' + why;
    };
    try {
      keys = await notes.loadKeys(info);
    } catch (e) {
      fail(e.message);
      return;
    }
    ctx.clear(keysBox).append(h('h2', null, 'Verifier keys'), ctx.table({
      caption: 'Published keys (C2SP signed-note verifier keys)',
      rows: keys.list,
      columns: [
        { label: 'Signer', value: (k) => k.role },
        { label: 'Key name', value: (k) => h('code', null, k.name) },
        { label: 'Key hash', value: (k) => h('code', null, k.hashHex) },
      ],
    }), h('p', { class: 'muted' }, 'Compare the office key and your own party’s key with the ones you were given out of band.'),
    cosignBox);

    // State kept across live updates.
    const leaves = []; // leaf hashes (Uint8Array) by index
    const entries = []; // {index, note, entry, sigOK, sigWhy}
    let checking = null;
    let again = false;

    async function check() {
      if (checking) { again = true; return checking; }
      checking = (async () => {
        do {
          again = false;
          await checkOnce();
        } while (again && !ctx.signal.aborted);
      })().finally(() => { checking = null; });
      return checking;
    }

    async function checkOnce() {
      const cpText = await api('/journal/checkpoint', { signal: ctx.signal });
      const cp = await notes.openCheckpoint(cpText, keys);
      showCheckpoint(cpText, cp);
      const lines = [];
      if (!cp.ok) {
        fail(cp.why);
        return;
      }
      lines.push(`The checkpoint (${cp.size} entries) is signed by the office key ${keys.office.name}.`);
      // Entries: all of them up to FULL_LIMIT, else the last SHOWN.
      // ?check=proofs (in the hash) checks inclusion proofs even for a small journal.
      const full = cp.size <= FULL_LIMIT && ctx.query.get('check') !== 'proofs';
      const start = full ? leaves.length : Math.max(0, cp.size - SHOWN);
      if (!full) { leaves.length = 0; entries.length = 0; }
      const fetched = await fetchEntries(start, cp.size);
      let badSig = null;
      for (const e of fetched) {
        const r = await notes.openEntry(e.note, keys);
        const item = { index: e.index, note: e.note, entry: r.entry, sigOK: r.ok, sigWhy: r.why };
        entries[e.index] = item;
        leaves[e.index] = await notes.leafHash(e.note);
        if (!r.ok && !badSig) badSig = item;
      }
      const firstBad = entries.find((x) => x && !x.sigOK);
      if (firstBad) badSig = firstBad;
      showEntries(cp.size);
      if (badSig) {
        fail(`entry ${badSig.index}: ${badSig.sigWhy}`);
        renderDetail(lines);
        return;
      }
      if (full) {
        if (leaves.length < cp.size) { fail(`the server gave ${leaves.length} of the checkpoint's ${cp.size} entries`); return; }
        const root = await notes.treeHash(leaves.slice(0, cp.size));
        lines.push(`All ${cp.size} entry signatures are valid, each by the key of the party it names.`);
        if (!notes.equal(root, cp.root)) {
          fail(`the Merkle root recomputed over the ${cp.size} entries (${notes.b64(root)}) differs from the checkpoint's (${notes.b64(cp.root)})`);
          renderDetail(lines);
          return;
        }
        lines.push(`The RFC 6962 Merkle root recomputed over all ${cp.size} entries equals the checkpoint's root.`);
      } else {
        for (let i = start; i < cp.size; i++) {
          const proof = await api('/journal/proofs/inclusion', { query: { index: i, size: cp.size }, signal: ctx.signal });
          const ok = await notes.checkInclusion(leaves[i], i, cp.size, proof.hashes.map(notes.unb64), cp.root);
          if (!ok) { fail(`entry ${i} is not in the tree of the checkpoint (inclusion proof fails)`); renderDetail(lines); return; }
        }
        lines.push(`The ${cp.size - start} entries shown have valid signatures and inclusion proofs against the checkpoint's root.`);
      }
      const cosigs = await checkCosignatures(cp.size, full);
      const bad = cosigs.find((c) => c.why);
      showCosignatures(cosigs);
      if (bad) {
        fail(`${bad.party}'s cosignature of the checkpoint of ${bad.size} entries: ${bad.why}`);
        renderDetail(lines);
        return;
      }
      for (const c of cosigs) lines.push(c.note);
      renderDetail(lines);
      stateBox.dataset.state = 'verified';
      stateBox.dataset.size = String(cp.size);
      stateBox.textContent = `Verified in this browser: checkpoint of ${cp.size} entries, office signature, every entry's signature${full ? ' and the Merkle root' : ' and inclusion proofs'}.`;
    }

    // Each party's latest cosignature (C2SP cosignature/v1, by the cosigner
    // key it declared in the journal): checked here, and, when the whole
    // tree was recomputed, its checkpoint's root against the root of the
    // same size over the entries verified here, so that a party's cosignature
    // vouches for this very history.
    async function checkCosignatures(size, full) {
      const now = await api('/journal', { signal: ctx.signal });
      const out = [];
      for (const [party, vkey] of Object.entries(now.cosigner_keys || {}).sort(([a], [b]) => a.localeCompare(b))) {
        const c = { party, name: String(vkey).split('+')[0], size: now.cosigned?.[party]?.size ?? null, why: '', note: '', time: null };
        out.push(c);
        if (c.size === null) continue;
        try {
          const key = await notes.parseCosignerKey(vkey);
          const text = await api('/journal/checkpoint', { query: { size: c.size }, signal: ctx.signal });
          const cp = await notes.openCheckpoint(text, keys);
          if (!cp.ok) { c.why = cp.why; continue; }
          if (cp.size !== c.size) { c.why = `the server gave the checkpoint of ${cp.size} entries`; continue; }
          const r = await notes.verifyCosignature(text, key);
          c.time = r.time;
          if (r.why) { c.why = r.why; continue; }
          if (full && c.size <= size) {
            const root = await notes.treeHash(leaves.slice(0, c.size));
            if (!notes.equal(root, cp.root)) { c.why = `it vouches for a root (${notes.b64(cp.root)}) other than the one of the first ${c.size} entries verified here (${notes.b64(root)})`; continue; }
            c.note = `${party} cosigned the checkpoint of ${c.size} entries; its root is the one of the first ${c.size} entries verified here.`;
          } else {
            c.note = `${party} cosigned the checkpoint of ${c.size} entries (signature checked; its root not compared here).`;
          }
        } catch (e) {
          c.why = e.message;
        }
      }
      return out;
    }

    function showCosignatures(rows) {
      ctx.clear(cosignBox).append(h('h3', null, 'Cosigned by the parties'), rows.length === 0
        ? h('p', { class: 'muted' }, 'No party has declared a cosigner key yet (truce cosigner new, then PUT /api/v1/journal/cosigners/{party}).')
        : ctx.table({
          caption: 'Each party’s latest cosignature of a checkpoint, checked in this browser against the key it declared in the journal',
          rows,
          rowAttrs: (c) => ({ 'data-party': c.party, 'data-cosig': c.size === null ? 'none' : (c.why ? 'bad' : 'ok') }),
          columns: [
            { label: 'Party', value: (c) => c.party },
            { label: 'Cosigner key', value: (c) => h('code', null, c.name) },
            { label: 'Checkpoint size', value: (c) => (c.size === null ? 'none yet' : String(c.size)) },
            { label: 'Cosigned at', value: (c) => (c.time ? ctx.fmtTime(c.time.toISOString()) : '') },
            { label: 'Cosignature', value: (c) => (c.size === null ? '' : c.why ? h('span', { class: 'sig-bad' }, '✗ ' + c.why) : h('span', { class: 'sig-ok' }, '✓ valid')) },
          ],
        }));
    }

    function renderDetail(lines) {
      ctx.clear(detail).append(...lines.map((l) => h('li', null, l)));
    }

    async function fetchEntries(start, end) {
      const out = [];
      for (let s = start; s < end;) {
        const e = Math.min(end, s + 1000);
        const text = await api('/journal/entries', { query: { start: s, end: e }, signal: ctx.signal });
        for (const line of String(text).split('\n')) {
          if (!line.trim()) continue;
          out.push(JSON.parse(line));
        }
        if (out.length === 0 || out[out.length - 1].index < s) break;
        s = out[out.length - 1].index + 1;
      }
      return out;
    }

    function showCheckpoint(text, cp) {
      ctx.clear(cpBox).append(h('h2', null, 'Latest checkpoint'),
        h('dl', { class: 'props' },
          h('dt', null, 'Origin'), h('dd', null, h('code', null, cp.origin || '?')),
          h('dt', null, 'Size'), h('dd', { id: 'checkpoint-size' }, String(cp.size ?? '?')),
          h('dt', null, 'Root'), h('dd', null, h('code', null, cp.root ? notes.b64(cp.root) : '?')),
          h('dt', null, 'Office signature'), h('dd', null, cp.ok ? h('span', { class: 'sig-ok' }, 'valid') : h('span', { class: 'sig-bad' }, cp.why))),
        h('details', null, h('summary', null, 'The signed note'), h('pre', { class: 'note' }, text)));
    }

    function showEntries(size) {
      const shown = [];
      for (let i = size - 1; i >= 0 && shown.length < SHOWN; i--) if (entries[i]) shown.push(entries[i]);
      ctx.clear(entriesBox).append(h('h2', null, 'Entries'), ctx.table({
        caption: `The latest ${shown.length} of ${size} entries, newest first`,
        rows: shown,
        rowAttrs: (x) => ({ 'data-index': x.index, 'data-sig': x.sigOK ? 'ok' : 'bad' }),
        columns: [
          { label: '#', value: (x) => String(x.index) },
          { label: 'Time', value: (x) => ctx.fmtTime(x.entry && x.entry.time) },
          { label: 'Party', value: (x) => (x.entry && x.entry.party) || '?' },
          { label: 'Member', value: (x) => (x.entry && x.entry.member) || '?' },
          { label: 'Kind', value: (x) => h('code', null, (x.entry && x.entry.kind) || '?') },
          { label: 'Subject', value: (x) => subject(h, x.entry && x.entry.subject) },
          { label: 'Signature', value: (x) => (x.sigOK ? h('span', { class: 'sig-ok' }, '✓ valid') : h('span', { class: 'sig-bad' }, '✗ ' + x.sigWhy)) },
        ],
      }));
    }

    try {
      await check();
    } catch (e) {
      if (!ctx.signal.aborted) fail(e.message);
    }
    let t = 0;
    ctx.onEvent(() => {
      clearTimeout(t);
      t = setTimeout(() => check().catch((e) => { if (!ctx.signal.aborted) fail(e.message); }), 300);
    });
    return () => clearTimeout(t);
  },
};

const LINKS = { zone_: '/zones/', inc_: '/incidents/', ntc_: '/notices/', act_: '/actors/', cmt_: '/commitments/', stp_: '/steps/', rpt_: '/reports/', rfi_: '/rfis/' };
function subject(h, id) {
  if (!id) return '';
  for (const [prefix, path] of Object.entries(LINKS)) {
    if (id.startsWith(prefix)) return h('a', { href: '#' + path + encodeURIComponent(id) }, id);
  }
  return h('code', null, id);
}
