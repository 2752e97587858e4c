package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/interchange"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/store"
)

// GIS interchange: GeoJSON import of zones and incidents as drafts of the
// caller's party, each feature decoded and validated exactly as POST
// /api/v1/zones or /api/v1/incidents would; and streamed exports of what
// the caller may see as GeoJSON or ACLED CSV. The CLI's import and export
// verbs call the same functions.

// MaxGeoJSONImport is the largest GeoJSON file an import reads, in bytes.
const MaxGeoJSONImport = 64 << 20

func (s *Server) interchangeRoutes() []Route {
	return []Route{
		{"POST", "/api/v1/import/geojson", Member, s.importGeoJSON},
		{"GET", "/api/v1/export/zones", Member, s.exportZones},
		{"GET", "/api/v1/export/incidents", Member, s.exportIncidents},
	}
}

// FeatureError is a bad feature of an import: its index in the collection
// (from 0), the field at fault and why.
type FeatureError struct {
	Index   int
	Field   string
	Message string
}

func (e *FeatureError) Error() string {
	msg := e.Message
	if e.Field != "" && !strings.HasPrefix(msg, e.Field) {
		msg = e.Field + ": " + msg
	}
	return fmt.Sprintf("feature %d: %s", e.Index, msg)
}

// GeoJSONImportOptions configure a GeoJSON import.
type GeoJSONImportOptions struct {
	// SkipBad imports the good features of a collection that has bad ones.
	SkipBad bool
}

// GeoJSONImportResult is what a GeoJSON import did.
type GeoJSONImportResult struct {
	Features int             // features read
	Created  []string        // ids of the drafts created, in feature order
	Bad      []*FeatureError // bad features, in order
}

// BadFeaturesError refuses a collection with bad features; nothing was imported.
type BadFeaturesError struct {
	Features []*FeatureError
}

func (e *BadFeaturesError) Error() string {
	more := ""
	if len(e.Features) > 1 {
		more = fmt.Sprintf(" (and %d more bad features)", len(e.Features)-1)
	}
	return e.Features[0].Error() + more + "; nothing imported"
}

// readOnly lists the properties of the API's output features that a caller
// does not set: an import ignores them, so that an export imports again.
func readOnly(out, in reflect.Type) map[string]bool {
	inFields := jsonFields(in)
	ro := map[string]bool{}
	for k := range jsonFields(out) {
		if _, ok := inFields[k]; !ok {
			ro[k] = true
		}
	}
	return ro
}

var (
	zoneReadOnly     = readOnly(reflect.TypeFor[zoneProps](), reflect.TypeFor[zonePropsIn]())
	incidentReadOnly = readOnly(reflect.TypeFor[incidentProps](), reflect.TypeFor[incidentPropsIn]())
)

// featureCollection reads a FeatureCollection's features, each raw. Foreign
// members at the top level (name, crs, bbox) are allowed, as QGIS and GDAL
// write them.
func featureCollection(r io.Reader) ([]json.RawMessage, error) {
	data, err := readBody(r, MaxGeoJSONImport)
	if err != nil {
		return nil, err
	}
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, decodeError(err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, truce.Invalid("type", `a GeoJSON import is a FeatureCollection ("type": "FeatureCollection")`)
	}
	return fc.Features, nil
}

// withoutReadOnly removes the read-only properties from a feature.
func withoutReadOnly(raw json.RawMessage, ro map[string]bool) (json.RawMessage, error) {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, decodeError(err)
	}
	props, ok := f["properties"]
	if !ok || string(props) == "null" {
		return raw, nil
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal(props, &p); err != nil {
		return raw, nil // the strict decoding names the fault
	}
	for k := range p {
		if ro[k] {
			delete(p, k)
		}
	}
	keys := slices.Sorted(maps.Keys(p))
	var b bytes.Buffer
	b.WriteByte('{')
	for n, k := range keys {
		if n > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(p[k])
	}
	b.WriteByte('}')
	f["properties"] = b.Bytes()
	return json.Marshal(f)
}

// decodeImported decodes one feature as the API's create would.
func decodeImported[P any](raw json.RawMessage, ro map[string]bool) (featureIn[P], error) {
	var f featureIn[P]
	raw, err := withoutReadOnly(raw, ro)
	if err != nil {
		return f, err
	}
	if err := decodeBytes(raw, &f); err != nil {
		return f, err
	}
	if f.Type != "Feature" {
		return f, truce.Invalid("type", `a GeoJSON Feature has "type": "Feature"`)
	}
	if string(f.Geometry) == "null" {
		f.Geometry = nil
	}
	return f, nil
}

