package geo

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParse: Parse never panics, rejects only with a *ValidationError, and
// whatever it accepts marshals to GeoJSON that parses back to the same
// geometry and the same bytes.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"type":"Point","coordinates":[37,36]}`,
		`{"type":"Polygon","coordinates":[` + square + `]}`,
		`{"type":"MultiPolygon","coordinates":[[` + square + `],[[[38,36],[38.01,36],[38.01,36.01],[38,36]]]]}`,
		`{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2,3]},{"type":"LineString","coordinates":[[0,0,1],[1,1,2]]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Parse(data, Limits{MaxVertices: 1000})
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse returned %T %v, want *ValidationError", err, err)
			}
			return
		}
		out, err := json.Marshal(g)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		g2, err := Parse(out, Limits{MaxVertices: 1000})
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		out2, _ := json.Marshal(g2)
		if string(out) != string(out2) || g.Bound() != g2.Bound() || g.Vertices() != g2.Vertices() || g.Type() != g2.Type() {
			t.Fatalf("round trip changed %s into %s", out, out2)
		}
		if !Intersects(g, g2) {
			t.Fatalf("%s does not meet itself", out)
		}
	})
}
