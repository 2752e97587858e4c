package postgres

import (
	"context"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/store/postgres/pgtest"
	"github.com/truce-org/truce/internal/store/sqlite"
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
