package ogc_test

import (
	"testing"

	"github.com/truce-org/truce/internal/ogc"
)

// FuzzParseDatetime: the datetime parser never panics, and what it accepts
// is a window whose start is before its end.
func FuzzParseDatetime(f *testing.F) {
	for _, s := range []string{"2026-01-02T03:04:05Z", "2026-01-02T03:04:05.123456789+02:00/..", "../2026-01-02T00:00:00Z",
		"/2026-01-02", "2026-01-02/", "../..", "", "/", "2026-13-01", "a/b/c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ogc.ParseDatetime(s)
		if err != nil {
			return
		}
		if w == nil {
			t.Fatalf("ParseDatetime(%q): nil window without an error", s)
		}
		if w.From != nil && w.Until != nil && !w.From.Before(*w.Until) {
			t.Fatalf("ParseDatetime(%q): empty window %v..%v", s, w.From, w.Until)
		}
	})
}

// FuzzParseBBox: the bbox parser never panics, and what it accepts is a box
// within lon/lat ranges with its minimums not above its maximums.
func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"1,2,3,4", "-180,-90,180,90", "1,2,0,3,4,5", "170,0,-170,1", "a,b,c,d", "1,2,3", "NaN,0,1,1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ogc.ParseBBox(s)
		if err != nil {
			return
		}
		if b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90 || b[0] > b[2] || b[1] > b[3] {
			t.Fatalf("ParseBBox(%q) = %v", s, *b)
		}
	})
}
