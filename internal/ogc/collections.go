package ogc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// Feature is a GeoJSON Feature (RFC 7946) with flat properties, as GIS
// tools read them best.
type Feature struct {
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties any             `json:"properties"`
	Links      []Link          `json:"links,omitempty"`
}

// FeatureCollection is one page of items.
type FeatureCollection struct {
	Type           string    `json:"type"`
	Features       []Feature `json:"features"`
	Links          []Link    `json:"links"`
	TimeStamp      string    `json:"timeStamp"`
	NumberMatched  int64     `json:"numberMatched"`
	NumberReturned int       `json:"numberReturned"`
}

// ZoneProps are a zone feature's properties.
type ZoneProps struct {
	ID             string             `json:"id"`
	Owner          string             `json:"owner"`
	Status         truce.ZoneStatus   `json:"status"`
	Name           string             `json:"name"`
	Category       truce.ZoneCategory `json:"category"`
	ValidFrom      time.Time          `json:"valid_from"`
	ValidUntil     *time.Time         `json:"valid_until"`
	BufferM        float64            `json:"buffer_m"`
	Version        int                `json:"version"`
	InForceVersion int                `json:"in_force_version"`
	UpdatedAt      time.Time          `json:"updated_at"`
}

// IncidentProps are an incident feature's properties; violated_zones lists
// the ids of the zones it violates, comma-separated.
type IncidentProps struct {
	ID              string               `json:"id"`
	Owner           string               `json:"owner"`
	Status          truce.IncidentStatus `json:"status"`
	OccurredAt      time.Time            `json:"occurred_at"`
	Type            truce.IncidentType   `json:"type"`
	Perpetrator     *string              `json:"perpetrator"`
	Target          *string              `json:"target"`
	Fatalities      int                  `json:"fatalities"`
	Description     string               `json:"description"`
	AnswerableParty *string              `json:"answerable_party"`
	Violations      int                  `json:"violations"`
	ViolatedZones   string               `json:"violated_zones"`
	UpdatedAt       time.Time            `json:"updated_at"`
}

// NoticeProps are a notice feature's properties.
type NoticeProps struct {
	ID       string     `json:"id"`
	Party    string     `json:"party"`
	Member   string     `json:"member"`
	Activity string     `json:"activity"`
	Note     string     `json:"note"`
	From     time.Time  `json:"from"`
	Until    *time.Time `json:"until"`
	BufferM  float64    `json:"buffer_m"`
	Result   string     `json:"result"`
	Time     time.Time  `json:"time"`
}

func zoneFeature(z truce.Zone) Feature {
	return Feature{Type: "Feature", ID: z.ID, Geometry: z.Geometry, Properties: ZoneProps{
		ID: z.ID, Owner: z.Owner, Status: z.Status, Name: z.Name, Category: z.Category, ValidFrom: z.ValidFrom,
		ValidUntil: z.ValidUntil, BufferM: z.BufferM, Version: z.Version, InForceVersion: z.InForce, UpdatedAt: z.UpdatedAt}}
}

func incidentFeature(i truce.Incident) Feature {
	zones := make([]string, len(i.Violations))
	for k, v := range i.Violations {
		zones[k] = v.ZoneID
	}
	return Feature{Type: "Feature", ID: i.ID, Geometry: i.Geometry, Properties: IncidentProps{
		ID: i.ID, Owner: i.Owner, Status: i.Status, OccurredAt: i.OccurredAt, Type: i.Type, Perpetrator: i.Perpetrator,
		Target: i.Target, Fatalities: i.Fatalities, Description: i.Description, AnswerableParty: i.Accused,
		Violations: len(i.Violations), ViolatedZones: strings.Join(zones, ","), UpdatedAt: i.UpdatedAt}}
}

func noticeFeature(n truce.Notice) Feature {
	return Feature{Type: "Feature", ID: n.ID, Geometry: n.Geometry, Properties: NoticeProps{
		ID: n.ID, Party: n.Party, Member: n.Member, Activity: n.Activity, Note: n.Note, From: n.From, Until: n.Until,
		BufferM: n.BufferM, Result: n.Result, Time: n.Time}}
}

// kind is one collection: how to list, count, read and present its items.
type kind struct {
	id, title, description string
	list                   func(ctx context.Context, q Query, p store.Page) ([]Feature, error)
	summary                func(ctx context.Context, q Query) (store.Summary, error)
	get                    func(ctx context.Context, id string) (Feature, error)
}

