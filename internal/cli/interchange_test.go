package cli_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce/internal/acled"
	"github.com/truce-org/truce/internal/acled/acledtest"
	"github.com/truce-org/truce/internal/testenv"
)

// genACLED writes n generated rows over the demo's area, dated in the
// 60 days before now, and returns the path.
func genACLED(t *testing.T, dir string, n int, seed uint64) string {
	t.Helper()
	path := filepath.Join(dir, "events.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if err := acledtest.Write(f, acledtest.Config{Rows: n, Seed: seed, From: today.AddDate(0, 0, -60), Until: today}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// readRows reads a CSV file into rows keyed by their first cell.
func readRows(t *testing.T, path string) (header []string, rows map[string][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows = map[string][]string{}
	for _, r := range all[1:] {
		rows[r[0]] = r
	}
	return all[0], rows
}

type statsAnswer struct {
	Series []struct {
		Key    string `json:"key"`
		Counts []struct {
			Count int `json:"count"`
		} `json:"counts"`
	} `json:"series"`
}

func violationTotal(t *testing.T, e *testenv.Env) int {
	t.Helper()
	r := e.Do(t, "ru-observer", "GET", "/api/v1/stats/violations?by=zone&interval=week", nil)
	if r.Status != 200 {
		t.Fatalf("stats: %d %s", r.Status, r.Body)
	}
	var s statsAnswer
	r.JSON(t, &s)
	n := 0
	for _, x := range s.Series {
		for _, c := range x.Counts {
			n += c.Count
		}
	}
	return n
}

// TestImportACLEDEndToEnd imports a generated ACLED file into the demo as
// an official's release through the CLI, sees its violations in the
// statistics, verifies the journal, imports it again (nothing new), and
// exports the incidents as ACLED: every row comes back as it went in.
func TestImportACLEDEndToEnd(t *testing.T) {
	e := testenv.New(t)
	dir := t.TempDir()
	src := genACLED(t, dir, 3000, 7)
	before := violationTotal(t, e)
	size0 := e.JournalSize(t)

	out := mustRun(t, "", "import", "acled", src, "--db", e.DB, "--keys", e.Keys, "--user", "us-official", "--release")
	if !strings.Contains(out, "read 3000 rows: 3000 incidents imported and released") {
		t.Fatalf("import: %s", out)
	}
	if !strings.Contains(out, "actors created: ") || !strings.Contains(out, "Unnamed Armed Group A (illustrative)") {
		t.Fatalf("import did not create the missing actors: %s", out)
	}
	entries := e.JournalSize(t) - size0
	// A few incident.import entries (each up to office.MaxImportBody) and
	// one actor.create per new actor: nothing like one entry per row.
	if entries < 4 || entries > 20 {
		t.Fatalf("journal grew by %d entries", entries)
	}
	after := violationTotal(t, e)
	if after <= before {
		t.Fatalf("violations in the stats: %d before, %d after the import", before, after)
	}
	if out := mustRun(t, "", "verify", "--db", e.DB, "--keys", e.Keys); !strings.Contains(out, "office state matches") {
		t.Fatalf("verify: %s", out)
	}

	size1 := e.JournalSize(t)
	out = mustRun(t, "", "import", "acled", src, "--db", e.DB, "--keys", e.Keys, "--user", "us-official", "--release")
	if !strings.Contains(out, "0 incidents imported and released in 0 journal entries, 3000 already imported") {
		t.Fatalf("second import: %s", out)
	}
	if e.JournalSize(t) != size1 {
		t.Fatalf("second import wrote to the journal")
	}

	exp := filepath.Join(dir, "export.csv")
	mustRun(t, "", "export", "incidents", "--format", "acled", exp, "--db", e.DB, "--keys", e.Keys, "--user", "ru-observer")
	h0, want := readRows(t, src)
	h1, got := readRows(t, exp)
	if !slices.Equal(h0, h1) || !slices.Equal(h1, acled.Columns) {
		t.Fatalf("header %q, want %q", h1, h0)
	}
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			t.Fatalf("event %s not exported", id)
		}
		if !slices.Equal(g, w) {
			t.Fatalf("event %s exported as\n%q\nwant\n%q", id, g, w)
		}
	}
	// The demo's own incidents are exported too, with truce ids.
	if len(got) <= len(want) {
		t.Fatalf("export has %d rows, the file %d", len(got), len(want))
	}
}

// officeCounts is what an import could change: the journal's size, the
// incidents us-official sees (office ones and us's drafts), and the actors.
type officeCounts struct{ journal, incidents, actors int64 }

func countsOf(t *testing.T, e *testenv.Env) officeCounts {
	t.Helper()
	var fc struct {
		Features []json.RawMessage `json:"features"`
	}
	e.Do(t, "us-official", "GET", "/api/v1/incidents?limit=10000", nil).JSON(t, &fc)
	var actors struct {
		Items []json.RawMessage `json:"items"`
	}
	e.Do(t, "us-official", "GET", "/api/v1/actors?limit=10000", nil).JSON(t, &actors)
	return officeCounts{e.JournalSize(t), int64(len(fc.Features)), int64(len(actors.Items))}
}

// TestImportACLEDBadRows: a file with bad rows imports nothing by default
// (journal, incidents and actors unchanged; the error names the line and
// column); --skip-bad imports the others and writes the report.
func TestImportACLEDBadRows(t *testing.T) {
	e := testenv.New(t)
	dir := t.TempDir()
	src := genACLED(t, dir, 40, 3)
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	// Line 5 gets a latitude out of range, line 9 an unknown sub-event
	// type, line 12 the event id of line 3, and a new actor appears only
	// on bad line 5.
	lines[4] = strings.Replace(lines[4], ",Examplia (illustrative),", ",Examplia (illustrative),", 1)
	cells := strings.Split(lines[4], ",")
	cells[22], cells[7] = "123.5", "Only On A Bad Row (illustrative)"
	lines[4] = strings.Join(cells, ",")
	cells = strings.Split(lines[8], ",")
	cells[6] = "Picnic"
	lines[8] = strings.Join(cells, ",")
	cells = strings.Split(lines[11], ",")
	cells[0] = strings.Split(lines[2], ",")[0]
	lines[11] = strings.Join(cells, ",")
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	before := countsOf(t, e)
	for _, release := range []bool{false, true} {
		args := []string{"import", "acled", bad, "--db", e.DB, "--keys", e.Keys, "--user", "us-official"}
		if release {
			args = append(args, "--release")
		}
		r := truce(t, "", args...)
		if r.code == 0 || !strings.Contains(r.stderr, "line 5, column latitude") || !strings.Contains(r.stderr, "2 more bad rows") ||
			!strings.Contains(r.stderr, "nothing imported") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Fatalf("bad file (release %v): exit %d, stderr %q", release, r.code, r.stderr)
		}
		if after := countsOf(t, e); after != before {
			t.Fatalf("a refused file changed the office: %+v, then %+v", before, after)
		}
	}

	// Members who may not import change nothing either (no actor is created).
	for _, c := range []struct{ user, flag string }{{"us-analyst", "--release"}, {"us-planner", ""}, {"admin", ""}} {
		args := []string{"import", "acled", src, "--db", e.DB, "--keys", e.Keys, "--user", c.user}
		if c.flag != "" {
			args = append(args, c.flag)
		}
		if r := truce(t, "", args...); r.code == 0 || !strings.Contains(r.stderr, "truce: ") {
			t.Fatalf("import as %s %s: exit %d %q", c.user, c.flag, r.code, r.stderr)
		}
		if after := countsOf(t, e); after != before {
			t.Fatalf("a refused import as %s changed the office: %+v, then %+v", c.user, before, after)
		}
	}

	report := filepath.Join(dir, "report.csv")
	out := mustRun(t, "", "import", "acled", bad, "--db", e.DB, "--keys", e.Keys, "--user", "us-analyst", "--skip-bad", "--report", report)
	if !strings.Contains(out, "read 40 rows: 37 incidents imported as drafts, 0 already imported, 3 bad") {
		t.Fatalf("--skip-bad: %s", out)
	}
	_, rep := readRows(t, report)
	want := map[string]string{"5": "latitude", "9": "sub_event_type", "12": "event_id_cnty"}
	if len(rep) != len(want) {
		t.Fatalf("report %v", rep)
	}
	for line, col := range want {
		if rep[line] == nil || rep[line][1] != col || rep[line][2] == "" {
			t.Errorf("report row of line %s: %q, want column %s", line, rep[line], col)
		}
	}
	after := countsOf(t, e)
	if created := after.actors - before.actors; created == 0 || after.journal != before.journal+created || after.incidents != before.incidents+37 {
		// Drafts reach no journal; the actors the good rows name and the
		// demo lacks are created (one actor.create entry each).
		t.Fatalf("after --skip-bad: %+v, before %+v", after, before)
	}
	if strings.Contains(out, "Only On A Bad Row") {
		t.Fatalf("an actor named only on a bad row was created: %s", out)
	}
	// Drafts are us's: ru sees none of them, not even in an export.
	var fc struct {
		Features []json.RawMessage `json:"features"`
	}
	exp := filepath.Join(dir, "ru.csv")
	mustRun(t, "", "export", "incidents", "--format", "acled", exp, "--db", e.DB, "--keys", e.Keys, "--user", "ru-official")
	if b, _ := os.ReadFile(exp); strings.Contains(string(b), "EXA1,") {
		t.Fatalf("ru's export holds us's drafts")
	}

	// Importing again as drafts changes nothing; releasing them then
	// releases the drafts (the same ids) and removes them from the HQ.
	out = mustRun(t, "", "import", "acled", bad, "--db", e.DB, "--keys", e.Keys, "--user", "us-analyst", "--skip-bad", "--report", report)
	if !strings.Contains(out, "0 incidents imported as drafts, 37 already imported") {
		t.Fatalf("second draft import: %s", out)
	}
	out = mustRun(t, "", "import", "acled", bad, "--db", e.DB, "--keys", e.Keys, "--user", "us-official", "--skip-bad", "--report", report, "--release")
	if !strings.Contains(out, "37 incidents imported and released") {
		t.Fatalf("release of the drafts: %s", out)
	}
	if got := countsOf(t, e); got.incidents != after.incidents {
		t.Fatalf("releasing the drafts changed the count of incidents us sees: %d, want %d", got.incidents, after.incidents)
	}
	e.Do(t, "ru-official", "GET", "/api/v1/incidents?limit=10000", nil).JSON(t, &fc)
	if int64(len(fc.Features)) < 37 {
		t.Fatalf("ru sees %d incidents after the release", len(fc.Features))
	}
	if out := mustRun(t, "", "verify", "--db", e.DB, "--keys", e.Keys); !strings.Contains(out, "office state matches") {
		t.Fatalf("verify: %s", out)
	}
}

