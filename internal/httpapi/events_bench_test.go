package httpapi_test

import (
	"bufio"
	"context"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/testenv"
)

// BenchmarkEventsFanOut connects 1,000 event streams on loopback, then
// appends one entry per iteration and waits until every stream has it:
// it reports the delay from the append's return to each delivery (median
// and 99th percentile) and the memory each subscriber holds (server and
// client sides together, both in this process).
func BenchmarkEventsFanOut(b *testing.B) {
	const subscribers = 1000
	e := testenv.New(b)
	token := e.Token(b, "ru-observer")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: subscribers, MaxConnsPerHost: 0}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	type delivery struct {
		id string
		at time.Time
	}
	got := make(chan delivery, subscribers*16)
	var ready sync.WaitGroup
	for range subscribers {
		ready.Add(1)
		go func() {
			req, _ := http.NewRequestWithContext(ctx, "GET", e.Server.URL+"/api/v1/events", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil {
				ready.Done()
				return
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			sc.Scan() // the opening comment: subscribed
			ready.Done()
			for sc.Scan() {
				if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
					got <- delivery{id, time.Now()}
				}
			}
		}()
	}
	ready.Wait()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)

	var delays, appends []time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := e.App.Office.CreateActor(as("us-analyst"), office.NewActor{Name: "Fan-out group (illustrative)"}); err != nil {
			b.Fatal(err)
		}
		done := time.Now()
		appends = append(appends, done.Sub(start))
		for n := 0; n < subscribers; n++ {
			select {
			case d := <-got:
				delays = append(delays, d.at.Sub(done))
			case <-time.After(10 * time.Second):
				b.Fatalf("only %d of %d streams had the event after 10 s", n, subscribers)
			}
		}
	}
	slices.Sort(delays)
	slices.Sort(appends)
	// The baseline: the durable append itself, in the same run.
	b.ReportMetric(float64(appends[len(appends)/2].Microseconds())/1000, "ms-append-median")
	b.ReportMetric(float64(delays[len(delays)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(delays[len(delays)*99/100].Microseconds())/1000, "ms-p99")
	b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/subscribers, "heap-B/subscriber")
	b.ReportMetric(float64(after.StackInuse-before.StackInuse)/subscribers, "stack-B/subscriber")
}
