package sqlite

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// benchSize is the journal the proof benchmarks serve proofs from.
const benchSize = 1_000_000

// bench1M is one 1,000,000-entry journal shared by the benchmarks of a run,
// built on first use and removed by TestMain.
var bench1M struct {
	once sync.Once
	dir  string
	db   *DB
	mem  *memTree
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench1M.db != nil {
		bench1M.db.Close()
	}
	if bench1M.dir != "" {
		os.RemoveAll(bench1M.dir)
	}
	os.Exit(code)
}

// journal1M returns the shared journal: a store whose journal_hashes hold
// the stored hashes of benchSize small random records, written through
// Append in batches of 10,000 entries, and the same tree in memory.
func journal1M(b *testing.B) (*DB, *memTree) {
	b.Helper()
	bench1M.once.Do(func() {
		start := time.Now()
		dir, err := os.MkdirTemp("", "truce-bench-")
		if err != nil {
			b.Fatal(err)
		}
		bench1M.dir = dir
		ctx := context.Background()
		db, err := Open(ctx, filepath.Join(dir, "truce.db"))
		if err != nil {
			b.Fatal(err)
		}
		mem := newMemTree()
		const batch = 10_000
		for mem.size < benchSize {
			appendBatch(b, ctx, db, mem, batch, "us", "ru", "un")
		}
		if root, err := tlog.TreeHash(benchSize, hashReader(ctx, db)); err != nil || root != mem.root(b) {
			b.Fatalf("stored tree hash %v, %v; want %v", root, err, mem.root(b))
		}
		bench1M.db, bench1M.mem = db, mem
		st, _ := os.Stat(filepath.Join(dir, "truce.db"))
		b.Logf("built a %d-entry journal (%d stored hashes, %.0f MB file) in %v",
			benchSize, len(mem.hashes), float64(st.Size())/1e6, time.Since(start).Round(time.Second))
	})
	if bench1M.db == nil {
		b.Fatal("the 1M journal could not be built")
	}
	return bench1M.db, bench1M.mem
}

// proofQuery is one proof to make: record i in tree n, and tree old in tree n.
type proofQuery struct{ n, i, old int64 }

// proofQueries returns the same random queries in every run and benchmark.
func proofQueries() []proofQuery {
	rng := rand.New(rand.NewPCG(2025, 3))
	qs := make([]proofQuery, 4096)
	for k := range qs {
		n := 2 + rng.Int64N(benchSize-1)
		qs[k] = proofQuery{n: n, i: rng.Int64N(n), old: 1 + rng.Int64N(n-1)}
	}
	return qs
}

// countingReader counts the hashes a proof reads.
type countingReader struct {
	r             tlog.HashReader
	reads, hashes int64
}

func (c *countingReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	c.reads++
	c.hashes += int64(len(indexes))
	return c.r.ReadHashes(indexes)
}

func benchProofs(b *testing.B, r tlog.HashReader) {
	qs := proofQueries()
	b.Run("ProveRecord", func(b *testing.B) {
		c := &countingReader{r: r}
		var k int
		for b.Loop() {
			q := qs[k%len(qs)]
			k++
			if _, err := tlog.ProveRecord(q.n, q.i, c); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(c.hashes)/float64(k), "hashes/op")
		b.ReportMetric(float64(c.reads)/float64(k), "reads/op")
	})
	b.Run("ProveTree", func(b *testing.B) {
		c := &countingReader{r: r}
		var k int
		for b.Loop() {
			q := qs[k%len(qs)]
			k++
			if _, err := tlog.ProveTree(q.n, q.old, c); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(c.hashes)/float64(k), "hashes/op")
		b.ReportMetric(float64(c.reads)/float64(k), "reads/op")
	})
}

// BenchmarkReadHashesProof1M times inclusion and consistency proofs in a
// 1,000,000-entry journal read through the store's ReadHashes. The target
// is under 1 ms per proof; BenchmarkProofMemory1M is the baseline.
func BenchmarkReadHashesProof1M(b *testing.B) {
	db, mem := journal1M(b)
	ctx := context.Background()
	r := hashReader(ctx, db)
	// The store's proofs are the memory tree's, and they check.
	root := mem.root(b)
	for _, q := range proofQueries()[:64] {
		got, err := tlog.ProveRecord(q.n, q.i, r)
		if err != nil {
			b.Fatal(err)
		}
		want, err := tlog.ProveRecord(q.n, q.i, mem)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != len(want) {
			b.Fatalf("ProveRecord(%d, %d): %d hashes from the store, %d from memory", q.n, q.i, len(got), len(want))
		}
		for k := range got {
			if got[k] != want[k] {
				b.Fatalf("ProveRecord(%d, %d): hash %d differs", q.n, q.i, k)
			}
		}
		tp, err := tlog.ProveTree(benchSize, q.n, r)
		if err != nil {
			b.Fatal(err)
		}
		old, err := tlog.TreeHash(q.n, mem)
		if err != nil {
			b.Fatal(err)
		}
		if err := tlog.CheckTree(tp, benchSize, root, q.n, old); err != nil {
			b.Fatalf("tree proof %d in %d from the store: %v", q.n, benchSize, err)
		}
	}
	benchProofs(b, r)
}

// BenchmarkProofMemory1M makes the same proofs over the tree in memory.
func BenchmarkProofMemory1M(b *testing.B) {
	_, mem := journal1M(b)
	benchProofs(b, mem)
}
