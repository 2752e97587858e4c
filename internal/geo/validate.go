package geo

import (
	"cmp"
	"slices"

	"github.com/peterstace/simplefeatures/geom"
)

// explain turns a simplefeatures validity failure into a *ValidationError
// that names the ring, hole or part at fault. simplefeatures reports the rule
// broken but not where in the input; so the parts are re-checked one by one
// (rings alone, then each hole with its shell, then pairs of holes, then
// pairs of polygons), which costs more than the first check but only runs on
// invalid input, bounded by the vertex limit.
func (b *builder) explain(sfErr error) error {
	for _, m := range b.members {
		if err := b.explainMember(m); err != nil {
			return err
		}
	}
	path := "coordinates"
	if len(b.members) > 1 {
		path = ""
	}
	return invalid(path, "invalid geometry: %v", sfErr)
}

func (b *builder) explainMember(m member) error {
	base := m.path + "coordinates"
	switch m.typ {
	case "LineString", "MultiLineString":
		for i, l := range m.lines {
			p := base
			if m.typ == "MultiLineString" {
				p = indexPath(base, i)
			}
			if err := geom.NewLineString(b.sequenceOf(l)).Validate(); err != nil {
				return invalid(p, "invalid LineString: %v", err)
			}
		}
	case "Polygon":
		return b.explainPolygon(m.polys[0], base)
	case "MultiPolygon":
		for i, rings := range m.polys {
			if err := b.explainPolygon(rings, indexPath(base, i)); err != nil {
				return err
			}
		}
		boxes := make([]Box, len(m.polys))
		for i, rings := range m.polys {
			boxes[i] = b.spanBox(rings[0])
		}
		for j := range m.polys {
			for i := range j {
				if !boxesMeet(boxes[i], boxes[j]) {
					continue
				}
				two := geom.NewMultiPolygon([]geom.Polygon{b.sfPolygon(m.polys[i]), b.sfPolygon(m.polys[j])})
				if two.Validate() != nil {
					return invalid(indexPath(base, j),
						"polygons %d and %d of the MultiPolygon overlap: their interiors meet or their boundaries share more than isolated points (merge them, or make them only touch)", i, j)
				}
			}
		}
	}
	return nil
}

func boxesMeet(a, b Box) bool {
	return a.MinLon <= b.MaxLon && b.MinLon <= a.MaxLon && a.MinLat <= b.MaxLat && b.MinLat <= a.MaxLat
}

func (b *builder) explainPolygon(rings []span, pp string) error {
	for ri, r := range rings {
		ls := geom.NewLineString(b.sequenceOf(r))
		if err := ls.Validate(); err != nil {
			return invalid(indexPath(pp, ri), "invalid ring: %v", err)
		}
		if simple, _ := ls.AsGeometry().IsSimple(); !simple {
			if i, j, ok := b.locateSelfIntersection(r); ok {
				lon, lat := b.meetingPoint(r.start+int32(i), r.start+int32(j))
				return invalid(indexPath(pp, ri, j),
					"ring crosses or touches itself: the edge from position %d to %d meets the edge from position %d to %d near [%.7g, %.7g]; a ring must not cross or touch itself",
					j, j+1, i, i+1, lon, lat)
			}
			return invalid(indexPath(pp, ri), "ring crosses or touches itself; a ring must be simple")
		}
	}
	if len(rings) == 1 || b.sfPolygon(rings).Validate() == nil {
		return nil
	}
	shell := geom.NewLineString(b.sequenceOf(rings[0]))
	for h := 1; h < len(rings); h++ {
		if b.sfPolygon([]span{rings[0], rings[h]}).Validate() == nil {
			continue
		}
		hole := geom.NewLineString(b.sequenceOf(rings[h]))
		if geom.Intersects(shell.AsGeometry(), hole.AsGeometry()) {
			return invalid(indexPath(pp, h), "hole crosses the exterior ring or touches it at more than one point; a hole must lie inside its exterior ring")
		}
		return invalid(indexPath(pp, h), "hole lies outside the exterior ring; a hole must lie inside its exterior ring")
	}
	boxes := make([]Box, len(rings))
	for i, r := range rings {
		boxes[i] = b.spanBox(r)
	}
	for j := 2; j < len(rings); j++ {
		for i := 1; i < j; i++ {
			if !boxesMeet(boxes[i], boxes[j]) {
				continue
			}
			if b.sfPolygon([]span{rings[0], rings[i], rings[j]}).Validate() != nil {
				return invalid(indexPath(pp, j), "holes %d and %d overlap, nest, or touch so that they split the polygon's interior", i, j)
			}
		}
	}
	return invalid(pp, "rings touch each other so that the polygon's interior is split in parts; the interior must be connected")
}

