package acled

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce"
)

// TestTypeTable: every sub-event type of the codebook maps to a contract
// type, each contract type maps back to a sub-event type that maps to it,
// and the table holds every sub-event type REFERENCE.md lists.
func TestTypeTable(t *testing.T) {
	codebook := map[string][]string{
		"Battles":                    {"Government regains territory", "Non-state actor overtakes territory", "Armed clash"},
		"Explosions/Remote violence": {"Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack", "Remote explosive/landmine/IED", "Grenade"},
		"Violence against civilians": {"Sexual violence", "Attack", "Abduction/forced disappearance"},
		"Protests":                   {"Excessive force against protesters", "Protest with intervention", "Peaceful protest"},
		"Riots":                      {"Violent demonstration", "Mob violence"},
		"Strategic developments": {"Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
			"Headquarters or base established", "Looting/property destruction", "Non-violent transfer of territory", "Other"},
	}
	n := 0
	for ev, subs := range codebook {
		for _, sub := range subs {
			n++
			typ, ok := TypeOf(sub)
			if !ok || !typ.Valid() {
				t.Errorf("%q maps to %q, %v", sub, typ, ok)
			}
			if got := EventTypeOf(sub); got != ev {
				t.Errorf("event type of %q is %q, want %q", sub, got, ev)
			}
			// Any case and spacing.
			if typ2, ok := TypeOf("  " + strings.ToUpper(sub) + " "); !ok || typ2 != typ {
				t.Errorf("%q in upper case maps to %q", sub, typ2)
			}
		}
	}
	if n != len(Types) {
		t.Errorf("the table has %d rows, the codebook %d sub-event types", len(Types), n)
	}
	for _, typ := range truce.IncidentTypes {
		ev, sub := SubEventOf(typ)
		back, ok := TypeOf(sub)
		if !ok || EventTypeOf(sub) != ev {
			t.Errorf("%s exports as %q/%q, which is not in the table", typ, ev, sub)
		}
		if back != typ && typ != truce.IncidentOverflight {
			t.Errorf("%s exports as %q, which imports as %s", typ, sub, back)
		}
	}
	want := map[string]truce.IncidentType{
		"Armed clash": truce.IncidentArmedClash, "Air/drone strike": truce.IncidentAirStrike,
		"Shelling/artillery/missile attack": truce.IncidentShelling, "Attack": truce.IncidentAttackOnCivilians,
		"Abduction/forced disappearance": truce.IncidentAbduction, "Peaceful protest": truce.IncidentOther,
		"Headquarters or base established": truce.IncidentMovement, "Suicide bomb": truce.IncidentSuicideBomb,
	}
	for sub, w := range want {
		if got, _ := TypeOf(sub); got != w {
			t.Errorf("%q maps to %s, want %s", sub, got, w)
		}
	}
	if _, ok := TypeOf("Picnic"); ok {
		t.Error("an unknown sub-event type maps to something")
	}
}

func TestDates(t *testing.T) {
	want := time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)
	for _, s := range []string{"2024-03-15", "15 March 2024", "15-Mar-24", "15-Mar-2024", "15 Mar 2024", "March 15, 2024", " 2024-03-15 ", "2024/03/15"} {
		got, err := ParseDate(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseDate(%q) = %v, %v", s, got, err)
		}
	}
	if got, err := ParseDate("5 March 2024"); err != nil || got.Day() != 5 {
		t.Errorf("one-digit day: %v %v", got, err)
	}
	for _, s := range []string{"", "2024-13-01", "15/03/2024", "yesterday", "2024-02-30"} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) accepted", s)
		}
	}
}

func readAll(t *testing.T, src string) ([]Event, []*RowError, error) {
	t.Helper()
	r, err := NewReader(strings.NewReader(src))
	if err != nil {
		return nil, nil, err
	}
	var evs []Event
	var bad []*RowError
	for {
		ev, err := r.Read()
		if errors.Is(err, io.EOF) {
			return evs, bad, nil
		}
		var re *RowError
		if errors.As(err, &re) {
			bad = append(bad, re)
			continue
		}
		if err != nil {
			return evs, bad, err
		}
		evs = append(evs, ev)
	}
}

