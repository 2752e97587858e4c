package interchange_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/interchange"
	"github.com/truce-org/truce/internal/testenv"
)

// TestACLEDCheckPassOrder: in a file of thousands of rows, the bad rows
// are reported in file order with their lines and columns, a duplicate
// far from its first row is found, and nothing is imported; --skip-bad
// imports the others.
func TestACLEDCheckPassOrder(t *testing.T) {
	e := testenv.New(t)
	day := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")
	var buf bytes.Buffer
	buf.WriteString("event_id_cnty,event_date,sub_event_type,latitude,longitude\n")
	const rows = 2000
	for i := range rows {
		lat, id := "36.05", fmt.Sprintf("TST%d", i)
		switch i {
		case 300, 1100:
			lat = "123.5"
		case 1900:
			id = "TST10"
		}
		fmt.Fprintf(&buf, "%s,%s,Armed clash,%s,36.4\n", id, day, lat)
	}
	data := buf.Bytes()
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	size := e.JournalSize(t)
	res, err := interchange.ImportACLED(as("us-analyst"), e.App.Office, open, interchange.ACLEDOptions{})
	var bre *interchange.BadRowsError
	if !errors.As(err, &bre) {
		t.Fatalf("import: %v, want bad rows", err)
	}
	want := []string{"302 latitude", "1102 latitude", "1902 event_id_cnty"}
	var got []string
	for _, r := range res.Bad {
		got = append(got, fmt.Sprint(r.Line, " ", r.Column))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || res.Rows != rows || res.Imported != 0 {
		t.Fatalf("bad rows %v of %d rows, %d imported; want %v of %d, none", got, res.Rows, res.Imported, want, rows)
	}
	if e.JournalSize(t) != size {
		t.Fatal("a file with bad rows wrote to the journal")
	}
	// --skip-bad imports the others.
	res, err = interchange.ImportACLED(as("us-analyst"), e.App.Office, open, interchange.ACLEDOptions{SkipBad: true})
	if err != nil || res.Imported != rows-3 || len(res.Bad) != 3 {
		t.Fatalf("skip bad: %+v, %v", res, err)
	}
}

// TestACLEDReleaseGroups: released in entries of a few reports committed a
// few entries at a time, every row of the file becomes one released
// incident, the last group (smaller) included; importing again writes
// nothing.
func TestACLEDReleaseGroups(t *testing.T) {
	e := testenv.New(t)
	day := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")
	var buf bytes.Buffer
	buf.WriteString("event_id_cnty,event_date,sub_event_type,latitude,longitude\n")
	const rows = 230 // entries of 10: 23 entries, groups of 3: 7 whole and one of 2
	for i := range rows {
		fmt.Fprintf(&buf, "GRP%d,%s,Armed clash,36.05,%.3f\n", i, day, 36+float64(i)/1000)
	}
	data := buf.Bytes()
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	size := e.JournalSize(t)
	opt := interchange.ACLEDOptions{Release: true, ChunkRows: 10, CommitEntries: 3, InFlight: 6}
	res, err := interchange.ImportACLED(as("us-official"), e.App.Office, open, opt)
	if err != nil || res.Imported != rows || res.Entries != 23 {
		t.Fatalf("import: %+v, %v; want %d imported in 23 entries", res, err, rows)
	}
	if got := e.JournalSize(t) - size; got != 23 {
		t.Fatalf("journal grew by %d entries, want 23", got)
	}
	ids := map[string]bool{}
	err = interchange.EachIncident(as("us-official"), e.App.Office, storeFilter(nil), func(i truce.Incident) error {
		if i.External != nil && strings.HasPrefix(i.External.ID, "GRP") {
			if ids[i.External.ID] {
				return fmt.Errorf("%s released twice", i.External.ID)
			}
			ids[i.External.ID] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != rows {
		t.Fatalf("%d of the file's events released, want %d", len(ids), rows)
	}
	res, err = interchange.ImportACLED(as("us-official"), e.App.Office, open, opt)
	if err != nil || res.Imported != 0 || res.Existing != rows || e.JournalSize(t)-size != 23 {
		t.Fatalf("import again: %+v, %v; want nothing new", res, err)
	}
}
