package geo

import (
	"math"
	"runtime"
	"sync"

	"github.com/tidwall/rtree"
)

// Index is an in-memory spatial index of geometries, each with a buffer in
// metres, answering which of them are within their buffer plus the query's
// buffer of a query geometry. It is an R-tree (tidwall/rtree) over bounding
// boxes widened by the buffers, followed by the exact test of Within.
//
// The zero Index is empty and ready to use; it must not be copied after first
// use. The bounds every search uses are computed for the largest buffer ever
// inserted, so one outsized buffer makes all searches somewhat slower (never
// less exact).
//
// Locking: an Index is safe for concurrent use. Search holds a read lock for
// its whole run, callbacks included, so any number of searches run together;
// Insert and Delete take the write lock and wait for running searches. A
// callback must therefore not call Insert or Delete on the same Index (it
// would deadlock); collect the keys and change the index afterwards.
type Index[K comparable] struct {
	mu     sync.RWMutex
	tree   rtree.RTreeGN[float64, entry[K]]
	keys   map[K]stored[K]
	maxBuf float64   // largest buffer ever inserted; only grows
	pend   sync.Pool // of *[]entry[K], candidates a search must test in full
}

// entry is stored by value in the tree's leaves, with the first vertex
// inline: a zone whose first vertex lies in the query is a hit without
// touching its shape, and every other test starts one pointer away.
type entry[K comparable] struct {
	key    K
	s      *shape
	buf    float64
	x0, y0 float64 // first position of s
}

// stored is an entry with the rectangle it has in the tree.
type stored[K comparable] struct {
	entry[K]
	min, max [2]float64 // box widened by buf
}

// Insert adds g under key with its own buffer in metres, replacing what key
// held before. A negative or NaN buffer is taken as 0. Inserting the zero
// Geometry removes key.
func (ix *Index[K]) Insert(key K, g Geometry, bufferM float64) {
	if !(bufferM > 0) {
		bufferM = 0
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.deleteLocked(key)
	if g.s == nil {
		return
	}
	if ix.keys == nil {
		ix.keys = make(map[K]stored[K])
	}
	e := stored[K]{entry: entry[K]{key: key, s: g.s, buf: bufferM, x0: g.s.xy[0], y0: g.s.xy[1]}}
	e.min, e.max = widen(g.s.box, bufferM)
	ix.tree.Insert(e.min, e.max, e.entry)
	ix.keys[key] = e
	ix.maxBuf = max(ix.maxBuf, bufferM)
}

// Delete removes key; it does nothing if key is absent.
func (ix *Index[K]) Delete(key K) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.deleteLocked(key)
}

func (ix *Index[K]) deleteLocked(key K) {
	if e, ok := ix.keys[key]; ok {
		ix.tree.Delete(e.min, e.max, e.entry)
		delete(ix.keys, key)
	}
}

// Len returns the number of keys in the index.
func (ix *Index[K]) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.keys)
}

// Search calls fn, in no particular order, for exactly the keys whose
// geometry g satisfies Within(g, q, bufferM(entry) + bufferM), stopping early
// if fn returns false. A negative or NaN bufferM is taken as 0. See Index for
// what fn may not do.
func (ix *Index[K]) Search(q Geometry, bufferM float64, fn func(key K) bool) {
	if q.s == nil {
		return
	}
	if !(bufferM > 0) {
		bufferM = 0
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.tree.Len() == 0 {
		return
	}
	qbuf := bufferM + Tolerance
	p := getPrepared(q.s, ix.maxBuf+qbuf)
	defer putPrepared(p)
	p.buildBands()
	banded := p.bands.n > 0
	qmin, qmax := widen(q.s.box, qbuf)
	tmin, tmax := ix.tree.Bounds()
	// Longitudes wrap: also look 360° either way when the widened boxes reach
	// past ±180°, skipping entries an earlier look has already seen.
	pp, _ := ix.pend.Get().(*[]entry[K])
	if pp == nil {
		pp = new([]entry[K])
	}
	pending := (*pp)[:0]
	defer func() {
		clear(pending) // drop references to shapes
		*pp = pending[:0]
		ix.pend.Put(pp)
	}()

	// Longitudes wrap: also look 360° either way when the widened boxes reach
	// past ±180°, skipping entries an earlier look has already seen.
	var looks [3][2][2]float64
	n := 0
	qInRange := qmin[0] >= -180 && qmax[0] <= 180
	for k, shift := range shifts {
		// The rectangle shortcut is for the plain look at rectangles that do
		// not wrap; the rest take the full test, which tries the shifts.
		fast := k == 0 && qInRange
		lo := [2]float64{qmin[0] + shift, qmin[1]}
		hi := [2]float64{qmax[0] + shift, qmax[1]}
		if lo[0] > tmax[0] || hi[0] < tmin[0] {
			continue
		}
		stop := false
		ix.tree.Search(lo, hi, func(emin, emax [2]float64, e entry[K]) bool {
			for k := range n {
				if emin[0] <= looks[k][1][0] && emax[0] >= looks[k][0][0] {
					return true // seen in an earlier look
				}
			}
			// Cheap tests on the first vertex, held in the entry, before the
			// full test reads the shape: with bands, a point-in-polygon test
			// costs less than deciding from the rectangle.
			d := e.buf + qbuf
			hit := banded && p.covers(e.x0, e.y0)
			if !hit {
				c := 0
				if fast && emin[0] >= -180 && emax[0] <= 180 {
					c = p.classifyRect(emin, emax, qbuf)
				}
				if c < 0 {
					return true
				}
				hit = c > 0 || (!banded && p.covers(e.x0, e.y0)) || (d > 1 && p.nearPoint(e.x0, e.y0, d))
			}
			if hit {
				if !fn(e.key) {
					stop = true
					return false
				}
				return true
			}
			pending = append(pending, e)
			return true
		})
		if stop {
			return
		}
		looks[n] = [2][2]float64{lo, hi}
		n++
	}
	// Zones lie scattered over the heap and each full test starts with a
	// cache (often TLB) miss. Touching every pending shape first, in a loop of
	// independent loads, lets the processor overlap those misses instead of
	// taking them one after another.
	var sink float64
	for _, e := range pending {
		s := e.s
		sink += s.box.MinLat
		for i := 0; i < len(s.xy); i += 8 {
			sink += s.xy[i]
		}
	}
	runtime.KeepAlive(sink)
	for _, e := range pending {
		if p.within(e.s, e.buf+qbuf, true) && !fn(e.key) {
			return
		}
	}
}

// widen returns b grown by buf metres on every side: by buf/110,574 degrees
// of latitude (the shortest degree) and by buf/(111,319·cos φ) degrees of
// longitude, φ the largest |latitude| of the grown box, which bounds how far
// any path of length buf can move. Longitudes may pass ±180°; a box that
// would wrap all the way round covers [-540°, 540°].
func widen(b Box, buf float64) (lo, hi [2]float64) {
	dlat := buf / minMetresPerDegLat
	minLat, maxLat := max(b.MinLat-dlat, -90), min(b.MaxLat+dlat, 90)
	c := math.Cos(max(math.Abs(minLat), math.Abs(maxLat)) * rad)
	dlon := math.Inf(1)
	if c > 1e-12 {
		dlon = buf / (minMetresPerDegLonEquator * c)
	}
	minLon, maxLon := b.MinLon-dlon, b.MaxLon+dlon
	if maxLon-minLon >= 360 || math.IsNaN(dlon) {
		minLon, maxLon = -540, 540
	}
	return [2]float64{minLon, minLat}, [2]float64{maxLon, maxLat}
}
