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

// FuzzPlainPoint: the plain Point's short cut gives what the general parse
// gives, geometry or error.
func FuzzPlainPoint(f *testing.F) {
	for _, s := range []string{"37,36", "-0,0", "1e2,-9.5E-1", "180,90", "180.0000001,0", "01,2", "1.,2", ".5,2",
		"+1,2", "1e,2", "-,2", "0x1p3,2", "Infinity,2", "1e999,2", "1,2,3", "1, 2", "36.123456789012345678,1"} {
		f.Add([]byte(`{"type":"Point","coordinates":[` + s + `]}`))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ferr := Parse(data, Limits{MaxVertices: 1000})
		slow, serr := parseObject(data, Limits{MaxVertices: 1000}, false)
		if (ferr == nil) != (serr == nil) || (ferr != nil && ferr.Error() != serr.Error()) {
			t.Fatalf("%s: short cut says %v, general parse %v", data, ferr, serr)
		}
		if ferr != nil {
			return
		}
		a, _ := json.Marshal(fast)
		b, _ := json.Marshal(slow)
		if string(a) != string(b) || fast.Bound() != slow.Bound() || fast.Vertices() != slow.Vertices() || fast.Type() != slow.Type() {
			t.Fatalf("%s: short cut gives %s %v, general parse %s %v", data, a, fast.Bound(), b, slow.Bound())
		}
		if !Intersects(fast, slow) || !Intersects(slow, fast) {
			t.Fatalf("%s: the two parses are not the same point", data)
		}
	})
}

func TestPlainPoint(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{`{"type":"Point","coordinates":[37,36]}`, true},
		{`{"type":"Point","coordinates":[-0.5,1e-3]}`, true},
		{`{"type":"Point","coordinates":[01,36]}`, false},
		{`{"type":"Point","coordinates":[1.,36]}`, false},
		{`{"type":"Point","coordinates":[+1,36]}`, false},
		{`{"type":"Point","coordinates":[1e999,36]}`, false},
		{`{"type":"Point","coordinates":[1,2,3]}`, false},
		{`{"type":"Point","coordinates":[1, 2]}`, false},
		{`{"coordinates":[1,2],"type":"Point"}`, false},
	} {
		if _, _, ok := plainPoint([]byte(c.in)); ok != c.want {
			t.Errorf("plainPoint(%s) = %v, want %v", c.in, ok, c.want)
		}
	}
}
