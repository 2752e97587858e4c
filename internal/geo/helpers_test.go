package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/peterstace/simplefeatures/geom"

	"github.com/truce-org/truce/internal/geo/geotest"
)

// MustParse parses GeoJSON or fails the test.
func MustParse(tb testing.TB, s string) Geometry {
	tb.Helper()
	g, err := Parse([]byte(s), Limits{})
	if err != nil {
		tb.Fatalf("Parse(%.200s): %v", s, err)
	}
	return g
}

// offset moves (lon, lat) by east and north metres (geotest.Offset).
func offset(lon, lat, east, north float64) (float64, float64) {
	return geotest.Offset(lon, lat, east, north)
}

// starRing returns a closed star-shaped ring of n distinct vertices around
// (lon, lat) with radii in [r/2, r] metres (geotest.StarRing).
func starRing(rng *rand.Rand, lon, lat, r float64, n int) [][2]float64 {
	return geotest.StarRing(rng, lon, lat, r, n)
}

func ringJSON(sb *strings.Builder, ring [][2]float64) {
	sb.Write(geotest.AppendRing(nil, ring))
}

// starPolygon returns the GeoJSON of a star polygon.
func starPolygon(rng *rand.Rand, lon, lat, r float64, n int) string {
	return string(geotest.AppendPolygon(nil, starRing(rng, lon, lat, r, n)))
}

// randomGeometry returns a random Point, LineString, Polygon (possibly with a
// hole), MultiPoint or MultiPolygon of size about r metres around (lon, lat).
func randomGeometry(rng *rand.Rand, lon, lat, r float64) string {
	var sb strings.Builder
	switch rng.IntN(6) {
	case 0:
		x, y := offset(lon, lat, r*(rng.Float64()-0.5), r*(rng.Float64()-0.5))
		return fmt.Sprintf(`{"type":"Point","coordinates":[%v,%v]}`, x, y)
	case 1:
		sb.WriteString(`{"type":"LineString","coordinates":`)
		ring := starRing(rng, lon, lat, r, 3+rng.IntN(6))
		ringJSON(&sb, ring[:len(ring)-1-rng.IntN(2)])
		sb.WriteString(`}`)
	case 2:
		return starPolygon(rng, lon, lat, r, 3+rng.IntN(20))
	case 3: // polygon with a hole around the centre
		sb.WriteString(`{"type":"Polygon","coordinates":[`)
		ringJSON(&sb, starRing(rng, lon, lat, r, 8+rng.IntN(10)))
		sb.WriteByte(',')
		ringJSON(&sb, starRing(rng, lon, lat, r*0.4, 3+rng.IntN(6)))
		sb.WriteString(`]}`)
	case 4:
		sb.WriteString(`{"type":"MultiPoint","coordinates":[`)
		for i := range 1 + rng.IntN(4) {
			if i > 0 {
				sb.WriteByte(',')
			}
			x, y := offset(lon, lat, r*(rng.Float64()-0.5), r*(rng.Float64()-0.5))
			fmt.Fprintf(&sb, `[%v,%v]`, x, y)
		}
		sb.WriteString(`]}`)
	case 5: // two disjoint parts
		sb.WriteString(`{"type":"MultiPolygon","coordinates":[[`)
		x, y := offset(lon, lat, -r, 0)
		ringJSON(&sb, starRing(rng, x, y, r*0.45, 3+rng.IntN(8)))
		sb.WriteString(`],[`)
		x, y = offset(lon, lat, r, 0)
		ringJSON(&sb, starRing(rng, x, y, r*0.45, 3+rng.IntN(8)))
		sb.WriteString(`]]}`)
	}
	return sb.String()
}

// elements lists a shape's segments (and points, as zero-length segments) in
// lon/lat.
func elements(s *shape) [][4]float64 {
	var out [][4]float64
	for _, sp := range s.spans {
		if sp.end-sp.start == 1 {
			x, y := s.xy[2*sp.start], s.xy[2*sp.start+1]
			out = append(out, [4]float64{x, y, x, y})
			continue
		}
		for i := sp.start; i+1 < sp.end; i++ {
			out = append(out, [4]float64{s.xy[2*i], s.xy[2*i+1], s.xy[2*i+2], s.xy[2*i+3]})
		}
	}
	return out
}

