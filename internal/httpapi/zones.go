package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/store"
)

// Feature is a GeoJSON Feature (RFC 7946 §3.2); its id is also in
// properties.id, as the contract asks.
type Feature struct {
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	BBox       *[4]float64     `json:"bbox,omitempty"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties any             `json:"properties"`
	// Result and Conflicts are foreign members a notice carries at the top
	// level too, where a deconfliction answer has them.
	Result    string           `json:"result,omitempty"`
	Conflicts []truce.Conflict `json:"conflicts,omitempty"`
}

// FeatureCollection is one page of features.
type FeatureCollection struct {
	Type       string    `json:"type"`
	Features   []Feature `json:"features"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

func collection[T any](items []T, p store.Page, key func(T) string, feature func(T) Feature) FeatureCollection {
	l := page(items, p, key)
	fc := FeatureCollection{Type: "FeatureCollection", Features: make([]Feature, len(l.Items)), NextCursor: l.NextCursor}
	for i, x := range l.Items {
		fc.Features[i] = feature(x)
	}
	return fc
}

// featureIn is a Feature as a caller sends it; id and bbox are ignored.
type featureIn[P any] struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	BBox       json.RawMessage `json:"bbox"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties P               `json:"properties"`
}

func (s *Server) decodeFeature(r *http.Request, v any, typ *string) error {
	if err := s.decodeRequest(r, v); err != nil {
		return err
	}
	if *typ != "Feature" {
		return truce.Invalid("type", `a GeoJSON Feature has "type": "Feature"`)
	}
	return nil
}

type zonePropsIn struct {
	Name       *string             `json:"name"`
	Category   *truce.ZoneCategory `json:"category"`
	ValidFrom  *time.Time          `json:"valid_from"`
	ValidUntil *time.Time          `json:"valid_until"`
	BufferM    *float64            `json:"buffer_m"`
}

func (s *Server) zoneInput(r *http.Request) (office.ZoneInput, error) {
	var f featureIn[zonePropsIn]
	if err := s.decodeFeature(r, &f, &f.Type); err != nil {
		return office.ZoneInput{}, err
	}
	if string(f.Geometry) == "null" {
		f.Geometry = nil
	}
	p := f.Properties
	return office.ZoneInput{Geometry: f.Geometry, Name: p.Name, Category: p.Category,
		ValidFrom: p.ValidFrom, ValidUntil: p.ValidUntil, BufferM: p.BufferM}, nil
}

// versionProps is a zone version without its geometry.
type versionProps struct {
	Version    int                           `json:"version"`
	Status     truce.ZoneStatus              `json:"status"`
	Name       string                        `json:"name"`
	Category   truce.ZoneCategory            `json:"category"`
	ValidFrom  time.Time                     `json:"valid_from"`
	ValidUntil *time.Time                    `json:"valid_until"`
	BufferM    float64                       `json:"buffer_m"`
	Hash       string                        `json:"zone_hash"`
	Entry      int64                         `json:"release_entry"`
	ReleasedBy string                        `json:"released_by"`
	ReleasedAt time.Time                     `json:"released_at"`
	Responses  map[string]truce.ZoneResponse `json:"responses"`
}

func versionOf(v truce.ZoneVersion) versionProps {
	return versionProps{Version: v.Version, Status: v.Status, Name: v.Name, Category: v.Category,
		ValidFrom: v.ValidFrom, ValidUntil: v.ValidUntil, BufferM: v.BufferM, Hash: v.Hash, Entry: v.Entry,
		ReleasedBy: v.ReleasedBy, ReleasedAt: v.ReleasedAt, Responses: v.Responses}
}

type zoneProps struct {
	ID             string                        `json:"id"`
	Owner          string                        `json:"owner"`
	Status         truce.ZoneStatus              `json:"status"`
	Name           string                        `json:"name"`
	Category       truce.ZoneCategory            `json:"category"`
	ValidFrom      time.Time                     `json:"valid_from"`
	ValidUntil     *time.Time                    `json:"valid_until"`
	BufferM        float64                       `json:"buffer_m"`
	Version        int                           `json:"version"`
	InForceVersion int                           `json:"in_force_version"`
	ZoneHash       string                        `json:"zone_hash,omitempty"`
	ReleaseEntry   int64                         `json:"release_entry,omitempty"`
	Responses      map[string]truce.ZoneResponse `json:"responses"`
	Versions       []versionProps                `json:"versions"`
	Withdrawn      *truce.ZoneResponse           `json:"withdrawn,omitempty"`
	RevealedSites  []truce.RevealedSite          `json:"revealed_sites"`
	CreatedBy      string                        `json:"created_by"`
	CreatedAt      time.Time                     `json:"created_at"`
	UpdatedAt      time.Time                     `json:"updated_at"`
	Entry          int64                         `json:"entry"`
}

func zoneFeature(z truce.Zone) Feature {
	p := zoneProps{ID: z.ID, Owner: z.Owner, Status: z.Status, Name: z.Name, Category: z.Category,
		ValidFrom: z.ValidFrom, ValidUntil: z.ValidUntil, BufferM: z.BufferM, Version: z.Version,
		InForceVersion: z.InForce, Responses: map[string]truce.ZoneResponse{}, Versions: []versionProps{},
		Withdrawn: z.Withdrawn, RevealedSites: z.Revealed, CreatedBy: z.CreatedBy, CreatedAt: z.CreatedAt,
		UpdatedAt: z.UpdatedAt, Entry: z.Entry}
	if l := z.Latest(); l != nil {
		p.ZoneHash, p.ReleaseEntry, p.Responses = l.Hash, l.Entry, l.Responses
	}
	for _, v := range z.Versions {
		p.Versions = append(p.Versions, versionOf(v))
	}
	if p.RevealedSites == nil {
		p.RevealedSites = []truce.RevealedSite{}
	}
	// The Feature's bbox is its geometry's extent (RFC 7946 §5).
	box := z.BBox
	if l := z.Latest(); l != nil {
		box = l.BBox
	}
	return Feature{Type: "Feature", ID: z.ID, BBox: &box, Geometry: z.Geometry, Properties: p}
}

// parseBBox reads "minLon,minLat,maxLon,maxLat" in degrees.
func parseBBox(v string) (*store.Box, error) {
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	bad := truce.Invalid("bbox", "bbox is min lon,min lat,max lon,max lat in degrees, the minimums not above the maximums")
	if len(parts) != 4 {
		return nil, bad
	}
	var b store.Box
	for i, s := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, bad
		}
		b[i] = f
	}
	if b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90 || b[0] > b[2] || b[1] > b[3] {
		return nil, bad
	}
	return &b, nil
}

func (s *Server) listZones(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.ZoneFilter{Status: truce.ZoneStatus(q.Get("status")), Owner: q.Get("owner")}
	if f.Status != "" && !f.Status.Valid() {
		return truce.Invalid("status", "status must be draft, proposed, in_force, disputed, withdrawn or expired")
	}
	if f.Owner != "" && !truce.ValidPartyID(f.Owner) {
		return truce.Invalid("owner", "owner must be a party id")
	}
	if f.BBox, err = parseBBox(q.Get("bbox")); err != nil {
		return err
	}
	lp := p
	lp.Limit++
	zones, err := s.office.Zones(r.Context(), f, lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, collection(zones, p, func(z truce.Zone) string { return z.ID }, zoneFeature))
	return nil
}

func (s *Server) createZone(w http.ResponseWriter, r *http.Request) error {
	in, err := s.zoneInput(r)
	if err != nil {
		return err
	}
	z, err := s.office.CreateZone(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, zoneFeature(z))
	return nil
}

func (s *Server) getZone(w http.ResponseWriter, r *http.Request) error {
	z, err := s.office.Zone(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, zoneFeature(z))
	return nil
}

func (s *Server) updateZone(w http.ResponseWriter, r *http.Request) error {
	in, err := s.zoneInput(r)
	if err != nil {
		return err
	}
	z, err := s.office.UpdateZone(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, zoneFeature(z))
	return nil
}

func (s *Server) getZoneVersion(w http.ResponseWriter, r *http.Request) error {
	z, err := s.office.Zone(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("version"))
	v := z.VersionOf(n)
	if err != nil || v == nil {
		return truce.NotFound("zone version")
	}
	props := struct {
		Zone  string `json:"zone_id"`
		Owner string `json:"owner"`
		versionProps
	}{z.ID, z.Owner, versionOf(*v)}
	box := v.BBox
	writeJSON(w, http.StatusOK, Feature{Type: "Feature", ID: z.ID + "@" + strconv.Itoa(n), BBox: &box, Geometry: v.Geometry, Properties: props})
	return nil
}

func (s *Server) releaseZone(w http.ResponseWriter, r *http.Request) error {
	if err := s.emptyBody(r); err != nil {
		return err
	}
	z, err := s.office.ReleaseZone(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, zoneFeature(z))
	return nil
}

// emptyBody accepts no body or an empty JSON object.
func (s *Server) emptyBody(r *http.Request) error {
	var in struct{}
	return s.decodeOptional(r, &in)
}

// decodeOptional decodes r's body into v unless the body is empty.
func (s *Server) decodeOptional(r *http.Request, v any) error {
	return DecodeOptional(r.Body, s.cfg.MaxBody, v)
}

func (s *Server) answerZone(kind truce.ZoneResponseKind) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in office.ZoneAnswer
		if err := s.decodeOptional(r, &in); err != nil {
			return err
		}
		z, err := s.office.AnswerZone(r.Context(), r.PathValue("id"), kind, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, zoneFeature(z))
		return nil
	}
}

func (s *Server) withdrawZone(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := s.decodeOptional(r, &in); err != nil {
		return err
	}
	z, err := s.office.WithdrawZone(r.Context(), r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, zoneFeature(z))
	return nil
}

type siteProps struct {
	ID        string    `json:"id"`
	ZoneID    string    `json:"zone_id"`
	Party     string    `json:"party"`
	RadiusM   float64   `json:"radius_m"`
	Label     string    `json:"label"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	Revealed  int64     `json:"revealed_entry"`
}

