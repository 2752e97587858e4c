package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/peterstace/simplefeatures/geom"
)

func TestOrientExactness(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		ax, ay := 37+rng.Float64(), 36+rng.Float64()
		bx, by := 37+rng.Float64(), 36+rng.Float64()
		// c on the line through a and b, nudged by a few ulps or not at all
		u := rng.Float64()
		cx, cy := ax+u*(bx-ax), ay+u*(by-ay)
		for range rng.IntN(3) {
			cx = math.Nextafter(cx, math.Inf(1-2*rng.IntN(2)))
		}
		if got, want := orient(ax, ay, bx, by, cx, cy), orientExact(ax, ay, bx, by, cx, cy); got != want {
			t.Fatalf("orient(%v %v, %v %v, %v %v) = %d, exact %d", ax, ay, bx, by, cx, cy, got, want)
		}
	}
}

// TestIntersectsMatchesSimplefeatures compares Intersects with
// simplefeatures' own predicate (planar in lon/lat, as RFC 7946 edges are) on
// random geometries. They may differ only where the geometries are disjoint
// but within Tolerance, which Intersects counts as touching.
func TestIntersectsMatchesSimplefeatures(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	agree, touch := 0, 0
	for range 3000 {
		a := MustParse(t, randomGeometry(rng, 37, 36, 500+1500*rng.Float64()))
		x, y := offset(37, 36, 4000*(rng.Float64()-0.5), 4000*(rng.Float64()-0.5))
		b := MustParse(t, randomGeometry(rng, x, y, 500+1500*rng.Float64()))
		got, want := Intersects(a, b), geom.Intersects(a.s.sf, b.s.sf)
		if got != Intersects(b, a) {
			t.Fatalf("Intersects not symmetric for %v and %v", a, b)
		}
		if got == want {
			agree++
			continue
		}
		if got && !want && refDistance(a, b) <= Tolerance+1e-3 {
			touch++
			continue
		}
		t.Errorf("Intersects(%v, %v) = %v, simplefeatures %v", a, b, got, want)
	}
	t.Logf("%d agree, %d within 1 cm counted as touching", agree, touch)
}

// TestTouching: boundaries count, and so do decimal points "on" an edge.
func TestTouching(t *testing.T) {
	zone := MustParse(t, `{"type":"Polygon","coordinates":[[[37.1,36.1],[37.3,36.3],[37.1,36.3],[37.1,36.1]]]}`)
	near := func(north float64) Geometry {
		// 37.2, 36.2 is on the zone's diagonal edge in decimal, not in binary
		x, y := offset(37.2, 36.2, 0, north)
		g, err := NewPoint(x, y)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	tests := []struct {
		name string
		g    Geometry
		want bool
	}{
		{"decimal point on edge", MustParse(t, `{"type":"Point","coordinates":[37.2,36.2]}`), true},
		{"shared vertex", MustParse(t, `{"type":"Point","coordinates":[37.3,36.3]}`), true},
		{"shared edge", MustParse(t, `{"type":"Polygon","coordinates":[[[37.1,36.1],[37.1,36.3],[37.0,36.2],[37.1,36.1]]]}`), true},
		{"touching line", MustParse(t, `{"type":"LineString","coordinates":[[37.2,36.2],[37.4,36.0]]}`), true},
		{"inside", MustParse(t, `{"type":"Point","coordinates":[37.15,36.25]}`), true},
		{"containing", MustParse(t, `{"type":"Polygon","coordinates":[[[37,36],[38,36],[38,37],[37,37],[37,36]]]}`), true},
		{"5 mm south (outside)", near(-0.005), true},
		{"2 cm south (outside)", near(-0.02), false},
		{"2 cm north (inside)", near(0.02), true},
		{"1 m south", near(-1), false},
	}
	for _, tt := range tests {
		if got := Intersects(zone, tt.g); got != tt.want {
			t.Errorf("%s: Intersects = %v, want %v", tt.name, got, tt.want)
		}
		if got := Intersects(tt.g, zone); got != tt.want {
			t.Errorf("%s: Intersects reversed = %v, want %v", tt.name, got, tt.want)
		}
	}
	if Intersects(Geometry{}, zone) || Within(zone, Geometry{}, 1e9) {
		t.Error("the zero Geometry meets something")
	}
}

// TestWithinMatchesReference compares Within with an independent brute-force
// distance (refDistance) on random pairs at 0–3 km, just below and above the
// threshold: the answer must be right whenever the distance is more than
// 1 mm away from metres + Tolerance.
func TestWithinMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	n := 300
	if testing.Short() {
		n = 60
	}
	for i := range n {
		lat := []float64{0, 36, -50, 70}[i%4]
		a := MustParse(t, randomGeometry(rng, 37, lat, 1000))
		x, y := offset(37, lat, 6000*(rng.Float64()-0.5), 6000*(rng.Float64()-0.5))
		b := MustParse(t, randomGeometry(rng, x, y, 1000))
		D := refDistance(a, b)
		for _, m := range []float64{D - 1, D - Tolerance - 0.002, D - Tolerance + 0.002, D, D + 1} {
			if m < 0 {
				continue
			}
			want := D <= m+Tolerance
			if got := Within(a, b, m); got != want {
				t.Errorf("Within(%v, %v, %.4f) = %v, distance %.4f", a, b, m, got, D)
			}
			if got := Within(b, a, m); got != want {
				t.Errorf("Within(%v, %v, %.4f) = %v, distance %.4f", b, a, m, got, D)
			}
		}
	}
}

