package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const square = `[[37,36],[37.01,36],[37.01,36.01],[37,36.01],[37,36]]`

func TestParseRejects(t *testing.T) {
	const am = "crosses the antimeridian: split the geometry at ±180° into a %s (RFC 7946 §3.1.9)"
	tests := []struct {
		name, in, reason, path string
	}{
		// the document and the object
		{"not JSON", `{"type":`, "invalid JSON at byte 8: unexpected end of JSON input", ""},
		{"array", `[1,2]`, "expected a GeoJSON geometry object", ""},
		{"null", `null`, "expected a GeoJSON geometry object, not null", ""},
		{"no type", `{"coordinates":[1,2]}`, `missing "type": a geometry object needs one`, "type"},
		{"type not string", `{"type":7,"coordinates":[1,2]}`, `"type" must be a string`, "type"},
		{"unknown type", `{"type":"Circle","coordinates":[1,2]}`, `unknown geometry type "Circle"`, "type"},
		{"lower-case type", `{"type":"point","coordinates":[1,2]}`, `unknown geometry type "point"`, "type"},
		{"feature", `{"type":"Feature","geometry":null,"properties":{}}`, "expected a geometry object, not a Feature: send the geometry itself", "type"},
		{"unknown member", `{"type":"Point","coordinates":[1,2],"crs":{}}`, `unknown member "crs": a Point has only "type", "coordinates" and optionally "bbox"`, "crs"},
		{"no coordinates", `{"type":"Point"}`, `missing "coordinates"`, "coordinates"},
		{"coordinates null", `{"type":"Point","coordinates":null}`, "expected an array", "coordinates"},

		// positions
		{"lat out of range", `{"type":"Point","coordinates":[37,95]}`, "latitude 95 is out of range [-90, 90]", "coordinates"},
		{"lon out of range", `{"type":"LineString","coordinates":[[37,36],[180.5,36]]}`, "longitude 180.5 is out of range [-180, 180]", "coordinates[1]"},
		{"one number", `{"type":"Point","coordinates":[37]}`, "a position needs a longitude and a latitude: [lon, lat]", "coordinates"},
		{"four numbers", `{"type":"Point","coordinates":[37,36,1,2]}`, "a position has at most 3 numbers: [lon, lat] or [lon, lat, altitude]", "coordinates"},
		{"five numbers in ring", `{"type":"Polygon","coordinates":[[[37,36],[37.01,36,0,0,0]]]}`, "a position has at most 3 numbers: [lon, lat] or [lon, lat, altitude]", "coordinates[0][1]"},
		{"null number", `{"type":"Point","coordinates":[null,36]}`, "expected a number", "coordinates[0]"},
		{"string number", `{"type":"MultiPoint","coordinates":[[37,"36"]]}`, "expected a number", "coordinates[0][1]"},
		{"overflow", `{"type":"Point","coordinates":[1e999,36]}`, "coordinate is not a finite number", "coordinates[0]"},
		{"mixed dimensions", `{"type":"LineString","coordinates":[[37,36],[37.1,36,5]]}`, "positions mix [lon, lat] and [lon, lat, altitude]: use one form throughout", "coordinates[1]"},
		{"too shallow", `{"type":"Polygon","coordinates":[[37,36],[37.1,36]]}`, "expected an array", "coordinates[0][0]"},
		{"too deep", `{"type":"LineString","coordinates":[[[37,36]],[[37.1,36]]]}`, "expected a number", "coordinates[0][0]"},

		// empties
		{"empty point", `{"type":"Point","coordinates":[]}`, "empty Point", "coordinates"},
		{"empty multipoint", `{"type":"MultiPoint","coordinates":[]}`, "empty MultiPoint", "coordinates"},
		{"empty linestring", `{"type":"LineString","coordinates":[]}`, "empty LineString", "coordinates"},
		{"empty multilinestring", `{"type":"MultiLineString","coordinates":[]}`, "empty MultiLineString", "coordinates"},
		{"empty line in multi", `{"type":"MultiLineString","coordinates":[[[37,36],[37.1,36]],[]]}`, "empty LineString", "coordinates[1]"},
		{"empty polygon", `{"type":"Polygon","coordinates":[]}`, "empty Polygon", "coordinates"},
		{"empty multipolygon", `{"type":"MultiPolygon","coordinates":[]}`, "empty MultiPolygon", "coordinates"},
		{"empty polygon in multi", `{"type":"MultiPolygon","coordinates":[[` + square + `],[]]}`, "empty Polygon", "coordinates[1]"},
		{"empty ring", `{"type":"Polygon","coordinates":[[]]}`, "empty ring: a ring needs at least 4 positions, the last repeating the first", "coordinates[0]"},
		{"empty collection", `{"type":"GeometryCollection","geometries":[]}`, "empty GeometryCollection", "geometries"},

		// lines and rings
		{"one-point line", `{"type":"LineString","coordinates":[[37,36]]}`, "a LineString needs at least 2 positions", "coordinates"},
		{"degenerate line", `{"type":"LineString","coordinates":[[37,36],[37,36]]}`, "a LineString needs at least 2 distinct positions", "coordinates"},
		{"short ring", `{"type":"Polygon","coordinates":[[[37,36],[37.01,36],[37,36]]]}`, "a ring needs at least 4 positions, the last repeating the first; this one has 3", "coordinates[0]"},
		{"unclosed ring", `{"type":"Polygon","coordinates":[[[37,36],[37.01,36],[37.01,36.01],[37,36.01]]]}`, "ring is not closed: its last position must repeat its first exactly", "coordinates[0][3]"},
		{"unclosed altitude", `{"type":"Polygon","coordinates":[[[37,36,0],[37.01,36,0],[37.01,36.01,0],[37,36,1]]]}`, "ring is not closed: its last position must repeat its first exactly", "coordinates[0][3]"},
		{"unclosed hole", `{"type":"Polygon","coordinates":[` + square + `,[[37.002,36.002],[37.004,36.002],[37.004,36.004],[37.002,36.004]]]}`, "ring is not closed: its last position must repeat its first exactly", "coordinates[1][3]"},
		{"flat ring", `{"type":"Polygon","coordinates":[[[37,36],[37.01,36],[37,36],[37,36]]]}`, "ring has fewer than 3 distinct positions, so it encloses no area", "coordinates[0]"},

		// antimeridian
		{"antimeridian line", `{"type":"LineString","coordinates":[[179.5,0],[-179.5,0]]}`, "the edge from the previous position spans 359° of longitude, so it " + fmt.Sprintf(am, "MultiLineString"), "coordinates[1]"},
		{"antimeridian polygon", `{"type":"Polygon","coordinates":[[[179,0],[-179,0],[-179,1],[179,1],[179,0]]]}`, "the edge from the previous position spans 358° of longitude, so it " + fmt.Sprintf(am, "MultiPolygon"), "coordinates[0][1]"},
		{"antimeridian in multipolygon", `{"type":"MultiPolygon","coordinates":[[` + square + `],[[[170,0],[175,0],[-175,1],[170,0]]]]}`, "the edge from the previous position spans 350° of longitude, so it " + fmt.Sprintf(am, "MultiPolygon"), "coordinates[1][0][2]"},

		// OGC validity (simplefeatures), located
		{"bow-tie", `{"type":"Polygon","coordinates":[[[37,36],[37.01,36.01],[37.01,36],[37,36.01],[37,36]]]}`,
			"ring crosses or touches itself: the edge from position 2 to 3 meets the edge from position 0 to 1 near [37.005, 36.005]; a ring must not cross or touch itself", "coordinates[0][2]"},
		{"self-touching ring", `{"type":"Polygon","coordinates":[[[0,0],[2,0],[1,1],[2,2],[0,2],[1,1],[0,0]]]}`,
			"ring crosses or touches itself: the edge from position 4 to 5 meets the edge from position 1 to 2 near [1, 1]; a ring must not cross or touch itself", "coordinates[0][4]"},
		{"vertex on own edge", `{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[1,0],[0,0]]]}`,
			"ring crosses or touches itself: the edge from position 2 to 3 meets the edge from position 0 to 1 near [1, 0]; a ring must not cross or touch itself", "coordinates[0][2]"},
		{"spike", `{"type":"Polygon","coordinates":[[[0,0],[2,0],[3,0],[2,0],[2,2],[0,0]]]}`,
			"ring crosses or touches itself: the edge from position 2 to 3 meets the edge from position 0 to 1 near [2, 0]; a ring must not cross or touch itself", "coordinates[0][2]"},
		{"hole outside", `{"type":"Polygon","coordinates":[` + square + `,[[38,36],[38.001,36],[38.001,36.001],[38,36]]]}`,
			"hole lies outside the exterior ring; a hole must lie inside its exterior ring", "coordinates[1]"},
		{"hole crossing shell", `{"type":"Polygon","coordinates":[` + square + `,[[37.005,36.005],[37.02,36.005],[37.02,36.006],[37.005,36.005]]]}`,
			"hole crosses the exterior ring or touches it at more than one point; a hole must lie inside its exterior ring", "coordinates[1]"},
		{"overlapping holes", `{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[1,1],[5,1],[5,5],[1,1]],[[2,1.5],[4,1.5],[4,2],[2,1.5]]]}`,
			"holes 1 and 2 overlap, nest, or touch so that they split the polygon's interior", "coordinates[2]"},
		{"overlapping parts", `{"type":"MultiPolygon","coordinates":[[[[0,0],[10,0],[10,10],[0,10],[0,0]]],[[[5,5],[15,5],[15,15],[5,5]]]]}`,
			"polygons 0 and 1 of the MultiPolygon overlap: their interiors meet or their boundaries share more than isolated points (merge them, or make them only touch)", "coordinates[1]"},
		{"parts sharing an edge", `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[1,0],[2,0],[2,1],[1,1],[1,0]]]]}`,
			"polygons 0 and 1 of the MultiPolygon overlap: their interiors meet or their boundaries share more than isolated points (merge them, or make them only touch)", "coordinates[1]"},
		{"invalid polygon in multi", `{"type":"MultiPolygon","coordinates":[[` + square + `],[[[0,0],[1,1],[1,0],[0,1],[0,0]]]]}`,
			"ring crosses or touches itself: the edge from position 2 to 3 meets the edge from position 0 to 1 near [0.5, 0.5]; a ring must not cross or touch itself", "coordinates[1][0][2]"},

		// collections
		{"nested collection", `{"type":"GeometryCollection","geometries":[{"type":"GeometryCollection","geometries":[]}]}`,
			"a GeometryCollection inside a GeometryCollection is not supported: list its members in the outer one (RFC 7946 §3.1.8)", "geometries[0].type"},
		{"collection member not object", `{"type":"GeometryCollection","geometries":[null]}`, "expected a geometry object", "geometries[0]"},
		{"collection with coordinates", `{"type":"GeometryCollection","coordinates":[]}`, `unknown member "coordinates": a GeometryCollection has only "type", "geometries" and optionally "bbox"`, "coordinates"},
		{"invalid member", `{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},{"type":"Polygon","coordinates":[[[37,36],[37.01,36],[37,36]]]}]}`,
			"a ring needs at least 4 positions, the last repeating the first; this one has 3", "geometries[1].coordinates[0]"},
		{"bad member in collection", `{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,-91]}]}`, "latitude -91 is out of range [-90, 90]", "geometries[0].coordinates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in), Limits{})
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse(%s) = %v, want a *ValidationError", tt.in, err)
			}
			if ve.Reason != tt.reason || ve.Path != tt.path {
				t.Errorf("Parse(%s):\n got reason %q path %q\nwant reason %q path %q", tt.in, ve.Reason, ve.Path, tt.reason, tt.path)
			}
		})
	}
}

