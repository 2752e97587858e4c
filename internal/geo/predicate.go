package geo

import (
	"cmp"
	"math"
	"math/big"
	"slices"
	"sync"
)

// Tolerance is the distance, in metres, under which two geometries count as
// touching. Decimal coordinates that are "on" an edge are rarely on it in
// binary, so an exact test would call such a touch a miss; 1 cm is far below
// the precision of any coordinate a person enters and far above rounding.
const Tolerance = 0.01

// Intersects reports whether a and b share a point or come within Tolerance
// (1 cm) of each other: boundaries count, so touching is intersecting. It is
// Within(a, b, 0). The zero Geometry meets nothing.
func Intersects(a, b Geometry) bool { return Within(a, b, 0) }

// Within reports whether the geodesic distance on WGS84 between a and b is at
// most metres (plus Tolerance), edges being straight lines in lon/lat as RFC
// 7946 defines them. Polygons include their interior: a point inside a zone is
// at distance 0 from it. A negative or NaN metres is taken as 0.
//
// Within never misses: whenever the true distance is at most metres + 1 cm it
// returns true, and whenever it exceeds metres + 1 cm + 1 mm it returns false.
// The 1 mm covers Vincenty's inverse (under 0.1 mm, TestDistanceReference) and
// the minimisation that settles borderline pairs (within 1 mm for separations
// up to 100 km, TestWithinBand; measured errors there are nanometres).
//
// Method (REFERENCE's recipe): containment is decided exactly in lon/lat
// (exact orientation tests); otherwise both geometries are projected affinely
// around b, where the true length of any path lies within [kmin, kmax] times
// its projected length (bounds from the WGS84 radii of curvature over every
// latitude a geodesic of length metres can reach, see proj). Pairs of edges
// projected closer than d/kmax are hits, pairs farther than d/kmin are misses,
// and pairs in between are settled by minimising the ellipsoidal distance
// between the two edges (closestGeodesic).
func Within(a, b Geometry, metres float64) bool {
	if a.s == nil || b.s == nil {
		return false
	}
	if !(metres > 0) {
		metres = 0
	}
	d := metres + Tolerance
	q := getPrepared(b.s, d)
	defer putPrepared(q)
	return q.within(a.s, d, false)
}

const epsilon = 0x1p-53

var ccwErrBoundA = (3.0 + 16.0*epsilon) * epsilon

// orient returns the sign of the orientation determinant of a, b, c: +1 when
// they turn counter-clockwise, -1 clockwise, 0 collinear. It is exact:
// Shewchuk's floating-point filter decides almost every case and rational
// arithmetic the rest.
func orient(ax, ay, bx, by, cx, cy float64) int {
	detleft := (ax - cx) * (by - cy)
	detright := (ay - cy) * (bx - cx)
	det := detleft - detright
	if math.Abs(detleft)+math.Abs(detright) < 0x1p-900 {
		return orientExact(ax, ay, bx, by, cx, cy) // products near underflow
	}
	var detsum float64
	switch {
	case detleft > 0:
		if detright <= 0 {
			return sign(det)
		}
		detsum = detleft + detright
	case detleft < 0:
		if detright >= 0 {
			return sign(det)
		}
		detsum = -detleft - detright
	default:
		return sign(det)
	}
	if bound := ccwErrBoundA * detsum; det >= bound || -det >= bound {
		return sign(det)
	}
	return orientExact(ax, ay, bx, by, cx, cy)
}

func sign(x float64) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

func orientExact(ax, ay, bx, by, cx, cy float64) int {
	r := func(x float64) *big.Rat { return new(big.Rat).SetFloat64(x) }
	acx := new(big.Rat).Sub(r(ax), r(cx))
	bcy := new(big.Rat).Sub(r(by), r(cy))
	acy := new(big.Rat).Sub(r(ay), r(cy))
	bcx := new(big.Rat).Sub(r(bx), r(cx))
	left := new(big.Rat).Mul(acx, bcy)
	right := new(big.Rat).Mul(acy, bcx)
	return left.Cmp(right)
}

