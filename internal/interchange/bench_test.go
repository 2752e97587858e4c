package interchange_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/acled/acledtest"
	"github.com/truce-org/truce/internal/interchange"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/testenv"
)

// benchRows is the size of the benchmark's file: 1,000,000 unless
// TRUCE_BENCH_ACLED_ROWS says otherwise (for a quick look).
func benchRows(b *testing.B) int {
	if v := os.Getenv("TRUCE_BENCH_ACLED_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("TRUCE_BENCH_ACLED_ROWS=%q", v)
		}
		return n
	}
	return 1_000_000
}

// bareParse reads every record of path with encoding/csv and nothing else:
// the baseline.
func bareParse(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	n := 0
	for {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			return n - 1, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// BenchmarkImportACLED1M imports a generated file of 1,000,000 ACLED rows
// over the demo's area into the seeded demo on SQLite, released by
// us-official (violations computed in the fold), beside the bare
// encoding/csv parse of the same file in the same iteration. Run with
// -benchtime 1x: one iteration is a whole import.
func BenchmarkImportACLED1M(b *testing.B) {
	rows := benchRows(b)
	dir := b.TempDir()
	path := filepath.Join(dir, "events.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if err := acledtest.Write(f, acledtest.Config{Rows: rows, Seed: 1, From: today.AddDate(0, 0, -60), Until: today}); err != nil {
		b.Fatal(err)
	}
	f.Close()
	var parse, imp, checked time.Duration
	var written int64
	var violations int
	var maxWait time.Duration
	for b.Loop() {
		b.StopTimer()
		e := testenv.New(b)
		m, err := e.App.Storage.Store.Member(context.Background(), "us-official")
		if err != nil {
			b.Fatal(err)
		}
		ctx := truce.WithCaller(context.Background(), &m)
		b.StartTimer()

		t0 := time.Now()
		n, err := bareParse(path)
		if err != nil || n != rows {
			b.Fatalf("bare parse: %d rows, %v", n, err)
		}
		parse += time.Since(t0)

		// Another party's appends go on during the import, one every
		// 100 ms: the longest is how long an append waits for the
		// import's commits.
		probeCtx, stopProbe := context.WithCancel(context.Background())
		probeDone := make(chan time.Duration)
		go func() { probeDone <- probeAppends(probeCtx, b, e) }()

		w0 := writtenBytes()
		t0 = time.Now()
		res, err := interchange.ImportACLED(ctx, e.App.Office, func() (io.ReadCloser, error) { return os.Open(path) },
			interchange.ACLEDOptions{Release: true, GCPercent: interchange.BulkGCPercent(), Progress: func(phase string, done, total int64) {
				if phase == "check" && done == total {
					checked += time.Since(t0)
				}
			}})
		if err != nil {
			b.Fatal(err)
		}
		imp += time.Since(t0)
		written += writtenBytes() - w0
		stopProbe()
		maxWait = max(maxWait, <-probeDone)
		if res.Imported != rows {
			b.Fatalf("imported %d of %d rows", res.Imported, rows)
		}
		b.StopTimer()
		violations = violationCount(b, e)
		b.StartTimer()
	}
	if violations == 0 {
		b.Fatal("no violations computed")
	}
	k := float64(b.N)
	b.ReportMetric(imp.Seconds()/k, "import-s")
	b.ReportMetric(parse.Seconds()/k, "csv-parse-s")
	b.ReportMetric(checked.Seconds()/k, "check-pass-s")
	b.ReportMetric(imp.Seconds()/parse.Seconds(), "import/parse")
	b.ReportMetric(float64(rows)*k/imp.Seconds(), "rows/s")
	b.ReportMetric(float64(violations), "violating-incidents")
	if written > 0 {
		b.ReportMetric(float64(written)/k/(1<<20), "written-MiB")
	}
	b.ReportMetric(maxWait.Seconds(), "max-other-append-s")
}

// probeAppends appends a designation by ru every 100 ms until ctx is done,
// and returns the longest an append took.
func probeAppends(ctx context.Context, b *testing.B, e *testenv.Env) time.Duration {
	as, err := e.App.Storage.Store.Actors(context.Background(), store.Page{Limit: 1})
	if err != nil || len(as) == 0 {
		b.Errorf("no actor: %v", err)
		return 0
	}
	var longest time.Duration
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for k := 0; ; k++ {
		select {
		case <-ctx.Done():
			return longest
		case <-t.C:
		}
		start := time.Now()
		_, err := e.App.Writer.Append(context.Background(), office.Request{Party: "ru", Member: "ru-official",
			Kind: truce.KindDesignationSet, Subject: as[0].ID,
			Body: office.DesignationSetBody{Party: "ru", Designation: truce.DesignationExcluded, Note: fmt.Sprint("probe ", k)}})
		if err != nil {
			b.Errorf("probe append: %v", err)
			return longest
		}
		longest = max(longest, time.Since(start))
	}
}

// writtenBytes is what this process has written so far (Linux's
// /proc/self/io wchar: to files, pipes and sockets, whether or not it has
// reached the disk), 0 where that is not known.
func writtenBytes() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "wchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

func violationCount(b *testing.B, e *testenv.Env) int {
	b.Helper()
	m, err := e.App.Storage.Store.Member(context.Background(), "ru-observer")
	if err != nil {
		b.Fatal(err)
	}
	ctx := truce.WithCaller(context.Background(), &m)
	yes := true
	n := 0
	f := storeFilter(&yes)
	if err := interchange.EachIncident(ctx, e.App.Office, f, func(truce.Incident) error { n++; return nil }); err != nil {
		b.Fatal(err)
	}
	return n
}
