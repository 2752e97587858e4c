// verify.js checks truce's journal in the browser with WebCrypto alone:
// C2SP signed notes (https://c2sp.org/signed-note) signed with Ed25519, and
// RFC 6962 Merkle trees (the hashing of golang.org/x/mod/sumdb/tlog).
//
// A verifier key is "name+hash+base64(0x01 || 32-byte public key)", where
// hash is the first 4 bytes (8 hex digits) of SHA-256(name || "\n" || 0x01 ||
// public key). A signed note is its text (ending in "\n"), a blank line, then
// lines "— name base64(4-byte key hash || 64-byte signature)\n"; the signature
// is over the text. Leaf hash: SHA-256(0x00 || note bytes); node hash:
// SHA-256(0x01 || left || right).

const enc = new TextEncoder();
const EM_DASH = '\u2014 ';

/** b64 encodes bytes as standard base64. */
export function b64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** unb64 decodes standard base64 (throws on bad input). */
export function unb64(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** equal compares two byte arrays. */
export function equal(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

/** keyHash is the 4-byte key hash of a signed-note key of type alg (0x01 Ed25519, 0x04 cosignature/v1), as a uint32. */
export async function keyHash(name, pub, alg = 1) {
  const h = await sha256(concat(enc.encode(name + '\n'), new Uint8Array([alg]), pub));
  return ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
}

/** parseVerifierKey checks a verifier key string and imports its Ed25519 key. */
export async function parseVerifierKey(vkey) {
  return parseKey(vkey, 1, 'an Ed25519 key (algorithm 0x01, 32 bytes)');
}

/** parseCosignerKey checks a party's cosigner key: Ed25519 cosignature/v1 (C2SP tlog-cosignature, type 0x04). */
export async function parseCosignerKey(vkey) {
  return parseKey(vkey, 4, 'an Ed25519 cosignature/v1 key (algorithm 0x04, 32 bytes)');
}

async function parseKey(vkey, alg, what) {
  // name+hash+key: a key name holds no '+'; the base64 key may.
  const str = String(vkey);
  const i = str.indexOf('+');
  const j = i < 0 ? -1 : str.indexOf('+', i + 1);
  if (i < 0 || j < 0) throw new Error(`malformed verifier key “${vkey}”`);
  const name = str.slice(0, i);
  const hashHex = str.slice(i + 1, j);
  const keyB64 = str.slice(j + 1);
  if (!name || /\s/.test(name)) throw new Error(`verifier key with a bad name “${name}”`);
  if (!/^[0-9a-f]{8}$/.test(hashHex)) throw new Error(`verifier key ${name}: bad key hash “${hashHex}”`);
  let raw;
  try { raw = unb64(keyB64); } catch { throw new Error(`verifier key ${name}: bad base64`); }
  if (raw.length !== 33 || raw[0] !== alg) throw new Error(`verifier key ${name}: not ${what}`);
  const pub = raw.slice(1);
  const hash = parseInt(hashHex, 16) >>> 0;
  if ((await keyHash(name, pub, alg)) !== hash) throw new Error(`verifier key ${name}: its key hash ${hashHex} does not match the key`);
  const key = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
  return { name, hash, hashHex, key, vkey };
}

/** loadKeys imports the keys of GET /api/v1/journal: the office key (named by the origin) and each party's. */
export async function loadKeys(info) {
  const office = await parseVerifierKey(info.office_key);
  if (office.name !== info.origin) throw new Error(`the office key is named ${office.name}, not the origin ${info.origin}`);
  const byName = new Map([[office.name, office]]);
  const list = [{ ...office, role: 'office' }];
  for (const [party, vk] of Object.entries(info.party_keys || {}).sort()) {
    const k = await parseVerifierKey(vk);
    if (k.name !== `${info.origin}/${party}`) throw new Error(`party ${party}'s key is named ${k.name}, not ${info.origin}/${party}`);
    byName.set(k.name, k);
    list.push({ ...k, role: `party ${party}` });
  }
  return { origin: info.origin, office, byName, list };
}

/** splitNote returns a note's text and its signatures [{name, hash, sig}]. */
export function splitNote(note) {
  const i = note.lastIndexOf('\n\n');
  if (i < 0) throw new Error('not a signed note (no blank line before the signatures)');
  const text = note.slice(0, i + 1);
  const sigs = [];
  const rest = note.slice(i + 2);
  if (!rest.endsWith('\n')) throw new Error('signature lines must end in a newline');
  for (const line of rest.slice(0, -1).split('\n')) {
    if (!line.startsWith(EM_DASH)) throw new Error('malformed signature line');
    const [name, sigB64, extra] = line.slice(EM_DASH.length).split(' ');
    if (!name || !sigB64 || extra !== undefined) throw new Error('malformed signature line');
    let raw;
    try { raw = unb64(sigB64); } catch { throw new Error(`signature of ${name}: bad base64`); }
    if (raw.length < 5) throw new Error(`signature of ${name}: too short`);
    sigs.push({ name, hash: ((raw[0] << 24) | (raw[1] << 16) | (raw[2] << 8) | raw[3]) >>> 0, sig: raw.slice(4) });
  }
  return { text, sigs };
}

/** verifySig checks that note carries a valid signature by key; returns '' or why not. */
export async function verifySig(note, key) {
  let parts;
  try { parts = splitNote(note); } catch (e) { return e.message; }
  const sig = parts.sigs.find((s) => s.name === key.name && s.hash === key.hash);
  if (!sig) {
    const other = parts.sigs.find((s) => s.name === key.name);
    if (other) return `the signature by ${key.name} was made with another key (key hash ${other.hash.toString(16).padStart(8, '0')}) than the published one (${key.hashHex})`;
    return `no signature by ${key.name}`;
  }
  if (sig.sig.length !== 64) return `signature by ${key.name} is not 64 bytes`;
  const ok = await crypto.subtle.verify({ name: 'Ed25519' }, key.key, sig.sig, enc.encode(parts.text));
  return ok ? '' : `the signature by ${key.name} does not verify`;
}

/**
 * verifyCosignature checks that a checkpoint note carries a valid
 * cosignature/v1 by key (from parseCosignerKey): 8 bytes of big-endian
 * timestamp, then an Ed25519 signature over "cosignature/v1\ntime <ts>\n"
 * and the checkpoint's text. Returns {why: '' when valid, time (Date)}.
 */
export async function verifyCosignature(note, key) {
  let parts;
  try { parts = splitNote(note); } catch (e) { return { why: e.message, time: null }; }
  const sig = parts.sigs.find((s) => s.name === key.name && s.hash === key.hash);
  if (!sig) return { why: `no cosignature by ${key.name}`, time: null };
  if (sig.sig.length !== 8 + 64) return { why: `the cosignature by ${key.name} is not 72 bytes`, time: null };
  const ts = new DataView(sig.sig.buffer, sig.sig.byteOffset, 8).getBigUint64(0);
  const msg = concat(enc.encode(`cosignature/v1\ntime ${ts}\n`), enc.encode(parts.text));
  const ok = await crypto.subtle.verify({ name: 'Ed25519' }, key.key, sig.sig.slice(8), msg);
  return { why: ok ? '' : `the cosignature by ${key.name} does not verify`, time: new Date(Number(ts) * 1000) };
}

/** openCheckpoint checks a checkpoint note's office signature and parses origin, size and root. */
export async function openCheckpoint(note, keys) {
  const out = { ok: false, why: '', origin: '', size: null, root: null };
  try {
    const { text } = splitNote(note);
    const lines = text.split('\n');
    out.origin = lines[0];
    out.size = /^\d+$/.test(lines[1] || '') ? Number(lines[1]) : null;
    out.root = unb64(lines[2] || '');
    if (out.origin !== keys.origin) { out.why = `the checkpoint's origin ${out.origin} is not ${keys.origin}`; return out; }
    if (out.size === null || out.root.length !== 32) { out.why = 'malformed checkpoint body'; return out; }
  } catch (e) {
    out.why = e.message;
    return out;
  }
  out.why = await verifySig(note, keys.office);
  out.ok = out.why === '';
  return out;
}

/** openEntry checks an entry's signature by the key of the party its JSON names. */
export async function openEntry(note, keys) {
  let entry = null;
  try {
    const { text } = splitNote(note);
    entry = JSON.parse(text);
  } catch (e) {
    return { ok: false, why: 'malformed entry: ' + e.message, entry };
  }
  const key = keys.byName.get(`${keys.origin}/${entry.party}`);
  if (!key) return { ok: false, why: `no published key for party ${entry.party}`, entry };
  const why = await verifySig(note, key);
  return { ok: why === '', why, entry };
}

/** leafHash is SHA-256(0x00 || note bytes). */
export async function leafHash(note) {
  return sha256(concat(new Uint8Array([0]), enc.encode(note)));
}

async function nodeHash(l, r) {
  return sha256(concat(new Uint8Array([1]), l, r));
}

/** treeHash is the RFC 6962 Merkle tree hash of leaf hashes (MTH). */
export async function treeHash(leaves) {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  // Level by level: pair neighbours; a last odd node moves up unchanged,
  // which gives the same root as RFC 6962's split at the largest power of two.
  let level = leaves;
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
    const hashed = await Promise.all(next);
    if (level.length % 2 === 1) hashed.push(level[level.length - 1]);
    level = hashed;
  }
  return level[0];
}

/** checkInclusion verifies an RFC 6962/9162 inclusion proof of leaf index in a tree of size with root. */
export async function checkInclusion(leaf, index, size, proof, root) {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1) === 0) {
        while (!((fn & 1) === 1 || fn === 0)) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}