func siteFeature(x truce.Site) Feature {
	return Feature{Type: "Feature", ID: x.ID, Geometry: x.Geometry, Properties: siteProps{
		ID: x.ID, ZoneID: x.ZoneID, Party: x.Party, RadiusM: x.RadiusM, Label: x.Label,
		CreatedBy: x.CreatedBy, CreatedAt: x.CreatedAt, Revealed: x.Revealed}}
}

func (s *Server) createSite(w http.ResponseWriter, r *http.Request) error {
	var in office.SiteInput
	if err := s.decodeRequest(r, &in); err != nil {
		return err
	}
	x, err := s.office.CreateSite(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, siteFeature(x))
	return nil
}

func (s *Server) listSites(w http.ResponseWriter, r *http.Request) error {
	sites, err := s.office.Sites(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	fc := FeatureCollection{Type: "FeatureCollection", Features: make([]Feature, len(sites))}
	for i, x := range sites {
		fc.Features[i] = siteFeature(x)
	}
	writeJSON(w, http.StatusOK, fc)
	return nil
}

func (s *Server) getSite(w http.ResponseWriter, r *http.Request) error {
	x, err := s.office.Site(r.Context(), r.PathValue("id"), r.PathValue("site"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, siteFeature(x))
	return nil
}

func (s *Server) revealSite(w http.ResponseWriter, r *http.Request) error {
	if err := s.emptyBody(r); err != nil {
		return err
	}
	rs, err := s.office.RevealSite(r.Context(), r.PathValue("id"), r.PathValue("site"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rs)
	return nil
}