func TestParsePolygonal(t *testing.T) {
	for _, in := range []string{
		`{"type":"Point","coordinates":[1,2]}`,
		`{"type":"GeometryCollection","geometries":[{"type":"Polygon","coordinates":[` + square + `]}]}`,
	} {
		_, err := ParsePolygonal([]byte(in), Limits{})
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Path != "type" || !strings.HasPrefix(ve.Reason, "expected a Polygon or MultiPolygon, not a ") {
			t.Errorf("ParsePolygonal(%s) = %v", in, err)
		}
	}
	for _, in := range []string{
		`{"type":"Polygon","coordinates":[` + square + `]}`,
		`{"type":"MultiPolygon","coordinates":[[` + square + `]]}`,
	} {
		if _, err := ParsePolygonal([]byte(in), Limits{}); err != nil {
			t.Errorf("ParsePolygonal(%s) = %v", in, err)
		}
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name, in, typ string
		vertices      int
		box           Box
	}{
		{"point", `{"type":"Point","coordinates":[37,36]}`, "Point", 1, Box{37, 36, 37, 36}},
		{"point with altitude", `{"type":"Point","coordinates":[37,36,120.5]}`, "Point", 1, Box{37, 36, 37, 36}},
		{"ccw square", `{"type":"Polygon","coordinates":[` + square + `]}`, "Polygon", 5, Box{37, 36, 37.01, 36.01}},
		{"cw square", `{"type":"Polygon","coordinates":[[[37,36],[37,36.01],[37.01,36.01],[37.01,36],[37,36]]]}`, "Polygon", 5, Box{37, 36, 37.01, 36.01}},
		{"with bbox member", `{"type":"Polygon","bbox":[37,36,37.01,36.01],"coordinates":[` + square + `]}`, "Polygon", 5, Box{37, 36, 37.01, 36.01}},
		{"hole touching shell once", `{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[0,2],[2,1],[2,3],[0,2]]]}`, "Polygon", 9, Box{0, 0, 4, 4}},
		{"parts touching at a point", `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[1,1],[2,1],[2,2],[1,2],[1,1]]]]}`, "MultiPolygon", 10, Box{0, 0, 2, 2}},
		{"line edge along the antimeridian", `{"type":"LineString","coordinates":[[180,0],[180,10],[-180,10]]}`, "", 0, Box{}},
		{"edge spanning exactly 180", `{"type":"LineString","coordinates":[[-90,0],[90,0]]}`, "LineString", 2, Box{-90, 0, 90, 0}},
		{"self-crossing line", `{"type":"LineString","coordinates":[[0,0],[1,1],[1,0],[0,1]]}`, "LineString", 4, Box{0, 0, 1, 1}},
		{"repeated point", `{"type":"Polygon","coordinates":[[[37,36],[37.01,36],[37.01,36],[37.01,36.01],[37,36.01],[37,36]]]}`, "Polygon", 6, Box{37, 36, 37.01, 36.01}},
		{"collection", `{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},{"type":"LineString","coordinates":[[0,0],[3,-1]]}]}`, "GeometryCollection", 3, Box{0, -1, 3, 2}},
		{"poles and antimeridian corners", `{"type":"MultiPoint","coordinates":[[-180,-90],[180,90]]}`, "MultiPoint", 2, Box{-180, -90, 180, 90}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Parse([]byte(tt.in), Limits{})
			if tt.typ == "" { // edge of 360° from 180 to -180
				if err == nil {
					t.Fatalf("Parse(%s) accepted an edge spanning 360°", tt.in)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%s): %v", tt.in, err)
			}
			if g.Type() != tt.typ || g.Vertices() != tt.vertices || g.Bound() != tt.box {
				t.Errorf("got %s, %d vertices, %+v; want %s, %d, %+v", g.Type(), g.Vertices(), g.Bound(), tt.typ, tt.vertices, tt.box)
			}
		})
	}
}

