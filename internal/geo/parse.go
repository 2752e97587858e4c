package geo

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/peterstace/simplefeatures/geom"
)

// Parse reads one GeoJSON geometry object (RFC 7946 §3.1; not a Feature) of
// any type and validates it. Every rejection is a *ValidationError with a
// reason and the path of the offending member. Parse checks, in this order:
//
//   - the object: valid JSON, a known "type", no members other than "type",
//     "coordinates" (or "geometries" for a GeometryCollection) and "bbox"
//     (which is ignored);
//   - while reading coordinates: every position is an array of 2 or 3 finite
//     numbers ([lon, lat] or [lon, lat, altitude]), longitude in [-180, 180],
//     latitude in [-90, 90], all positions with or all without altitude, and
//     no more than lim.MaxVertices positions (checked as they are read, so an
//     oversized geometry costs no more than the limit);
//   - structure: no empty geometry or ring, LineStrings of 2 or more distinct
//     positions, rings of 4 or more positions that are closed and have 3 or
//     more distinct positions, and no edge spanning more than 180° of
//     longitude (such an edge crosses the antimeridian: RFC 7946 §3.1.9 asks
//     to split the geometry at ±180°);
//   - OGC validity by simplefeatures: rings that do not cross or touch
//     themselves, holes inside their shell, holes that neither overlap nor
//     nest, a connected interior, and MultiPolygon parts that do not overlap
//     (touching at points is allowed). A failure is located and explained by
//     re-checking the parts one by one.
//
// A GeometryCollection is accepted with its members validated as above, each
// on its own (members may overlap, as OGC allows); a GeometryCollection inside
// another is rejected, as RFC 7946 §3.1.8 advises against it. Exterior rings
// may wind either way (RFC 7946 makes counter-clockwise a SHOULD).
func Parse(data []byte, lim Limits) (Geometry, error) {
	return parse(data, lim, false)
}

// ParsePolygonal is Parse restricted to Polygon and MultiPolygon, the types a
// protected zone may have.
func ParsePolygonal(data []byte, lim Limits) (Geometry, error) {
	return parse(data, lim, true)
}

func parse(data []byte, lim Limits, polygonal bool) (Geometry, error) {
	if !polygonal {
		if lon, lat, ok := plainPoint(data); ok {
			if g, err := NewPoint(lon, lat); err == nil {
				return g, nil
			}
		}
	}
	return parseObject(data, lim, polygonal)
}

// plainPoint reads a Point written as {"type":"Point","coordinates":[lon,lat]}
// with no space, altitude or other member, the form an imported point has:
// it skips the general parse, which costs ten times more. Whatever it does
// not read (an out-of-range point included) is left to the general parse,
// so that the result and any error are the same either way.
func plainPoint(data []byte) (lon, lat float64, ok bool) {
	const head, tail = `{"type":"Point","coordinates":[`, `]}`
	rest, ok := strings.CutPrefix(string(data), head)
	if !ok {
		return 0, 0, false
	}
	if rest, ok = strings.CutSuffix(rest, tail); !ok {
		return 0, 0, false
	}
	x, y, ok := strings.Cut(rest, ",")
	if !ok || !jsonNumber(x) || !jsonNumber(y) {
		return 0, 0, false
	}
	lon, errX := strconv.ParseFloat(x, 64)
	lat, errY := strconv.ParseFloat(y, 64)
	if errX != nil || errY != nil {
		return 0, 0, false
	}
	return lon, lat, true
}

