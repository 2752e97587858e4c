package acled

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/truce-org/truce"
)

// Source is the ExternalRecord.Source of incidents read from ACLED rows.
const Source = "acled"

// Content is the incident an event makes, its actors left out (perpetrator
// and target are actor ids, which the caller resolves from Actor1 and
// Actor2). ACLED's id, precisions and the columns truce has no field for
// are kept in External; so are event_type and sub_event_type, which the
// incident type does not tell apart.
func Content(ev Event) truce.IncidentContent {
	g := make([]byte, 0, 64)
	g = append(g, `{"type":"Point","coordinates":[`...)
	g = strconv.AppendFloat(g, ev.Lon, 'f', -1, 64)
	g = append(g, ',')
	g = strconv.AppendFloat(g, ev.Lat, 'f', -1, 64)
	g = append(g, "]}"...)
	typ, _ := TypeOf(ev.SubEventType)
	fields := make(map[string]string, len(ev.Fields)+3)
	for k, v := range ev.Fields {
		fields[k] = v
	}
	fields["sub_event_type"] = ev.SubEventType
	if ev.EventType != "" {
		fields["event_type"] = ev.EventType
	}
	sources := SplitSources(ev.Source)
	if strings.Join(sources, "; ") != ev.Source {
		fields["source"] = ev.Source
	}
	return truce.IncidentContent{
		OccurredAt: ev.Date, Type: typ, Fatalities: ev.Fatalities, Description: ev.Notes, Sources: sources,
		Geometry: g,
		External: &truce.ExternalRecord{
			Source: Source, ID: ev.EventID, GeoPrecision: ev.GeoPrecision, TimePrecision: ev.TimePrecision, Fields: fields,
		},
	}
}

// SplitSources splits ACLED's source cell ("A; B") into sources.
func SplitSources(s string) []string {
	out := []string{}
	for p := range strings.SplitSeq(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// numeric are the columns written as they are; every other cell that
// starts with =, +, - or @ is quoted for spreadsheets (and unquoted on read).
var numeric = map[string]bool{
	"event_date": true, "year": true, "time_precision": true, "inter1": true, "inter2": true, "interaction": true,
	"latitude": true, "longitude": true, "geo_precision": true, "fatalities": true, "timestamp": true,
}

func neutralize(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Writer writes incidents as ACLED rows.
type Writer struct {
	cw  *csv.Writer
	row []string
}

// NewWriter writes the header row to w.
func NewWriter(w io.Writer) (*Writer, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return nil, err
	}
	return &Writer{cw: cw, row: make([]string, len(Columns))}, nil
}

// Write writes one incident; name returns an actor's name from its id.
func (w *Writer) Write(i truce.Incident, name func(id string) string) error {
	Record(w.row, i, name)
	return w.cw.Write(w.row)
}

// Flush writes what is buffered and reports any error so far.
func (w *Writer) Flush() error {
	w.cw.Flush()
	return w.cw.Error()
}

// Record fills row (len(Columns) cells) with incident i as an ACLED row.
// An incident read from ACLED gives back the cells it was read from.
func Record(row []string, i truce.Incident, name func(id string) string) {
	var fields map[string]string
	imported := i.External != nil && i.External.Source == Source
	if imported {
		fields = i.External.Fields
	}
	get := func(col, def string) string {
		if v, ok := fields[col]; ok {
			return v
		}
		return def
	}
	ev, sub := SubEventOf(i.Type)
	if s, ok := fields["sub_event_type"]; ok {
		if t, known := TypeOf(s); known && t == i.Type {
			sub, ev = s, get("event_type", EventTypeOf(s))
		}
	}
	disorder := "Strategic developments"
	if i.Type.Hostile() {
		disorder = "Political violence"
	}
	actor := func(col string, id *string) string {
		if v, ok := fields[col]; ok {
			return v
		}
		if id == nil {
			return ""
		}
		return name(*id)
	}
	lon, lat := pointOf(i)
	id, tp, gp, ts := i.ID, "1", "1", ""
	if imported {
		id, tp, gp = i.External.ID, precision(i.External.TimePrecision), precision(i.External.GeoPrecision)
	}
	if i.ReleasedAt != nil {
		ts = strconv.FormatInt(i.ReleasedAt.Unix(), 10)
	} else if !i.CreatedAt.IsZero() {
		ts = strconv.FormatInt(i.CreatedAt.Unix(), 10)
	}
	for k, c := range Columns {
		var v string
		switch c {
		case "event_id_cnty":
			v = id
		case "event_date":
			v = i.OccurredAt.UTC().Format("2006-01-02")
		case "year":
			v = strconv.Itoa(i.OccurredAt.UTC().Year())
		case "time_precision":
			v = tp
		case "disorder_type":
			v = get(c, disorder)
		case "event_type":
			v = ev
		case "sub_event_type":
			v = sub
		case "actor1":
			v = actor(c, i.Perpetrator)
		case "actor2":
			v = actor(c, i.Target)
		case "latitude":
			v = strconv.FormatFloat(lat, 'f', -1, 64)
		case "longitude":
			v = strconv.FormatFloat(lon, 'f', -1, 64)
		case "geo_precision":
			v = gp
		case "source":
			v = get(c, strings.Join(i.Sources, "; "))
		case "notes":
			v = i.Description
		case "fatalities":
			v = strconv.Itoa(i.Fatalities)
		case "timestamp":
			v = get(c, ts)
		default:
			v = fields[c]
		}
		if !numeric[c] {
			v = neutralize(v)
		}
		row[k] = v
	}
}

func precision(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// pointOf is the incident's point, or the centre of its box for another
// geometry.
func pointOf(i truce.Incident) (lon, lat float64) {
	var p struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	}
	if json.Unmarshal(i.Geometry, &p) == nil && p.Type == "Point" && len(p.Coordinates) >= 2 {
		return p.Coordinates[0], p.Coordinates[1]
	}
	b := i.BBox
	return (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
}