type featureOut struct {
	Type       string          `json:"type"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
}

func readCollection(t *testing.T, data []byte) []featureOut {
	t.Helper()
	var fc struct {
		Type     string       `json:"type"`
		Features []featureOut `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil || fc.Type != "FeatureCollection" {
		t.Fatalf("not a FeatureCollection (%v): %.300s", err, data)
	}
	return fc.Features
}

// TestGeoJSONRoundTrip exports zones and incidents as GeoJSON through the
// CLI, imports them again as another party's drafts, and finds the same
// names, categories, windows, geometries, types and texts.
func TestGeoJSONRoundTrip(t *testing.T) {
	e := testenv.New(t)
	dir := t.TempDir()
	for _, what := range []string{"zones", "incidents"} {
		exp := filepath.Join(dir, what+".geojson")
		mustRun(t, "", "export", what, "--format", "geojson", exp, "--db", e.DB, "--keys", e.Keys, "--user", "us-analyst")
		data, err := os.ReadFile(exp)
		if err != nil {
			t.Fatal(err)
		}
		orig := readCollection(t, data)
		if len(orig) < 3 {
			t.Fatalf("%s export has %d features", what, len(orig))
		}
		out := mustRun(t, "", "import", "geojson", exp, "--as", what, "--db", e.DB, "--keys", e.Keys, "--user", "ru-analyst")
		if !strings.Contains(out, "read "+strconv.Itoa(len(orig))+" features: "+strconv.Itoa(len(orig))+" ") {
			t.Fatalf("import %s: %s", what, out)
		}
		// ru's drafts are the features created: ru's export minus the office's.
		exp2 := filepath.Join(dir, what+"-ru.geojson")
		mustRun(t, "", "export", what, exp2, "--db", e.DB, "--keys", e.Keys, "--user", "ru-analyst")
		data2, _ := os.ReadFile(exp2)
		var drafts []featureOut
		for _, f := range readCollection(t, data2) {
			if f.Properties["status"] == "draft" && f.Properties["owner"] == "ru" {
				drafts = append(drafts, f)
			}
		}
		if len(drafts) != len(orig) {
			t.Fatalf("%d %s drafts of ru, want %d", len(drafts), what, len(orig))
		}
		keys := []string{"name", "category", "valid_from", "valid_until", "buffer_m"}
		if what == "incidents" {
			keys = []string{"occurred_at", "type", "perpetrator", "target", "fatalities", "description", "sources"}
		}
		sig := func(f featureOut) string {
			var b strings.Builder
			var g any
			_ = json.Unmarshal(f.Geometry, &g)
			gb, _ := json.Marshal(g)
			b.Write(gb)
			for _, k := range keys {
				v, _ := json.Marshal(f.Properties[k])
				b.WriteString("|" + k + "=" + string(v))
			}
			return b.String()
		}
		want := map[string]int{}
		for _, f := range orig {
			want[sig(f)]++
		}
		for _, f := range drafts {
			s := sig(f)
			if want[s] == 0 {
				t.Fatalf("imported %s feature matches no exported one: %s", what, s)
			}
			want[s]--
		}
	}
}