// jsonNumber reports whether s is a number as JSON writes one (RFC 8259 §6):
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func jsonNumber(s string) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// parseObject is the general parse of any geometry object.
func parseObject(data []byte, lim Limits, polygonal bool) (Geometry, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		var se *json.SyntaxError
		if ok := asSyntax(err, &se); ok {
			return Geometry{}, invalid("", "invalid JSON at byte %d: %v", se.Offset, err)
		}
		return Geometry{}, invalid("", "expected a GeoJSON geometry object")
	}
	if obj == nil {
		return Geometry{}, invalid("", "expected a GeoJSON geometry object, not null")
	}
	b := &builder{limit: lim.maxVertices(), polygonal: polygonal}
	if err := b.object(obj, "", true); err != nil {
		return Geometry{}, err
	}
	s, err := b.finish()
	if err != nil {
		return Geometry{}, err
	}
	return Geometry{s}, nil
}

func asSyntax(err error, target **json.SyntaxError) bool {
	se, ok := err.(*json.SyntaxError)
	if ok {
		*target = se
	}
	return ok
}

// member is one non-collection geometry as read: its positions grouped as
// its type requires (indexes into builder.xy).
type member struct {
	typ   string
	path  string // "" or "geometries[i]."
	pts   []int32
	lines []span
	polys [][]span
}

type builder struct {
	limit     int
	polygonal bool
	typ       string    // type of the whole geometry
	xy        []float64 // lon, lat of every position
	xyz       []float64 // lon, lat, alt of every position, when dim is 3
	dim       int       // 0 until the first position, then 2 or 3
	members   []member
}

func (b *builder) object(obj map[string]json.RawMessage, prefix string, top bool) error {
	rawType, ok := obj["type"]
	if !ok {
		return invalid(prefix+"type", `missing "type": a geometry object needs one`)
	}
	var typ string
	if err := json.Unmarshal(rawType, &typ); err != nil {
		return invalid(prefix+"type", `"type" must be a string`)
	}
	if top {
		b.typ = typ
	}
	switch typ {
	case "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon":
	case "GeometryCollection":
	case "Feature", "FeatureCollection":
		return invalid(prefix+"type", "expected a geometry object, not a %s: send the geometry itself", typ)
	default:
		return invalid(prefix+"type", "unknown geometry type %q", typ)
	}
	if b.polygonal && typ != "Polygon" && typ != "MultiPolygon" {
		return invalid(prefix+"type", "expected a Polygon or MultiPolygon, not a %s", typ)
	}
	allowed := "coordinates"
	if typ == "GeometryCollection" {
		allowed = "geometries"
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k != "type" && k != "bbox" && k != allowed {
			return invalid(prefix+k, "unknown member %q: a %s has only \"type\", %q and optionally \"bbox\"", k, typ, allowed)
		}
	}
	raw, ok := obj[allowed]
	if !ok {
		return invalid(prefix+allowed, "missing %q", allowed)
	}

	if typ == "GeometryCollection" {
		if !top {
			return invalid(prefix+"type", "a GeometryCollection inside a GeometryCollection is not supported: list its members in the outer one (RFC 7946 §3.1.8)")
		}
		var geoms []json.RawMessage
		if err := json.Unmarshal(raw, &geoms); err != nil || geoms == nil {
			return invalid(prefix+"geometries", `"geometries" must be an array of geometry objects`)
		}
		if len(geoms) == 0 {
			return invalid(prefix+"geometries", "empty GeometryCollection")
		}
		for i, g := range geoms {
			p := fmt.Sprintf("%sgeometries[%d]", prefix, i)
			var o map[string]json.RawMessage
			if err := json.Unmarshal(g, &o); err != nil || o == nil {
				return invalid(p, "expected a geometry object")
			}
			if err := b.object(o, p+".", false); err != nil {
				return err
			}
		}
		return nil
	}

	c := &cursor{data: raw, b: b, base: prefix + "coordinates"}
	m := member{typ: typ, path: prefix}
	var err error
	switch typ {
	case "Point":
		if c.emptyArray() {
			return c.errAt(0, "empty Point")
		}
		var i int32
		i, err = c.position(0)
		m.pts = []int32{i}
	case "MultiPoint":
		_, err = c.array(0, func() error {
			i, err := c.position(1)
			m.pts = append(m.pts, i)
			return err
		})
	case "LineString":
		var s span
		s, err = c.sequence(0)
		m.lines = []span{s}
	case "MultiLineString", "Polygon":
		var ss []span
		ss, err = c.sequences(0)
		if typ == "Polygon" {
			m.polys = [][]span{ss}
		} else {
			m.lines = ss
		}
	case "MultiPolygon":
		_, err = c.array(0, func() error {
			ss, err := c.sequences(1)
			m.polys = append(m.polys, ss)
			return err
		})
	}
	if err != nil {
		return err
	}
	c.skipSpace()
	if c.pos != len(c.data) {
		return c.errAt(0, "unexpected data after the coordinates")
	}
	b.members = append(b.members, m)
	return nil
}