func zoneInputOf(f featureIn[zonePropsIn]) office.ZoneInput {
	p := f.Properties
	return office.ZoneInput{Geometry: f.Geometry, Name: p.Name, Category: p.Category,
		ValidFrom: p.ValidFrom, ValidUntil: p.ValidUntil, BufferM: p.BufferM}
}

func incidentInputOf(f featureIn[incidentPropsIn]) office.IncidentInput {
	p := f.Properties
	return office.IncidentInput{Geometry: f.Geometry, OccurredAt: p.OccurredAt, Type: p.Type, Perpetrator: p.Perpetrator,
		Target: p.Target, Fatalities: p.Fatalities, Description: p.Description, Sources: p.Sources, External: p.External}
}

// featureField places a validation error's field inside the feature: the
// geometry's as it is, the properties' under properties.
func featureField(field string) string {
	switch {
	case field == "", field == "type", strings.HasPrefix(field, "geometry"), strings.HasPrefix(field, "properties"):
		return field
	}
	return "properties." + field
}

func asFeatureError(k int, err error) (*FeatureError, error) {
	var te *truce.Error
	if !errors.As(err, &te) || (te.Code != truce.EInvalid && te.Code != truce.ETooLarge) {
		return nil, err
	}
	f := featureField(te.Field)
	msg := te.Message
	if te.Field != "" && f != te.Field && strings.HasPrefix(msg, te.Field) {
		msg = f + strings.TrimPrefix(msg, te.Field)
	}
	return &FeatureError{Index: k, Field: f, Message: msg}, nil
}

// ImportGeoJSON reads a FeatureCollection of zones or incidents (as is
// "zones" or "incidents") and creates each feature as a draft of the
// caller's party. Every feature is checked first; a collection with a bad
// feature imports nothing unless opt.SkipBad.
func (s *Server) ImportGeoJSON(ctx context.Context, r io.Reader, as string, opt GeoJSONImportOptions) (GeoJSONImportResult, error) {
	var res GeoJSONImportResult
	if as != "zones" && as != "incidents" {
		return res, truce.Invalid("as", "as must be zones or incidents")
	}
	m := truce.CallerFrom(ctx)
	if m == nil {
		return res, truce.Errorf(truce.EUnauthorized, "sign in first")
	}
	if m.Admin || (m.Role != truce.RoleOfficial && m.Role != truce.RoleAnalyst) {
		return res, truce.Errorf(truce.EForbidden, "only officials and analysts import %s", as)
	}
	raws, err := featureCollection(r)
	if err != nil {
		return res, err
	}
	res.Features = len(raws)
	zones := make([]office.ZoneInput, len(raws))
	incidents := make([]office.IncidentInput, len(raws))
	bad := make([]bool, len(raws))
	for k, raw := range raws {
		var err error
		if as == "zones" {
			var f featureIn[zonePropsIn]
			if f, err = decodeImported[zonePropsIn](raw, zoneReadOnly); err == nil {
				zones[k] = zoneInputOf(f)
				err = s.office.CheckZoneInput(ctx, zones[k])
			}
		} else {
			var f featureIn[incidentPropsIn]
			if f, err = decodeImported[incidentPropsIn](raw, incidentReadOnly); err == nil {
				incidents[k] = incidentInputOf(f)
				err = s.office.CheckIncidentInput(ctx, incidents[k])
			}
		}
		if err != nil {
			fe, ferr := asFeatureError(k, err)
			if ferr != nil {
				return res, ferr
			}
			res.Bad = append(res.Bad, fe)
			bad[k] = true
		}
	}
	if len(res.Bad) > 0 && !opt.SkipBad {
		return res, &BadFeaturesError{Features: res.Bad}
	}
	for k := range raws {
		if bad[k] {
			continue
		}
		var id string
		if as == "zones" {
			z, err := s.office.CreateZone(ctx, zones[k])
			if err != nil {
				return res, fmt.Errorf("feature %d: %w", k, err)
			}
			id = z.ID
		} else {
			i, err := s.office.CreateIncident(ctx, incidents[k])
			if err != nil {
				return res, fmt.Errorf("feature %d: %w", k, err)
			}
			id = i.ID
		}
		res.Created = append(res.Created, id)
	}
	return res, nil
}

