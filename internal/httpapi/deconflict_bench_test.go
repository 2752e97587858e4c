package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/cli"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/testenv"
)

// benchClients is how many clients send requests at once.
const benchClients = 32

// benchZones is how many released zones deconflict/10k-zones adds to the
// demo's.
const benchZones = 10_000

// The loaded zones and the checks of deconflict/10k-zones lie in a square
// of about 300 km around (benchLon, benchLat).
const (
	benchLon, benchLat = 36.5, 36.0
	benchHalfM         = 150_000.0
)

// BenchmarkDeconflictHTTP measures POST /api/v1/deconflict over HTTP on
// loopback with 32 concurrent clients, beside GET /healthz in the same run
// and office: first over the demo's zones, then after 10,000 more released
// zones. Read deconflict req/s as a ratio to healthz req/s.
func BenchmarkDeconflictHTTP(b *testing.B) {
	e := testenv.New(b, func(o *cli.Options) { o.CheckEvery, o.CheckBurst = time.Nanosecond, math.MaxInt32 })
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 2 * benchClients, MaxIdleConnsPerHost: 2 * benchClients}}
	b.Cleanup(client.CloseIdleConnections)
	token := e.Token(b, "ru-planner")
	from := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	deconflict := e.Server.URL + "/api/v1/deconflict"

	b.Run("healthz", func(b *testing.B) {
		hammer(b, client, http.MethodGet, e.Server.URL+"/healthz", "", nil)
	})

	demo := [][]byte{checkBody(b, map[string]any{"type": "Point", "coordinates": []float64{36.47, 36.05}}, from)}
	demoConflicts := meanConflicts(b, client, deconflict, token, demo)
	if demoConflicts == 0 {
		b.Fatal("the demo check meets no zone")
	}
	b.Run("deconflict/demo", func(b *testing.B) {
		hammer(b, client, http.MethodPost, deconflict, token, demo)
		b.ReportMetric(demoConflicts, "conflicts/check")
	})

	start := time.Now()
	loadZones(b, e, benchZones)
	b.Logf("loaded %d released zones through the service in %v", benchZones, time.Since(start).Round(time.Millisecond))
	rng := rand.New(rand.NewPCG(2, 2))
	bodies := make([][]byte, 4096)
	for i := range bodies {
		lon, lat := benchPoint(rng)
		bodies[i] = checkBody(b, square(lon, lat, 5000), from)
	}
	loadedConflicts := meanConflicts(b, client, deconflict, token, bodies[:256])
	b.Run("deconflict/10k-zones", func(b *testing.B) {
		hammer(b, client, http.MethodPost, deconflict, token, bodies)
		b.ReportMetric(loadedConflicts, "conflicts/check")
	})
}

// hammer sends requests from benchClients goroutines until b.N are done,
// each with one of bodies in turn (none if bodies is empty), and reports
// requests per second. Every answer must be 200.
func hammer(b *testing.B, client *http.Client, method, url, token string, bodies [][]byte) {
	procs := runtime.GOMAXPROCS(0)
	par := (benchClients + procs - 1) / procs
	b.SetParallelism(par)
	var next atomic.Uint64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := next.Add(1) * 7919
		for pb.Next() {
			var body io.Reader
			if len(bodies) > 0 {
				body = bytes.NewReader(bodies[i%uint64(len(bodies))])
				i++
			}
			req, err := http.NewRequest(method, url, body)
			if err != nil {
				b.Error(err)
				return
			}
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				b.Error(err)
				return
			}
			if resp.StatusCode != http.StatusOK {
				b.Errorf("%s %s: status %d", method, url, resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(par*procs), "clients")
}

// meanConflicts sends each of bodies once, untimed, and returns the mean
// number of conflicts in the answers.
func meanConflicts(b *testing.B, client *http.Client, url, token string, bodies [][]byte) float64 {
	b.Helper()
	n := 0
	for _, body := range bodies {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("deconflict: status %d; body %s", resp.StatusCode, raw)
		}
		var d truce.Deconfliction
		if err := json.Unmarshal(raw, &d); err != nil {
			b.Fatalf("decode %s: %v", raw, err)
		}
		n += len(d.Conflicts)
	}
	return float64(n) / float64(len(bodies))
}

// loadZones creates and releases n small square zones in the benchmark's
// area through the service, from 32 goroutines so that releases are
// group-committed; owners alternate between us and ru.
func loadZones(b *testing.B, e *testenv.Env, n int) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			party := []string{"us", "ru"}[g%2]
			analyst, official := as(party+"-analyst"), as(party+"-official")
			rng := rand.New(rand.NewPCG(1, uint64(g)))
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				lon, lat := benchPoint(rng)
				geom, err := json.Marshal(square(lon, lat, 100+900*rng.Float64()))
				if err != nil {
					b.Error(err)
					return
				}
				name := fmt.Sprintf("Benchmark zone %d (illustrative)", i)
				cat, buf := truce.CategoryCivilian, 100.0
				z, err := e.App.Office.CreateZone(analyst, office.ZoneInput{Geometry: geom, Name: &name, Category: &cat, BufferM: &buf})
				if err != nil {
					b.Error(err)
					return
				}
				if _, err := e.App.Office.ReleaseZone(official, z.ID); err != nil {
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

// benchPoint is a random point in the benchmark's area.
func benchPoint(rng *rand.Rand) (lon, lat float64) {
	dx, dy := benchHalfM*(2*rng.Float64()-1), benchHalfM*(2*rng.Float64()-1)
	lat = benchLat + dy/110_574
	lon = benchLon + dx/(111_320*math.Cos(benchLat*math.Pi/180))
	return lon, lat
}

// square is a GeoJSON Polygon: a square of side sideM metres centred on
// lon, lat, counter-clockwise.
func square(lon, lat, sideM float64) map[string]any {
	dLat := sideM / 2 / 110_574
	dLon := sideM / 2 / (111_320 * math.Cos(lat*math.Pi/180))
	r := func(x float64) float64 { return math.Round(x*1e6) / 1e6 }
	x0, x1, y0, y1 := r(lon-dLon), r(lon+dLon), r(lat-dLat), r(lat+dLat)
	return map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

// checkBody is a deconfliction check of geometry with a 500 m buffer for
// the hour from from.
func checkBody(b *testing.B, geometry map[string]any, from time.Time) []byte {
	b.Helper()
	body, err := json.Marshal(map[string]any{
		"geometry": geometry, "buffer_m": 500,
		"from": from.Format(time.RFC3339), "until": from.Add(time.Hour).Format(time.RFC3339),
	})
	if err != nil {
		b.Fatal(err)
	}
	return body
}
