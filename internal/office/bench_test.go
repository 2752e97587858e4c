package office_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
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
	e := testenv.New(b)
	actor := firstActor(b, e)
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(32) // × GOMAXPROCS goroutines; 64 on these 2-core machines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := n.Add(1)
		party := []string{"us", "ru"}[i%2]
		for pb.Next() {
			_, err := e.App.Writer.Append(ctx, office.Request{Party: party, Member: party + "-official", Kind: truce.KindDesignationSet,
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
