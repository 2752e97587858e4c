package interchange_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

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
