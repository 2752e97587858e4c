package postgres

import (
	"context"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/store/postgres/pgtest"
	"github.com/truce-org/truce/internal/store/sqlite"
	"github.com/truce-org/truce/internal/store/storetest"
)

// BenchmarkAppend measures durable appends through store.Append as a
// writer makes them (size, party_seq and stored hashes read inside the
// transaction, entries, hashes and a checkpoint written), on SQLite (the
// baseline, measured in the same run) and on PostgreSQL:
//
//   - 64x1: 64 goroutines, each appending one entry per Append: every
//     entry pays for the head lock and a commit;
//   - 1x32 and 1x1024: one goroutine appending batches, as the office's
//     group commit does (up to 1024 entries per batch).
func BenchmarkAppend(b *testing.B) {
	backends := []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"SQLite", func(b *testing.B) store.Store {
			db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "truce.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			return db
		}},
		{"PostgreSQL", func(b *testing.B) store.Store { return mustOpen(b, pgtest.URL(b)) }},
	}
	for _, be := range backends {
		b.Run(be.name+"/64x1", func(b *testing.B) {
			s := be.open(b)
			ctx := context.Background()
			var w atomic.Int64
			procs := runtime.GOMAXPROCS(0)
			b.SetParallelism((64 + procs - 1) / procs) // × GOMAXPROCS goroutines
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				party := []string{"us", "ru", "un"}[w.Add(1)%3]
				for pb.Next() {
					if err := appendEntries(ctx, s, party, 1); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
		for _, n := range []int{32, 1024} {
			b.Run(be.name+"/1x"+strconv.Itoa(n), func(b *testing.B) {
				s := be.open(b)
				ctx := context.Background()
				var appends int
				for b.Loop() {
					if err := appendEntries(ctx, s, []string{"us", "ru", "un"}[appends%3], n); err != nil {
						b.Fatal(err)
					}
					appends++
				}
				b.ReportMetric(float64(appends*n)/b.Elapsed().Seconds(), "entries/s")
			})
		}
	}
}

// statsSize is how many incidents BenchmarkViolationCounts counts.
const statsSize = 1_000_000

// storeIncidents writes n synthetic incidents into db. Its rows are what
// qPutIncident writes from incidentArgs, copied in (COPY) 50,000 incidents
// per transaction for speed; then VACUUM ANALYZE, as autovacuum would in
// time, sets the visibility map that index-only scans need. It checks
// that the counts by each key sum as they should.
func storeIncidents(tb testing.TB, db *DB, n int) {
	start := time.Now()
	ctx := context.Background()
	sums := map[string]int64{}
	var incidents, violations [][]any
	flush := func() {
		err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"incidents"},
				[]string{"id", "owner", "occurred_at", "perpetrator", "has_violation", "min_lon", "min_lat", "max_lon", "max_lat", "entry", "doc"},
				pgx.CopyFromRows(incidents)); err != nil {
				return err
			}
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"incident_violations"},
				[]string{"incident_id", "zone_id", "answerable_party", "perpetrator", "occurred_at", "week",
					"by_perpetrator", "by_answerable_party", "by_zone"},
				pgx.CopyFromRows(violations))
			return err
		})
		if err != nil {
			tb.Fatal(err)
		}
		incidents, violations = incidents[:0], violations[:0]
	}
	for i := range storetest.SyntheticIncidents(n) {
		args, err := incidentArgs(i)
		if err != nil {
			tb.Fatal(err)
		}
		incidents = append(incidents, args[:11])
		zones, parties := args[13].([]string), args[14].([]string)
		byPerpetrator, byParty, byZone := args[15].([]bool), args[16].([]bool), args[17].([]bool)
		for k := range zones {
			// SELECT $1, v.zone_id, v.answerable_party, $12, $3, $13, v.by_perpetrator, ...
			violations = append(violations, []any{args[0], zones[k], parties[k], args[11], args[2], args[12],
				byPerpetrator[k], byParty[k], byZone[k]})
		}
		sums[store.ByPerpetrator]++
		ps, zs := map[string]bool{}, map[string]bool{}
		for k := range zones {
			ps[parties[k]], zs[zones[k]] = true, true
		}
		sums[store.ByAnswerableParty] += int64(len(ps))
		sums[store.ByZone] += int64(len(zs))
		if len(incidents) == 50_000 {
			flush()
		}
	}
	if len(incidents) > 0 {
		flush()
	}
	for _, table := range []string{"incidents", "incident_violations"} {
		if _, err := db.pool.Exec(ctx, "VACUUM ANALYZE "+table); err != nil {
			tb.Fatal(err)
		}
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
	tb.Logf("stored %d incidents in %v", n, time.Since(start).Round(time.Second))
}

// BenchmarkViolationCounts times ViolationCounts over 1,000,000 released
// incidents, by each key, over all time and over one quarter, beside
// Count, a plain SELECT COUNT(*) FROM incident_violations: the baseline.
// The target is under 200 ms per call.
func BenchmarkViolationCounts(b *testing.B) {
	db := mustOpen(b, pgtest.URL(b))
	storeIncidents(b, db, statsSize)
	ctx := context.Background()
	b.Run("Count", func(b *testing.B) {
		for b.Loop() {
			var n int64
			if err := db.pool.QueryRow(ctx, "SELECT COUNT(*) FROM incident_violations").Scan(&n); err != nil {
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
