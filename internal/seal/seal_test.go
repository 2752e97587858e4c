package seal

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/tlog"
)

// testSeed returns a fixed seed, a different one for every k.
func testSeed(k int) []byte {
	s := sha256.Sum256(fmt.Appendf(nil, "test seed %d", k))
	return s[:]
}

// testRecords returns n records that look like the caller's: a 128-bit salt
// and a site. Different k give different salts.
func testRecords(n int, k uint64) [][]byte {
	rng := rand.New(rand.NewPCG(k, 0x5ea1))
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, `{"salt":"%016x%016x","lon":%.5f,"lat":%.5f,"radius_m":500}`,
			rng.Uint64(), rng.Uint64(), rng.Float64()*360-180, rng.Float64()*180-90)
	}
	return out
}

// MustBuild is Build, failing tb on error.
func MustBuild(tb testing.TB, records [][]byte, seed []byte) *Tree {
	tb.Helper()
	t, err := Build(records, seed)
	if err != nil {
		tb.Fatalf("Build(%d records): %v", len(records), err)
	}
	return t
}

// MustProve is t.Prove, failing tb on error.
func MustProve(tb testing.TB, t *Tree, i int) tlog.RecordProof {
	tb.Helper()
	p, err := t.Prove(i)
	if err != nil {
		tb.Fatalf("Prove(%d): %v", i, err)
	}
	return p
}

// leafHash returns the hash of leaf j of t.
func (t *Tree) leafHash(j int64) tlog.Hash {
	return t.hashes[tlog.StoredHashIndex(0, j)]
}

func flipBit(h tlog.Hash, bit int) tlog.Hash {
	h[bit/8%tlog.HashSize] ^= 1 << (bit % 8)
	return h
}

func TestRoundTrip(t *testing.T) {
	other := MustBuild(t, testRecords(5, 99), testSeed(99))
	for _, n := range []int{0, 1, 5, 1024, 1025} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			records := testRecords(n, 1)
			tree := MustBuild(t, records, testSeed(1))
			size, root := tree.Size(), tree.Root()
			if size != Size(n) {
				t.Fatalf("Size() = %d, want Size(%d) = %d", size, n, Size(n))
			}
			for i, rec := range records {
				leaf := tree.Leaf(i)
				p := MustProve(t, tree, i)
				if err := Verify(root, size, leaf, rec, p); err != nil {
					t.Fatalf("record %d at leaf %d: %v", i, leaf, err)
				}

				type wrong struct {
					what   string
					root   tlog.Hash
					size   int64
					leaf   int64
					record []byte
					proof  tlog.RecordProof
				}
				flipped := bytes.Clone(rec)
				flipped[len(flipped)-1] ^= 1
				ws := []wrong{
					{"record with a bit flipped", root, size, leaf, flipped, p},
					{"record with a byte more", root, size, leaf, append(bytes.Clone(rec), 0), p},
					{"empty record", root, size, leaf, nil, p},
					{"sibling leaf", root, size, leaf ^ 1, rec, p},
					{"next leaf", root, size, (leaf + 1) % size, rec, p},
					{"last leaf", root, size, size - 1 - leaf, rec, p},
					{"root with a bit flipped", flipBit(root, i), size, leaf, rec, p},
					{"other tree's root", other.Root(), size, leaf, rec, p},
					{"double size", root, 2 * size, leaf, rec, p},
					{"double size, proof one longer", root, 2 * size, leaf, rec, append(p[:len(p):len(p)], p[0])},
					{"half size", root, size / 2, leaf % (size / 2), rec, p},
					{"half size, proof one shorter", root, size / 2, leaf % (size / 2), rec, p[:len(p)-1]},
					{"proof with a bit flipped", root, size, leaf, rec, append(tlog.RecordProof{flipBit(p[0], i)}, p[1:]...)},
					{"proof reversed", root, size, leaf, rec, reversed(p)},
				}
				if n > 1 {
					j := (i + 1) % n
					ws = append(ws,
						wrong{"other record", root, size, leaf, records[j], p},
						wrong{"other record's leaf", root, size, tree.Leaf(j), rec, p},
						wrong{"other record's proof", root, size, leaf, rec, MustProve(t, tree, j)},
					)
				}
				for _, w := range ws {
					err := Verify(w.root, w.size, w.leaf, w.record, w.proof)
					if err == nil {
						t.Fatalf("record %d: %s: Verify succeeded", i, w.what)
					}
					if !errors.Is(err, ErrInvalidProof) {
						t.Fatalf("record %d: %s: error %v does not wrap ErrInvalidProof", i, w.what, err)
					}
				}
			}
			for _, i := range []int{-1, n, n + 1} {
				if _, err := tree.Prove(i); err == nil {
					t.Errorf("Prove(%d) of %d records succeeded", i, n)
				}
			}
		})
	}
}

