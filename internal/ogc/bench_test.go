package ogc_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/testenv"
)

// benchIncidents is how many released incidents BenchmarkItemsPage adds to
// the demo's.
const benchIncidents = 5_000

// BenchmarkItemsPage measures one page of 1,000 incidents over HTTP on
// loopback: OGC items (with its exact numberMatched, counted in the
// database) beside the API's own list (GET /api/v1/incidents?limit=1000),
// same office, same data, same caller (us-official, whose drafts both
// merge in), the first page and a later one (by cursor). Each iteration
// fetches both; ogc/api is the ratio of their times in the same run.
func BenchmarkItemsPage(b *testing.B) {
	e := testenv.New(b)
	start := time.Now()
	loadIncidents(b, e, benchIncidents)
	b.Logf("loaded %d released incidents through the service in %v", benchIncidents, time.Since(start).Round(time.Millisecond))
	client := &http.Client{}
	b.Cleanup(client.CloseIdleConnections)
	token := e.Token(b, "us-official")
	fetch := func(b *testing.B, url string, v any) int64 {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d %v %.200s", url, resp.StatusCode, err, body)
		}
		if v != nil {
			if err := json.Unmarshal(body, v); err != nil {
				b.Fatal(err)
			}
		}
		return int64(len(body))
	}
	api := e.Server.URL + "/api/v1/incidents?limit=1000"
	var first struct {
		Features   []json.RawMessage `json:"features"`
		NextCursor string            `json:"next_cursor"`
	}
	fetch(b, api, &first)
	var ogcFirst struct {
		Features      []json.RawMessage `json:"features"`
		NumberMatched int64             `json:"numberMatched"`
		Links         []struct{ Href, Rel string }
	}
	ogcURL := e.Server.URL + "/ogc/collections/incidents/items?limit=1000"
	fetch(b, ogcURL, &ogcFirst)
	if len(first.Features) != 1000 || len(ogcFirst.Features) != 1000 || ogcFirst.NumberMatched < benchIncidents {
		b.Fatalf("pages of %d and %d features, %d matched", len(first.Features), len(ogcFirst.Features), ogcFirst.NumberMatched)
	}
	var ogcNext string
	for _, l := range ogcFirst.Links {
		if l.Rel == "next" {
			ogcNext = l.Href
		}
	}
	// Each iteration fetches the API's page and then OGC's, so that both
	// meet the same noise of this shared machine; the ratio is per run.
	for _, p := range []struct{ name, api, ogc string }{
		{"first", api, ogcURL},
		{"second", api + "&cursor=" + first.NextCursor, ogcNext},
	} {
		b.Run(p.name, func(b *testing.B) {
			var apiTime, ogcTime time.Duration
			var apiBytes, ogcBytes int64
			n := 0
			for b.Loop() {
				t0 := time.Now()
				apiBytes = fetch(b, p.api, nil)
				t1 := time.Now()
				ogcBytes = fetch(b, p.ogc, nil)
				apiTime, ogcTime = apiTime+t1.Sub(t0), ogcTime+time.Since(t1)
				n++
			}
			b.ReportMetric(float64(apiTime.Microseconds())/float64(n)/1000, "api-ms/page")
			b.ReportMetric(float64(ogcTime.Microseconds())/float64(n)/1000, "ogc-ms/page")
			b.ReportMetric(float64(ogcTime)/float64(apiTime), "ogc/api")
			b.ReportMetric(float64(apiBytes), "api-bytes/page")
			b.ReportMetric(float64(ogcBytes), "ogc-bytes/page")
		})
	}
}

// loadIncidents creates and releases n incidents through the service, from
// 32 goroutines so that releases share journal batches.
func loadIncidents(b *testing.B, e *testenv.Env, n int) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	at := time.Now().Add(-24 * time.Hour)
	for g := range 32 {
		wg.Go(func() {
			party := []string{"us", "ru"}[g%2]
			analyst, official := as(party+"-analyst"), as(party+"-official")
			rng := rand.New(rand.NewPCG(3, uint64(g)))
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				geom := json.RawMessage(fmt.Sprintf(`{"type":"Point","coordinates":[%.6f,%.6f]}`, 35+2*rng.Float64(), 35+2*rng.Float64()))
				typ, desc, when := truce.IncidentShelling, fmt.Sprintf("Benchmark incident %d (illustrative)", i), at.Add(time.Duration(i)*time.Second)
				inc, err := e.App.Office.CreateIncident(analyst, office.IncidentInput{Geometry: geom, OccurredAt: &when, Type: &typ, Description: &desc})
				if err != nil {
					b.Error(err)
					return
				}
				if _, err := e.App.Office.ReleaseIncident(official, inc.ID); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
}
