// Package seal makes sealed commitments: a published hash that binds its
// owner to a private list of records without showing the records, their
// number or their order, and from which the owner can later reveal one record
// with a proof that anyone can check.
//
// truce uses it for a party's private protected sites: whenever the set
// changes, the journal receives a commitment to the whole set, and if a site is
// struck the owner reveals that site's record and its proof against a
// commitment published earlier. The package does not know what a record
// means; it commits to opaque byte strings.
//
// # Tree
//
// A commitment to n records is the pair (root, size) of an RFC 6962 Merkle
// tree, hashed as golang.org/x/mod/sumdb/tlog hashes, with size = [Size](n)
// leaves: [MinLeaves], or the next power of two ≥ n when n exceeds MinLeaves.
// Record i sits at leaf p[i], with the leaf hash SHA-256(0x00 ‖ record)
// ([tlog.RecordHash]); every other leaf is padding.
//
// The positions p and the padding are derived from a secret 32-byte seed with
// HMAC-SHA256 keyed by the seed, written H(msg) below; be64(x) is x as 8 bytes,
// big-endian.
//
//   - Words: the words w₀, w₁, w₂, … are the 64-bit big-endian integers
//     read in order from H("truce/seal/v1 position\x00" ‖ be64(0)),
//     H("truce/seal/v1 position\x00" ‖ be64(1)), …, four per block.
//   - Draws: a draw from [0, m) takes the next word w until w ≥ 2⁶⁴ mod m,
//     and is w mod m. Draws use each word once, in order.
//   - Positions: p starts as 0, 1, …, size−1; for i = 0, 1, …, n−1 in turn,
//     p[i] is swapped with p[i + d], d a draw from [0, size−i). These are the
//     first n steps of a Fisher–Yates shuffle: the records sit at n distinct
//     leaves, placed uniformly at random.
//   - Padding: a leaf j that holds no record has the leaf hash
//     H("truce/seal/v1 padding\x00" ‖ be64(j)).
//
// This construction is fixed: the same records in the same order with the same
// seed give the same tree, today and in any later version of this package, so
// the owner keeps only the seed and the records in order and rebuilds the tree
// ([Build]) when it has to prove.
//
// # Secrecy
//
// Before any reveal, only the root and the size are public. The size tells
// only a bucket: at most MinLeaves records, or more than size/2 and at most
// size. The root hashes every leaf in secret positions, the padding derived
// from the seed and the records with their salts (below): it shows nothing of
// the records.
//
// A proof reveals one record, its leaf index, which is uniform and independent
// of the record's place in the list and of n, and log₂(size) sibling hashes:
// hashes of subtrees of other leaves, real and padding alike. A padding leaf
// hash looks random, and no record has it as its hash, so that not even the
// owner can pass padding off as a record. A real leaf hash looks random only if
// its record cannot be guessed. Each record must therefore carry at least 128
// bits of secret randomness of its own (a salt), which this package does not
// add. Without one, a neighbour's record (for example a site on a grid of
// likely places) could be guessed and confirmed against the sibling hashes of
// a revealed proof, since a sibling may be the hash of that one record or of a
// small subtree of records only. The salt protects the records that stay
// secret when another one is revealed; it does nothing for the revealed
// record.
//
// Use a fresh seed for every commitment, from crypto/rand, and keep it secret
// for as long as the owner may have to prove against that commitment. Two
// commitments made with one seed place records and padding alike, so proofs
// against both would show which parts of the two sets are the same. Once a
// record is revealed its hash is public: a later proof whose sibling is that
// hash shows the record is still committed, unless the record got a new salt.
//
// # Verifying
//
// [Verify] needs no secret: it recomputes the root from the record, its leaf
// index and the proof, and compares it with the published root. It accepts
// only sizes that [Size] can return, and proofs of exactly log₂(size) hashes.
package seal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"
)