// cursor reads a "coordinates" value (already known to be valid JSON) and
// keeps the array indexes that make up an error's path.
type cursor struct {
	data []byte
	pos  int
	b    *builder
	base string
	idx  [5]int
}

func (c *cursor) path(depth int) string {
	var sb strings.Builder
	sb.WriteString(c.base)
	for _, i := range c.idx[:depth] {
		sb.WriteByte('[')
		sb.WriteString(strconv.Itoa(i))
		sb.WriteByte(']')
	}
	return sb.String()
}

func (c *cursor) errAt(depth int, format string, args ...any) *ValidationError {
	return invalid(c.path(depth), format, args...)
}

func (c *cursor) skipSpace() {
	for c.pos < len(c.data) {
		switch c.data[c.pos] {
		case ' ', '\t', '\r', '\n':
			c.pos++
		default:
			return
		}
	}
}

// emptyArray reports whether the value is [] (and consumes nothing).
func (c *cursor) emptyArray() bool {
	c.skipSpace()
	if c.pos >= len(c.data) || c.data[c.pos] != '[' {
		return false
	}
	j := c.pos + 1
	for j < len(c.data) && (c.data[j] == ' ' || c.data[j] == '\t' || c.data[j] == '\r' || c.data[j] == '\n') {
		j++
	}
	return j < len(c.data) && c.data[j] == ']'
}

// array reads an array at the given depth, calling elem for each element with
// c.idx[depth] set to its index. It returns the number of elements.
func (c *cursor) array(depth int, elem func() error) (int, error) {
	c.skipSpace()
	if c.pos >= len(c.data) || c.data[c.pos] != '[' {
		return 0, c.errAt(depth, "expected an array")
	}
	c.pos++
	c.skipSpace()
	if c.pos < len(c.data) && c.data[c.pos] == ']' {
		c.pos++
		return 0, nil
	}
	for n := 0; ; n++ {
		if depth < len(c.idx) {
			c.idx[depth] = n
		}
		if err := elem(); err != nil {
			return n, err
		}
		c.skipSpace()
		if c.pos >= len(c.data) {
			return n, c.errAt(depth, "unterminated array")
		}
		switch c.data[c.pos] {
		case ',':
			c.pos++
		case ']':
			c.pos++
			return n + 1, nil
		default:
			return n, c.errAt(depth, "expected ',' or ']'")
		}
	}
}

// number reads one JSON number.
func (c *cursor) number(depth int) (float64, error) {
	c.skipSpace()
	start := c.pos
	for c.pos < len(c.data) {
		ch := c.data[c.pos]
		if ch == '-' || ch == '+' || ch == '.' || ch == 'e' || ch == 'E' || (ch >= '0' && ch <= '9') {
			c.pos++
			continue
		}
		break
	}
	if start == c.pos {
		return 0, c.errAt(depth, "expected a number")
	}
	v, err := strconv.ParseFloat(string(c.data[start:c.pos]), 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, c.errAt(depth, "coordinate is not a finite number")
	}
	return v, nil
}