func mapAll[T any](items []T, err error, f func(T) Feature) ([]Feature, error) {
	if err != nil {
		return nil, err
	}
	out := make([]Feature, len(items))
	for i, x := range items {
		out[i] = f(x)
	}
	return out, nil
}

func incidentFilter(q Query) store.IncidentFilter {
	f := store.IncidentFilter{BBox: q.BBox}
	if q.During != nil {
		f.From, f.Until = q.During.From, q.During.Until
	}
	return f
}

// kinds are the collections, in the order /collections lists them.
func (h *Handlers) kinds() []kind {
	o := h.office
	return []kind{
		{
			id: "zones", title: "Protected zones",
			description: "Released zones (proposed, in force, disputed, withdrawn, expired) and the caller's own party's drafts; time is the validity window.",
			list: func(ctx context.Context, q Query, p store.Page) ([]Feature, error) {
				zs, err := o.Zones(ctx, store.ZoneFilter{BBox: q.BBox, During: q.During}, p)
				return mapAll(zs, err, zoneFeature)
			},
			summary: func(ctx context.Context, q Query) (store.Summary, error) {
				return o.ZoneSummary(ctx, store.ZoneFilter{BBox: q.BBox, During: q.During})
			},
			get: func(ctx context.Context, id string) (Feature, error) {
				z, err := o.Zone(ctx, id)
				return zoneFeature(z), err
			},
		},
		{
			id: "incidents", title: "Incidents",
			description: "Released incidents and the caller's own party's drafts, with their violations; time is occurred_at.",
			list: func(ctx context.Context, q Query, p store.Page) ([]Feature, error) {
				is, err := o.Incidents(ctx, incidentFilter(q), p)
				return mapAll(is, err, incidentFeature)
			},
			summary: func(ctx context.Context, q Query) (store.Summary, error) {
				return o.IncidentSummary(ctx, incidentFilter(q))
			},
			get: func(ctx context.Context, id string) (Feature, error) {
				i, err := o.Incident(ctx, id)
				return incidentFeature(i), err
			},
		},
		{
			id: "notices", title: "Notices of planned activity",
			description: "Notices planners of every party submitted, with the deconfliction result they got; time is the activity's window.",
			list: func(ctx context.Context, q Query, p store.Page) ([]Feature, error) {
				ns, err := o.Notices(ctx, store.NoticeFilter{BBox: q.BBox, During: q.During}, p)
				return mapAll(ns, err, noticeFeature)
			},
			summary: func(ctx context.Context, q Query) (store.Summary, error) {
				return o.NoticeSummary(ctx, store.NoticeFilter{BBox: q.BBox, During: q.During})
			},
			get: func(ctx context.Context, id string) (Feature, error) {
				n, err := o.Notice(ctx, id)
				return noticeFeature(n), err
			},
		},
	}
}

func (h *Handlers) kind(id string) (kind, error) {
	for _, k := range h.kinds() {
		if k.id == id {
			return k, nil
		}
	}
	return kind{}, truce.NotFound("collection")
}

// Collection describes one collection.
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Links       []Link   `json:"links"`
	Extent      *Extent  `json:"extent,omitempty"`
	ItemType    string   `json:"itemType"`
	CRS         []string `json:"crs"`
}

// Extent is a collection's extent: the box and the time span of the items
// the caller may see.
type Extent struct {
	Spatial  SpatialExtent   `json:"spatial"`
	Temporal *TemporalExtent `json:"temporal,omitempty"`
}

// SpatialExtent is one box in CRS84.
type SpatialExtent struct {
	BBox [][4]float64 `json:"bbox"`
	CRS  string       `json:"crs"`
}

// TemporalExtent is one interval; a nil end is open.
type TemporalExtent struct {
	Interval [][2]*time.Time `json:"interval"`
	TRS      string          `json:"trs"`
}

// Collections is the list of collections.
type Collections struct {
	Links       []Link       `json:"links"`
	Collections []Collection `json:"collections"`
}

func (h *Handlers) describe(r *http.Request, k kind) (Collection, error) {
	sum, err := k.summary(r.Context(), Query{})
	if err != nil {
		return Collection{}, err
	}
	b := base(r) + "/collections/" + k.id
	c := Collection{ID: k.id, Title: k.title, Description: k.description, ItemType: "feature", CRS: []string{CRS84},
		Links: []Link{
			{Href: b, Rel: "self", Type: TypeJSON, Title: "This collection"},
			{Href: b + "/items", Rel: "items", Type: TypeGeoJSON, Title: "Its items"},
		}}
	if sum.Count > 0 {
		c.Extent = &Extent{Spatial: SpatialExtent{BBox: [][4]float64{sum.BBox}, CRS: CRS84}}
		if sum.Start != nil {
			c.Extent.Temporal = &TemporalExtent{Interval: [][2]*time.Time{{sum.Start, sum.End}}, TRS: gregorian}
		}
	}
	return c, nil
}