const (
	// MinLeaves is the number of leaves of the smallest commitment tree.
	MinLeaves = 1024
	// MaxLeaves is the number of leaves of the largest commitment tree, and
	// so the most records a commitment holds; Verify refuses larger sizes.
	// It bounds what a verifier accepts: Build holds about 100 bytes per
	// leaf in memory, so trees of this size are out of reach in practice.
	MaxLeaves = 1 << 32
	// SeedSize is the size of a seed in bytes.
	SeedSize = 32
)

// ErrInvalidProof is wrapped by every error that Verify returns.
var ErrInvalidProof = errors.New("seal: invalid proof")

// Labels of the two HMAC inputs (see the package doc). They differ in length,
// so no position block can equal a padding leaf's input.
const (
	positionLabel = "truce/seal/v1 position\x00"
	paddingLabel  = "truce/seal/v1 padding\x00"
)

// Size returns the number of leaves of a commitment to n records: MinLeaves,
// or the next power of two ≥ n when n exceeds MinLeaves. A size tells only
// this coarse bucket of n. Size returns 0 when n is negative or exceeds
// MaxLeaves: no commitment holds that many records.
func Size(n int) int64 {
	switch {
	case n < 0 || int64(n) > MaxLeaves:
		return 0
	case n <= MinLeaves:
		return MinLeaves
	}
	return 1 << bits.Len64(uint64(n-1))
}

// Tree is a commitment to a list of records, as Build makes it, with what the
// owner needs to prove: the records' leaf hashes and positions, but neither
// the records nor the seed. A Tree is safe for concurrent use.
type Tree struct {
	size   int64
	root   tlog.Hash
	leaves []int64     // leaves[i] is the leaf index of record i
	hashes []tlog.Hash // the stored hashes, in tlog.StoredHashIndex order
}

// Build returns the commitment to records made with seed, as the package
// doc describes. seed must be SeedSize secret random bytes, fresh for this
// commitment. Build reads records and seed only while it runs.
func Build(records [][]byte, seed []byte) (*Tree, error) {
	if len(seed) != SeedSize {
		return nil, fmt.Errorf("seal: seed of %d bytes, want %d", len(seed), SeedSize)
	}
	size := Size(len(records))
	if size == 0 {
		return nil, fmt.Errorf("seal: %d records, more than %d", len(records), int64(MaxLeaves))
	}
	mac := hmac.New(sha256.New, seed)
	t := &Tree{
		size:   size,
		leaves: positions(mac, len(records), size),
		hashes: make([]tlog.Hash, 0, tlog.StoredHashCount(size)),
	}

	leafHashes := make([]tlog.Hash, size)
	isRecord := make([]bool, size)
	for i, rec := range records {
		leafHashes[t.leaves[i]] = tlog.RecordHash(rec)
		isRecord[t.leaves[i]] = true
	}
	var msg [len(paddingLabel) + 8]byte
	copy(msg[:], paddingLabel)
	for j := range leafHashes {
		if isRecord[j] {
			continue
		}
		binary.BigEndian.PutUint64(msg[len(paddingLabel):], uint64(j))
		mac.Reset()
		mac.Write(msg[:])
		mac.Sum(leafHashes[j][:0])
	}

	r := tlog.HashReaderFunc(t.readHashes)
	for j, h := range leafHashes {
		hs, err := tlog.StoredHashesForRecordHash(int64(j), h, r)
		if err != nil {
			return nil, fmt.Errorf("seal: store leaf %d: %w", j, err)
		}
		t.hashes = append(t.hashes, hs...)
	}
	root, err := tlog.TreeHash(size, r)
	if err != nil {
		return nil, fmt.Errorf("seal: tree hash: %w", err)
	}
	t.root = root
	return t, nil
}

// Root returns the root hash of the tree: with Size, the commitment to
// publish.
func (t *Tree) Root() tlog.Hash { return t.root }

// Size returns the number of leaves of the tree, [Size](n) for n records.
func (t *Tree) Size() int64 { return t.size }

// Leaf returns the leaf index of records[i], where records is the list the
// tree was built from. It panics if i is out of range.
func (t *Tree) Leaf(i int) int64 { return t.leaves[i] }