// ExportGeoJSON writes what the caller may see of zones or incidents (what
// is "zones" or "incidents") as one FeatureCollection, the features as the
// API shows them, streamed page by page. Sites are never part of it.
func (s *Server) ExportGeoJSON(ctx context.Context, w io.Writer, what string) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString(`{"type":"FeatureCollection","features":[`); err != nil {
		return 0, err
	}
	n := 0
	write := func(f Feature) error {
		b, err := json.Marshal(f)
		if err != nil {
			return err
		}
		if n > 0 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
		n++
		_, err = bw.Write(b)
		return err
	}
	var err error
	switch what {
	case "zones":
		err = interchange.EachZone(ctx, s.office, store.ZoneFilter{}, func(z truce.Zone) error { return write(zoneFeature(z)) })
	case "incidents":
		err = interchange.EachIncident(ctx, s.office, store.IncidentFilter{}, func(i truce.Incident) error { return write(s.incidentFeature(i)) })
	default:
		return 0, truce.Invalid("what", "export zones or incidents")
	}
	if err != nil {
		return n, err
	}
	if _, err := bw.WriteString("\n]}\n"); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

type importAnswer struct {
	As       string   `json:"as"`
	Features int      `json:"features"`
	Created  []string `json:"created"`
}

func (s *Server) importGeoJSON(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(r, "as"); err != nil {
		return err
	}
	as := q.Get("as")
	res, err := s.ImportGeoJSON(r.Context(), r.Body, as, GeoJSONImportOptions{})
	var bf *BadFeaturesError
	if errors.As(err, &bf) {
		fe := bf.Features[0]
		return truce.Invalid(fmt.Sprintf("features[%d].%s", fe.Index, fe.Field), "%s", bf.Error())
	}
	if err != nil {
		return err
	}
	created := res.Created
	if created == nil {
		created = []string{}
	}
	writeJSON(w, http.StatusCreated, importAnswer{As: as, Features: res.Features, Created: created})
	return nil
}

// onlyParams refuses query parameters other than names.
func onlyParams(r *http.Request, names ...string) error {
	for k := range r.URL.Query() {
		if !slices.Contains(names, k) {
			return truce.Invalid(k, "unknown parameter %q", k)
		}
	}
	return nil
}

func (s *Server) exportZones(w http.ResponseWriter, r *http.Request) error {
	if err := onlyParams(r, "format"); err != nil {
		return err
	}
	if f := r.URL.Query().Get("format"); f != "" && f != "geojson" {
		return truce.Invalid("format", "zones export as geojson")
	}
	return s.streamExport(w, r, "application/geo+json", "zones.geojson", func(ctx context.Context, out io.Writer) error {
		_, err := s.ExportGeoJSON(ctx, out, "zones")
		return err
	})
}

func (s *Server) exportIncidents(w http.ResponseWriter, r *http.Request) error {
	if err := onlyParams(r, "format"); err != nil {
		return err
	}
	switch r.URL.Query().Get("format") {
	case "", "geojson":
		return s.streamExport(w, r, "application/geo+json", "incidents.geojson", func(ctx context.Context, out io.Writer) error {
			_, err := s.ExportGeoJSON(ctx, out, "incidents")
			return err
		})
	case "acled":
		return s.streamExport(w, r, "text/csv; charset=utf-8", "incidents.csv", func(ctx context.Context, out io.Writer) error {
			_, err := interchange.ExportACLED(ctx, s.office, out, store.IncidentFilter{})
			return err
		})
	}
	return truce.Invalid("format", "incidents export as geojson or acled")
}

// streamExport answers with what write writes, as it writes it. The
// caller is checked before the first byte (a member who may see nothing
// gets an empty export, never another party's items); an error after the
// first byte can only cut the stream short.
func (s *Server) streamExport(w http.ResponseWriter, r *http.Request, contentType, name string, write func(context.Context, io.Writer) error) error {
	if truce.CallerFrom(r.Context()) == nil {
		return truce.Errorf(truce.EUnauthorized, "sign in first")
	}
	// A long export outlives the server's write timeout.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	sw := &startedWriter{w: w, start: func() {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		w.WriteHeader(http.StatusOK)
	}}
	if err := write(r.Context(), sw); err != nil {
		if !sw.started {
			return err
		}
		s.log.Warn("export cut short", "path", r.URL.Path, "err", err)
		return nil
	}
	if !sw.started {
		sw.start()
	}
	return nil
}

// startedWriter sends the headers before the first byte.
type startedWriter struct {
	w       http.ResponseWriter
	start   func()
	started bool
}

func (s *startedWriter) Write(p []byte) (int, error) {
	if !s.started {
		s.started = true
		s.start()
	}
	return s.w.Write(p)
}
