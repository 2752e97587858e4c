package geo

// bands buckets the edges of a prepared polygon by their projected y, so
// that a point-in-polygon test reads the few edges of the point's band
// instead of all of them. Index.Search builds them, as it tests one query
// against many zones; Within alone does not (a single test would not repay
// them), so Within is the reference the banded path is tested against.
//
// The answers do not change: band k holds every edge whose [miny, maxy] meets
// the band, and band(y) is monotone in y (a subtraction and a product by a
// positive number, both correctly rounded, then a clamp), so every edge whose
// y range holds a point's y lies in that point's band. The point's y is
// computed with the same expression as the edges' (proj.xy), so the exact
// test in lon/lat sees every edge it would count scanning them all.
//
// Bands serve point-in-polygon tests only: finding the edges near a zone's
// box through them cost more than scanning the ~22 edges of a query.
type bands struct {
	n      int     // number of bands; 0 when not built
	y0     float64 // bottom of band 0
	inv    float64 // bands per metre
	start  []int32 // edges of band k are edges[start[k]:start[k+1]]
	edges  []lonLatEdge
	first  []int32 // scratch for building: per edge, its first band
	last   []int32 // scratch for building: per edge, its last band
	cursor []int32 // scratch for building
}

// lonLatEdge is an edge in lon/lat, copied into every band it lies in, so
// that a point-in-polygon test reads one short run of memory.
type lonLatEdge struct{ ax, ay, bx, by float64 }

const (
	// minBanded is the edge count from which Index.Search builds bands.
	minBanded = 8
	// maxBands bounds the number of bands (one per edge up to it).
	maxBands = 1024
	// maxCopies bounds the bands' edge copies, per edge on average.
	maxCopies = 16
)

// band returns the band of projected y: ⌊(y − y0)·inv⌋ clamped to [0, n).
func (b *bands) band(y float64) int {
	f := (y - b.y0) * b.inv
	if !(f > 0) {
		return 0
	}
	if f >= float64(b.n) {
		return b.n - 1
	}
	return int(f)
}

// buildBands buckets q's edges into about one band per edge, if q is one
// polygon (holes allowed) of minBanded edges or more.
func (q *prepared) buildBands() {
	b := &q.bands
	b.n = 0
	c := q.s.comps
	if len(q.segs) < minBanded || len(c) != 1 || c[0].kind != compPolygon {
		return
	}
	lo, hi := q.segs[0].miny, q.segs[0].maxy
	spans := 0.0
	for j := range q.segs {
		lo, hi = min(lo, q.segs[j].miny), max(hi, q.segs[j].maxy)
		spans += q.segs[j].maxy - q.segs[j].miny
	}
	// One band per edge, but fewer when edges are tall (a jagged outline):
	// n bands make about n·spans/(hi−lo) copies beyond one per edge, kept
	// under 4 per edge.
	b.n, b.y0, b.inv = min(len(q.segs), maxBands), lo, 0
	if hi > lo {
		if f := 4 * float64(len(q.segs)) * (hi - lo) / spans; f < float64(b.n) {
			b.n = max(1, int(f))
		}
		b.inv = float64(b.n) / (hi - lo)
	}
	b.first = resize(b.first, len(q.segs))
	b.last = resize(b.last, len(q.segs))
	total := 0
	for j := range q.segs {
		k0, k1 := b.band(q.segs[j].miny), b.band(q.segs[j].maxy)
		b.first[j], b.last[j] = int32(k0), int32(k1)
		total += k1 - k0 + 1
	}
	if total > maxCopies*len(q.segs) {
		b.n = 0 // not expected after the choice of n; a guard on memory
		return
	}
	b.start = resize(b.start, b.n+1)
	clear(b.start)
	for j := range q.segs {
		for k := b.first[j]; k <= b.last[j]; k++ {
			b.start[k+1]++
		}
	}
	for k := range b.n {
		b.start[k+1] += b.start[k]
	}
	if n := int(b.start[b.n]); cap(b.edges) < n {
		b.edges = make([]lonLatEdge, n, n+n/4)
	} else {
		b.edges = b.edges[:n]
	}
	b.cursor = resize(b.cursor, b.n)
	copy(b.cursor, b.start[:b.n])
	xy := q.s.xy
	for j := range q.segs {
		i := q.segs[j].i
		e := lonLatEdge{xy[2*i], xy[2*i+1], xy[2*i+2], xy[2*i+3]}
		for k := b.first[j]; k <= b.last[j]; k++ {
			b.edges[b.cursor[k]] = e
			b.cursor[k]++
		}
	}
}

func resize(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n, n+n/4)
	}
	return s[:n]
}

// inPolygonBanded is shape.inPolygon for a banded single polygon: the
// crossing-number test over the edges of the point's band, which holds every
// edge whose latitude range holds the point's, the only edges the test
// counts or finds the point on.
func (q *prepared) inPolygonBanded(x, y float64) bool {
	b := &q.bands
	k := b.band((y - q.pr.lat0) * q.pr.ky)
	inside := false
	for _, e := range b.edges[b.start[k]:b.start[k+1]] {
		ax, ay, bx, by := e.ax, e.ay, e.bx, e.by
		if (ay > y) != (by > y) {
			o := orient(ax, ay, bx, by, x, y)
			if o == 0 {
				return true
			}
			if (by > ay) == (o > 0) {
				inside = !inside
			}
		} else if ay == y && (ax == x || (by == y && x >= min(ax, bx) && x <= max(ax, bx))) {
			return true
		}
	}
	return inside
}