// TestSpellingsBOMAndCRLF: a shapefile-style upper-case header cut to 10
// characters, with a byte-order mark and CRLF line ends, an extra column
// and one truce does not read, reads like the codebook's.
func TestSpellingsBOMAndCRLF(t *testing.T) {
	src := "\ufeffEVENT_ID_C,EVENT_DATE,YEAR,TIME_PRECI,EVENT_TYPE,SUB_EVENT_,ACTOR1,ASSOC_ACTO,LAT,Long,GEO_PRECIS,SOURCE,NOTES,FATALITIES,ISO3,Colour\r\n" +
		"SYR123,15 March 2024,2024,2,Battles,Armed clash,Group A,Group C,36.1,36.4,1,Wire A; Wire B,\"Notes, with a comma\r\nand a line\",3,SYR,red\r\n" +
		"SYR124,16-Mar-24,,,,Air/drone strike,,,36.2,36.5,,,,,,\r\n"
	r, err := NewReader(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Ignored(), []string{"Colour"}) {
		t.Errorf("ignored %q", r.Ignored())
	}
	evs, bad, err := readAll(t, src)
	if err != nil || len(bad) > 0 || len(evs) != 2 {
		t.Fatalf("%d events, bad %v, %v", len(evs), bad, err)
	}
	e := evs[0]
	if e.EventID != "SYR123" || !e.Date.Equal(time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)) || e.TimePrecision != 2 ||
		e.GeoPrecision != 1 || e.Lat != 36.1 || e.Lon != 36.4 || e.Fatalities != 3 || e.Actor1 != "Group A" ||
		e.Notes != "Notes, with a comma\nand a line" /* encoding/csv reads a quoted CRLF as LF */ || e.Fields["assoc_actor_1"] != "Group C" || e.Fields["iso3"] != "SYR" || e.Line != 2 {
		t.Errorf("event %+v", e)
	}
	if evs[1].Line != 4 || evs[1].EventID != "SYR124" || evs[1].Date.Day() != 16 {
		t.Errorf("second event %+v (its row starts on line 4, after a quoted line break)", evs[1])
	}
	c := Content(e)
	if c.Type != truce.IncidentArmedClash || !slices.Equal(c.Sources, []string{"Wire A", "Wire B"}) ||
		string(c.Geometry) != `{"type":"Point","coordinates":[36.4,36.1]}` || c.External.ID != "SYR123" {
		t.Errorf("content %+v", c)
	}
}