// TestGeoJSONBadFeature: a bad feature is named by its index and path,
// and nothing of the collection is imported; --skip-bad imports the rest.
func TestGeoJSONBadFeature(t *testing.T) {
	e := testenv.New(t)
	dir := t.TempDir()
	zone := func(name, ring string) string {
		return `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[` + ring + `]},"properties":{"name":"` + name + `","category":"civilian_area"}}`
	}
	good := `[[36.1,36.1],[36.2,36.1],[36.2,36.2],[36.1,36.1]]`
	open := `[[36.1,36.1],[36.2,36.1],[36.2,36.2],[36.1,36.3]]`
	src := `{"type":"FeatureCollection","name":"from QGIS","features":[` + zone("Imported A (illustrative)", good) + "," +
		zone("Imported B (illustrative)", good) + "," + zone("Imported C (illustrative)", open) + "," +
		`{"type":"Feature","geometry":null,"properties":{"name":"Imported D (illustrative)","category":"nowhere"}}` + "]}"
	path := filepath.Join(dir, "zones.geojson")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var fc struct {
			Features []json.RawMessage `json:"features"`
		}
		e.Do(t, "us-analyst", "GET", "/api/v1/zones?limit=10000", nil).JSON(t, &fc)
		return len(fc.Features)
	}
	before, size := count(), e.JournalSize(t)
	r := truce(t, "", "import", "geojson", path, "--as", "zones", "--db", e.DB, "--keys", e.Keys, "--user", "us-analyst")
	if r.code == 0 || !strings.Contains(r.stderr, "feature 2: geometry.coordinates[0]") || !strings.Contains(r.stderr, "feature 3: properties.category") ||
		!strings.Contains(r.stderr, "2 bad features; nothing imported") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if count() != before || e.JournalSize(t) != size {
		t.Fatal("a refused collection changed something")
	}
	out := mustRun(t, "", "import", "geojson", path, "--as", "zones", "--db", e.DB, "--keys", e.Keys, "--user", "us-analyst", "--skip-bad")
	if !strings.Contains(out, "read 4 features: 2 zone drafts created, 2 bad") || count() != before+2 {
		t.Fatalf("--skip-bad: %s", out)
	}
	// Over HTTP the same collection is refused with the contract's error,
	// naming the first bad feature.
	var doc any
	_ = json.Unmarshal([]byte(src), &doc)
	resp := e.Do(t, "us-analyst", "POST", "/api/v1/import/geojson?as=zones", doc)
	var er struct {
		Error struct{ Code, Message, Field string } `json:"error"`
	}
	resp.JSON(t, &er)
	if resp.Status != 400 || er.Error.Code != "invalid" || !strings.HasPrefix(er.Error.Field, "features[2].geometry.coordinates[0]") ||
		!strings.HasPrefix(er.Error.Message, "feature 2: ") {
		t.Fatalf("HTTP import of a bad collection: %d %s", resp.Status, resp.Body)
	}
	if count() != before+2 {
		t.Fatal("the refused HTTP import changed something")
	}
}

