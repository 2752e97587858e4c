package sqlite

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/store/storetest"
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
	if stats1M.db != nil {
		stats1M.db.Close()
	}
	if stats1M.dir != "" {
		os.RemoveAll(stats1M.dir)
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

// statsSize is how many incidents BenchmarkViolationCounts counts.
const statsSize = 1_000_000

// stats1M is one store of statsSize released incidents, each with
// violations, shared by the benchmarks of a run and removed by TestMain.
var stats1M struct {
	once sync.Once
	dir  string
	db   *DB
}

// insertRows writes rows into table's columns, many rows per statement.
func insertRows(ctx context.Context, tx querier, table, cols string, rows [][]any) error {
	ncol := strings.Count(cols, ",") + 1
	tuple := "(?" + strings.Repeat(",?", ncol-1) + ")"
	per := 30000 / ncol
	for len(rows) > 0 {
		part := rows[:min(per, len(rows))]
		rows = rows[len(part):]
		args := make([]any, 0, len(part)*ncol)
		for _, r := range part {
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + "(" + cols + ") VALUES " + tuple + strings.Repeat(","+tuple, len(part)-1)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// incidents1M returns the shared store.
func incidents1M(b *testing.B) *DB {
	b.Helper()
	stats1M.once.Do(func() {
		dir, err := os.MkdirTemp("", "truce-bench-")
		if err != nil {
			b.Fatal(err)
		}
		stats1M.dir = dir
		stats1M.db = storeIncidents(b, filepath.Join(dir, "truce.db"), statsSize)
	})
	if stats1M.db == nil {
		b.Fatal("the 1M incidents could not be stored")
	}
	return stats1M.db
}

// storeIncidents opens a new store at path and writes n synthetic
// incidents. Its rows are what PutIncident writes (incidentArgs and
// violationRows), inserted many per statement in transactions of 50,000
// incidents for speed. It checks that the counts by each key sum as they
// should: to the incidents (by perpetrator) and to the distinct pairs of
// an incident and an answerable party or a zone.
func storeIncidents(tb testing.TB, path string, n int) *DB {
	start := time.Now()
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	sums := map[string]int64{}
	var incidents, violations [][]any
	flush := func() {
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			tb.Fatal(err)
		}
		defer tx.Rollback()
		if err := insertRows(ctx, tx, "incidents", "id, owner, occurred_at, perpetrator, has_violation, min_lon, min_lat, max_lon, max_lat, entry, doc, cell", incidents); err != nil {
			tb.Fatal(err)
		}
		if err := insertRows(ctx, tx, "incident_violations", "incident_id, zone_id, answerable_party, perpetrator, occurred_at, week, by_perpetrator, by_answerable_party, by_zone", violations); err != nil {
			tb.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			tb.Fatal(err)
		}
		incidents, violations = incidents[:0], violations[:0]
	}
	for i := range storetest.SyntheticIncidents(n) {
		args, err := incidentArgs(i)
		if err != nil {
			tb.Fatal(err)
		}
		incidents = append(incidents, args)
		violations = append(violations, violationRows(i)...)
		sums[store.ByPerpetrator]++
		parties, zones := map[string]bool{}, map[string]bool{}
		for _, v := range i.Violations {
			parties[orEmpty(v.AnswerableParty)], zones[v.ZoneID] = true, true
		}
		sums[store.ByAnswerableParty] += int64(len(parties))
		sums[store.ByZone] += int64(len(zones))
		if len(incidents) == 50_000 {
			flush()
		}
	}
	if len(incidents) > 0 {
		flush()
	}
	for by, want := range sums {
		counts, err := db.ViolationCounts(ctx, store.StatsFilter{By: by})
		if err != nil {
			tb.Fatal(err)
		}
		var sum int64
		for _, c := range counts {
			sum += c.Count
		}
		if sum != want {
			tb.Fatalf("ViolationCounts by %s sums to %d, want %d", by, sum, want)
		}
	}
	st, _ := os.Stat(path)
	tb.Logf("stored %d incidents (%.0f MB file) in %v", n, float64(st.Size())/1e6, time.Since(start).Round(time.Second))
	return db
}

// BenchmarkViolationCounts times ViolationCounts over 1,000,000 released
// incidents, by each key, over all time and over one quarter, beside
// Count, a plain SELECT COUNT(*) FROM incident_violations: the baseline.
// The target is under 200 ms per call.
func BenchmarkViolationCounts(b *testing.B) {
	db := incidents1M(b)
	ctx := context.Background()
	b.Run("Count", func(b *testing.B) {
		for b.Loop() {
			var n int64
			if err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM incident_violations").Scan(&n); err != nil {
				b.Fatal(err)
			}
		}
	})
	from, until := time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, by := range []string{store.ByPerpetrator, store.ByAnswerableParty, store.ByZone} {
		for _, f := range []store.StatsFilter{{By: by}, {By: by, From: &from, Until: &until}} {
			name := by
			if f.From != nil {
				name += "/quarter"
			}
			b.Run(name, func(b *testing.B) {
				var rows int
				for b.Loop() {
					counts, err := db.ViolationCounts(ctx, f)
					if err != nil {
						b.Fatal(err)
					}
					rows = len(counts)
				}
				b.ReportMetric(float64(rows), "counts")
			})
		}
	}
}

// BenchmarkIncidentsByPerpetrator times a page of 100 incidents over the
// same 1,000,000 (100 perpetrators, ~9,500 incidents each), filtered by a
// perpetrator, and by one with 50 incidents (added at the end, as the
// latest release would be), beside the same page unfiltered: the baseline.
// Each filtered page is the first and one from the middle of the list.
func BenchmarkIncidentsByPerpetrator(b *testing.B) {
	db := incidents1M(b)
	ctx := context.Background()
	rare := "act_rare_bench"
	if _, err := db.Incident(ctx, "inc_rare_0000"); err != nil {
		var add []truce.Incident
		for i := range storetest.SyntheticIncidents(50) {
			i.ID, i.Perpetrator = "inc_rare_"+i.ID[len(i.ID)-4:], &rare
			add = append(add, i)
		}
		if err := db.Append(ctx, func(tx store.AppendTx) error { return tx.(*appendTx).InsertIncidents(add) }); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct{ name, perp, after string }{
		{"all", "", ""}, {"all/middle", "", "inc_0000500000"},
		{"common", "act_007", ""}, {"common/middle", "act_007", "inc_0000500000"},
		{"rare", rare, ""}, {"rare/middle", rare, "inc_rare_0025"},
	} {
		b.Run(c.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				is, err := db.Incidents(ctx, store.IncidentFilter{Perpetrator: c.perp}, store.Page{Limit: 100, After: c.after})
				if err != nil {
					b.Fatal(err)
				}
				n = len(is)
			}
			if n == 0 {
				b.Fatal("an empty page")
			}
			b.ReportMetric(float64(n), "incidents")
		})
	}
}
