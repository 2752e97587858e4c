package ogc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/ogc"
	"github.com/truce-org/truce/internal/testenv"
)

// as is the context of a demo member, "<party>-<role>" or "admin".
func as(username string) context.Context {
	if username == "admin" {
		return truce.WithCaller(context.Background(), &truce.Member{Username: username, Admin: true})
	}
	party, role, _ := strings.Cut(username, "-")
	return truce.WithCaller(context.Background(), &truce.Member{Username: username, Party: party, Role: truce.Role(role)})
}

func get(t testing.TB, e *testenv.Env, user, path string) *testenv.Response {
	t.Helper()
	return e.Do(t, user, http.MethodGet, path, nil)
}

func mustStatus(t testing.TB, r *testenv.Response, want int, what string) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d, want %d; body %.500s", what, r.Status, want, r.Body)
	}
}

// feature is a feature as a client reads it.
type feature struct {
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
	BBox       []float64       `json:"bbox"` // on API features
	Links      []ogc.Link      `json:"links"`
}

// page is an items answer as a client reads it.
type page struct {
	Type           string     `json:"type"`
	Features       []feature  `json:"features"`
	Links          []ogc.Link `json:"links"`
	TimeStamp      string     `json:"timeStamp"`
	NumberMatched  *int64     `json:"numberMatched"`
	NumberReturned *int       `json:"numberReturned"`
}

func (p page) link(rel string) *ogc.Link {
	for i := range p.Links {
		if p.Links[i].Rel == rel {
			return &p.Links[i]
		}
	}
	return nil
}

// pathOf is the path and query of an absolute link of e's server.
func pathOf(t testing.TB, e *testenv.Env, href string) string {
	t.Helper()
	p, ok := strings.CutPrefix(href, e.Server.URL)
	if !ok {
		t.Fatalf("link %q is not on the server %s", href, e.Server.URL)
	}
	return p
}

// getPage reads one items page and checks its form.
func getPage(t testing.TB, e *testenv.Env, user, path string) page {
	t.Helper()
	r := get(t, e, user, path)
	mustStatus(t, r, http.StatusOK, "GET "+path)
	if ct := r.Header.Get("Content-Type"); ct != ogc.TypeGeoJSON {
		t.Errorf("GET %s: Content-Type %q, want %s", path, ct, ogc.TypeGeoJSON)
	}
	var p page
	r.JSON(t, &p)
	if p.Type != "FeatureCollection" || p.NumberMatched == nil || p.NumberReturned == nil || *p.NumberReturned != len(p.Features) {
		t.Fatalf("GET %s: not a full page: type %q, numberMatched %v, numberReturned %v for %d features", path, p.Type, p.NumberMatched, p.NumberReturned, len(p.Features))
	}
	if _, err := time.Parse(time.RFC3339, p.TimeStamp); err != nil {
		t.Errorf("GET %s: timeStamp %q: %v", path, p.TimeStamp, err)
	}
	for _, rel := range []string{"self", "alternate", "collection"} {
		if p.link(rel) == nil {
			t.Errorf("GET %s: no %s link", path, rel)
		}
	}
	for _, f := range p.Features {
		if f.Type != "Feature" || f.ID == "" || f.Properties["id"] != f.ID {
			t.Errorf("GET %s: feature %q has type %q and properties.id %v", path, f.ID, f.Type, f.Properties["id"])
		}
	}
	return p
}

// walk follows next links from path to the end and returns the ids in
// order and the last page's numberMatched. between runs after each page
// but the last, given the page's number and its last id.
func walk(t testing.TB, e *testenv.Env, user, path string, between func(page int, last string)) ([]string, int64) {
	t.Helper()
	var ids []string
	for n := 0; ; n++ {
		if n > 10_000 {
			t.Fatalf("walk %s: more than 10,000 pages", path)
		}
		p := getPage(t, e, user, path)
		for _, f := range p.Features {
			ids = append(ids, f.ID)
		}
		next := p.link("next")
		if next == nil {
			return ids, *p.NumberMatched
		}
		if len(p.Features) == 0 {
			t.Fatalf("walk %s: an empty page with a next link", path)
		}
		if next.Type != ogc.TypeGeoJSON {
			t.Errorf("next link type %q", next.Type)
		}
		if between != nil {
			between(n, p.Features[len(p.Features)-1].ID)
		}
		path = pathOf(t, e, next.Href)
	}
}

// apiFeatures lists a collection through the JSON API as user.
func apiFeatures(t testing.TB, e *testenv.Env, user, collection, query string) []feature {
	t.Helper()
	var out []feature
	cursor := ""
	for {
		path := "/api/v1/" + collection + "?limit=10000" + query
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := get(t, e, user, path)
		mustStatus(t, r, http.StatusOK, "GET "+path)
		var fc struct {
			Features   []feature `json:"features"`
			NextCursor string    `json:"next_cursor"`
		}
		r.JSON(t, &fc)
		out = append(out, fc.Features...)
		if fc.NextCursor == "" {
			return out
		}
		cursor = fc.NextCursor
	}
}

func idsOf(fs []feature) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

// newIncident creates an incident of party at (lon, lat), released or a draft.
func newIncident(t testing.TB, e *testenv.Env, party string, lon, lat float64, at time.Time, released bool) truce.Incident {
	t.Helper()
	typ, desc := truce.IncidentShelling, "OGC test incident (illustrative)"
	i, err := e.App.Office.CreateIncident(as(party+"-analyst"), office.IncidentInput{
		Geometry: json.RawMessage(fmt.Sprintf(`{"type":"Point","coordinates":[%g,%g]}`, lon, lat)), OccurredAt: &at, Type: &typ, Description: &desc,
	})
	if err != nil {
		t.Fatal(err)
	}
	if released {
		if i, err = e.App.Office.ReleaseIncident(as(party+"-official"), i.ID); err != nil {
			t.Fatal(err)
		}
	}
	return i
}

// newDraftZone creates a draft zone of party: a small square at (lon, lat).
func newDraftZone(t testing.TB, e *testenv.Env, party, name string, lon, lat float64) truce.Zone {
	t.Helper()
	cat := truce.CategoryCivilian
	geom := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`,
		lon, lat, lon+0.01, lat, lon+0.01, lat+0.01, lon, lat+0.01, lon, lat)
	z, err := e.App.Office.CreateZone(as(party+"-analyst"), office.ZoneInput{Geometry: json.RawMessage(geom), Name: &name, Category: &cat})
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// members are demo callers of every kind: parties' roles, a monitor, the admin.
var members = []string{"us-official", "us-observer", "ru-official", "ru-planner", "mon-observer", "admin"}

var collections = []string{"zones", "incidents", "notices"}