func reversed(p tlog.RecordProof) tlog.RecordProof {
	q := make(tlog.RecordProof, len(p))
	for i, h := range p {
		q[len(p)-1-i] = h
	}
	return q
}

func TestDeterministic(t *testing.T) {
	records := testRecords(100, 1)
	a := MustBuild(t, records, testSeed(1))
	b := MustBuild(t, testRecords(100, 1), testSeed(1))
	if diff := cmp.Diff(a, b, cmp.AllowUnexported(Tree{})); diff != "" {
		t.Fatalf("same records and seed, other trees (-first +second):\n%s", diff)
	}

	c := MustBuild(t, records, testSeed(2))
	if a.Root() == c.Root() {
		t.Error("other seed, same root")
	}
	if cmp.Equal(a.leaves, c.leaves) {
		t.Error("other seed, same leaves")
	}
	for j := range a.Size() {
		if a.leafHash(j) == c.leafHash(j) && !slices.Contains(a.leaves, j) {
			t.Errorf("other seed, same padding at leaf %d", j)
		}
	}

	changed := slices.Clone(records)
	changed[50] = bytes.Clone(records[50])
	changed[50][0] ^= 1
	d := MustBuild(t, changed, testSeed(1))
	if a.Root() == d.Root() {
		t.Error("one record changed, same root")
	}
}

