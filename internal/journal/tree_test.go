package journal

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/tlog"
)

func hashesBytes(hs []tlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

// TestMemoryHashesAgainstMerkle checks roots, inclusion proofs and
// consistency proofs from MemoryHashes and tlog with an independent
// implementation of RFC 6962, transparency-dev/merkle.
func TestMemoryHashesAgainstMerkle(t *testing.T) {
	const n = 70
	rng := rand.New(rand.NewPCG(1, 2))
	hasher := rfc6962.DefaultHasher
	rf := &compact.RangeFactory{Hash: hasher.HashChildren}
	cr := rf.NewEmptyRange(0)

	var m MemoryHashes
	roots := []tlog.Hash{}
	leaves := [][]byte{}
	for i := range n + 1 {
		root, err := m.Root()
		if err != nil {
			t.Fatal(err)
		}
		want := hasher.EmptyRoot()
		if i > 0 {
			if want, err = cr.GetRootHash(nil); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(root[:], want) {
			t.Fatalf("root of %d records: %x, merkle says %x", i, root, want)
		}
		roots = append(roots, root)
		if i == n {
			break
		}

		leaf := fmt.Appendf(nil, "record %d %x\n", i, rng.Uint64())
		leaves = append(leaves, leaf)
		if got, want := tlog.RecordHash(leaf), hasher.HashLeaf(leaf); !bytes.Equal(got[:], want) {
			t.Fatalf("leaf hash %x, merkle says %x", got, want)
		}
		added, err := m.Append(leaf)
		if err != nil {
			t.Fatal(err)
		}
		// What Append returns is what tlog.StoredHashes computes.
		want2, err := tlog.StoredHashes(int64(i), leaf, &m)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want2, added); diff != "" {
			t.Fatalf("Append(%d) returned other hashes than tlog.StoredHashes (-want +got):\n%s", i, diff)
		}
		if m.Size() != int64(i+1) {
			t.Fatalf("Size = %d, want %d", m.Size(), i+1)
		}
		if err := cr.Append(hasher.HashLeaf(leaf), nil); err != nil {
			t.Fatal(err)
		}
	}

	for size := int64(1); size <= n; size++ {
		for i := range size {
			p, err := tlog.ProveRecord(size, i, &m)
			if err != nil {
				t.Fatalf("ProveRecord(%d, %d): %v", size, i, err)
			}
			leafHash := hasher.HashLeaf(leaves[i])
			if err := proof.VerifyInclusion(hasher, uint64(i), uint64(size), leafHash, hashesBytes(p), roots[size][:]); err != nil {
				t.Fatalf("inclusion of %d in %d: merkle says %v", i, size, err)
			}
			if err := tlog.CheckRecord(p, size, roots[size], i, tlog.RecordHash(leaves[i])); err != nil {
				t.Fatalf("inclusion of %d in %d: tlog says %v", i, size, err)
			}
		}
		for old := int64(1); old <= size; old++ {
			p, err := tlog.ProveTree(size, old, &m)
			if err != nil {
				t.Fatalf("ProveTree(%d, %d): %v", size, old, err)
			}
			if err := proof.VerifyConsistency(hasher, uint64(old), uint64(size), hashesBytes(p), roots[old][:], roots[size][:]); err != nil {
				t.Fatalf("consistency of %d with %d: merkle says %v", old, size, err)
			}
		}
	}

	// A wrong leaf or root fails.
	p, err := tlog.ProveRecord(n, 5, &m)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyInclusion(hasher, 5, n, hasher.HashLeaf(leaves[6]), hashesBytes(p), roots[n][:]); err == nil {
		t.Error("inclusion proof verified for the wrong leaf")
	}
	if _, err := m.ReadHashes([]int64{tlog.StoredHashCount(n)}); err == nil {
		t.Error("ReadHashes past the end succeeded")
	}
	if _, err := m.ReadHashes([]int64{-1}); err == nil {
		t.Error("ReadHashes(-1) succeeded")
	}
}

// TestMemoryHashesConcurrent appends while others prove; run with -race.
func TestMemoryHashesConcurrent(t *testing.T) {
	var m MemoryHashes
	const n = 2000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := range 3 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 0))
			for {
				select {
				case <-stop:
					return
				default:
				}
				size := m.Size()
				if size < 2 {
					continue
				}
				root, err := tlog.TreeHash(size, &m)
				if err != nil {
					t.Error(err)
					return
				}
				i := rng.Int64N(size)
				p, err := tlog.ProveRecord(size, i, &m)
				if err != nil {
					t.Error(err)
					return
				}
				if err := tlog.CheckRecord(p, size, root, i, tlog.RecordHash(fmt.Appendf(nil, "%d", i))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i := range n {
		if _, err := m.Append(fmt.Appendf(nil, "%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}