// covers reports whether (x, y) lies in a polygon of s or on its boundary,
// exactly.
func (s *shape) covers(x, y float64) bool {
	for ci := range s.comps {
		c := &s.comps[ci]
		if c.kind == compPolygon && c.box.contains(x, y) && s.inPolygon(c, x, y) {
			return true
		}
	}
	return false
}

// inPolygon is a crossing-number test over all rings of c (valid polygons
// make the parity right), with exact orientation and an exact boundary check.
func (s *shape) inPolygon(c *comp, x, y float64) bool {
	inside := false
	for r := c.r0; r < c.r1; r++ {
		sp := s.spans[r]
		xy := s.xy[2*sp.start : 2*sp.end]
		for i := 0; i+3 < len(xy); i += 2 {
			ax, ay, bx, by := xy[i], xy[i+1], xy[i+2], xy[i+3]
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
	}
	return inside
}

// pointSeg returns the squared distance from p to segment ab and the
// parameter of the closest point.
func pointSeg(px, py, ax, ay, bx, by float64) (d2, u float64) {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	if l2 > 0 {
		u = ((px-ax)*dx + (py-ay)*dy) / l2
		u = min(max(u, 0), 1)
	}
	ex, ey := ax+u*dx-px, ay+u*dy-py
	return ex*ex + ey*ey, u
}

// segClosest returns the squared distance between segments p0p1 and q0q1 in
// the plane and the parameters s, t of a closest pair. Either segment may be
// a point.
func segClosest(p0x, p0y, p1x, p1y, q0x, q0y, q1x, q1y float64) (d2, s, t float64) {
	rx, ry := p1x-p0x, p1y-p0y
	sx, sy := q1x-q0x, q1y-q0y
	o1 := rx*(q0y-p0y) - ry*(q0x-p0x)
	o2 := rx*(q1y-p0y) - ry*(q1x-p0x)
	o3 := sx*(p0y-q0y) - sy*(p0x-q0x)
	o4 := sx*(p1y-q0y) - sy*(p1x-q0x)
	if ((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0)) {
		return 0, o3 / (o3 - o4), o1 / (o1 - o2)
	}
	d2, s = pointSeg(q0x, q0y, p0x, p0y, p1x, p1y)
	t = 0
	if e, u := pointSeg(q1x, q1y, p0x, p0y, p1x, p1y); e < d2 {
		d2, s, t = e, u, 1
	}
	if e, u := pointSeg(p0x, p0y, q0x, q0y, q1x, q1y); e < d2 {
		d2, s, t = e, 0, u
	}
	if e, u := pointSeg(p1x, p1y, q0x, q0y, q1x, q1y); e < d2 {
		d2, s, t = e, 1, u
	}
	return d2, s, t
}

// sideApart reports whether one of segments p0p1 and q0q1 lies wholly on one
// side of the other's line, farther than √t2 from it, so that the segments
// are farther apart than that. It is a cheap test before segClosest: two
// cross products per segment instead of four point-to-segment distances. The
// factor 1+1e-4 covers the rounding of the cross products, relative 1e-15 of
// the segment lengths times the separation (at most Earth's size), which stays
// far below 1e-4 times any tolerance used here (a centimetre or more).
func sideApart(p0x, p0y, p1x, p1y, q0x, q0y, q1x, q1y, t2 float64) bool {
	rx, ry := p1x-p0x, p1y-p0y
	o1 := rx*(q0y-p0y) - ry*(q0x-p0x)
	o2 := rx*(q1y-p0y) - ry*(q1x-p0x)
	if lim := t2 * (rx*rx + ry*ry) * (1 + 1e-4); (o1 > 0) == (o2 > 0) && o1*o1 > lim && o2*o2 > lim {
		return true
	}
	sx, sy := q1x-q0x, q1y-q0y
	o3 := sx*(p0y-q0y) - sy*(p0x-q0x)
	o4 := sx*(p1y-q0y) - sy*(p1x-q0x)
	lim := t2 * (sx*sx + sy*sy) * (1 + 1e-4)
	return (o3 > 0) == (o4 > 0) && o3*o3 > lim && o4*o4 > lim
}

// pseg is one element of a prepared geometry, projected: a segment from
// position i to i+1, or the point at position i.
type pseg struct {
	ax, ay, bx, by         float64
	minx, miny, maxx, maxy float64
	i                      int32
	pt                     bool
}

// prepared is a geometry made ready to be tested against many others for
// distances up to dmax: its elements projected around its centre, and the
// scale bounds of that projection over every latitude a geodesic of length
// dmax from it can reach.
type prepared struct {
	s      *shape
	pr     proj
	lo, hi float64 // latitudes reachable within dmax
	kmin   float64
	kmax   float64
	cosMax float64 // cos of the largest |latitude| in [lo, hi]
	segs   []pseg
	// sorted says segs is sorted by minx (done for large geometries, so
	// that only a window of it is scanned); maxW is the widest element.
	sorted bool
	maxW   float64
	// bands, when built (by Index.Search), find a polygon's edges by y.
	bands bands

	// per-candidate buffers
	near []int32
	band []bandPair
}

var preparedPool = sync.Pool{New: func() any { return new(prepared) }}

// getPrepared returns s prepared for distances up to dmax, from a pool.
func getPrepared(s *shape, dmax float64) *prepared {
	q := preparedPool.Get().(*prepared)
	q.prepare(s, dmax)
	return q
}

func putPrepared(q *prepared) {
	q.s = nil
	preparedPool.Put(q)
}

func prepare(s *shape, dmax float64) *prepared {
	q := new(prepared)
	q.prepare(s, dmax)
	return q
}

func (q *prepared) prepare(s *shape, dmax float64) {
	lat0 := min(max((s.box.MinLat+s.box.MaxLat)/2, -89), 89)
	q.s, q.pr = s, newProj((s.box.MinLon+s.box.MaxLon)/2, lat0)
	dd := dmax / minMetresPerDegLat
	q.lo = max(s.box.MinLat-dd, -90)
	q.hi = min(s.box.MaxLat+dd, 90)
	q.kmin, q.kmax = q.pr.scale(q.lo, q.hi)
	q.cosMax = math.Cos(max(math.Abs(q.lo), math.Abs(q.hi)) * rad)
	q.segs = q.segs[:0]
	for _, sp := range s.spans {
		if sp.end-sp.start == 1 {
			x, y := q.pr.xy(s.xy, sp.start, 0)
			q.segs = append(q.segs, pseg{x, y, x, y, x, y, x, y, sp.start, true})
			continue
		}
		for i := sp.start; i+1 < sp.end; i++ {
			ax, ay := q.pr.xy(s.xy, i, 0)
			bx, by := q.pr.xy(s.xy, i+1, 0)
			q.segs = append(q.segs, pseg{ax, ay, bx, by, min(ax, bx), min(ay, by), max(ax, bx), max(ay, by), i, false})
		}
	}
	q.maxW = 0
	for j := range q.segs {
		q.maxW = max(q.maxW, q.segs[j].maxx-q.segs[j].minx)
	}
	q.sorted = len(q.segs) > sortThreshold
	if q.sorted {
		slices.SortFunc(q.segs, func(a, b pseg) int { return cmp.Compare(a.minx, b.minx) })
	}
	q.bands.n = 0
}

// sortThreshold is the element count above which a prepared geometry keeps
// its elements sorted by x and scans only windows of them.
const sortThreshold = 48

// window returns the range of q.segs that may hold elements reaching into
// [x0, x1] (all of them unless sorted).
func (q *prepared) window(x0, x1 float64) (int, int) {
	if !q.sorted {
		return 0, len(q.segs)
	}
	lo, _ := slices.BinarySearchFunc(q.segs, x0-q.maxW, func(e pseg, x float64) int { return cmp.Compare(e.minx, x) })
	hi, _ := slices.BinarySearchFunc(q.segs[lo:], x1, func(e pseg, x float64) int {
		if e.minx <= x {
			return -1
		}
		return 1
	})
	return lo, lo + hi
}

// xy projects position i of xy, its longitude shifted by shift degrees.
func (p proj) xy(xy []float64, i int32, shift float64) (float64, float64) {
	return (xy[2*i] + shift - p.lon0) * p.kx, (xy[2*i+1] - p.lat0) * p.ky
}

type bandPair struct {
	ai  int32 // position index in the candidate
	apt bool  // the candidate's element is a point
	qj  int32 // index into prepared.segs
}

var shifts = [3]float64{0, -360, 360}

// classifyRect decides from a lon/lat rectangle alone, without touching what
// it bounds: +1 if the rectangle lies inside the prepared geometry (so
// anything in it intersects), -1 if every point of the rectangle is farther
// than dist metres from it, 0 if undecided. It is meant for R-tree rectangles,
// which hold a zone widened by its own buffer: +1 is then a hit and -1 a miss
// for a query buffer of dist.
//
// A rectangle that no element of the geometry comes near (in the projection,
// by dist/kmin) lies wholly inside or wholly outside it, which one corner
// tells. Rounding can only blur cases within far less than Tolerance of the
// boundary, where the answer is a hit either way or the margin covers it.
func (q *prepared) classifyRect(lo, hi [2]float64, dist float64) int {
	if q.kmin <= 0 {
		return 0
	}
	t := dist / q.kmin
	pr := &q.pr
	x0, x1 := (lo[0]-pr.lon0)*pr.kx-t, (hi[0]-pr.lon0)*pr.kx+t
	y0, y1 := (lo[1]-pr.lat0)*pr.ky-t, (hi[1]-pr.lat0)*pr.ky+t
	j0, j1 := q.window(x0, x1)
	for j := j0; j < j1; j++ {
		e := &q.segs[j]
		if e.maxx < x0 || e.minx > x1 || e.maxy < y0 || e.miny > y1 {
			continue
		}
		if e.pt {
			return 0
		}
		// Separating axis: the segment's normal, the box's axes being
		// settled above.
		dx, dy := e.bx-e.ax, e.by-e.ay
		s0 := dx*(y0-e.ay) - dy*(x0-e.ax)
		s1 := dx*(y0-e.ay) - dy*(x1-e.ax)
		s2 := dx*(y1-e.ay) - dy*(x0-e.ax)
		s3 := dx*(y1-e.ay) - dy*(x1-e.ax)
		if (s0 > 0 && s1 > 0 && s2 > 0 && s3 > 0) || (s0 < 0 && s1 < 0 && s2 < 0 && s3 < 0) {
			continue
		}
		return 0
	}
	if q.covers(lo[0], lo[1]) {
		return 1
	}
	return -1
}

// nearPoint reports whether (lon, lat) is surely within d metres of the
// prepared geometry's elements (projected distance at most d/kmax).
func (q *prepared) nearPoint(lon, lat, d float64) bool {
	t := d / q.kmax
	x, y := (lon-q.pr.lon0)*q.pr.kx, (lat-q.pr.lat0)*q.pr.ky
	j0, j1 := q.window(x-t, x+t)
	for j := j0; j < j1; j++ {
		e := &q.segs[j]
		if e.minx-t > x || e.maxx+t < x || e.miny-t > y || e.maxy+t < y {
			continue
		}
		if d2, _ := pointSeg(x, y, e.ax, e.ay, e.bx, e.by); d2 <= t*t {
			return true
		}
	}
	return false
}

// covers reports whether the prepared geometry covers (lon, lat).
func (q *prepared) covers(lon, lat float64) bool {
	if !q.s.box.contains(lon, lat) {
		return false
	}
	if q.bands.n > 0 {
		return q.inPolygonBanded(lon, lat)
	}
	return q.s.covers(lon, lat)
}

// within reports whether the distance from a to the prepared geometry is at
// most d (which must not exceed the dmax it was prepared for). firstOut says
// the caller has already found a's first position outside the geometry. Geometries
// near ±180° are also compared with one of them shifted by 360°, so that a
// zone at 179.99° is near a check at -179.99°.
func (q *prepared) within(a *shape, d float64, firstOut bool) bool {
	qb := &q.s.box
	dd := d / minMetresPerDegLat
	if a.box.MinLat > qb.MaxLat+dd || a.box.MaxLat < qb.MinLat-dd {
		return false
	}
	dl := math.Inf(1)
	if q.cosMax > 1e-12 {
		dl = d / (minMetresPerDegLonEquator * q.cosMax)
	}
	for k, shift := range shifts {
		if a.box.MinLon+shift > qb.MaxLon+dl || a.box.MaxLon+shift < qb.MinLon-dl {
			continue
		}
		if q.withinShift(a, shift, d, k == 0, firstOut) {
			return true
		}
	}
	return false
}

func (q *prepared) withinShift(a *shape, shift, d float64, contain, firstOut bool) bool {
	if contain {
		// Intersection without touching boundaries means one component lies
		// inside the other geometry, first vertex included.
		qs := q.s
		for ci := range a.comps {
			if ci == 0 && firstOut {
				continue
			}
			i := a.spans[a.comps[ci].r0].start
			if q.covers(a.xy[2*i], a.xy[2*i+1]) {
				return true
			}
		}
		for ci := range qs.comps {
			i := qs.spans[qs.comps[ci].r0].start
			x, y := qs.xy[2*i], qs.xy[2*i+1]
			if a.box.contains(x, y) && a.covers(x, y) {
				return true
			}
		}
	}

	pr := &q.pr
	tAcc := d / q.kmax
	tRej := math.Inf(1)
	if q.kmin > 0 {
		tRej = d / q.kmin
	}
	tAcc2, tRej2 := tAcc*tAcc, tRej*tRej

	// The query's elements that can be within tRej of a's box.
	axmin := (a.box.MinLon+shift-pr.lon0)*pr.kx - tRej
	axmax := (a.box.MaxLon+shift-pr.lon0)*pr.kx + tRej
	aymin := (a.box.MinLat-pr.lat0)*pr.ky - tRej
	aymax := (a.box.MaxLat-pr.lat0)*pr.ky + tRej
	near := q.near[:0]
	nbx0, nby0, nbx1, nby1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	j0, j1 := q.window(axmin, axmax)
	for j := j0; j < j1; j++ {
		e := &q.segs[j]
		if e.minx <= axmax && e.maxx >= axmin && e.miny <= aymax && e.maxy >= aymin {
			near = append(near, int32(j))
			nbx0, nby0 = min(nbx0, e.minx), min(nby0, e.miny)
			nbx1, nby1 = max(nbx1, e.maxx), max(nby1, e.maxy)
		}
	}
	q.near = near
	if len(near) == 0 {
		return false
	}
	nbx0, nby0, nbx1, nby1 = nbx0-tRej, nby0-tRej, nbx1+tRej, nby1+tRej

	// Accepting a pair needs the lon/lat path between its points inside
	// [lo, hi], where kmax holds. It always is: the query's point is, and the
	// other lies within tAcc ≤ d metres of projected northing from it (kmax ≥ 1,
	// as [lo, hi] holds lat0), which is less than d/110,574 degrees since
	// M0·π/180 > 110,574 m.
	band := q.band[:0]
	defer func() { q.band = band[:0] }()
	kx, ky, lon0, lat0 := pr.kx, pr.ky, pr.lon0-shift, pr.lat0
	for _, sp := range a.spans {
		isPt := sp.end-sp.start == 1
		last := sp.end - 1
		if isPt {
			last = sp.end
		}
		bx, by := (a.xy[2*sp.start]-lon0)*kx, (a.xy[2*sp.start+1]-lat0)*ky
		for i := sp.start; i < last; i++ {
			ax, ay := bx, by
			if !isPt {
				bx, by = (a.xy[2*i+2]-lon0)*kx, (a.xy[2*i+3]-lat0)*ky
			}
			ex0, ex1 := min(ax, bx), max(ax, bx)
			ey0, ey1 := min(ay, by), max(ay, by)
			if ex0 > nbx1 || ex1 < nbx0 || ey0 > nby1 || ey1 < nby0 {
				continue
			}
			// near is in x order when sorted: scan only its window too.
			k0, k1 := 0, len(near)
			if q.sorted && len(near) > sortThreshold {
				k0, _ = slices.BinarySearchFunc(near, ex0-tRej-q.maxW, func(j int32, x float64) int { return cmp.Compare(q.segs[j].minx, x) })
				k1, _ = slices.BinarySearchFunc(near, ex1+tRej, func(j int32, x float64) int {
					if q.segs[j].minx <= x {
						return -1
					}
					return 1
				})
			}
			for _, j := range near[k0:k1] {
				e := &q.segs[j]
				if e.minx-tRej > ex1 || e.maxx+tRej < ex0 || e.miny-tRej > ey1 || e.maxy+tRej < ey0 {
					continue
				}
				if sideApart(ax, ay, bx, by, e.ax, e.ay, e.bx, e.by, tRej2) {
					continue
				}
				d2, _, _ := segClosest(ax, ay, bx, by, e.ax, e.ay, e.bx, e.by)
				if d2 <= tAcc2 {
					return true
				}
				if d2 <= tRej2 {
					band = append(band, bandPair{i, isPt, j})
				}
			}
		}
	}
	for _, bp := range band {
		if q.refine(a, shift, bp) <= d {
			return true
		}
	}
	return false
}

// refine returns the geodesic distance between the two elements of a band
// pair, in lon/lat, the candidate's shifted by shift degrees.
func (q *prepared) refine(a *shape, shift float64, bp bandPair) float64 {
	a0x, a0y := a.xy[2*bp.ai]+shift, a.xy[2*bp.ai+1]
	a1x, a1y := a0x, a0y
	if !bp.apt {
		a1x, a1y = a.xy[2*bp.ai+2]+shift, a.xy[2*bp.ai+3]
	}
	e := &q.segs[bp.qj]
	qxy := q.s.xy
	b0x, b0y := qxy[2*e.i], qxy[2*e.i+1]
	b1x, b1y := b0x, b0y
	if !e.pt {
		b1x, b1y = qxy[2*e.i+2], qxy[2*e.i+3]
	}
	return closestGeodesic(a0x, a0y, a1x, a1y, b0x, b0y, b1x, b1y)
}

// closestGeodesic returns the geodesic distance between lon/lat segments
// a0a1 and b0b1 (either may be a point): the minimum over pairs of points, one
// on each, to within 1 mm for separations up to 100 km (TestWithinBand). The
// result is always the distance of an actual pair, so never below the true
// minimum.
//
// It first finds the pair closest in a local projection, re-centred on the
// pair until it settles; that alone is within a few millimetres at 10 km but
// off by metres at 100 km, as the projection's scale drifts across the pair.
// It then minimises the true distance exactly, alternating between the two
// parameters; each one-dimensional minimum is a root of the derivative, which
// the azimuth from Vincenty's inverse gives in closed form.
func closestGeodesic(a0x, a0y, a1x, a1y, b0x, b0y, b1x, b1y float64) float64 {
	var s, t float64
	mx, my := (a0x+a1x+b0x+b1x)/4, (a0y+a1y+b0y+b1y)/4
	for it := 0; it < 8; it++ {
		p := newProj(mx, min(max(my, -89.999), 89.999))
		_, ns, nt := segClosest(
			(a0x-mx)*p.kx, (a0y-my)*p.ky, (a1x-mx)*p.kx, (a1y-my)*p.ky,
			(b0x-mx)*p.kx, (b0y-my)*p.ky, (b1x-mx)*p.kx, (b1y-my)*p.ky)
		done := it > 0 && math.Abs(ns-s) < 1e-12 && math.Abs(nt-t) < 1e-12
		s, t = ns, nt
		if done {
			break
		}
		mx = (a0x + s*(a1x-a0x) + b0x + t*(b1x-b0x)) / 2
		my = (a0y + s*(a1y-a0y) + b0y + t*(b1y-b0y)) / 2
	}
	aPt := a0x == a1x && a0y == a1y
	bPt := b0x == b1x && b0y == b1y
	best := math.Inf(1)
	for range 50 {
		var v float64
		if !bPt {
			t, v = minAlong(a0x+s*(a1x-a0x), a0y+s*(a1y-a0y), b0x, b0y, b1x, b1y, t)
		}
		if !aPt {
			s, v = minAlong(b0x+t*(b1x-b0x), b0y+t*(b1y-b0y), a0x, a0y, a1x, a1y, s)
		}
		if aPt && bPt {
			v = Distance(a0x, a0y, b0x, b0y)
		}
		if best-v < 1e-7 || aPt || bPt {
			best = min(best, v)
			break
		}
		best = v
	}
	return best
}

// minAlong minimises the geodesic distance from (x, y) to the point at
// parameter u of lon/lat segment p0p1, starting near u0; it returns u and the
// distance. The distance along a segment is convex for the short, nearly
// straight segments met here, so its minimum is the root of its derivative
// −v·(sin α, cos α), v the segment's direction in metres at the point and α
// the azimuth from the point towards (x, y); found by safeguarded secant steps
// (Illinois) inside a bracket.
func minAlong(x, y, p0x, p0y, p1x, p1y, u0 float64) (u, dist float64) {
	eval := func(u float64) (dist, deriv float64, ok bool) {
		px, py := p0x+u*(p1x-p0x), p0y+u*(p1y-p0y)
		d, az, ok := vincenty(px, py, x, y)
		if !ok {
			return 0, 0, false
		}
		ve := (p1x - p0x) * rad * parallelRadius(py)
		vn := (p1y - p0y) * rad * meridianRadius(py)
		sa, ca := math.Sincos(az)
		return d, -(ve*sa + vn*ca), true
	}
	fallback := func() (float64, float64) {
		best, bu := math.Inf(1), u0
		for k := 0; k <= 64; k++ {
			if d := Distance(p0x+float64(k)/64*(p1x-p0x), p0y+float64(k)/64*(p1y-p0y), x, y); d < best {
				best, bu = d, float64(k)/64
			}
		}
		return bu, best
	}
	d0, g0, ok0 := eval(0)
	d1, g1, ok1 := eval(1)
	if !ok0 || !ok1 {
		return fallback()
	}
	switch {
	case g0 >= 0:
		return 0, d0
	case g1 <= 0:
		return 1, d1
	}
	lo, hi, glo, ghi := 0.0, 1.0, g0, g1
	bestU, best := 0.0, d0
	if d1 < best {
		bestU, best = 1, d1
	}
	side := 0
	for it := range 60 {
		if it == 0 && u0 > 0 && u0 < 1 {
			u = u0 // the caller's estimate, usually close
		} else {
			u = lo - glo*(hi-lo)/(ghi-glo)
		}
		if !(u > lo && u < hi) {
			u = (lo + hi) / 2
		}
		d, g, ok := eval(u)
		if !ok {
			return fallback()
		}
		if d < best {
			bestU, best = u, d
		}
		if g == 0 || hi-lo < 1e-15 {
			break
		}
		if g < 0 {
			lo, glo = u, g
			if side == -1 {
				ghi /= 2
			}
			side = -1
		} else {
			hi, ghi = u, g
			if side == 1 {
				glo /= 2
			}
			side = 1
		}
		if hi-lo < 1e-13 {
			break
		}
	}
	return bestU, best
}