// position reads [lon, lat] or [lon, lat, alt], checks it and stores it.
func (c *cursor) position(depth int) (int32, error) {
	var v [3]float64
	n, err := c.array(depth, func() error {
		k := c.idx[depth]
		if k >= 3 {
			return c.errAt(depth, "a position has at most 3 numbers: [lon, lat] or [lon, lat, altitude]")
		}
		x, err := c.number(depth + 1)
		v[k] = x
		return err
	})
	if err != nil {
		return 0, err
	}
	if n < 2 {
		return 0, c.errAt(depth, "a position needs a longitude and a latitude: [lon, lat]")
	}
	if err := checkLonLat(v[0], v[1], c.path(depth)); err != nil {
		return 0, err
	}
	b := c.b
	switch {
	case b.dim == 0:
		b.dim = n
	case b.dim != n:
		return 0, c.errAt(depth, "positions mix [lon, lat] and [lon, lat, altitude]: use one form throughout")
	}
	i := len(b.xy) / 2
	if i >= b.limit {
		return 0, invalid(c.base, "more than %d vertices (the limit)", b.limit)
	}
	b.xy = append(b.xy, v[0], v[1])
	if n == 3 {
		b.xyz = append(b.xyz, v[0], v[1], v[2])
	}
	return int32(i), nil
}

// sequence reads an array of positions.
func (c *cursor) sequence(depth int) (span, error) {
	start := int32(len(c.b.xy) / 2)
	_, err := c.array(depth, func() error {
		_, err := c.position(depth + 1)
		return err
	})
	return span{start, int32(len(c.b.xy) / 2)}, err
}

// sequences reads an array of arrays of positions.
func (c *cursor) sequences(depth int) ([]span, error) {
	var ss []span
	_, err := c.array(depth, func() error {
		s, err := c.sequence(depth + 1)
		ss = append(ss, s)
		return err
	})
	return ss, err
}

func indexPath(p string, idx ...int) string {
	for _, i := range idx {
		p += "[" + strconv.Itoa(i) + "]"
	}
	return p
}

// finish checks structure, builds the simplefeatures geometry and the shape,
// and runs the OGC validity check.
func (b *builder) finish() (*shape, error) {
	for _, m := range b.members {
		if err := b.checkStructure(m); err != nil {
			return nil, err
		}
	}
	s := newShape(len(b.xy), b.single())
	copy(s.xy, b.xy)
	b.xy = s.xy // what follows, simplefeatures included, uses the final memory
	s.typ, s.nverts, s.box = b.typ, len(b.xy)/2, emptyBox()
	var children []geom.Geometry
	for _, m := range b.members {
		children = append(children, b.buildMember(s, m))
	}
	for _, c := range s.comps {
		s.box = s.box.union(c.box)
	}
	if b.typ == "GeometryCollection" {
		s.sf = geom.NewGeometryCollection(children).AsGeometry()
	} else {
		s.sf = children[0]
	}
	if err := s.sf.Validate(); err != nil {
		return nil, b.explain(err)
	}
	return s, nil
}

// single reports whether the geometry is one point, one line or one polygon
// without holes.
func (b *builder) single() bool {
	if len(b.members) != 1 {
		return false
	}
	m := b.members[0]
	return len(m.pts)+len(m.lines)+len(m.polys) == 1 && (len(m.polys) == 0 || len(m.polys[0]) == 1)
}

// A shape of one ring (or line, or point) is allocated in one piece with its
// component, its span and its coordinates, in size classes, so that an index
// search reaches everything it needs with one random memory access; zones are
// scattered over the heap, and a cache or TLB miss per pointer followed
// dominated the cost of a search.
type shapeInline struct {
	shape
	c  [1]comp
	sp [1]span
}

func (o *shapeInline) wire(xy []float64) *shape {
	o.xy = xy
	o.comps = o.c[:0:1]
	o.spans = o.sp[:0:1]
	return &o.shape
}