// TestWithinThreshold places geometries exactly 1,000 m apart with an
// integrated geodesic and checks both sides of the threshold, both argument
// orders, north and south, at several latitudes.
func TestWithinThreshold(t *testing.T) {
	for _, lat := range []float64{0, 36, -36, 60, -75} {
		for _, az := range []float64{0, 180} { // north, then south of the edge
			// An edge along the parallel: the closest point to a point due
			// north or south is the foot on the same meridian, by symmetry.
			edge := MustParse(t, fmt.Sprintf(`{"type":"LineString","coordinates":[[36.99,%v],[37.01,%v]]}`, lat, lat))
			lon2, lat2 := geodesicDirect(37, lat, az, 1000)
			pt, err := NewPoint(lon2, lat2)
			if err != nil {
				t.Fatal(err)
			}
			// A polygon with that edge as a side, on the far side from the point.
			side := -0.01
			if az == 180 {
				side = 0.01
			}
			poly := MustParse(t, fmt.Sprintf(`{"type":"Polygon","coordinates":[[[36.99,%v],[37.01,%v],[37,%v],[36.99,%v]]]}`, lat, lat, lat+side, lat))
			for _, g := range []Geometry{edge, poly} {
				for _, c := range []struct {
					m    float64
					want bool
				}{{999, false}, {999.98, false}, {999.995, true}, {1000, true}, {1001, true}} {
					if got := Within(g, pt, c.m); got != c.want {
						t.Errorf("lat %v az %v %s: Within(zone, point, %v) = %v", lat, az, g.Type(), c.m, got)
					}
					if got := Within(pt, g, c.m); got != c.want {
						t.Errorf("lat %v az %v %s: Within(point, zone, %v) = %v", lat, az, g.Type(), c.m, got)
					}
				}
			}
		}
		// Vertex to vertex, diagonally.
		a, _ := NewPoint(37, lat)
		lon2, lat2 := geodesicDirect(37, lat, 45, 1000)
		b, _ := NewPoint(lon2, lat2)
		if Within(a, b, 999.98) || !Within(a, b, 1000) {
			t.Errorf("lat %v: points 1000 m apart misjudged", lat)
		}
	}
}

// TestWithinBand checks the closest-pair refinement, which settles pairs in
// the projection's uncertainty band, against a brute-force golden-section
// search over both elements: it must be within 1 mm for separations up to
// 100 km, which is the error bound Within states.
func TestWithinBand(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	worst := 0.0
	for i := range 400 {
		lat := 150*rng.Float64() - 75
		sep := math.Pow(10, 1+4*rng.Float64()) // 10 m to 100 km
		l1 := sep * 2 * rng.Float64()
		l2 := sep * 2 * rng.Float64()
		a0x, a0y := 37.0, lat
		a1x, a1y := geodesicDirect(a0x, a0y, 360*rng.Float64(), l1)
		mx, my := geodesicDirect((a0x+a1x)/2, (a0y+a1y)/2, 360*rng.Float64(), sep)
		b0x, b0y := geodesicDirect(mx, my, 360*rng.Float64(), l2/2)
		b1x, b1y := 2*mx-b0x, 2*my-b0y
		if i%5 == 0 { // point to segment
			b1x, b1y = b0x, b0y
		}
		got := closestGeodesic(a0x, a0y, a1x, a1y, b0x, b0y, b1x, b1y)
		seg := func(x0, y0, x1, y1, s float64) (float64, float64) { return x0 + s*(x1-x0), y0 + s*(y1-y0) }
		want := golden(func(s float64) float64 {
			x, y := seg(a0x, a0y, a1x, a1y, s)
			return golden(func(u float64) float64 {
				p, q := seg(b0x, b0y, b1x, b1y, u)
				return Distance(x, y, p, q)
			})
		})
		if want < 1 { // crossing: both ~0
			continue
		}
		e := got - want
		worst = max(worst, math.Abs(e))
		if math.Abs(e) > 1e-3 {
			t.Errorf("lat %.2f separation %.0f m: refined %.6f, brute force %.6f (error %.3g)", lat, sep, got, want, e)
		}
	}
	t.Logf("worst refinement error %.3g m", worst)
}

