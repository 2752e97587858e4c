package truce

import (
	"encoding/json"
	"testing"
)

// plainRecord is ExternalRecord with its fields as a plain map: what
// encoding/json writes by itself.
type plainRecord struct {
	Source        string            `json:"source"`
	ID            string            `json:"id"`
	GeoPrecision  int               `json:"geo_precision,omitempty"`
	TimePrecision int               `json:"time_precision,omitempty"`
	Fields        map[string]string `json:"fields,omitempty"`
}

// checkFields fails unless f encodes, alone and in a record, as the plain
// map does.
func checkFields(t *testing.T, f map[string]string) {
	t.Helper()
	want, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(Fields(f))
	if err != nil || string(got) != string(want) {
		t.Fatalf("Fields%q encodes as %s (%v), want %s", f, got, err, want)
	}
	want, _ = json.Marshal(plainRecord{Source: "acled", ID: "x", Fields: f})
	got, err = json.Marshal(ExternalRecord{Source: "acled", ID: "x", Fields: f})
	if err != nil || string(got) != string(want) {
		t.Fatalf("record with fields %q encodes as %s (%v), want %s", f, got, err, want)
	}
}

func TestFieldsJSON(t *testing.T) {
	for _, f := range []map[string]string{
		nil, {}, {"a": "b"},
		{"admin1": "Idlib", "notes": `He said "stop", then: \ left`, "z": "", "": "empty key"},
		{"<html>": "a & b > c", "line\u2028": "para\u2029", "ctl\x01\b\f\n\r\t": "\x7f\x00"},
		{"bad\xff": "bad\xfe\xfd", "é": "ü", "🙂": `\"`, `","`: `":"`},
	} {
		checkFields(t, f)
	}
}

func FuzzFieldsJSON(f *testing.F) {
	f.Add("admin1", "Idlib", "notes", `"quoted", with: \ and ,`)
	f.Add("\xff", "\u2028<", "", "")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		checkFields(t, map[string]string{k1: v1, k2: v2})
	})
}