type (
	shape8 struct {
		shapeInline
		a [8]float64
	}
	shape16 struct {
		shapeInline
		a [16]float64
	}
	shape24 struct {
		shapeInline
		a [24]float64
	}
	shape32 struct {
		shapeInline
		a [32]float64
	}
	shape48 struct {
		shapeInline
		a [48]float64
	}
	shape64 struct {
		shapeInline
		a [64]float64
	}
	shape96 struct {
		shapeInline
		a [96]float64
	}
	shape128 struct {
		shapeInline
		a [128]float64
	}
)

// newShape returns a shape with room for n coordinate numbers (xy of length
// n); a single-part shape gets the layout above.
func newShape(n int, single bool) *shape {
	if single {
		switch {
		case n <= 8:
			o := new(shape8)
			return o.wire(o.a[:n:n])
		case n <= 16:
			o := new(shape16)
			return o.wire(o.a[:n:n])
		case n <= 24:
			o := new(shape24)
			return o.wire(o.a[:n:n])
		case n <= 32:
			o := new(shape32)
			return o.wire(o.a[:n:n])
		case n <= 48:
			o := new(shape48)
			return o.wire(o.a[:n:n])
		case n <= 64:
			o := new(shape64)
			return o.wire(o.a[:n:n])
		case n <= 96:
			o := new(shape96)
			return o.wire(o.a[:n:n])
		case n <= 128:
			o := new(shape128)
			return o.wire(o.a[:n:n])
		}
		o := new(shapeInline)
		return o.wire(make([]float64, n))
	}
	return &shape{xy: make([]float64, n)}
}

func (b *builder) lonlat(i int32) (float64, float64) { return b.xy[2*i], b.xy[2*i+1] }

func (b *builder) samePosition(i, j int32) bool {
	if b.dim == 3 {
		return b.xyz[3*i] == b.xyz[3*j] && b.xyz[3*i+1] == b.xyz[3*j+1] && b.xyz[3*i+2] == b.xyz[3*j+2]
	}
	return b.xy[2*i] == b.xy[2*j] && b.xy[2*i+1] == b.xy[2*j+1]
}

func (b *builder) sameXY(i, j int32) bool {
	return b.xy[2*i] == b.xy[2*j] && b.xy[2*i+1] == b.xy[2*j+1]
}

// distinctAtLeast reports whether s has at least k (≤ 3) distinct lon/lat
// positions.
func (b *builder) distinctAtLeast(s span, k int) bool {
	var found []int32
	for i := s.start; i < s.end && len(found) < k; i++ {
		fresh := true
		for _, j := range found {
			if b.sameXY(i, j) {
				fresh = false
				break
			}
		}
		if fresh {
			found = append(found, i)
		}
	}
	return len(found) >= k
}

// checkAntimeridian rejects an edge spanning more than 180° of longitude.
func (b *builder) checkAntimeridian(s span, path, split string) error {
	for i := s.start + 1; i < s.end; i++ {
		lon0, _ := b.lonlat(i - 1)
		lon1, _ := b.lonlat(i)
		if d := math.Abs(lon1 - lon0); d > 180 {
			return invalid(indexPath(path, int(i-s.start)),
				"the edge from the previous position spans %.6g° of longitude, so it crosses the antimeridian: split the geometry at ±180° into a %s (RFC 7946 §3.1.9)",
				d, split)
		}
	}
	return nil
}

func (b *builder) checkLine(s span, path string) error {
	n := s.end - s.start
	switch {
	case n == 0:
		return invalid(path, "empty LineString")
	case n < 2:
		return invalid(path, "a LineString needs at least 2 positions")
	case !b.distinctAtLeast(s, 2):
		return invalid(path, "a LineString needs at least 2 distinct positions")
	}
	return b.checkAntimeridian(s, path, "MultiLineString")
}

