// Package geotest generates the random zones and queries that the geometry
// tests and benchmarks share, as GeoJSON, so that package geo's benchmarks and
// the comparison with PostGIS (package geobench) measure the very same data
// from the same seed.
//
// The workload follows REFERENCE.md's measurement of PostGIS: zones are star
// polygons of 22 distinct vertices (23 positions) with an outer radius of
// 100–1,000 m, vertex radii between half and all of it, centres uniform over
// 300 km × 300 km around 36°N 37°E; queries are stars of the same kind with
// an outer radius of 2.5 km (5 km across), kept 5 km inside the zones' square.
//
// It does not import package geo, whose own tests use it.
package geotest

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// The workload's square: its centre and half its side in metres.
const (
	Lon, Lat = 37.0, 36.0
	HalfSpan = 150e3
)

// Star polygon sizes: distinct vertices, zone radii and the query radius, in
// metres.
const (
	StarVertices  = 22
	ZoneMinRadius = 100
	ZoneMaxRadius = 1000
	QueryRadius   = 2500
)

const (
	queryMargin = 5e3 // metres between the queries' centres and the square's edge
	zoneStream  = 7
	queryStream = 8

	wgs84A  = 6378137.0
	wgs84F  = 1 / 298.257223563
	wgs84E2 = wgs84F * (2 - wgs84F)
	rad     = math.Pi / 180
)

// Workload names a deterministic set of zones and queries: the same Workload
// gives the same GeoJSON, byte for byte, on every run.
type Workload struct {
	Zones   int    // number of zones
	Queries int    // number of queries
	Seed    uint64 // zones come from PCG(Seed, 7), queries from PCG(Seed, 8)
}

// EachZone calls fn with the GeoJSON Polygon of every zone in order. The
// slice is reused: fn must not keep it.
func (w Workload) EachZone(fn func(i int, geojson []byte)) {
	rng := rand.New(rand.NewPCG(w.Seed, zoneStream))
	var buf []byte
	for i := range w.Zones {
		lon, lat := Offset(Lon, Lat, (2*rng.Float64()-1)*HalfSpan, (2*rng.Float64()-1)*HalfSpan)
		r := ZoneMinRadius + (ZoneMaxRadius-ZoneMinRadius)*rng.Float64()
		buf = AppendPolygon(buf[:0], StarRing(rng, lon, lat, r, StarVertices))
		fn(i, buf)
	}
}

// QueryJSON returns the GeoJSON Polygons of the queries.
func (w Workload) QueryJSON() [][]byte {
	rng := rand.New(rand.NewPCG(w.Seed, queryStream))
	out := make([][]byte, w.Queries)
	const m = HalfSpan - queryMargin
	for i := range out {
		lon, lat := Offset(Lon, Lat, (2*rng.Float64()-1)*m, (2*rng.Float64()-1)*m)
		out[i] = AppendPolygon(nil, StarRing(rng, lon, lat, QueryRadius, StarVertices))
	}
	return out
}

// Offset moves (lon, lat) by east and north metres using the WGS84 radii of
// curvature at lat: a plain approximation, meant only to place test shapes.
func Offset(lon, lat, east, north float64) (float64, float64) {
	return lon + east/(parallelRadius(lat)*rad), lat + north/(meridianRadius(lat)*rad)
}

func meridianRadius(latDeg float64) float64 {
	s := math.Sin(latDeg * rad)
	w := 1 - wgs84E2*s*s
	return wgs84A * (1 - wgs84E2) / (w * math.Sqrt(w))
}

func parallelRadius(latDeg float64) float64 {
	s, c := math.Sincos(latDeg * rad)
	if math.Abs(latDeg) >= 90 {
		return 0
	}
	return wgs84A * c / math.Sqrt(1-wgs84E2*s*s)
}

// StarRing returns a closed star-shaped ring of n distinct vertices around
// (lon, lat) with radii in [r/2, r] metres and strictly increasing angles, so
// that it never crosses itself.
func StarRing(rng *rand.Rand, lon, lat, r float64, n int) [][2]float64 {
	ring := make([][2]float64, 0, n+1)
	phase := rng.Float64() * 2 * math.Pi
	for i := range n {
		th := phase + 2*math.Pi*(float64(i)+0.8*rng.Float64())/float64(n)
		rr := r * (0.5 + 0.5*rng.Float64())
		x, y := Offset(lon, lat, rr*math.Cos(th), rr*math.Sin(th))
		ring = append(ring, [2]float64{x, y})
	}
	return append(ring, ring[0])
}

// AppendRing appends ring as a GeoJSON array of positions, every number in
// the shortest form that parses back to the same float64.
func AppendRing(dst []byte, ring [][2]float64) []byte {
	dst = append(dst, '[')
	for i, p := range ring {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '[')
		dst = strconv.AppendFloat(dst, p[0], 'f', -1, 64)
		dst = append(dst, ',')
		dst = strconv.AppendFloat(dst, p[1], 'f', -1, 64)
		dst = append(dst, ']')
	}
	return append(dst, ']')
}

// AppendPolygon appends a GeoJSON Polygon object of the given rings, the
// exterior first.
func AppendPolygon(dst []byte, rings ...[][2]float64) []byte {
	n := 0
	for _, r := range rings {
		n += len(r)
	}
	dst = slices.Grow(dst, 40+40*n) // ~20 bytes a number
	dst = append(dst, `{"type":"Polygon","coordinates":[`...)
	for i, r := range rings {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendRing(dst, r)
	}
	return append(dst, "]}"...)
}