// TestHTTPImportExportVisibility: a member imports over HTTP; the drafts
// are its party's, in its exports and not in another party's.
func TestHTTPImportExportVisibility(t *testing.T) {
	e := testenv.New(t)
	at := time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339)
	fc := map[string]any{"type": "FeatureCollection", "features": []any{
		map[string]any{"type": "Feature", "geometry": map[string]any{"type": "Point", "coordinates": []float64{36.4012345, 36.05}},
			"properties": map[string]any{"occurred_at": at, "type": "shelling", "description": "Imported over HTTP Vx8R (illustrative)",
				"id": "ignored", "status": "reported", "violations": []any{}}},
	}}
	r := e.Do(t, "us-analyst", "POST", "/api/v1/import/geojson?as=incidents", fc)
	if r.Status != 201 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	var res struct {
		Created []string `json:"created"`
	}
	r.JSON(t, &res)
	if len(res.Created) != 1 {
		t.Fatalf("created %v", res.Created)
	}
	for _, c := range []struct {
		user string
		see  bool
	}{{"us-observer", true}, {"us-official", true}, {"ru-official", false}, {"mon-observer", false}, {"admin", false}} {
		for _, f := range []string{"geojson", "acled"} {
			r := e.Do(t, c.user, "GET", "/api/v1/export/incidents?format="+f, nil)
			if r.Status != 200 {
				t.Fatalf("export as %s: %d %s", c.user, r.Status, r.Body)
			}
			if got := strings.Contains(string(r.Body), "Vx8R"); got != c.see {
				t.Errorf("%s export as %s holds the draft: %v, want %v", f, c.user, got, c.see)
			}
			if got := strings.Contains(string(r.Body), "36.4012345"); got != c.see {
				t.Errorf("%s export as %s holds the draft's position: %v, want %v", f, c.user, got, c.see)
			}
			ct := r.Header.Get("Content-Type")
			if (f == "acled") != strings.HasPrefix(ct, "text/csv") {
				t.Errorf("%s export Content-Type %q", f, ct)
			}
		}
	}
	if r := e.Do(t, "us-observer", "GET", "/api/v1/incidents/"+res.Created[0], nil); r.Status != 200 {
		t.Fatalf("the draft: %d", r.Status)
	}
	if r := e.Do(t, "ru-observer", "GET", "/api/v1/incidents/"+res.Created[0], nil); r.Status != 404 {
		t.Fatalf("another party reads the draft: %d", r.Status)
	}
	for _, q := range []string{"?format=csv", "?as=zones", "?limit=3"} {
		if r := e.Do(t, "us-observer", "GET", "/api/v1/export/incidents"+q, nil); r.Status != 400 {
			t.Errorf("export %s: %d", q, r.Status)
		}
	}
}