func (h *Handlers) collections(w http.ResponseWriter, r *http.Request) error {
	if err := onlyParams(r); err != nil {
		return err
	}
	out := Collections{Links: []Link{{Href: base(r) + "/collections", Rel: "self", Type: TypeJSON, Title: "This document"}},
		Collections: []Collection{}}
	for _, k := range h.kinds() {
		c, err := h.describe(r, k)
		if err != nil {
			return err
		}
		out.Collections = append(out.Collections, c)
	}
	write(w, TypeJSON, out)
	return nil
}

func (h *Handlers) collection(w http.ResponseWriter, r *http.Request) error {
	k, err := h.kind(r.PathValue("collectionId"))
	if err != nil {
		return err
	}
	if err := onlyParams(r); err != nil {
		return err
	}
	c, err := h.describe(r, k)
	if err != nil {
		return err
	}
	write(w, TypeJSON, c)
	return nil
}

func (h *Handlers) items(w http.ResponseWriter, r *http.Request) error {
	k, err := h.kind(r.PathValue("collectionId"))
	if err != nil {
		return err
	}
	q, err := ParseItems(r, k.id)
	if err != nil {
		return err
	}
	ctx := r.Context()
	stamp := h.now().UTC()
	// One more than asked tells whether a next page exists.
	feats, err := k.list(ctx, q, store.Page{Limit: q.Limit + 1, After: q.After})
	if err != nil {
		return err
	}
	sum, err := k.summary(ctx, q)
	if err != nil {
		return err
	}
	self := base(r) + "/collections/" + k.id + "/items"
	fc := FeatureCollection{Type: "FeatureCollection", Features: feats, TimeStamp: stamp.Format(time.RFC3339),
		NumberMatched: sum.Count, Links: []Link{
			{Href: withQuery(self, r.URL.Query(), "f", ""), Rel: "self", Type: TypeGeoJSON, Title: "This page"},
			{Href: withQuery(self, r.URL.Query(), "f", "json"), Rel: "alternate", Type: TypeJSON, Title: "This page as JSON"},
			{Href: base(r) + "/collections/" + k.id, Rel: "collection", Type: TypeJSON, Title: "The collection"},
		}}
	if len(feats) > q.Limit {
		fc.Features = feats[:q.Limit]
		fc.Links = append(fc.Links, Link{Href: self + "?" + nextQuery(r.URL.Query(), q.Limit, q.cursor(k.id, fc.Features[q.Limit-1].ID)),
			Rel: "next", Type: TypeGeoJSON, Title: "The next page"})
	}
	if fc.Features == nil {
		fc.Features = []Feature{}
	}
	fc.NumberReturned = len(fc.Features)
	write(w, featureType(r), fc)
	return nil
}

// withQuery is u with the query v, key set to value (removed when value is
// "").
func withQuery(u string, v url.Values, key, value string) string {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	if key != "" {
		if value == "" {
			c.Del(key)
		} else {
			c.Set(key, value)
		}
	}
	if e := c.Encode(); e != "" {
		return u + "?" + e
	}
	return u
}

// nextQuery is the query of the next page: the same filters and limit, and
// the cursor after this page.
func nextQuery(v url.Values, limit int, cursor string) string {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	c.Set("limit", strconv.Itoa(limit))
	c.Set("cursor", cursor)
	return c.Encode()
}

func (h *Handlers) item(w http.ResponseWriter, r *http.Request) error {
	k, err := h.kind(r.PathValue("collectionId"))
	if err != nil {
		return err
	}
	f, err := k.get(r.Context(), r.PathValue("featureId"))
	if err != nil {
		return err
	}
	if err := onlyParams(r); err != nil {
		return err
	}
	b := base(r) + "/collections/" + k.id
	f.Links = []Link{
		{Href: b + "/items/" + url.PathEscape(f.ID), Rel: "self", Type: TypeGeoJSON, Title: "This feature"},
		{Href: b, Rel: "collection", Type: TypeJSON, Title: "The collection"},
	}
	write(w, featureType(r), f)
	return nil
}
