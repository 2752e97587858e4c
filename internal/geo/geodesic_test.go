package geo

import (
	"bufio"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestDistanceReference checks Distance against Karney's published values
// (testdata/geodesic.txt names each source); each line carries its bound.
func TestDistanceReference(t *testing.T) {
	f, err := os.Open("testdata/geodesic.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, worst := 0, 0.0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 7 {
			t.Fatalf("bad line %q", line)
		}
		var v [6]float64
		for i := range v {
			if v[i], err = strconv.ParseFloat(fs[i], 64); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
		}
		lat1, lon1, lat2, lon2, want, tol := v[0], v[1], v[2], v[3], v[4], v[5]
		for _, got := range []float64{Distance(lon1, lat1, lon2, lat2), Distance(lon2, lat2, lon1, lat1)} {
			if e := math.Abs(got - want); e > tol {
				t.Errorf("%s: Distance(%v %v, %v %v) = %.6f, want %.6f ± %g (error %.3g)", fs[6], lat1, lon1, lat2, lon2, got, want, tol, e)
			}
			if fs[6] == "GeodTest" {
				worst = max(worst, math.Abs(got-want))
			}
		}
		n++
	}
	if n < 30 {
		t.Fatalf("only %d reference lines", n)
	}
	t.Logf("%d reference lines; worst error on GeodTest lines %.3g m", n, worst)
}

// TestDistanceShortLines checks Distance on lines of 1 m to 100 km against
// geodesics integrated numerically (RK4 on the geodesic equations), an
// independent method.
func TestDistanceShortLines(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	worst := 0.0
	for range 300 {
		lat := 160*rng.Float64() - 80
		lon := 360*rng.Float64() - 180
		az := 360 * rng.Float64()
		s := math.Pow(10, 5*rng.Float64()) // 1 m to 100 km
		lon2, lat2 := geodesicDirect(lon, lat, az, s)
		got := Distance(lon, lat, lon2, lat2)
		e := math.Abs(got - s)
		worst = max(worst, e)
		if e > 1e-4 {
			t.Errorf("Distance over %.3f m from %.5f,%.5f az %.1f: error %.3g m", s, lat, lon, az, e)
		}
	}
	t.Logf("worst error %.3g m", worst)
}

func TestDistanceProperties(t *testing.T) {
	if d := Distance(37, 36, 37, 36); d != 0 {
		t.Errorf("same point: %v", d)
	}
	if d := Distance(10, 90, -170, 90); d != 0 {
		t.Errorf("north pole at two longitudes: %v", d)
	}
	if d := Distance(180, 10, -180, 10); d > 1e-6 {
		t.Errorf("±180 at the same latitude: %v", d)
	}
	// A quarter meridian: 10,001,965.7293 m (Karney).
	if d := Distance(0, 0, 0, 90); math.Abs(d-10001965.7293) > 1e-3 {
		t.Errorf("quarter meridian = %.4f", d)
	}
	if !math.IsNaN(Distance(math.NaN(), 0, 1, 1)) {
		t.Error("NaN input gives a number")
	}
}

// TestProjBound checks the bound the predicates rest on: for points in the
// latitude range the scale factors were computed for, kmin·projected ≤ true ≤
// kmax·projected.
func TestProjBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		lat0 := 170*rng.Float64() - 85
		p := newProj(360*rng.Float64()-180, lat0)
		span := math.Pow(10, -3+3*rng.Float64()) // 0.001° to 1°
		lo, hi := lat0-span, lat0+span
		kmin, kmax := p.scale(lo, hi)
		for range 5 {
			lat1, lat2 := lo+(hi-lo)*rng.Float64(), lo+(hi-lo)*rng.Float64()
			lon1, lon2 := p.lon0+span*(2*rng.Float64()-1), p.lon0+span*(2*rng.Float64()-1)
			dx, dy := (lon2-lon1)*p.kx, (lat2-lat1)*p.ky
			proj := math.Hypot(dx, dy)
			s := Distance(lon1, lat1, lon2, lat2)
			// The geodesic may bulge slightly out of [lo, hi]; the test keeps
			// to short lines where that is far below the 1e-4 m slack.
			if s < kmin*proj-1e-4 || s > kmax*proj+1e-4 {
				t.Fatalf("lat0 %v span %v: true %v, projected %v, bounds [%v, %v]", lat0, span, s, proj, kmin*proj, kmax*proj)
			}
		}
	}
}

func BenchmarkDistance(b *testing.B) {
	for b.Loop() {
		Distance(37, 36, 37.01, 36.01)
	}
}
