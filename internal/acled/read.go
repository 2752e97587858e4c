package acled

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one ACLED row as truce reads it.
type Event struct {
	Line          int // where the row starts in the file, from 1 (the header)
	EventID       string
	Date          time.Time // 00:00 UTC of event_date
	TimePrecision int       // 0 when not given
	GeoPrecision  int       // 0 when not given
	EventType     string
	SubEventType  string
	Actor1        string
	Actor2        string
	Lat, Lon      float64
	Fatalities    int
	Notes         string
	Source        string
	// Fields are the row's other non-empty columns by codebook name (year
	// excepted: it is event_date's).
	Fields map[string]string
}

// RowError is a bad row: its line, the column at fault and why.
type RowError struct {
	Line    int
	Column  string
	Message string
}

func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Message)
}

// required are the columns a file must have.
var required = []string{"event_id_cnty", "event_date", "sub_event_type", "latitude", "longitude"}

// Reader reads ACLED rows from CSV.
type Reader struct {
	cr      *csv.Reader
	cols    []string // codebook name of each column, "" for one truce does not read
	ignored []string
}

// Limits of what one row may hold.
const (
	maxCell  = 10_000
	maxRow   = 64 << 10
	maxIDLen = 200
)

// NewReader reads the header row. A byte-order mark, CRLF line ends and the
// other spellings of column names (see Canonical) are accepted.
func NewReader(r io.Reader) (*Reader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &RowError{Line: 1, Message: "the file is empty; an ACLED header row is required"}
		}
		return nil, csvError(err)
	}
	rd := &Reader{cr: cr, cols: make([]string, len(header))}
	seen := map[string]bool{}
	for i, h := range header {
		c, ok := Canonical(h)
		if !ok {
			rd.ignored = append(rd.ignored, strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
			continue
		}
		if seen[c] {
			return nil, &RowError{Line: 1, Column: c, Message: fmt.Sprintf("column %s is given twice (%q)", c, h)}
		}
		seen[c] = true
		rd.cols[i] = c
	}
	for _, c := range required {
		if !seen[c] {
			return nil, &RowError{Line: 1, Column: c, Message: fmt.Sprintf("the header has no %s column", c)}
		}
	}
	return rd, nil
}

// Ignored lists the header's columns that truce does not read.
func (r *Reader) Ignored() []string { return r.ignored }

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &RowError{Line: pe.StartLine, Message: fmt.Sprintf("malformed CSV at line %d, column %d: %v", pe.Line, pe.Column, pe.Err)}
	}
	return err
}

// Read returns the next row. It returns io.EOF at the end, a *RowError for
// a bad row (the next Read goes on with the row after it), and any other
// error when reading cannot go on.
func (r *Reader) Read() (Event, error) {
	rec, err := r.cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) && !errors.Is(pe.Err, csv.ErrFieldCount) {
			return Event{}, csvError(err)
		}
		if !errors.As(err, &pe) {
			return Event{}, err
		}
	}
	line, _ := r.cr.FieldPos(0)
	if len(rec) != len(r.cols) {
		return Event{}, &RowError{Line: line, Message: fmt.Sprintf("the row has %d cells, the header %d", len(rec), len(r.cols))}
	}
	return parseRow(line, r.cols, rec)
}

// dateLayouts are event_date's formats: the current one, then older ones.
var dateLayouts = []string{"2006-01-02", "02 January 2006", "2 January 2006", "02-Jan-06", "2-Jan-06",
	"02-Jan-2006", "2-Jan-2006", "02 Jan 2006", "2 Jan 2006", "January 2, 2006", "2006/01/02"}

// ParseDate reads an event_date in any of ACLED's formats.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD, DD Month YYYY or DD-Mon-YY)", s)
}

// unneutralize undoes the quote a spreadsheet-safe export puts before a
// cell that starts with =, +, - or @.
func unneutralize(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.ContainsRune("=+-@", rune(s[1])) {
		return s[1:]
	}
	return s
}

func parseRow(line int, cols, rec []string) (Event, error) {
	ev := Event{Line: line, Fields: map[string]string{}}
	bad := func(col, format string, a ...any) (Event, error) {
		return Event{}, &RowError{Line: line, Column: col, Message: fmt.Sprintf(format, a...)}
	}
	size := 0
	var lat, lon string
	for i, c := range cols {
		if c == "" {
			continue
		}
		v := rec[i]
		size += len(v)
		if len(v) > maxCell {
			return bad(c, "longer than %d bytes", maxCell)
		}
		if !utf8.ValidString(v) {
			return bad(c, "not valid UTF-8")
		}
		v = unneutralize(strings.TrimSpace(v))
		switch c {
		case "event_id_cnty":
			ev.EventID = v
		case "event_date":
			t, err := ParseDate(v)
			if err != nil {
				return bad(c, "%v", err)
			}
			ev.Date = t
		case "year":
			// checked against event_date below
			ev.Fields[c] = v
		case "time_precision", "geo_precision":
			n := 0
			if v != "" {
				var err error
				if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 3 {
					return bad(c, "%q is not 1, 2 or 3", v)
				}
			}
			if c == "time_precision" {
				ev.TimePrecision = n
			} else {
				ev.GeoPrecision = n
			}
		case "event_type":
			ev.EventType = v
		case "sub_event_type":
			ev.SubEventType = v
		case "actor1":
			ev.Actor1 = v
		case "actor2":
			ev.Actor2 = v
		case "latitude":
			lat = v
		case "longitude":
			lon = v
		case "fatalities":
			if v != "" {
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					return bad(c, "%q is not a count of 0 or more", v)
				}
				ev.Fatalities = n
			}
		case "notes":
			ev.Notes = v
		case "source":
			ev.Source = v
		default:
			if v != "" {
				ev.Fields[c] = v
			}
		}
	}
	if size > maxRow {
		return bad("", "the row is longer than %d bytes", maxRow)
	}
	if ev.EventID == "" {
		return bad("event_id_cnty", "event_id_cnty is empty")
	}
	if len(ev.EventID) > maxIDLen {
		return bad("event_id_cnty", "longer than %d bytes", maxIDLen)
	}
	if ev.Date.IsZero() {
		return bad("event_date", "event_date is empty")
	}
	if y, ok := ev.Fields["year"]; ok {
		delete(ev.Fields, "year")
		if y != "" && y != strconv.Itoa(ev.Date.Year()) {
			return bad("year", "year %q is not event_date's year %d", y, ev.Date.Year())
		}
	}
	if ev.SubEventType == "" {
		return bad("sub_event_type", "sub_event_type is empty")
	}
	if _, ok := TypeOf(ev.SubEventType); !ok {
		return bad("sub_event_type", "%q is not one of ACLED's sub-event types", ev.SubEventType)
	}
	if ev.EventType != "" && !strings.EqualFold(ev.EventType, EventTypeOf(ev.SubEventType)) {
		return bad("event_type", "sub-event type %q is not of event type %q", ev.SubEventType, ev.EventType)
	}
	var err error
	if ev.Lat, err = coordinate(lat, 90); err != nil {
		return bad("latitude", "%v", err)
	}
	if ev.Lon, err = coordinate(lon, 180); err != nil {
		return bad("longitude", "%v", err)
	}
	return ev, nil
}

func coordinate(s string, limit float64) (float64, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if f < -limit || f > limit {
		return 0, fmt.Errorf("%s is outside [-%g, %g]", s, limit, limit)
	}
	return f, nil
}
