// Unit tests of the browser's journal verifier (src/verify.js) against what
// the Go journal package signs and hashes: testdata/verify-vectors.json,
// written by internal/journal's TestJSVerifierVectors. Run: node --test test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  loadKeys, parseVerifierKey, openEntry, openCheckpoint, leafHash, treeHash, checkInclusion, splitNote,
  parseCosignerKey, verifyCosignature,
} from '../src/verify.js';

const v = JSON.parse(readFileSync(new URL('../testdata/verify-vectors.json', import.meta.url), 'utf8'));
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));

test('the published keys load, each under its expected name', async () => {
  const keys = await loadKeys(v.journal);
  assert.equal(keys.origin, v.journal.origin);
  assert.deepEqual(keys.list.map((k) => k.role), ['office', 'party ru', 'party us']);
});

test('a key named for another party, or with the office key misnamed, is refused', async () => {
  const swapped = { ...v.journal, party_keys: { us: v.journal.party_keys.ru, ru: v.journal.party_keys.us } };
  await assert.rejects(loadKeys(swapped), /key is named/);
  await assert.rejects(loadKeys({ ...v.journal, origin: 'truce.example/other' }), /office key is named/);
});

test('malformed verifier keys are refused', async () => {
  for (const k of v.bad_keys) await assert.rejects(parseVerifierKey(k), /verifier key/, k);
});

test('every entry Go signed verifies, and hashes as Go hashes it', async () => {
  const keys = await loadKeys(v.journal);
  for (const [i, note] of v.entries.entries()) {
    const r = await openEntry(note, keys);
    assert.equal(r.why, '', `entry ${i}`);
    assert.ok(r.ok);
    assert.equal(r.entry.id, `ent_${String(i).padStart(4, '0')}`);
    assert.equal(hex(await leafHash(note)), v.leaf_hashes[i], `leaf hash of entry ${i}`);
  }
});

test('tampered, forged, misattributed and malformed entries are refused, saying why', async () => {
  const keys = await loadKeys(v.journal);
  const entries = Object.entries(v.bad).filter(([why]) => !why.startsWith('checkpoint'));
  assert.ok(entries.length >= 6);
  for (const [why, note] of entries) {
    const r = await openEntry(note, keys);
    assert.equal(r.ok, false, why);
    assert.match(r.why, new RegExp(why.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')), why);
  }
});

test('tree roots of every size agree with Go (RFC 6962)', async () => {
  const leaves = v.leaf_hashes.map(unhex);
  for (const [size, root] of Object.entries(v.roots)) {
    assert.equal(hex(await treeHash(leaves.slice(0, Number(size)))), root, `size ${size}`);
  }
});

test('every inclusion proof Go made checks, and none checks for another leaf, index or root', async () => {
  const leaves = v.leaf_hashes.map(unhex);
  assert.ok(v.proofs.length > 20);
  for (const p of v.proofs) {
    const proof = p.proof.map(unhex);
    const root = unhex(v.roots[String(p.size)]);
    const what = `leaf ${p.index} of ${p.size}`;
    assert.equal(await checkInclusion(leaves[p.index], p.index, p.size, proof, root), true, what);
    if (p.size > 1) {
      const other = (p.index + 1) % p.size;
      assert.equal(await checkInclusion(leaves[other], p.index, p.size, proof, root), false, `${what}: another leaf`);
      assert.equal(await checkInclusion(leaves[p.index], other, p.size, proof, root), false, `${what}: another index`);
      const flipped = proof.map((h, k) => (k === 0 ? h.map((b, j) => (j === 0 ? b ^ 1 : b)) : h));
      assert.equal(await checkInclusion(leaves[p.index], p.index, p.size, flipped, root), false, `${what}: a changed proof`);
    }
    assert.equal(await checkInclusion(leaves[p.index], p.index, p.size, proof, unhex(v.roots['13'].replace(/^./, (c) => (c === '0' ? '1' : '0')))), false, `${what}: another root`);
    assert.equal(await checkInclusion(leaves[p.index], p.size, p.size, proof, root), false, `${what}: index past the size`);
  }
});

test('the checkpoint verifies with its size and root; one of another origin does not', async () => {
  const keys = await loadKeys(v.journal);
  const cp = await openCheckpoint(v.checkpoint, keys);
  assert.equal(cp.why, '');
  assert.equal(cp.size, 13);
  assert.equal(hex(cp.root), v.roots['13']);
  const other = await openCheckpoint(v.bad['checkpoint origin'], keys);
  assert.equal(other.ok, false);
  assert.match(other.why, /origin/);
});

test('a checkpoint cosigned by a party still verifies by the office key', async () => {
  const keys = await loadKeys(v.journal);
  const cp = await openCheckpoint(v.cosigned_checkpoint, keys);
  assert.equal(cp.why, '');
  assert.equal(cp.size, 13);
  assert.equal(hex(cp.root), v.roots['13']);
  const { sigs } = splitNote(v.cosigned_checkpoint);
  assert.equal(sigs.length, 2);
  assert.equal(sigs[1].name, 'verifier.us.example/truce');
  assert.equal(sigs[1].sig.length, 8 + 64); // timestamp, then the signature
});

test('a cosignature/v1 verifies by its cosigner key, and only over the text it signed', async () => {
  const key = await parseCosignerKey(v.cosigner_key);
  const good = await verifyCosignature(v.cosigned_checkpoint, key);
  assert.equal(good.why, '');
  assert.equal(good.time.getTime(), 1_790_000_000 * 1000);
  const tampered = v.cosigned_checkpoint.replace('\n13\n', '\n14\n');
  assert.match((await verifyCosignature(tampered, key)).why, /does not verify/);
  assert.match((await verifyCosignature(v.checkpoint, key)).why, /no cosignature/);
  await assert.rejects(parseCosignerKey(v.journal.office_key), /cosignature\/v1/);
  await assert.rejects(parseVerifierKey(v.cosigner_key), /Ed25519 key/);
});

test('a note splits into its text and signatures, as C2SP signed-note has it', () => {
  const { text, sigs } = splitNote(v.entries[0]);
  assert.ok(text.endsWith('}\n'));
  assert.equal(sigs.length, 1);
  assert.equal(sigs[0].name, `${v.journal.origin}/us`);
  assert.equal(sigs[0].sig.length, 64);
});
