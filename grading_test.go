package truce_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/truce-org/truce"
)

func TestGrading(t *testing.T) {
	for _, c := range []struct {
		in   string
		ok   bool
		r, m string
	}{
		{"A1", true, "completely reliable", "confirmed by other sources"},
		{"F6", true, "reliability cannot be judged", "truth cannot be judged"},
		{"B2", true, "usually reliable", "probably true"},
		{"G1", false, "", ""}, {"A7", false, "", ""}, {"A0", false, "", ""}, {"a1", false, "", ""},
		{"A", false, "", ""}, {"A12", false, "", ""}, {"", false, "", ""},
	} {
		r, cr, ok := truce.ParseGrading(c.in)
		if ok != c.ok || (ok && (r.Meaning() != c.r || cr.Meaning() != c.m)) {
			t.Errorf("ParseGrading(%q) = %q, %d, %v", c.in, r, cr, ok)
		}
	}
	for _, h := range []string{"TLP:WHITE", "tlp:red", "TLP:AMBER+", "TLP:AMBER STRICT", "RED", ""} {
		if truce.Handling(h).Valid() {
			t.Errorf("%q is valid", h)
		}
	}
	for i, h := range truce.Handlings {
		if !h.Valid() || h.Rank() != i {
			t.Errorf("%s: rank %d", h, h.Rank())
		}
	}
	for in, want := range map[string]truce.Credibility{`2`: 2, `"6"`: 6, `7`: 0, `"x"`: 0, `null`: 0, `2.0`: 0, `"22"`: 0, `-1`: 0} {
		var c truce.Credibility
		if err := json.Unmarshal([]byte(in), &c); err != nil || c != want {
			t.Errorf("credibility %s = %d, %v; want %d", in, c, err, want)
		}
	}
}

// FuzzGrading: the grading and label parsers never panic, accept exactly
// the codes they print, and a credibility reads back as written.
func FuzzGrading(f *testing.F) {
	for _, s := range []string{"A1", "F6", "G7", "", "B", "TLP:RED", "TLP:AMBER+STRICT", `"3"`, "3", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if r, c, ok := truce.ParseGrading(s); ok {
			if string(r)+strconv.Itoa(int(c)) != s || !r.Valid() || !c.Valid() || r.Meaning() == "" || c.Meaning() == "" {
				t.Fatalf("ParseGrading(%q) = %q, %d", s, r, c)
			}
		}
		if h := truce.Handling(s); h.Valid() && truce.Handlings[h.Rank()] != h {
			t.Fatalf("%q valid at rank %d", s, h.Rank())
		}
		var c truce.Credibility
		if err := json.Unmarshal([]byte(s), &c); err == nil && c.Valid() {
			b, _ := json.Marshal(c)
			var back truce.Credibility
			if json.Unmarshal(b, &back) != nil || back != c {
				t.Fatalf("credibility %s reads back as %d", b, back)
			}
		}
	})
}