func TestSize(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want int64
	}{
		{-1, 0},
		{math.MinInt, 0},
		{0, 1024},
		{1, 1024},
		{1000, 1024},
		{1024, 1024},
		{1025, 2048},
		{2048, 2048},
		{2049, 4096},
		{1<<20 + 1, 1 << 21},
		{MaxLeaves - 1, MaxLeaves},
		{MaxLeaves, MaxLeaves},
		{MaxLeaves + 1, 0},
		{math.MaxInt, 0},
	} {
		if got := Size(tc.n); got != tc.want {
			t.Errorf("Size(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

// TestSizeHidesCount checks that 1 and 1,000 records make trees alike.
func TestSizeHidesCount(t *testing.T) {
	for _, n := range []int{1, 1000} {
		tree := MustBuild(t, testRecords(n, 1), testSeed(1))
		if tree.Size() != MinLeaves {
			t.Errorf("%d records: size %d, want %d", n, tree.Size(), MinLeaves)
		}
		p := MustProve(t, tree, 0)
		if len(p) != 10 {
			t.Errorf("%d records: proof of %d hashes, want 10", n, len(p))
		}
	}
}

func TestBuildErrors(t *testing.T) {
	for _, seed := range [][]byte{nil, make([]byte, SeedSize-1), make([]byte, SeedSize+1)} {
		if _, err := Build(testRecords(1, 1), seed); err == nil {
			t.Errorf("Build with a seed of %d bytes succeeded", len(seed))
		}
	}
}

// TestAgainstMerkle checks roots and proofs with an independent
// implementation of RFC 6962, transparency-dev/merkle.
func TestAgainstMerkle(t *testing.T) {
	hasher := rfc6962.DefaultHasher
	for _, n := range []int{0, 5, 1025} {
		records := testRecords(n, 2)
		tree := MustBuild(t, records, testSeed(2))

		rf := &compact.RangeFactory{Hash: hasher.HashChildren}
		cr := rf.NewEmptyRange(0)
		for j := range tree.Size() {
			h := tree.leafHash(j)
			if err := cr.Append(h[:], nil); err != nil {
				t.Fatal(err)
			}
		}
		root, err := cr.GetRootHash(nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := tree.Root(); !bytes.Equal(got[:], root) {
			t.Fatalf("%d records: root %x, merkle says %x", n, got, root)
		}

		for i, rec := range records {
			p := MustProve(t, tree, i)
			pb := make([][]byte, len(p))
			for k := range p {
				pb[k] = p[k][:]
			}
			leaf, size := uint64(tree.Leaf(i)), uint64(tree.Size())
			if err := proof.VerifyInclusion(hasher, leaf, size, hasher.HashLeaf(rec), pb, root); err != nil {
				t.Fatalf("%d records: record %d at leaf %d (merkle): %v", n, i, leaf, err)
			}
			// merkle refuses what Verify refuses.
			bad := slices.Clone(p)
			bad[len(bad)-1] = flipBit(bad[len(bad)-1], 0)
			if err := Verify(tree.Root(), tree.Size(), tree.Leaf(i), rec, bad); err == nil {
				t.Fatal("Verify accepted a bad proof")
			}
			pb[len(pb)-1] = bad[len(bad)-1][:]
			if err := proof.VerifyInclusion(hasher, leaf, size, hasher.HashLeaf(rec), pb, root); err == nil {
				t.Fatal("merkle accepted a bad proof")
			}
		}
	}
}

// TestLeaves checks that records sit at distinct leaves of their own, with
// their record hashes, and that no padding leaf equals another leaf.
func TestLeaves(t *testing.T) {
	for _, n := range []int{5, 1000, 1024, 1025} {
		records := testRecords(n, 3)
		tree := MustBuild(t, records, testSeed(3))
		at := map[int64]int{}
		for i, rec := range records {
			leaf := tree.Leaf(i)
			if leaf < 0 || leaf >= tree.Size() {
				t.Fatalf("%d records: record %d at leaf %d of %d", n, i, leaf, tree.Size())
			}
			if j, ok := at[leaf]; ok {
				t.Fatalf("%d records: records %d and %d at leaf %d", n, j, i, leaf)
			}
			at[leaf] = i
			if tree.leafHash(leaf) != tlog.RecordHash(rec) {
				t.Fatalf("%d records: leaf %d does not hold record %d's hash", n, leaf, i)
			}
		}
		seen := map[tlog.Hash]int64{}
		for j := range tree.Size() {
			h := tree.leafHash(j)
			if k, ok := seen[h]; ok {
				t.Fatalf("%d records: leaves %d and %d have the same hash", n, k, j)
			}
			seen[h] = j
		}
		// The records in order do not fill the leaves in order.
		if slices.IsSorted(tree.leaves) {
			t.Errorf("%d records: leaves in record order", n)
		}
	}
}

// TestPositionsUniform checks with a χ² test that a record's leaf does not
// favour any part of the tree, for the first and the last record.
func TestPositionsUniform(t *testing.T) {
	const (
		seeds   = 16384
		buckets = 16
		n       = 3
	)
	var first, last [buckets]float64
	for k := range seeds {
		p := positions(hmac.New(sha256.New, testSeed(k)), n, MinLeaves)
		first[p[0]*buckets/MinLeaves]++
		last[p[n-1]*buckets/MinLeaves]++
	}
	for _, c := range []struct {
		what   string
		counts [buckets]float64
	}{{"first", first}, {"last", last}} {
		want := float64(seeds) / buckets
		chi2 := 0.0
		for _, got := range c.counts {
			chi2 += (got - want) * (got - want) / want
		}
		// P(χ² > 37.7) = 0.001 for 15 degrees of freedom; the seeds are fixed.
		if chi2 > 37.7 {
			t.Errorf("%s record: χ² = %.1f over %d buckets: %v", c.what, chi2, buckets, c.counts)
		}
	}
}

// fixedMAC is a hash.Hash whose sums are given blocks, one per Reset.
type fixedMAC struct {
	hash.Hash
	blocks [][]byte
	resets int
}

func (m *fixedMAC) Reset()                      { m.resets++ }
func (m *fixedMAC) Write(p []byte) (int, error) { return len(p), nil }
func (m *fixedMAC) Sum(b []byte) []byte         { return append(b, m.blocks[m.resets-1]...) }

func TestDraw(t *testing.T) {
	be := func(ws ...uint64) []byte {
		var b []byte
		for _, w := range ws {
			b = binary.BigEndian.AppendUint64(b, w)
		}
		return b
	}
	// 2⁶⁴ mod 3 = 1: word 0 is rejected.
	s := newWords(&fixedMAC{blocks: [][]byte{be(0, 0, 5, 7), be(math.MaxUint64, 1, 2, 3)}})
	for _, want := range []uint64{2, 1, 0, 1} {
		if got := s.draw(3); got != want {
			t.Fatalf("draw(3) = %d, want %d", got, want)
		}
	}
	// m = 1 always gives 0, and uses a word.
	if got := s.draw(1); got != 0 {
		t.Fatalf("draw(1) = %d", got)
	}
	if s.next != 3 || s.block != 2 {
		t.Fatalf("after 7 words, at word %d of block %d, want word 3 of block 1", s.next, s.block-1)
	}
}

// TestSpec rebuilds commitments from the package doc alone, with
// transparency-dev/merkle hashing, and compares them with Build's.
func TestSpec(t *testing.T) {
	for _, n := range []int{0, 1, 5, 1024, 1025} {
		records := testRecords(n, 4)
		seed := testSeed(4)
		tree := MustBuild(t, records, seed)
		root, leaves := specBuild(records, seed)
		if got := tree.Root(); !bytes.Equal(got[:], root) {
			t.Errorf("%d records: root %x, the spec says %x", n, got, root)
		}
		if diff := cmp.Diff(leaves, tree.leaves); diff != "" {
			t.Errorf("%d records: leaves differ from the spec's (-spec +Build):\n%s", n, diff)
		}
	}
}

// specBuild is the construction of the package doc, written plainly.
func specBuild(records [][]byte, seed []byte) (root []byte, leaves []int64) {
	h := func(label string, x uint64) []byte {
		m := hmac.New(sha256.New, seed)
		m.Write([]byte(label))
		m.Write(binary.BigEndian.AppendUint64(nil, x))
		return m.Sum(nil)
	}
	var w []uint64
	for b := range uint64(len(records)/4 + 2) { // rejections are rare
		blk := h("truce/seal/v1 position\x00", b)
		for k := range 4 {
			w = append(w, binary.BigEndian.Uint64(blk[8*k:]))
		}
	}
	draw := func(m uint64) uint64 {
		// 2⁶⁴ mod m, with big integers in mind: (2⁶⁴ − m) mod m.
		low := (math.MaxUint64 - m + 1) % m
		for {
			x := w[0]
			w = w[1:]
			if x >= low {
				return x % m
			}
		}
	}
	n := len(records)
	size := int64(MinLeaves)
	for size < int64(n) {
		size *= 2
	}
	p := make([]int64, size)
	for j := range p {
		p[j] = int64(j)
	}
	for i := range n {
		d := int64(draw(uint64(size - int64(i))))
		p[i], p[int64(i)+d] = p[int64(i)+d], p[i]
	}
	hashes := make([][]byte, size)
	for i, rec := range records {
		hashes[p[i]] = rfc6962.DefaultHasher.HashLeaf(rec)
	}
	for j := range hashes {
		if hashes[j] == nil {
			hashes[j] = h("truce/seal/v1 padding\x00", uint64(j))
		}
	}
	for len(hashes) > 1 {
		up := make([][]byte, len(hashes)/2)
		for k := range up {
			up[k] = rfc6962.DefaultHasher.HashChildren(hashes[2*k], hashes[2*k+1])
		}
		hashes = up
	}
	return hashes[0], p[:n:n]
}

// TestGolden pins the construction: a seed kept today must rebuild the same
// tree with any later version of this package.
func TestGolden(t *testing.T) {
	seed := make([]byte, SeedSize)
	for i := range seed {
		seed[i] = byte(i)
	}
	var records [][]byte
	for i := range 5 {
		records = append(records, fmt.Appendf(nil, "record %d", i))
	}
	tree := MustBuild(t, records, seed)
	const wantRoot = "f077963325674102c3860ae7e1b6bd8e4dfd2d9dc4cfe3a5d906d964301cdb26"
	wantLeaves := []int64{13, 180, 850, 392, 648}
	if r := tree.Root(); hex.EncodeToString(r[:]) != wantRoot {
		got := hex.EncodeToString(r[:])
		t.Errorf("root %s, want %s", got, wantRoot)
	}
	if diff := cmp.Diff(wantLeaves, tree.leaves); diff != "" {
		t.Errorf("leaves (-want +got):\n%s", diff)
	}
}

func TestVerifyMalformed(t *testing.T) {
	tree := MustBuild(t, testRecords(5, 5), testSeed(5))
	rec := testRecords(5, 5)[0]
	root, leaf, p := tree.Root(), tree.Leaf(0), MustProve(t, tree, 0)
	proofOf := func(n int) tlog.RecordProof { return make(tlog.RecordProof, n) }
	for _, tc := range []struct {
		what       string
		size, leaf int64
		proof      tlog.RecordProof
	}{
		{"size 0", 0, 0, nil},
		{"size -1", -1, 0, p},
		{"size MinInt64", math.MinInt64, 0, p},
		{"size 1", 1, 0, nil},
		{"size 512", 512, leaf % 512, p[:9]},
		{"size 1000", 1000, leaf, p},
		{"size 1536", 1536, leaf, p},
		{"size 2⁶²+1", 1<<62 + 1, leaf, proofOf(63)},
		{"size 2⁶²", 1 << 62, leaf, proofOf(62)},
		{"size 2³³", 1 << 33, leaf, proofOf(33)},
		{"size MaxInt64", math.MaxInt64, leaf, proofOf(63)},
		{"size 2³², wrong root", 1 << 32, 1<<32 - 1, proofOf(32)},
		{"leaf -1", 1024, -1, p},
		{"leaf MinInt64", 1024, math.MinInt64, p},
		{"leaf = size", 1024, 1024, p},
		{"leaf MaxInt64", 1024, math.MaxInt64, p},
		{"nil proof", 1024, leaf, nil},
		{"proof one short", 1024, leaf, p[:9]},
		{"proof one long", 1024, leaf, append(slices.Clone(p), p[0])},
		{"proof of 1000 hashes", 1024, leaf, proofOf(1000)},
	} {
		err := Verify(root, tc.size, tc.leaf, rec, tc.proof)
		if !errors.Is(err, ErrInvalidProof) {
			t.Errorf("%s: Verify = %v, want an ErrInvalidProof", tc.what, err)
		}
	}
	if err := Verify(root, 1024, leaf, rec, p); err != nil {
		t.Fatalf("the valid proof: %v", err)
	}
	if n := bits.TrailingZeros64(MinLeaves); len(p) != n {
		t.Fatalf("proof of %d hashes, want %d", len(p), n)
	}
}