func TestVertexLimit(t *testing.T) {
	ring := func(n int) string {
		var sb strings.Builder
		sb.WriteString(`{"type":"Polygon","coordinates":[[`)
		for i := range n - 1 {
			lon, lat := offset(37, 36, 1000*cosDeg(360*float64(i)/float64(n-1)), 1000*sinDeg(360*float64(i)/float64(n-1)))
			fmt.Fprintf(&sb, "[%v,%v],", lon, lat)
		}
		lon, lat := offset(37, 36, 1000, 0)
		fmt.Fprintf(&sb, "[%v,%v]]]}", lon, lat)
		return sb.String()
	}
	if _, err := Parse([]byte(ring(10)), Limits{MaxVertices: 10}); err != nil {
		t.Errorf("10 vertices, limit 10: %v", err)
	}
	_, err := Parse([]byte(ring(11)), Limits{MaxVertices: 10})
	want := &ValidationError{Reason: "more than 10 vertices (the limit)", Path: "coordinates"}
	if diff := cmp.Diff(want, err); diff != "" {
		t.Errorf("11 vertices, limit 10 (-want +got):\n%s", diff)
	}
	if _, err := Parse([]byte(ring(DefaultMaxVertices)), Limits{}); err != nil {
		t.Errorf("%d vertices, default limit: %v", DefaultMaxVertices, err)
	}
	_, err = Parse([]byte(ring(DefaultMaxVertices+1)), Limits{})
	want = &ValidationError{Reason: "more than 10000 vertices (the limit)", Path: "coordinates"}
	if diff := cmp.Diff(want, err); diff != "" {
		t.Errorf("default limit (-want +got):\n%s", diff)
	}
	// The limit stops reading: a huge (even invalid) tail is never looked at.
	huge := `{"type":"MultiPoint","coordinates":[` + strings.Repeat(`[1,2],`, 20) + `"garbage"]}`
	_, err = Parse([]byte(huge), Limits{MaxVertices: 5})
	want = &ValidationError{Reason: "more than 5 vertices (the limit)", Path: "coordinates"}
	if diff := cmp.Diff(want, err); diff != "" {
		t.Errorf("limit before the tail (-want +got):\n%s", diff)
	}
}

