package geo

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

func searchKeys[K comparable](ix *Index[K], q Geometry, buf float64) []K {
	var out []K
	ix.Search(q, buf, func(k K) bool { out = append(out, k); return true })
	return out
}

// TestIndexMatchesLinearScan checks that Search visits exactly the keys a
// linear scan of Within finds, with buffers on both sides, after inserts,
// replacements and deletes.
func TestIndexMatchesLinearScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	type zone struct {
		g   Geometry
		buf float64
	}
	zones := map[int]zone{}
	var ix Index[int]
	put := func(k int) {
		x, y := offset(37, 36, 20000*(rng.Float64()-0.5), 20000*(rng.Float64()-0.5))
		z := zone{MustParse(t, randomGeometry(rng, x, y, 100+900*rng.Float64())), 0}
		if rng.IntN(2) == 0 {
			z.buf = 500 * rng.Float64()
		}
		zones[k] = z
		ix.Insert(k, z.g, z.buf)
	}
	for k := range 2000 {
		put(k)
	}
	check := func(phase string) {
		if ix.Len() != len(zones) {
			t.Fatalf("%s: Len = %d, want %d", phase, ix.Len(), len(zones))
		}
		total := 0
		for i := range 150 {
			x, y := offset(37, 36, 22000*(rng.Float64()-0.5), 22000*(rng.Float64()-0.5))
			q := MustParse(t, randomGeometry(rng, x, y, 500+2000*rng.Float64()))
			if i%10 == 0 { // large enough for the sorted-window path
				q = MustParse(t, starPolygon(rng, x, y, 3000, 150))
			}
			qbuf := []float64{0, 0, 1, 100, 1000, 2500 * rng.Float64()}[rng.IntN(6)]
			got := searchKeys(&ix, q, qbuf)
			var want []int
			for k, z := range zones {
				if Within(z.g, q, z.buf+qbuf) {
					want = append(want, k)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: Search(%v, %v) = %v, linear scan %v", phase, q, qbuf, got, want)
			}
			total += len(got)
		}
		t.Logf("%s: %d hits over 150 queries", phase, total)
	}
	check("built")
	for k := range 2000 {
		switch rng.IntN(4) {
		case 0:
			delete(zones, k)
			ix.Delete(k)
		case 1:
			put(k) // replace
		}
	}
	ix.Delete(-1) // absent
	check("changed")
	ix.Insert(5, Geometry{}, 0)
	delete(zones, 5)
	check("zero geometry removes")
}

func TestIndexStopsEarly(t *testing.T) {
	var ix Index[int]
	for k := range 10 {
		ix.Insert(k, MustParse(t, `{"type":"Polygon","coordinates":[`+square+`]}`), 0)
	}
	calls := 0
	ix.Search(MustParse(t, `{"type":"Point","coordinates":[37.005,36.005]}`), 0, func(int) bool { calls++; return false })
	if calls != 1 {
		t.Errorf("fn called %d times after returning false", calls)
	}
	var empty Index[int]
	empty.Search(MustParse(t, `{"type":"Point","coordinates":[37.005,36.005]}`), 0, func(int) bool { t.Error("hit in empty index"); return true })
	ix.Search(Geometry{}, 0, func(int) bool { t.Error("hit for zero query"); return true })
}

// TestIndexConcurrent runs searches alongside a writer; run with -race.
func TestIndexConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	var gs []Geometry
	for range 400 {
		x, y := offset(37, 36, 5000*(rng.Float64()-0.5), 5000*(rng.Float64()-0.5))
		gs = append(gs, MustParse(t, starPolygon(rng, x, y, 300, 10)))
	}
	var ix Index[int]
	for k, g := range gs[:200] {
		ix.Insert(k, g, 10)
	}
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Go(func() {
			for i := range 300 {
				q := gs[(r*97+i)%len(gs)]
				ix.Search(q, 50, func(int) bool { return true })
				ix.Len()
			}
		})
	}
	wg.Go(func() {
		for i := range 600 {
			k := i % len(gs)
			if i%3 == 0 {
				ix.Delete(k)
			} else {
				ix.Insert(k, gs[k], float64(i%7))
			}
		}
	})
	wg.Wait()
}
