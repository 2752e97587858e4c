package cli_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
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
