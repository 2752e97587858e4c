package office_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/testenv"
)

// BenchmarkAppend64Writers measures durable appends (SQLite, WAL,
// synchronous=FULL) with 64 concurrent writers, group-committed.
func BenchmarkAppend64Writers(b *testing.B) {
	e := testenv.NewSQLite(b)
	append64(b, e, e.App.Writer)
}

// BenchmarkAppend64WritersPostgres is the same on PostgreSQL: one node,
// then two nodes on one database with the writers spread over both.
func BenchmarkAppend64WritersPostgres(b *testing.B) {
	b.Run("one-node", func(b *testing.B) {
		e := testenv.NewPostgres(b)
		append64(b, e, e.App.Writer)
	})
	b.Run("two-nodes", func(b *testing.B) {
		e := testenv.NewPostgres(b)
		append64(b, e, e.App.Writer, e.Node(b).Writer)
	})
}

func append64(b *testing.B, e *testenv.Env, writers ...*office.Writer) {
	actor := firstActor(b, e)
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(32) // × GOMAXPROCS goroutines; 64 on these 2-core machines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := n.Add(1)
		party := []string{"us", "ru"}[i%2]
		w := writers[int(i)%len(writers)]
		for pb.Next() {
			_, err := w.Append(ctx, office.Request{Party: party, Member: party + "-official", Kind: truce.KindDesignationSet,
				Subject: actor, Body: office.DesignationSetBody{Party: party, Designation: truce.DesignationExcluded, Note: "benchmark"}})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	var m dto.Metric
	if err := e.App.Metrics.AppendBatch.Write(&m); err != nil {
		b.Fatal(err)
	}
	h := m.GetHistogram()
	b.ReportMetric(h.GetSampleSum()/float64(h.GetSampleCount()), "entries/batch")
}

// BenchmarkBareSignHash is the floor under each append: one Ed25519
// signature and one SHA-256 over an entry-sized message, on one goroutine
// as the writer does them.
func BenchmarkBareSignHash(b *testing.B) {
	_, priv, _ := ed25519.GenerateKey(nil)
	msg := []byte(fmt.Sprintf(`{"v":1,"id":"ent_aaaaaaaaaaaaaaaa","party":"us","member":"us-official","kind":"designation.set","subject":"act_aaaaaaaaaaaaaaaa","time":"2026-11-25T04:19:58.728856Z","party_seq":123456,"body":{"party":"us","designation":"excluded","note":"benchmark"}}%c`, '\n'))
	for b.Loop() {
		sig := ed25519.Sign(priv, msg)
		h := sha256.Sum256(append(msg, sig...))
		_ = h
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// fillJournal appends n designation entries from 64 concurrent writers.
func fillJournal(b *testing.B, e *testenv.Env, n int) {
	b.Helper()
	actor := firstActor(b, e)
	var next atomic.Int64
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			party := []string{"us", "ru"}[g%2]
			for next.Add(1) <= int64(n) {
				if _, err := e.App.Writer.Append(context.Background(), office.Request{Party: party, Member: party + "-official",
					Kind: truce.KindDesignationSet, Subject: actor,
					Body: office.DesignationSetBody{Party: party, Designation: truce.DesignationExcluded, Note: "benchmark"}}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkVerifyStore100k is 'truce verify --db' over 100,000 entries:
// signatures on all cores, sequences, tree, stored hashes, and the office
// state rebuilt and compared. Read it beside BenchmarkBareVerify100k.
func BenchmarkVerifyStore100k(b *testing.B) {
	e := testenv.New(b)
	fillJournal(b, e, 100_000)
	size := e.JournalSize(b)
	for b.Loop() {
		res, err := office.VerifyStore(context.Background(), e.App.Storage.Store, office.VerifyOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if res.Size != size {
			b.Fatalf("verified %d of %d", res.Size, size)
		}
	}
	b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkBareVerify100k is the floor: 100,000 Ed25519 verifications of
// entry-sized messages on all cores, nothing else.
func BenchmarkBareVerify100k(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	const n = 100_000
	msgs := make([][]byte, n)
	sigs := make([][]byte, n)
	for i := range msgs {
		msgs[i] = fmt.Appendf(nil, `{"v":1,"id":"ent_%016d","party":"us","member":"us-official","kind":"designation.set","subject":"act_aaaaaaaaaaaaaaaa","time":"2026-11-25T04:19:58.728856Z","party_seq":%d,"body":{"party":"us","designation":"excluded","note":"benchmark"}}`+"\n", i, i+1)
		sigs[i] = ed25519.Sign(priv, msgs[i])
	}
	workers := runtime.GOMAXPROCS(0)
	for b.Loop() {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < n; i += workers {
					if !ed25519.Verify(pub, msgs[i], sigs[i]) {
						b.Error("bad signature")
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