// Prove returns the RFC 6962 inclusion proof of records[i]: with the
// record, Leaf(i), Root and Size, it is what the owner reveals, and what
// Verify checks.
func (t *Tree) Prove(i int) (tlog.RecordProof, error) {
	if i < 0 || i >= len(t.leaves) {
		return nil, fmt.Errorf("seal: prove record %d of %d", i, len(t.leaves))
	}
	p, err := tlog.ProveRecord(t.size, t.leaves[i], tlog.HashReaderFunc(t.readHashes))
	if err != nil {
		return nil, fmt.Errorf("seal: prove record %d: %w", i, err)
	}
	return p, nil
}

// readHashes implements tlog.HashReader over the stored hashes.
func (t *Tree) readHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(t.hashes)) {
			return nil, fmt.Errorf("seal: stored hash %d of %d", x, len(t.hashes))
		}
		out[i] = t.hashes[x]
	}
	return out, nil
}

// Verify checks that record is the leaf at index leaf of the commitment
// (root, size), by proof: that size is one [Size] can return, 0 ≤ leaf < size,
// proof holds exactly log₂(size) hashes, and [tlog.CheckRecord] accepts proof
// for the leaf hash [tlog.RecordHash](record). It returns nil if so, and
// otherwise an error that wraps [ErrInvalidProof] and says what failed.
// Verify never panics, whatever its input.
func Verify(root tlog.Hash, size, leaf int64, record []byte, proof tlog.RecordProof) error {
	// tlog.CheckRecord loops forever for sizes above 2⁶²: bound the size
	// before calling it.
	if size < MinLeaves || size > MaxLeaves || size&(size-1) != 0 {
		return fmt.Errorf("%w: tree size %d is not a power of two from %d to %d",
			ErrInvalidProof, size, MinLeaves, int64(MaxLeaves))
	}
	if leaf < 0 || leaf >= size {
		return fmt.Errorf("%w: leaf %d is not in a tree of %d leaves", ErrInvalidProof, leaf, size)
	}
	if want := bits.TrailingZeros64(uint64(size)); len(proof) != want {
		return fmt.Errorf("%w: proof of %d hashes, a tree of %d leaves needs %d",
			ErrInvalidProof, len(proof), size, want)
	}
	if err := tlog.CheckRecord(proof, size, root, leaf, tlog.RecordHash(record)); err != nil {
		return fmt.Errorf("%w: record at leaf %d of %d does not lead to the root: %v",
			ErrInvalidProof, leaf, size, err)
	}
	return nil
}

// positions returns the leaf indexes of n records in a tree of size leaves,
// drawn with mac as the package doc describes.
func positions(mac hash.Hash, n int, size int64) []int64 {
	p := make([]int64, size)
	for j := range p {
		p[j] = int64(j)
	}
	s := newWords(mac)
	for i := range int64(n) {
		j := i + int64(s.draw(uint64(size-i)))
		p[i], p[j] = p[j], p[i]
	}
	return p[:n:n]
}

// words is the stream of words w₀, w₁, … of the package doc.
type words struct {
	mac   hash.Hash
	msg   [len(positionLabel) + 8]byte // the input of the next block
	block uint64                       // the index of the next block
	buf   [sha256.Size]byte            // the current block
	next  int                          // the next word of buf; 4 when buf is spent
}

func newWords(mac hash.Hash) *words {
	s := &words{mac: mac, next: 4}
	copy(s.msg[:], positionLabel)
	return s
}

// word returns the next word.
func (s *words) word() uint64 {
	if s.next == 4 {
		binary.BigEndian.PutUint64(s.msg[len(positionLabel):], s.block)
		s.block++
		s.mac.Reset()
		s.mac.Write(s.msg[:])
		s.mac.Sum(s.buf[:0])
		s.next = 0
	}
	w := binary.BigEndian.Uint64(s.buf[8*s.next:])
	s.next++
	return w
}

// draw returns a uniform draw from [0, m), m > 0, by rejection.
func (s *words) draw(m uint64) uint64 {
	low := -m % m // 2⁶⁴ mod m
	for {
		if w := s.word(); w >= low {
			return w % m
		}
	}
}
