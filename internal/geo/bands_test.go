package geo

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// bandedPolygon returns the GeoJSON of a random polygon banded PIP applies
// to: a star, a star with a hole, a star with horizontal edges (positions
// sharing a latitude) or a large star.
func bandedPolygon(rng *rand.Rand, lon, lat float64) string {
	switch rng.IntN(4) {
	case 0:
		return starPolygon(rng, lon, lat, 500+2000*rng.Float64(), 8+rng.IntN(30))
	case 1:
		var sb strings.Builder
		sb.WriteString(`{"type":"Polygon","coordinates":[`)
		ringJSON(&sb, starRing(rng, lon, lat, 2000, 8+rng.IntN(20)))
		sb.WriteByte(',')
		ringJSON(&sb, starRing(rng, lon, lat, 700, 8+rng.IntN(10)))
		sb.WriteString(`]}`)
		return sb.String()
	case 2:
		// A staircase: pairs of positions at the same latitude.
		ring := starRing(rng, lon, lat, 2000, 16+rng.IntN(16))
		for i := 1; i+1 < len(ring)-1; i += 2 {
			ring[i+1][1] = ring[i][1]
		}
		var sb strings.Builder
		sb.WriteString(`{"type":"Polygon","coordinates":[`)
		ringJSON(&sb, ring)
		sb.WriteString(`]}`)
		return sb.String()
	}
	return starPolygon(rng, lon, lat, 3000, 60+rng.IntN(200))
}

// TestBandedCovers checks the banded point-in-polygon test against the plain
// one, on random points and on the hard ones: vertices, points on edges and
// points at a vertex's latitude.
func TestBandedCovers(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	checked, inside := 0, 0
	for range 400 {
		js := bandedPolygon(rng, 37, 36)
		g, err := Parse([]byte(js), Limits{})
		if err != nil {
			continue // a staircase may come out invalid
		}
		q := prepare(g.s, Tolerance)
		q.buildBands()
		if q.bands.n == 0 {
			t.Fatalf("no bands for %v", g)
		}
		b, xy := g.s.box, g.s.xy
		var pts [][2]float64
		for range 300 {
			pts = append(pts, [2]float64{
				b.MinLon + (b.MaxLon-b.MinLon)*(1.2*rng.Float64()-0.1),
				b.MinLat + (b.MaxLat-b.MinLat)*(1.2*rng.Float64()-0.1),
			})
		}
		for i := 0; i+3 < len(xy); i += 2 {
			u := rng.Float64()
			pts = append(pts,
				[2]float64{xy[i], xy[i+1]},
				[2]float64{xy[i] + u*(xy[i+2]-xy[i]), xy[i+1] + u*(xy[i+3]-xy[i+1])},
				[2]float64{xy[i] + (b.MaxLon-b.MinLon)*(rng.Float64()-0.5), xy[i+1]},
				[2]float64{math.Nextafter(xy[i], math.Inf(1)), xy[i+1]},
				[2]float64{xy[i], math.Nextafter(xy[i+1], math.Inf(-1))},
			)
		}
		for _, p := range pts {
			got := q.covers(p[0], p[1])
			want := b.contains(p[0], p[1]) && g.s.covers(p[0], p[1])
			if got != want {
				t.Fatalf("banded covers(%v, %v) = %v, plain %v, for %v", p[0], p[1], got, want, g)
			}
			checked++
			if got {
				inside++
			}
		}
	}
	t.Logf("%d points, %d covered", checked, inside)
}

