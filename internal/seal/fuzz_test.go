package seal

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// Seed corpora are in testdata/fuzz/FuzzVerify/; f.Add adds the valid proofs
// of fuzzTree and a few malformed inputs.

// fuzzTree is the commitment whose proofs FuzzVerify mutates.
func fuzzTree(tb testing.TB) (*Tree, [][]byte) {
	tb.Helper()
	records := testRecords(5, 7)
	return MustBuild(tb, records, testSeed(7)), records
}

func proofBytes(p tlog.RecordProof) []byte {
	var b []byte
	for _, h := range p {
		b = append(b, h[:]...)
	}
	return b
}

// bytesProof splits b into hashes; a short last hash is padded with zeros.
func bytesProof(b []byte) tlog.RecordProof {
	p := make(tlog.RecordProof, (len(b)+tlog.HashSize-1)/tlog.HashSize)
	for k := range p {
		copy(p[k][:], b[k*tlog.HashSize:])
	}
	return p
}

func FuzzVerify(f *testing.F) {
	tree, records := fuzzTree(f)
	root := tree.Root()
	for i, rec := range records {
		f.Add(root[:], tree.Size(), tree.Leaf(i), rec, proofBytes(MustProve(f, tree, i)))
	}
	p0 := proofBytes(MustProve(f, tree, 0))
	f.Add(root[:], int64(math.MaxInt64), tree.Leaf(0), records[0], p0)
	f.Add(root[:], int64(1<<62+1), tree.Leaf(0), records[0], make([]byte, 63*tlog.HashSize))
	f.Add(root[:], int64(1<<32), int64(1<<32-1), records[0], make([]byte, 32*tlog.HashSize))
	f.Add(root[:], int64(-1024), int64(-1), []byte(nil), []byte(nil))
	f.Add([]byte(nil), int64(0), int64(0), []byte{}, []byte{1})

	f.Fuzz(func(t *testing.T, rootBytes []byte, size, leaf int64, record, proofB []byte) {
		var h tlog.Hash
		copy(h[:], rootBytes)
		p := bytesProof(proofB)

		// Any input: no panic, and an error that says it is an invalid proof.
		err := Verify(h, size, leaf, record, p)
		if err != nil && !errors.Is(err, ErrInvalidProof) {
			t.Fatalf("error %v does not wrap ErrInvalidProof", err)
		}
		if err == nil {
			// Only fuzzTree's valid proofs verify, and none of their
			// neighbours does.
			if Verify(h, size, leaf^1, record, p) == nil ||
				Verify(h, size, leaf, append(bytes.Clone(record), 0), p) == nil ||
				Verify(h, 2*size, leaf, record, append(slices.Clone(p), p[0])) == nil ||
				Verify(flipBit(h, int(uint64(leaf)%256)), size, leaf, record, p) == nil {
				t.Fatalf("Verify accepts a proof and its mutation")
			}
		}

		// A valid proof of fuzzTree mutated by the input verifies only if
		// the mutation changes nothing: proofB is XORed into the proof, the
		// record is replaced with the input's if there is one, and the leaf
		// index with the input's when it is in range.
		i := int(uint64(size) % uint64(len(records)))
		valid := proofBytes(MustProve(t, tree, i))
		mutated := bytes.Clone(valid)
		for k, b := range proofB {
			if k < len(mutated) {
				mutated[k] ^= b
			} else {
				mutated = append(mutated, b)
			}
		}
		rec := records[i]
		if len(record) > 0 {
			rec = record
		}
		lf := tree.Leaf(i)
		if leaf >= 0 && leaf < tree.Size() {
			lf = leaf
		}
		same := bytes.Equal(mutated, valid) && bytes.Equal(rec, records[i]) && lf == tree.Leaf(i)
		err = Verify(root, tree.Size(), lf, rec, bytesProof(mutated))
		if same && err != nil {
			t.Fatalf("valid proof of record %d: %v", i, err)
		}
		if !same && err == nil {
			t.Fatalf("mutated proof of record %d verifies: leaf %d, record %q, proof %x", i, lf, rec, mutated)
		}
	})
}
