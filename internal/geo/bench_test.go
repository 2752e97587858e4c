package geo

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/truce-org/truce/internal/geo/geotest"
)

// The benchmark data are geotest's workload (REFERENCE's measurement of
// PostGIS): star polygons of ~23 positions with an outer radius of
// 100–1,000 m over 300 km × 300 km, and 5 km query stars. Zones have no
// buffer of their own; the 1 km case gives the query a 1,000 m buffer, like
// ST_DWithin(geography, 1000). Package geobench runs the same workload
// beside PostGIS.

type benchSet struct {
	zones   []Geometry
	queries []Geometry
	ix      *Index[int]
}

var (
	benchSets   = map[int]*benchSet{}
	benchSetsMu sync.Mutex
)

// benchWorkload is the n-zone workload, the one geobench uses too.
func benchWorkload(n int) geotest.Workload {
	return geotest.Workload{Zones: n, Queries: 1000, Seed: uint64(n)}
}

func parseZones(w geotest.Workload) []Geometry {
	zs := make([]Geometry, 0, w.Zones)
	w.EachZone(func(_ int, js []byte) {
		g, err := ParsePolygonal(js, Limits{})
		if err != nil {
			panic(err)
		}
		zs = append(zs, g)
	})
	return zs
}

func parseQueries(w geotest.Workload) []Geometry {
	var qs []Geometry
	for _, js := range w.QueryJSON() {
		g, err := Parse(js, Limits{})
		if err != nil {
			panic(err)
		}
		qs = append(qs, g)
	}
	return qs
}

// getBenchSet builds the n-zone data set and its index once per run.
func getBenchSet(b *testing.B, n int) *benchSet {
	b.Helper()
	benchSetsMu.Lock()
	defer benchSetsMu.Unlock()
	if s, ok := benchSets[n]; ok {
		return s
	}
	w := benchWorkload(n)
	s := &benchSet{zones: parseZones(w), queries: parseQueries(w)}
	s.ix = new(Index[int])
	for i, z := range s.zones {
		s.ix.Insert(i, z, 0)
	}
	benchSets[n] = s
	return s
}

func benchSearch(b *testing.B, n int, buf float64) {
	s := getBenchSet(b, n)
	hits, i := 0, 0
	for b.Loop() {
		s.ix.Search(s.queries[i%len(s.queries)], buf, func(int) bool { hits++; return true })
		i++
	}
	b.ReportMetric(float64(hits)/float64(i), "hits/query")
}

// benchLinear is the baseline: the same exact test (the query prepared once)
// over every zone, without the R-tree.
func benchLinear(b *testing.B, n int, buf float64) {
	s := getBenchSet(b, n)
	hits, i := 0, 0
	for b.Loop() {
		q := s.queries[i%len(s.queries)]
		d := buf + Tolerance
		p := prepare(q.s, d)
		for _, z := range s.zones {
			if p.within(z.s, d, false) {
				hits++
			}
		}
		i++
	}
	b.ReportMetric(float64(hits)/float64(i), "hits/query")
}

func BenchmarkSearchIntersects100k(b *testing.B) { benchSearch(b, 100_000, 0) }
func BenchmarkSearchWithin1km100k(b *testing.B)  { benchSearch(b, 100_000, 1000) }
func BenchmarkLinearIntersects100k(b *testing.B) { benchLinear(b, 100_000, 0) }
func BenchmarkLinearWithin1km100k(b *testing.B)  { benchLinear(b, 100_000, 1000) }
func BenchmarkSearchIntersects1M(b *testing.B)   { benchSearch(b, 1_000_000, 0) }
func BenchmarkSearchWithin1km1M(b *testing.B)    { benchSearch(b, 1_000_000, 1000) }
func BenchmarkLinearIntersects1M(b *testing.B)   { benchLinear(b, 1_000_000, 0) }
func BenchmarkLinearWithin1km1M(b *testing.B)    { benchLinear(b, 1_000_000, 1000) }

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkIndexBuild1M times inserting 1,000,000 parsed zones into an empty
// Index and reports its memory per zone (heap growth across the build), the
// parsed geometries' memory per zone, and the raw coordinate bytes per zone
// (16 bytes per position) for comparison.
func BenchmarkIndexBuild1M(b *testing.B) {
	const n = 1_000_000
	before := heapInUse()
	zones := parseZones(geotest.Workload{Zones: n, Seed: 1})
	geomBytes := heapInUse() - before
	raw := 0
	for _, z := range zones {
		raw += 16 * z.Vertices()
	}
	var ixBytes uint64
	for b.Loop() {
		b.StopTimer()
		h0 := heapInUse()
		b.StartTimer()
		ix := new(Index[int])
		for i, z := range zones {
			ix.Insert(i, z, 0)
		}
		b.StopTimer()
		ixBytes = heapInUse() - h0
		runtime.KeepAlive(ix)
		b.StartTimer()
	}
	b.ReportMetric(float64(ixBytes)/n, "index-B/zone")
	b.ReportMetric(float64(geomBytes)/n, "geom-B/zone")
	b.ReportMetric(float64(raw)/n, "raw-B/zone")
	runtime.KeepAlive(zones)
}

// BenchmarkParseZone is the cost of Parse for one benchmark zone.
func BenchmarkParseZone(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	var in [][]byte
	for range 1000 {
		in = append(in, []byte(starPolygon(rng, geotest.Lon, geotest.Lat, 500, geotest.StarVertices)))
	}
	i := 0
	for b.Loop() {
		if _, err := ParsePolygonal(in[i%len(in)], Limits{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
