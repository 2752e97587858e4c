package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/testenv"
)

// TestNoLeaks plants us's private values (a draft zone, a site's label and
// position and salt, a draft incident, a draft pledge) and asks every GET
// route of the router, with every id there is (private ones included), as
// every member of another party and the admin, plus the event stream's
// replay and every action route on the private ids: no answer, success or
// error, may hold any of them.
func TestNoLeaks(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	us := func(role string) string { return "us-" + role }
	name, cat := "Secret draft zone Wq7Z~mark", truce.CategoryCivilian
	draftZone, err := e.App.Office.CreateZone(as(us("analyst")), office.ZoneInput{
		Geometry: json.RawMessage(`{"type":"Polygon","coordinates":[[[12.3456789,40.1],[12.3556789,40.1],[12.3556789,40.11],[12.3456789,40.1]]]}`),
		Name:     &name, Category: &cat,
	})
	if err != nil {
		t.Fatal(err)
	}
	zone := newZone(t, e, "us", true)
	site, err := e.App.Office.CreateSite(as(us("official")), zone.ID, office.SiteInput{
		Geometry: json.RawMessage(`{"type":"Point","coordinates":[20.0042424,20.0031313]}`), RadiusM: 25, Label: "Secret site label Kp4X~mark",
	})
	if err != nil {
		t.Fatal(err)
	}
	desc, typ, at := "Secret incident text Hb9Q~mark", truce.IncidentShelling, time.Now().Add(-time.Hour)
	draftIncident, err := e.App.Office.CreateIncident(as(us("analyst")), office.IncidentInput{
		Geometry: json.RawMessage(`{"type":"Point","coordinates":[33.3333377,33.3]}`), OccurredAt: &at, Type: &typ, Description: &desc,
	})
	if err != nil {
		t.Fatal(err)
	}
	pledge, err := e.App.Office.CreateCommitment(as(us("analyst")), office.CommitmentInput{To: "ru", Text: "Secret pledge text Zt2M~mark", ZoneIDs: []string{zone.ID}})
	if err != nil {
		t.Fatal(err)
	}
	// ru probes the site: us sees it, nobody else does.
	if _, err := e.App.Office.Deconflict(as("ru-planner"), truce.Check{Geometry: site.Geometry, From: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	probes, err := e.App.Office.Probes(as(us("observer")), store.Page{Limit: 1000})
	if err != nil || len(probes) == 0 {
		t.Fatalf("probes: %v %v", probes, err)
	}
	// The text markers hold '~', which no base64, base32 or hex in the
	// journal (signatures, hashes, ids) can hold: a marker of letters and
	// digits alone turned up inside a signature once.
	secrets := []string{"Wq7Z~mark", "12.3456789", "Kp4X~mark", "20.0042424", "20.0031313", site.Salt, "Hb9Q~mark", "33.3333377", "Zt2M~mark"}

	// Every id the crawler knows: public ones and us's private ones.
	ids := map[string][]string{
		"id":      {draftZone.ID, zone.ID, draftIncident.ID, pledge.ID, probes[0].ID, "us", "ru"},
		"site":    {site.ID},
		"party":   {"us", "ru"},
		"version": {"1"},
		// OGC collections, and every id as a feature of each.
		"collectionId": {"zones", "incidents", "notices"},
	}
	ids["id"] = append(ids["id"], firstIDs(t, e)...)
	ids["featureId"] = append(append([]string{}, ids["id"]...), site.ID)
	asked := 0
	check := func(who, what string, r *testenv.Response) {
		t.Helper()
		asked++
		for _, s := range secrets {
			if strings.Contains(string(r.Body), s) {
				t.Errorf("%s: %s answered %d holding %q: %.300s", who, what, r.Status, s, r.Body)
			}
		}
	}
	others := []string{"ru-official", "ru-analyst", "ru-planner", "ru-observer", "mon-official", "mon-observer", "admin"}
	for _, rt := range e.App.API.Routes() {
		for _, path := range expand(rt.Pattern, ids) {
			for _, who := range others {
				switch rt.Method {
				case http.MethodGet:
					if strings.Contains(rt.Pattern, "/export/") {
						for _, f := range []string{"geojson", "acled"} {
							check(who, "GET "+path+"?format="+f, get(t, e, who, path+"?format="+f))
						}
						continue
					}
					q := "?limit=10000"
					switch {
					case strings.HasSuffix(rt.Pattern, "/events"):
						q = "?last_event_id=-1&follow=false"
					case strings.HasPrefix(rt.Pattern, "/ogc") && !strings.HasSuffix(rt.Pattern, "/items"):
						q = "" // OGC answers 400 to parameters it does not take
					}
					check(who, "GET "+path+q, get(t, e, who, path+q))
				case http.MethodPost, http.MethodPatch, http.MethodPut:
					if !strings.Contains(rt.Pattern, "{") {
						continue // creates: nothing private to name
					}
					check(who, rt.Method+" "+path, e.Do(t, who, rt.Method, path, map[string]any{}))
				}
			}
		}
	}
	if asked < 1000 {
		t.Fatalf("only %d requests asked", asked)
	}
	t.Logf("%d requests, none leaked", asked)
	// The owner does see them (the test would pass vacuously otherwise).
	if r := get(t, e, "us-analyst", "/api/v1/zones/"+zone.ID+"/sites/"+site.ID); !strings.Contains(string(r.Body), "Kp4X~mark") {
		t.Fatalf("the owner does not see its own site: %s", r.Body)
	}
	if r := get(t, e, "us-observer", "/api/v1/zones/"+draftZone.ID); !strings.Contains(string(r.Body), "Wq7Z~mark") {
		t.Fatalf("the owner does not see its own draft: %s", r.Body)
	}
	for _, path := range []string{"/ogc/collections/zones/items/" + draftZone.ID, "/ogc/collections/zones/items?limit=10000", "/ogc/collections"} {
		if r := get(t, e, "us-observer", path); !strings.Contains(string(r.Body), "Wq7Z~mark") && !strings.Contains(string(r.Body), "12.3456789") {
			t.Fatalf("the owner does not see its own draft in OGC %s: %.300s", path, r.Body)
		}
	}
	// Its exports hold its drafts, never its sites.
	for _, path := range []string{"/api/v1/export/incidents?format=acled", "/api/v1/export/incidents?format=geojson"} {
		if r := get(t, e, "us-observer", path); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "Hb9Q~mark") {
			t.Fatalf("the owner's export %s lacks its draft incident: %d %.300s", path, r.Status, r.Body)
		}
	}
	r := get(t, e, "us-observer", "/api/v1/export/zones?format=geojson")
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "Wq7Z~mark") {
		t.Fatalf("the owner's zone export lacks its draft zone: %d %.300s", r.Status, r.Body)
	}
	for _, s := range []string{"Kp4X~mark", "20.0042424", site.Salt} {
		if strings.Contains(string(r.Body), s) {
			t.Fatalf("the owner's zone export holds its site (%q)", s)
		}
	}
}