// locateSelfIntersection finds two edges of a ring that meet where they
// should not: non-adjacent edges that touch or cross, or adjacent edges that
// fold back over each other. It returns the position indexes (relative to the
// ring) at which the two edges start, i < j; repeated consecutive positions are
// skipped. The predicates are exact.
func (b *builder) locateSelfIntersection(r span) (i, j int, ok bool) {
	// vertices without consecutive repeats; v[k] is an index into the ring
	var v []int
	for k := r.start; k < r.end; k++ {
		if len(v) > 0 && b.sameXY(r.start+int32(v[len(v)-1]), k) {
			continue
		}
		v = append(v, int(k-r.start))
	}
	m := len(v) - 1 // edges v[k]→v[k+1]
	if m < 2 {
		return 0, 0, false
	}
	pt := func(k int) (float64, float64) { return b.lonlat(r.start + int32(v[k])) }
	type edge struct {
		k          int
		minx, maxx float64
	}
	es := make([]edge, m)
	for k := range m {
		x0, _ := pt(k)
		x1, _ := pt(k + 1)
		es[k] = edge{k, min(x0, x1), max(x0, x1)}
	}
	slices.SortFunc(es, func(a, b edge) int { return cmp.Compare(a.minx, b.minx) })
	bestI, bestJ := -1, -1
	for ai := range es {
		for bi := ai + 1; bi < len(es) && es[bi].minx <= es[ai].maxx; bi++ {
			p, q := es[ai].k, es[bi].k
			if p > q {
				p, q = q, p
			}
			ax, ay := pt(p)
			bx, by := pt(p + 1)
			cx, cy := pt(q)
			dx, dy := pt(q + 1)
			var bad bool
			switch {
			case q == p+1: // share b == c
				bad = foldsBack(ax, ay, bx, by, dx, dy)
			case p == 0 && q == m-1: // share a == d
				bad = foldsBack(cx, cy, ax, ay, bx, by)
			default:
				bad = segmentsMeet(ax, ay, bx, by, cx, cy, dx, dy)
			}
			if bad && (bestI < 0 || p < bestI || (p == bestI && q < bestJ)) {
				bestI, bestJ = p, q
			}
		}
	}
	if bestI < 0 {
		return 0, 0, false
	}
	return v[bestI], v[bestJ], true
}

// meetingPoint returns where the edges starting at positions i and j (nearly)
// meet, for messages.
func (b *builder) meetingPoint(i, j int32) (lon, lat float64) {
	ax, ay := b.lonlat(i)
	bx, by := b.lonlat(i + 1)
	cx, cy := b.lonlat(j)
	dx, dy := b.lonlat(j + 1)
	_, s, _ := segClosest(ax, ay, bx, by, cx, cy, dx, dy)
	return ax + s*(bx-ax), ay + s*(by-ay)
}

// foldsBack reports whether the path p→q→r turns back on itself along a line.
func foldsBack(px, py, qx, qy, rx, ry float64) bool {
	if orient(px, py, qx, qy, rx, ry) != 0 {
		return false
	}
	return (qx-px)*(rx-qx)+(qy-py)*(ry-qy) < 0
}

// segmentsMeet reports exactly whether closed segments ab and cd share a point.
func segmentsMeet(ax, ay, bx, by, cx, cy, dx, dy float64) bool {
	o1 := orient(ax, ay, bx, by, cx, cy)
	o2 := orient(ax, ay, bx, by, dx, dy)
	o3 := orient(cx, cy, dx, dy, ax, ay)
	o4 := orient(cx, cy, dx, dy, bx, by)
	if o1*o2 < 0 && o3*o4 < 0 {
		return true
	}
	return (o1 == 0 && inBox(ax, ay, bx, by, cx, cy)) ||
		(o2 == 0 && inBox(ax, ay, bx, by, dx, dy)) ||
		(o3 == 0 && inBox(cx, cy, dx, dy, ax, ay)) ||
		(o4 == 0 && inBox(cx, cy, dx, dy, bx, by))
}

// inBox reports whether p lies in the bounding box of segment ab.
func inBox(ax, ay, bx, by, px, py float64) bool {
	return px >= min(ax, bx) && px <= max(ax, bx) && py >= min(ay, by) && py <= max(ay, by)
}