func TestAntimeridianAndPole(t *testing.T) {
	east := MustParse(t, `{"type":"Polygon","coordinates":[[[179.999,-0.001],[180,-0.001],[180,0.001],[179.999,0.001],[179.999,-0.001]]]}`)
	west := MustParse(t, `{"type":"Point","coordinates":[-179.999,0]}`)
	d := Distance(180, 0, -179.999, 0) // ~111.3 m
	if !Within(east, west, d+0.001) || Within(east, west, d-0.02) || !Within(west, east, d) {
		t.Errorf("across the antimeridian: distance %.3f misjudged", d)
	}
	onLine := MustParse(t, `{"type":"Point","coordinates":[-180,0]}`)
	if !Intersects(east, onLine) {
		t.Error("a point at -180 does not touch a polygon edge at +180")
	}
	var ix Index[string]
	ix.Insert("east", east, 0)
	if got := searchKeys(&ix, west, d+0.001); len(got) != 1 {
		t.Errorf("index across the antimeridian: %v", got)
	}
	if got := searchKeys(&ix, west, d-0.02); len(got) != 0 {
		t.Errorf("index across the antimeridian, short buffer: %v", got)
	}

	// Near the north pole the projection degenerates; answers stay right.
	p1, _ := NewPoint(0, 89.9999)
	p2, _ := NewPoint(180, 89.9999)
	dp := Distance(0, 89.9999, 180, 89.9999) // ~22.3 m over the pole
	if !Within(p1, p2, dp+0.001) || Within(p1, p2, dp-0.02) {
		t.Errorf("over the pole: distance %.3f misjudged", dp)
	}
}

// TestWithinLarge covers geometries big enough for the sorted-window path.
func TestWithinLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	big := func(lon, lat float64) Geometry {
		if rng.IntN(3) == 0 {
			var sb strings.Builder
			sb.WriteString(`{"type":"LineString","coordinates":`)
			ring := starRing(rng, lon, lat, 1500, 100+rng.IntN(200))
			ringJSON(&sb, ring[:len(ring)-1])
			sb.WriteString(`}`)
			return MustParse(t, sb.String())
		}
		return MustParse(t, starPolygon(rng, lon, lat, 1500, 100+rng.IntN(200)))
	}
	n := 40
	if testing.Short() {
		n = 10
	}
	for range n {
		a := big(37, 36)
		x, y := offset(37, 36, 5000*(rng.Float64()-0.5), 5000*(rng.Float64()-0.5))
		b := big(x, y)
		D := refDistance(a, b)
		for _, m := range []float64{D - 0.5, D - Tolerance - 0.002, D - Tolerance + 0.002, D + 0.5} {
			if m < 0 {
				continue
			}
			want := D <= m+Tolerance
			if Within(a, b, m) != want || Within(b, a, m) != want {
				t.Errorf("large pair at distance %.4f: Within(%.4f) != %v", D, m, want)
			}
		}
	}
}

// TestWithinHugeIsFast: two 10,000-vertex polygons side by side must not
// cost 10⁸ pair tests.
func TestWithinHugeIsFast(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	a := MustParse(t, starPolygon(rng, 37, 36, 5000, DefaultMaxVertices-1))
	x, y := offset(37, 36, 10002, 0)
	b := MustParse(t, starPolygon(rng, x, y, 5000, DefaultMaxVertices-1))
	start := time.Now()
	for _, m := range []float64{0, 10, 100, 1000} {
		Within(a, b, m)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("four Within calls on 10,000-vertex polygons took %v", el)
	} else {
		t.Logf("four Within calls on 10,000-vertex polygons took %v", el)
	}
}