// firstIDs lists ids of office items of each kind.
func firstIDs(t *testing.T, e *testenv.Env) []string {
	t.Helper()
	var out []string
	for _, path := range []string{"/api/v1/actors", "/api/v1/commitments", "/api/v1/steps"} {
		var l struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		get(t, e, "mon-observer", path+"?limit=3").JSON(t, &l)
		for _, it := range l.Items {
			out = append(out, it.ID)
		}
	}
	for _, path := range []string{"/api/v1/zones", "/api/v1/incidents", "/api/v1/notices"} {
		var fc struct {
			Features []struct {
				ID string `json:"id"`
			} `json:"features"`
		}
		get(t, e, "mon-observer", path+"?limit=3").JSON(t, &fc)
		for _, f := range fc.Features {
			out = append(out, f.ID)
		}
	}
	return out
}

// expand fills a route pattern's parameters with every value given for
// their names, giving each combination once.
func expand(pattern string, ids map[string][]string) []string {
	paths := []string{""}
	for _, seg := range strings.Split(strings.Trim(pattern, "/"), "/") {
		var vals []string
		if seg == "{$}" {
			vals = []string{""}
		} else if strings.HasPrefix(seg, "{") {
			vals = ids[strings.Trim(seg, "{}.")]
			if vals == nil {
				vals = []string{"nosuch"}
			}
		} else {
			vals = []string{seg}
		}
		var next []string
		for _, p := range paths {
			for _, v := range vals {
				next = append(next, fmt.Sprintf("%s/%s", p, v))
			}
		}
		paths = next
	}
	return paths
}