// TestInterchangeHelp: each import and export verb explains itself, with
// an example and its flags.
func TestInterchangeHelp(t *testing.T) {
	for _, c := range []struct {
		verb []string
		want []string
	}{
		{[]string{"import", "acled"}, []string{"--user", "--release", "--skip-bad", "--report", "event_id_cnty", "Example"}},
		{[]string{"import", "geojson"}, []string{"--user", "--as", "--skip-bad", "feature 12", "Example"}},
		{[]string{"export", "zones"}, []string{"--user", "--format", "Sites are never exported", "Example"}},
		{[]string{"export", "incidents"}, []string{"--user", "--format", "acled", "Example"}},
		{[]string{"import"}, []string{"acled", "geojson"}},
	} {
		r := truce(t, "", append(c.verb, "--help")...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: truce") {
			t.Errorf("truce %v --help: exit %d, %q", c.verb, r.code, r.stdout)
		}
		for _, w := range c.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("truce %v --help lacks %q", c.verb, w)
			}
		}
	}
	// A missing member is a one-line error.
	r := truce(t, "", "export", "zones", "-", "--db", "sqlite:"+filepath.Join(t.TempDir(), "x.db"), "--user", "nobody")
	if r.code == 0 || !strings.Contains(r.stderr, `no member "nobody"`) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("unknown member: exit %d, %q", r.code, r.stderr)
	}
}
