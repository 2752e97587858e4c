// Package ogc serves the office's zones, incidents and notices as OGC API –
// Features collections (Part 1: Core, with the GeoJSON and OpenAPI 3.0
// conformance classes, version 1.0), so that QGIS and GDAL open them
// directly.
//
// The package only reads, through an Office (internal/office's Service),
// which applies the API's visibility rules: each caller sees exactly the
// features the JSON API lists for it (released items and its own party's
// drafts; never sites, never another party's drafts), counts and extents
// included. The HTTP server that mounts the handlers authenticates callers
// and maps the errors they return (*truce.Error) to status codes.
//
// Paging is a keyset cursor: items are listed by id and the next link
// carries the last id returned plus a checksum of the query, so a client
// that follows next links sees every item that existed when it started
// exactly once, whatever is added meanwhile.
package ogc

import (
	"context"
	_ "embed"
	"encoding/json"
	"net/http"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// Office is what the collections are read from: the office services, which
// apply each caller's visibility (the caller travels in the context).
type Office interface {
	Zone(ctx context.Context, id string) (truce.Zone, error)
	Zones(ctx context.Context, f store.ZoneFilter, page store.Page) ([]truce.Zone, error)
	ZoneSummary(ctx context.Context, f store.ZoneFilter) (store.Summary, error)
	Incident(ctx context.Context, id string) (truce.Incident, error)
	Incidents(ctx context.Context, f store.IncidentFilter, page store.Page) ([]truce.Incident, error)
	IncidentSummary(ctx context.Context, f store.IncidentFilter) (store.Summary, error)
	Notice(ctx context.Context, id string) (truce.Notice, error)
	Notices(ctx context.Context, f store.NoticeFilter, page store.Page) ([]truce.Notice, error)
	NoticeSummary(ctx context.Context, f store.NoticeFilter) (store.Summary, error)
}

// Media types.
const (
	TypeJSON    = "application/json"
	TypeGeoJSON = "application/geo+json"
	TypeOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
)

// Conformance classes this server implements.
var Conformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
}

// CRS84 is the only coordinate reference system served.
const CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

const gregorian = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"

// Prefix is where the handlers are mounted.
const Prefix = "/ogc"

// Limits of the limit parameter (the standard's: 1 to 10,000, default 10;
// more than the maximum is served as the maximum).
const (
	DefaultLimit = 10
	MaxLimit     = 10_000
)

// OpenAPI is the OpenAPI 3.0 document of the OGC API, served at /ogc/api
// (its paths relative to /ogc).
//
//go:embed openapi.json
var OpenAPI []byte

// Config configures the handlers.
type Config struct {
	// Now is the time items answers are stamped with; default time.Now.
	Now func() time.Time
}

// Handlers serve the OGC API.
type Handlers struct {
	office Office
	now    func() time.Time
}

// New returns the handlers over office.
func New(office Office, cfg Config) *Handlers {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Handlers{office: office, now: cfg.Now}
}

// Route is one endpoint: Public routes need no caller, the others a
// signed-in member (the mounting server checks). Handle returns a
// *truce.Error for anything the caller may be told.
type Route struct {
	Method  string
	Pattern string // ServeMux pattern
	Public  bool
	Handle  func(w http.ResponseWriter, r *http.Request) error
}

// Routes lists the endpoints. The landing page, conformance and the API
// document say nothing about the data and are public; collections (whose
// extents come from the visible data) and items need a member.
func (h *Handlers) Routes() []Route {
	return []Route{
		{"GET", Prefix, true, h.landing},
		{"GET", Prefix + "/{$}", true, h.landing},
		{"GET", Prefix + "/conformance", true, h.conformance},
		{"GET", Prefix + "/api", true, h.api},
		{"GET", Prefix + "/collections", false, h.collections},
		{"GET", Prefix + "/collections/{collectionId}", false, h.collection},
		{"GET", Prefix + "/collections/{collectionId}/items", false, h.items},
		{"GET", Prefix + "/collections/{collectionId}/items/{featureId}", false, h.item},
		// Anything else under /ogc/ is the contract's 404, not the mux's text.
		{"GET", Prefix + "/{path...}", true, h.notFound},
	}
}

func (h *Handlers) notFound(w http.ResponseWriter, r *http.Request) error {
	return truce.Errorf(truce.ENotFound, "no such OGC API resource: %s", r.URL.Path)
}

// Link is a web link (RFC 8288) as OGC API documents carry them.
type Link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// featureType is the media type of features: GeoJSON, or plain JSON when
// the caller asked for f=json (the alternate link).
func featureType(r *http.Request) string {
	if r.URL.Query().Get("f") == "json" {
		return TypeJSON
	}
	return TypeGeoJSON
}

func write(w http.ResponseWriter, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(v)
}

// base is the absolute URL of /ogc as the caller reached it.
func base(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + Prefix
}

// Landing is the landing page.
type Landing struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Links       []Link `json:"links"`
}

func (h *Handlers) landing(w http.ResponseWriter, r *http.Request) error {
	if err := onlyParams(r); err != nil {
		return err
	}
	b := base(r)
	write(w, TypeJSON, Landing{
		Title:       "truce office",
		Description: "Zones, incidents and notices of the coordination office, as each caller may see them.",
		Links: []Link{
			{Href: b, Rel: "self", Type: TypeJSON, Title: "This document"},
			{Href: b + "/api", Rel: "service-desc", Type: TypeOpenAPI, Title: "The API definition"},
			{Href: b + "/conformance", Rel: "conformance", Type: TypeJSON, Title: "Conformance classes implemented"},
			{Href: b + "/collections", Rel: "data", Type: TypeJSON, Title: "The collections"},
		},
	})
	return nil
}

// ConformanceDoc is the conformance declaration.
type ConformanceDoc struct {
	ConformsTo []string `json:"conformsTo"`
}

func (h *Handlers) conformance(w http.ResponseWriter, r *http.Request) error {
	if err := onlyParams(r); err != nil {
		return err
	}
	write(w, TypeJSON, ConformanceDoc{ConformsTo: Conformance})
	return nil
}

func (h *Handlers) api(w http.ResponseWriter, r *http.Request) error {
	if err := onlyParams(r); err != nil {
		return err
	}
	w.Header().Set("Content-Type", TypeOpenAPI)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(OpenAPI)
	return nil
}