// TestSideApart checks that sideApart only rejects segments that segClosest
// finds farther apart than the limit, on random pairs placed near it.
func TestSideApart(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	rejected := 0
	for range 200000 {
		t0 := []float64{0.01, 1, 1000}[rng.IntN(3)]
		p0x, p0y := 1000*rng.Float64(), 1000*rng.Float64()
		p1x, p1y := p0x+1000*(rng.Float64()-0.5), p0y+1000*(rng.Float64()-0.5)
		if rng.IntN(10) == 0 {
			p1x, p1y = p0x, p0y
		}
		// q0 a distance near t0 from p's line or its ends.
		nx, ny := -(p1y - p0y), p1x-p0x
		l := math.Hypot(nx, ny)
		if l == 0 {
			nx, ny, l = 1, 0, 1
		}
		s := t0 * (0.9 + 0.2*rng.Float64()) / l
		u := 1.4*rng.Float64() - 0.2
		q0x, q0y := p0x+u*(p1x-p0x)+s*nx, p0y+u*(p1y-p0y)+s*ny
		q1x, q1y := q0x+1000*(rng.Float64()-0.5), q0y+1000*(rng.Float64()-0.5)
		if rng.IntN(2) == 0 {
			q1x, q1y = q0x+(p1x-p0x)*rng.Float64(), q0y+(p1y-p0y)*rng.Float64()+s*ny*rng.Float64()
		}
		if !sideApart(p0x, p0y, p1x, p1y, q0x, q0y, q1x, q1y, t0*t0) {
			continue
		}
		rejected++
		if d2, _, _ := segClosest(p0x, p0y, p1x, p1y, q0x, q0y, q1x, q1y); d2 <= t0*t0 {
			t.Fatalf("sideApart(%v %v %v %v, %v %v %v %v, %v) but the distance is %v",
				p0x, p0y, p1x, p1y, q0x, q0y, q1x, q1y, t0, math.Sqrt(d2))
		}
	}
	t.Logf("%d pairs rejected", rejected)
}

// TestIndexBandedTouching runs Search, whose queries here are banded
// polygons, against a linear scan of Within on zones made to touch them:
// zones sharing a query's vertices, zones with a vertex on a query's edge or
// at a query vertex's latitude, and zones a few millimetres to centimetres
// away.
func TestIndexBandedTouching(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for round := range 40 {
		q, err := Parse([]byte(bandedPolygon(rng, 37, 36)), Limits{})
		if err != nil {
			continue
		}
		var ix Index[int]
		var zones []Geometry
		xy := q.s.xy
		for k := range 300 {
			i := 2 * rng.IntN(len(xy)/2-1)
			x, y := xy[i], xy[i+1]
			switch k % 4 {
			case 1: // on the edge from vertex i
				u := rng.Float64()
				x, y = x+u*(xy[i+2]-x), y+u*(xy[i+3]-y)
			case 2: // at the vertex's latitude, east or west
				x += (rng.Float64() - 0.5) * 0.01
			case 3: // a few mm to cm away from the vertex
				x, y = offset(x, y, 0.03*(rng.Float64()-0.5), 0.03*(rng.Float64()-0.5))
			}
			// A triangle with its first vertex at (x, y), pointing away
			// from or into the query at random.
			dx, dy := (rng.Float64()-0.5)*0.004, (rng.Float64()-0.5)*0.004
			ring := [][2]float64{{x, y}, {x + dx, y + dy}, {x + dx - dy/2, y + dy + dx/2}, {x, y}}
			var sb strings.Builder
			sb.WriteString(`{"type":"Polygon","coordinates":[`)
			ringJSON(&sb, ring)
			sb.WriteString(`]}`)
			z, err := Parse([]byte(sb.String()), Limits{})
			if err != nil {
				continue
			}
			ix.Insert(len(zones), z, 0)
			zones = append(zones, z)
		}
		for _, buf := range []float64{0, 0.005, 1} {
			got := searchKeys(&ix, q, buf)
			var want []int
			for k, z := range zones {
				if Within(z, q, buf) {
					want = append(want, k)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("round %d, buffer %v: Search %v, linear scan %v", round, buf, got, want)
			}
			if round == 0 {
				t.Logf("buffer %v: %d of %d zones", buf, len(got), len(zones))
			}
		}
	}
}