func cosDeg(d float64) float64 { return math.Cos(d * rad) }
func sinDeg(d float64) float64 { return math.Sin(d * rad) }

// TestRoundTrip checks that MarshalJSON gives back every number unchanged.
func TestRoundTrip(t *testing.T) {
	for _, in := range []string{
		`{"type":"Point","coordinates":[37.123456789012345,-36.000000000000004]}`,
		`{"type":"Point","coordinates":[-180,90,1e-7]}`,
		`{"type":"MultiPoint","coordinates":[[0.1,0.2],[-0,5e-324],[179.99999999999997,-89.99999999999999]]}`,
		`{"type":"LineString","coordinates":[[37,36,100],[37.1,36.1,-11.5]]}`,
		`{"type":"MultiLineString","coordinates":[[[37,36],[37.1,36.1]],[[38,36],[38.1,36.1],[38.2,36]]]}`,
		`{"type":"Polygon","coordinates":[[[37,36],[37.01,36],[37.01,36.01],[37,36.01],[37,36]],[[37.002,36.002],[37.002,36.004],[37.004,36.004],[37.002,36.002]]]}`,
		`{"type":"MultiPolygon","coordinates":[[` + square + `],[[[38,36],[38.01,36],[38.01,36.01],[38,36]]]]}`,
		`{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},{"type":"Polygon","coordinates":[` + square + `]}]}`,
	} {
		g, err := Parse([]byte(in), Limits{})
		if err != nil {
			t.Fatalf("Parse(%s): %v", in, err)
		}
		out, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		var want, got any
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("round trip of %s (-in +out):\n%s", in, diff)
		}
	}
	if b, _ := json.Marshal(Geometry{}); string(b) != "null" {
		t.Errorf("zero Geometry marshals as %s", b)
	}
}

func TestNewPoint(t *testing.T) {
	g, err := NewPoint(37.5, 36.25)
	if err != nil || g.String() != `{"type":"Point","coordinates":[37.5,36.25]}` {
		t.Errorf("NewPoint = %v, %v", g, err)
	}
	if !Intersects(g, MustParse(t, `{"type":"Point","coordinates":[37.5,36.25]}`)) {
		t.Error("NewPoint does not meet the same parsed point")
	}
	_, err = NewPoint(200, 0)
	want := &ValidationError{Reason: "longitude 200 is out of range [-180, 180]", Path: "coordinates"}
	if diff := cmp.Diff(want, err); diff != "" {
		t.Errorf("NewPoint(200, 0) (-want +got):\n%s", diff)
	}
}