// TestBadRows: each bad row names its line and column, and the reader
// goes on with the next row.
func TestBadRows(t *testing.T) {
	header := strings.Join(Columns, ",") + "\n"
	row := func(kv map[string]string) string {
		cells := make([]string, len(Columns))
		base := map[string]string{"event_id_cnty": "X1", "event_date": "2024-03-15", "sub_event_type": "Armed clash", "latitude": "36", "longitude": "36"}
		for k, v := range kv {
			base[k] = v
		}
		for i, c := range Columns {
			cells[i] = base[c]
		}
		return strings.Join(cells, ",") + "\n"
	}
	cases := []struct {
		kv     map[string]string
		column string
		msg    string
	}{
		{map[string]string{"event_date": "15/03/2024"}, "event_date", "not a date"},
		{map[string]string{"latitude": "91"}, "latitude", "outside"},
		{map[string]string{"longitude": "east"}, "longitude", "not a number"},
		{map[string]string{"sub_event_type": "Picnic"}, "sub_event_type", "not one of ACLED's sub-event types"},
		{map[string]string{"event_type": "Riots"}, "event_type", "not of event type"},
		{map[string]string{"fatalities": "-1"}, "fatalities", "count"},
		{map[string]string{"geo_precision": "4"}, "geo_precision", "1, 2 or 3"},
		{map[string]string{"event_id_cnty": ""}, "event_id_cnty", "empty"},
		{map[string]string{"year": "2023"}, "year", "not event_date's year"},
	}
	var src strings.Builder
	src.WriteString(header)
	for _, c := range cases {
		src.WriteString(row(c.kv))
		src.WriteString(row(nil))
	}
	evs, bad, err := readAll(t, src.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != len(cases) || len(bad) != len(cases) {
		t.Fatalf("%d good, %d bad rows; want %d each", len(evs), len(bad), len(cases))
	}
	for k, c := range cases {
		b := bad[k]
		if b.Line != 2+2*k || b.Column != c.column || !strings.Contains(b.Message, c.msg) {
			t.Errorf("case %d: %v; want line %d, column %s, %q", k, b, 2+2*k, c.column, c.msg)
		}
		if !strings.Contains(b.Error(), "column "+c.column) {
			t.Errorf("case %d: %q does not name the column", k, b.Error())
		}
	}
	// A row with the wrong number of cells, and a header without a column truce needs.
	_, bad, _ = readAll(t, header+"X1,2024-03-15\n"+row(nil))
	if len(bad) != 1 || bad[0].Line != 2 {
		t.Errorf("short row: %v", bad)
	}
	if _, err := NewReader(strings.NewReader("event_id_cnty,event_date\n")); err == nil || !strings.Contains(err.Error(), "sub_event_type") {
		t.Errorf("header without sub_event_type: %v", err)
	}
	if _, err := NewReader(strings.NewReader("")); err == nil {
		t.Error("empty file accepted")
	}
}

// TestRecordRoundTrip: an event written as a record reads back to the same
// content; cells that a spreadsheet would run as formulas are quoted and
// unquoted.
func TestRecordRoundTrip(t *testing.T) {
	header := strings.Join(Columns, ",") + "\n"
	cells := map[string]string{
		"event_id_cnty": "EXA9", "event_date": "2024-03-15", "year": "2024", "time_precision": "1", "disorder_type": "Political violence",
		"event_type": "Explosions/Remote violence", "sub_event_type": "Chemical weapon", "actor1": "=HYPERLINK(\"x\")", "actor2": "",
		"latitude": "-3.25", "longitude": "-60.5", "geo_precision": "2", "source": "A;B", "notes": "-dash first", "fatalities": "0",
		"timestamp": "1700000000", "admin1": "@home",
	}
	var line []string
	for _, c := range Columns {
		v := cells[c]
		if c != "latitude" && c != "longitude" {
			v = neutralize(v)
		}
		if strings.ContainsAny(v, ",\"") {
			v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
		}
		line = append(line, v)
	}
	evs, bad, err := readAll(t, header+strings.Join(line, ",")+"\n")
	if err != nil || len(bad) > 0 || len(evs) != 1 {
		t.Fatalf("%v %v %v", evs, bad, err)
	}
	ev := evs[0]
	if ev.Actor1 != `=HYPERLINK("x")` || ev.Notes != "-dash first" || ev.Fields["admin1"] != "@home" || ev.Lat != -3.25 {
		t.Fatalf("unquoting: %+v", ev)
	}
	c := Content(ev)
	id := "act_1"
	inc := truce.Incident{ID: "inc_x", IncidentContent: c}
	inc.Perpetrator = &id
	inc.External.Fields["actor1"] = ev.Actor1
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(inc, func(string) string { return "Canonical name" }); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`"'=HYPERLINK(""x"")"`, "'-dash first", "'@home", "-3.25", "-60.5", "Chemical weapon", "A;B"} {
		if !strings.Contains(out, want) {
			t.Errorf("export lacks %q:\n%s", want, out)
		}
	}
	evs2, bad, err := readAll(t, out)
	if err != nil || len(bad) > 0 || len(evs2) != 1 {
		t.Fatalf("re-read: %v %v", bad, err)
	}
	c2 := Content(evs2[0])
	if c2.Type != c.Type || c2.Description != c.Description || string(c2.Geometry) != string(c.Geometry) ||
		!slices.Equal(c2.Sources, c.Sources) || c2.External.ID != c.External.ID || evs2[0].Actor1 != ev.Actor1 {
		t.Errorf("round trip:\n%+v\n%+v", c2, c)
	}
}

// FuzzReader: whatever the bytes, the reader returns events, row errors
// with a line, or an error, never panics; every event it returns makes
// content with a valid type and coordinates.
func FuzzReader(f *testing.F) {
	header := strings.Join(Columns, ",") + "\n"
	f.Add([]byte(header + "X1,2024-03-15,2024,1,,Battles,Armed clash,A,,,B,,,,,,,,,,,,36,36,1,S,,N,0,,1\n"))
	f.Add([]byte("\ufeffEVENT_ID_C,EVENT_DATE,SUB_EVENT_,LAT,LON\r\nX,15 March 2024,Attack,1,2\r\n"))
	f.Add([]byte(header + "\"unterminated\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		for range 1000 {
			ev, err := r.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			var re *RowError
			if errors.As(err, &re) {
				if re.Line < 1 {
					t.Fatalf("row error without a line: %v", re)
				}
				continue
			}
			if err != nil {
				return
			}
			c := Content(ev)
			if !c.Type.Valid() || ev.Lat < -90 || ev.Lat > 90 || ev.Lon < -180 || ev.Lon > 180 || ev.EventID == "" {
				t.Fatalf("bad event accepted: %+v", ev)
			}
		}
	})
}
