package geo

import (
	"fmt"
	"math"

	"github.com/peterstace/simplefeatures/geom"
)

// DefaultMaxVertices is the vertex limit used when Limits.MaxVertices is 0.
const DefaultMaxVertices = 10000

// Limits bounds what Parse accepts.
type Limits struct {
	// MaxVertices is the largest number of positions a geometry may have,
	// counting the closing position of every ring. 0 means DefaultMaxVertices.
	MaxVertices int
}

func (l Limits) maxVertices() int {
	if l.MaxVertices <= 0 {
		return DefaultMaxVertices
	}
	return l.MaxVertices
}

// ValidationError reports why a GeoJSON geometry was rejected and where.
type ValidationError struct {
	// Reason says what is wrong, in words meant for the person who drew the
	// geometry.
	Reason string
	// Path locates the offending member in the geometry object, such as
	// "coordinates[0][3]", "type" or "geometries[1].coordinates"; it is empty
	// when the whole document is at fault (for example, invalid JSON).
	Path string
}

// Error implements error.
func (e *ValidationError) Error() string {
	if e.Path == "" {
		return "invalid geometry: " + e.Reason
	}
	return "invalid geometry at " + e.Path + ": " + e.Reason
}

func invalid(path, format string, args ...any) *ValidationError {
	return &ValidationError{Reason: fmt.Sprintf(format, args...), Path: path}
}

// Box is an axis-aligned bounding box in degrees of longitude and latitude.
type Box struct {
	MinLon, MinLat, MaxLon, MaxLat float64
}

func emptyBox() Box {
	return Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
}

func (b *Box) extend(lon, lat float64) {
	b.MinLon = min(b.MinLon, lon)
	b.MinLat = min(b.MinLat, lat)
	b.MaxLon = max(b.MaxLon, lon)
	b.MaxLat = max(b.MaxLat, lat)
}

func (b Box) union(o Box) Box {
	return Box{min(b.MinLon, o.MinLon), min(b.MinLat, o.MinLat), max(b.MaxLon, o.MaxLon), max(b.MaxLat, o.MaxLat)}
}

func (b Box) contains(lon, lat float64) bool {
	return lon >= b.MinLon && lon <= b.MaxLon && lat >= b.MinLat && lat <= b.MaxLat
}

// Geometry is a validated GeoJSON geometry: a simplefeatures geometry that
// passed OGC validity, plus its bounding box, its vertex count and the flat
// coordinates the predicates of this package work on (shared with the
// simplefeatures geometry, not copied). A Geometry is immutable and safe for
// concurrent use; the zero Geometry is empty, meets nothing and marshals as
// null.
type Geometry struct {
	s *shape
}

type compKind uint8

const (
	compPoint compKind = iota
	compLine
	compPolygon
)

// span is a range [start, end) of positions in shape.xy.
type span struct{ start, end int32 }

// comp is one point, line or polygon of a geometry; its rings (or its one
// line, or its one point) are spans[r0:r1], the exterior ring first.
type comp struct {
	kind   compKind
	r0, r1 int32
	box    Box
}

// shape is what predicates see: positions as flat lon,lat pairs and the
// components that group them.
type shape struct {
	typ    string // GeoJSON type name
	sf     geom.Geometry
	xy     []float64
	spans  []span
	comps  []comp
	box    Box
	nverts int
}

// Type returns the GeoJSON type name ("Polygon", "GeometryCollection", ...),
// or "" for the zero Geometry.
func (g Geometry) Type() string {
	if g.s == nil {
		return ""
	}
	return g.s.typ
}

// IsZero reports whether g is the zero Geometry.
func (g Geometry) IsZero() bool { return g.s == nil }

// Bound returns the bounding box of g's positions. Geometries never cross the
// antimeridian (Parse rejects them), so MinLon ≤ MaxLon always holds. The zero
// Geometry has the zero Box.
func (g Geometry) Bound() Box {
	if g.s == nil {
		return Box{}
	}
	return g.s.box
}

// Vertices returns the number of positions in g, counting the closing
// position of every ring.
func (g Geometry) Vertices() int {
	if g.s == nil {
		return 0
	}
	return g.s.nverts
}

// Polygonal reports whether g is a Polygon or a MultiPolygon.
func (g Geometry) Polygonal() bool {
	t := g.Type()
	return t == "Polygon" || t == "MultiPolygon"
}

// Geom returns the simplefeatures geometry g wraps, for operations this
// package does not offer (area, centroid, WKT). It must not be modified.
func (g Geometry) Geom() geom.Geometry {
	if g.s == nil {
		return geom.Geometry{}
	}
	return g.s.sf
}

// MarshalJSON returns g as a GeoJSON geometry object with its coordinates
// unchanged: every number is written in the shortest form that parses back to
// the same float64, and altitudes are kept. A bbox member of the input is not
// kept. The zero Geometry marshals as null.
func (g Geometry) MarshalJSON() ([]byte, error) {
	if g.s == nil {
		return []byte("null"), nil
	}
	return g.s.sf.MarshalJSON()
}

// String returns g as GeoJSON.
func (g Geometry) String() string {
	b, _ := g.MarshalJSON()
	return string(b)
}

// NewPoint returns a Point geometry at lon, lat (degrees), or a
// *ValidationError if they are out of range or not finite.
func NewPoint(lon, lat float64) (Geometry, error) {
	if err := checkLonLat(lon, lat, "coordinates"); err != nil {
		return Geometry{}, err
	}
	xy := []float64{lon, lat}
	s := &shape{
		typ:    "Point",
		sf:     geom.NewPoint(geom.Coordinates{XY: geom.XY{X: lon, Y: lat}, Type: geom.DimXY}).AsGeometry(),
		xy:     xy,
		spans:  []span{{0, 1}},
		comps:  []comp{{kind: compPoint, r0: 0, r1: 1, box: Box{lon, lat, lon, lat}}},
		box:    Box{lon, lat, lon, lat},
		nverts: 1,
	}
	return Geometry{s}, nil
}

func checkLonLat(lon, lat float64, path string) *ValidationError {
	if math.IsNaN(lon) || math.IsInf(lon, 0) || math.IsNaN(lat) || math.IsInf(lat, 0) {
		return invalid(path, "coordinates must be finite numbers")
	}
	if lon < -180 || lon > 180 {
		return invalid(path, "longitude %v is out of range [-180, 180]", lon)
	}
	if lat < -90 || lat > 90 {
		return invalid(path, "latitude %v is out of range [-90, 90]", lat)
	}
	return nil
}