// golden minimises f on [0, 1] (f unimodal) to about 1e-10.
func golden(f func(float64) float64) float64 {
	const g = 0.6180339887498949
	a, b := 0.0, 1.0
	c, d := b-g*(b-a), a+g*(b-a)
	fc, fd := f(c), f(d)
	for b-a > 1e-10 {
		if fc < fd {
			b, d, fd = d, c, fc
			c = b - g*(b-a)
			fc = f(c)
		} else {
			a, c, fc = c, d, fd
			d = a + g*(b-a)
			fd = f(d)
		}
	}
	return min(fc, fd, f(0), f(1))
}

// refDistance is an independent reference for the geodesic distance between
// two geometries: 0 if simplefeatures says they intersect (in lon/lat, the
// same model), else the minimum over pairs of elements of a nested
// golden-section search of Vincenty's distance along both elements. Pairs are
// pre-selected generously by projected distance (within 1.5 times the
// smallest plus 50 m), far beyond the projection's distortion.
func refDistance(a, b Geometry) float64 {
	if geom.Intersects(a.s.sf, b.s.sf) {
		return 0
	}
	ea, eb := elements(a.s), elements(b.s)
	p := newProj(a.s.box.MinLon, (a.s.box.MinLat+b.s.box.MaxLat)/2)
	pd := func(e, f [4]float64) float64 {
		d2, _, _ := segClosest((e[0]-p.lon0)*p.kx, (e[1]-p.lat0)*p.ky, (e[2]-p.lon0)*p.kx, (e[3]-p.lat0)*p.ky,
			(f[0]-p.lon0)*p.kx, (f[1]-p.lat0)*p.ky, (f[2]-p.lon0)*p.kx, (f[3]-p.lat0)*p.ky)
		return math.Sqrt(d2)
	}
	best := math.Inf(1)
	for _, e := range ea {
		for _, f := range eb {
			best = min(best, pd(e, f))
		}
	}
	res := math.Inf(1)
	for _, e := range ea {
		for _, f := range eb {
			if pd(e, f) > 1.5*best+50 {
				continue
			}
			at := func(e [4]float64, s float64) (float64, float64) { return e[0] + s*(e[2]-e[0]), e[1] + s*(e[3]-e[1]) }
			inner := func(s float64) float64 {
				x, y := at(e, s)
				return golden(func(t float64) float64 {
					u, v := at(f, t)
					return Distance(x, y, u, v)
				})
			}
			res = min(res, golden(inner))
		}
	}
	return res
}

// geodesicDirect integrates the geodesic equations on WGS84 with RK4 from
// (lon, lat) at azimuth az (degrees) for s metres, giving an independent
// reference for Distance (error far below a micrometre for s ≤ 100 km away
// from the poles).
func geodesicDirect(lon, lat, az, s float64) (float64, float64) {
	steps := max(int(s/20), 200)
	h := s / float64(steps)
	phi, lam, alpha := lat*rad, lon*rad, az*rad
	f := func(phi, alpha float64) (dphi, dlam, dalpha float64) {
		sp, cp := math.Sincos(phi)
		w := math.Sqrt(1 - wgs84E2*sp*sp)
		N := wgs84A / w
		M := wgs84A * (1 - wgs84E2) / (w * w * w)
		sa, ca := math.Sincos(alpha)
		return ca / M, sa / (N * cp), sa * sp / (N * cp)
	}
	for range steps {
		k1p, k1l, k1a := f(phi, alpha)
		k2p, k2l, k2a := f(phi+h/2*k1p, alpha+h/2*k1a)
		k3p, k3l, k3a := f(phi+h/2*k2p, alpha+h/2*k2a)
		k4p, k4l, k4a := f(phi+h*k3p, alpha+h*k3a)
		phi += h / 6 * (k1p + 2*k2p + 2*k3p + k4p)
		lam += h / 6 * (k1l + 2*k2l + 2*k3l + k4l)
		alpha += h / 6 * (k1a + 2*k2a + 2*k3a + k4a)
	}
	return lam / rad, phi / rad
}