func (b *builder) checkRing(s span, path string) error {
	n := s.end - s.start
	switch {
	case n == 0:
		return invalid(path, "empty ring: a ring needs at least 4 positions, the last repeating the first")
	case n < 4:
		return invalid(path, "a ring needs at least 4 positions, the last repeating the first; this one has %d", n)
	case !b.samePosition(s.start, s.end-1):
		return invalid(indexPath(path, int(n-1)), "ring is not closed: its last position must repeat its first exactly")
	case !b.distinctAtLeast(s, 3):
		return invalid(path, "ring has fewer than 3 distinct positions, so it encloses no area")
	}
	return b.checkAntimeridian(s, path, "MultiPolygon")
}

func (b *builder) checkStructure(m member) error {
	base := m.path + "coordinates"
	switch m.typ {
	case "MultiPoint":
		if len(m.pts) == 0 {
			return invalid(base, "empty MultiPoint")
		}
	case "LineString":
		return b.checkLine(m.lines[0], base)
	case "MultiLineString":
		if len(m.lines) == 0 {
			return invalid(base, "empty MultiLineString")
		}
		for i, l := range m.lines {
			if err := b.checkLine(l, indexPath(base, i)); err != nil {
				return err
			}
		}
	case "Polygon", "MultiPolygon":
		if len(m.polys) == 0 {
			return invalid(base, "empty %s", m.typ)
		}
		for pi, rings := range m.polys {
			pp := base
			if m.typ == "MultiPolygon" {
				pp = indexPath(base, pi)
			}
			if len(rings) == 0 {
				return invalid(pp, "empty Polygon")
			}
			for ri, r := range rings {
				if err := b.checkRing(r, indexPath(pp, ri)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (b *builder) sequenceOf(s span) geom.Sequence {
	if b.dim == 3 {
		return geom.NewSequence(b.xyz[3*s.start:3*s.end:3*s.end], geom.DimXYZ)
	}
	return geom.NewSequence(b.xy[2*s.start:2*s.end:2*s.end], geom.DimXY)
}

func (b *builder) spanBox(s span) Box {
	box := emptyBox()
	for i := s.start; i < s.end; i++ {
		box.extend(b.lonlat(i))
	}
	return box
}

func (b *builder) sfPolygon(rings []span) geom.Polygon {
	ls := make([]geom.LineString, len(rings))
	for i, r := range rings {
		ls[i] = geom.NewLineString(b.sequenceOf(r))
	}
	return geom.NewPolygon(ls)
}

// buildMember appends m's components to s and returns its simplefeatures
// geometry.
func (b *builder) buildMember(s *shape, m member) geom.Geometry {
	addComp := func(kind compKind, spans ...span) {
		c := comp{kind: kind, r0: int32(len(s.spans)), box: emptyBox()}
		for _, sp := range spans {
			s.spans = append(s.spans, sp)
			c.box = c.box.union(b.spanBox(sp))
		}
		c.r1 = int32(len(s.spans))
		s.comps = append(s.comps, c)
	}
	switch m.typ {
	case "Point", "MultiPoint":
		pts := make([]geom.Point, len(m.pts))
		for i, p := range m.pts {
			addComp(compPoint, span{p, p + 1})
			pts[i] = geom.NewPoint(b.sequenceOf(span{p, p + 1}).Get(0))
		}
		if m.typ == "Point" {
			return pts[0].AsGeometry()
		}
		return geom.NewMultiPoint(pts).AsGeometry()
	case "LineString", "MultiLineString":
		ls := make([]geom.LineString, len(m.lines))
		for i, l := range m.lines {
			addComp(compLine, l)
			ls[i] = geom.NewLineString(b.sequenceOf(l))
		}
		if m.typ == "LineString" {
			return ls[0].AsGeometry()
		}
		return geom.NewMultiLineString(ls).AsGeometry()
	default:
		ps := make([]geom.Polygon, len(m.polys))
		for i, rings := range m.polys {
			addComp(compPolygon, rings...)
			ps[i] = b.sfPolygon(rings)
		}
		if m.typ == "Polygon" {
			return ps[0].AsGeometry()
		}
		return geom.NewMultiPolygon(ps).AsGeometry()
	}
}
