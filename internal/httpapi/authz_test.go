package httpapi_test

import (
	"context"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/httpapi"
	"github.com/truce-org/truce/internal/testenv"
)

// A caller of the authorization table: a demo member, or someone who is not
// signed in (no header, a token nobody issued, another scheme).
type caller struct {
	name     string
	username string // "" when not signed in
	auth     string // the raw Authorization header of a caller not signed in
}

var callers = []caller{
	{name: "anonymous"},
	{name: "bad-token", auth: "Bearer not-a-token-anyone-issued"},
	{name: "not-bearer", auth: "Basic dXMtb2ZmaWNpYWw6ZGVtbw=="},
	{name: "us-official", username: "us-official"},
	{name: "us-analyst", username: "us-analyst"},
	{name: "us-planner", username: "us-planner"},
	{name: "us-observer", username: "us-observer"},
	{name: "ru-official", username: "ru-official"},
	{name: "ru-analyst", username: "ru-analyst"},
	{name: "ru-planner", username: "ru-planner"},
	{name: "ru-observer", username: "ru-observer"},
	{name: "mon-official", username: "mon-official"},
	{name: "mon-observer", username: "mon-observer"},
	{name: "admin", username: "admin"},
}

// access is what the table expects of one route.
type access struct {
	query  string     // query string that makes the request valid
	body   func() any // a valid body, for routes that take one
	anon   int        // status for callers not signed in
	member int        // status for every member and the admin, unless in by
	by     map[string]int
	// fresh: the call ends the caller's session, so each call gets a new one.
	fresh bool
	// appends: a 2xx answer appends exactly one journal entry; every other
	// answer appends none.
	appends bool
	// paths, when set, gives each call path values of its own (a fresh item
	// for a lifecycle step that can be taken only once).
	paths func(tb testing.TB, e *testenv.Env) map[string]string
}

func (a access) want(c caller) int {
	if c.username == "" {
		return a.anon
	}
	if s, ok := a.by[c.username]; ok {
		return s
	}
	return a.member
}

// readable is a route every member and the admin may read.
func readable(query string) access {
	return access{query: query, anon: http.StatusUnauthorized, member: http.StatusOK}
}

// expectations holds one entry per route of the API, keyed "METHOD PATTERN".
var expectations = map[string]access{
	"GET /healthz": {anon: http.StatusOK, member: http.StatusOK},
	"GET /readyz":  {anon: http.StatusOK, member: http.StatusOK},
	"POST /api/v1/sessions": {
		body: func() any { return httpapi.SignIn{Username: "us-observer", Password: "demo"} },
		anon: http.StatusCreated, member: http.StatusCreated,
	},
	"DELETE /api/v1/sessions/current": {anon: http.StatusUnauthorized, member: http.StatusNoContent, fresh: true},
	"GET /api/v1/me":                  readable(""),
	"GET /api/v1/parties":             readable(""),
	"GET /api/v1/parties/{id}":        readable(""),
	"GET /api/v1/actors":              readable(""),
	"POST /api/v1/actors": {
		body: func() any {
			return map[string]any{"name": "Authorization Table Group (illustrative)", "aliases": []string{"ATG"}, "answerable_party": "us"}
		},
		anon: http.StatusUnauthorized, member: http.StatusForbidden, appends: true,
		by: map[string]int{
			"us-official": http.StatusCreated, "us-analyst": http.StatusCreated,
			"ru-official": http.StatusCreated, "ru-analyst": http.StatusCreated,
			"mon-official": http.StatusCreated,
		},
	},
	"GET /api/v1/actors/{id}":              readable(""),
	"GET /api/v1/actors/{id}/designations": readable(""),
	"PUT /api/v1/actors/{id}/designations/{party}": {
		body: func() any { return map[string]any{"designation": "excluded", "note": "set by the authorization table"} },
		anon: http.StatusUnauthorized, member: http.StatusForbidden, appends: true,
		by: map[string]int{"us-official": http.StatusOK},
	},
	"GET /api/v1/zones": readable(""),
	"POST /api/v1/zones": {
		body: func() any { return zoneFeatureIn("Authorization table zone (illustrative)") },
		anon: http.StatusUnauthorized, member: http.StatusForbidden,
		by: map[string]int{
			"us-official": http.StatusCreated, "us-analyst": http.StatusCreated,
			"ru-official": http.StatusCreated, "ru-analyst": http.StatusCreated, "mon-official": http.StatusCreated,
		},
	},
	"GET /api/v1/zones/{id}": readable(""),
	"PATCH /api/v1/zones/{id}": {
		body:  func() any { return zoneFeatureIn("Renamed draft (illustrative)") },
		paths: freshZone("us", false),
		anon:  http.StatusUnauthorized, member: http.StatusNotFound,
		by: map[string]int{
			"us-official": http.StatusOK, "us-analyst": http.StatusOK,
			"us-planner": http.StatusForbidden, "us-observer": http.StatusForbidden,
		},
	},
	"GET /api/v1/zones/{id}/versions/{version}": readable(""),
	"POST /api/v1/zones/{id}/release": {
		paths: freshZone("us", false), appends: true,
		anon: http.StatusUnauthorized, member: http.StatusNotFound,
		by: map[string]int{
			"us-official": http.StatusOK, "us-analyst": http.StatusForbidden,
			"us-planner": http.StatusForbidden, "us-observer": http.StatusForbidden,
		},
	},
	"POST /api/v1/zones/{id}/acknowledge": {
		paths: freshZone("us", true), appends: true,
		anon: http.StatusUnauthorized, member: http.StatusForbidden,
		by: map[string]int{"ru-official": http.StatusOK},
	},
	"POST /api/v1/zones/{id}/dispute": {
		body:  func() any { return map[string]string{"reason": "disputed by the authorization table"} },
		paths: freshZone("us", true), appends: true,
		anon: http.StatusUnauthorized, member: http.StatusForbidden,
		by: map[string]int{"ru-official": http.StatusOK},
	},
	"POST /api/v1/zones/{id}/withdraw": {
		paths: freshZone("us", true), appends: true,
		anon: http.StatusUnauthorized, member: http.StatusForbidden,
		by: map[string]int{"us-official": http.StatusOK},
	},
	"GET /api/v1/zones/{id}/sites":        sitesAccess(http.StatusOK, false),
	"POST /api/v1/zones/{id}/sites":       func() access { a := sitesAccess(http.StatusCreated, true); a.body = siteIn; return a }(),
	"GET /api/v1/zones/{id}/sites/{site}": sitesAccess(http.StatusOK, false),
	"POST /api/v1/zones/{id}/sites/{site}/reveal": {
		paths: freshSite, appends: true,
		anon: http.StatusUnauthorized, member: http.StatusNotFound,
		by: map[string]int{
			"us-official": http.StatusOK, "us-analyst": http.StatusForbidden,
			"us-planner": http.StatusForbidden, "us-observer": http.StatusForbidden,
		},
	},
	"POST /api/v1/deconflict": {
		body: func() any { return checkIn(10, 10) },
		anon: http.StatusUnauthorized, member: http.StatusForbidden, by: planners(http.StatusOK),
	},
	"GET /api/v1/notices": readable(""),
	"POST /api/v1/notices": {
		body: func() any {
			c := checkIn(10, 10)
			c["activity"] = "authorization table convoy (illustrative)"
			return c
		},
		anon: http.StatusUnauthorized, member: http.StatusForbidden, by: planners(http.StatusCreated), appends: true,
	},
	"GET /api/v1/notices/{id}": readable(""),
	"GET /api/v1/probes": {
		anon: http.StatusUnauthorized, member: http.StatusOK, by: map[string]int{"admin": http.StatusForbidden},
	},
	"GET /api/v1/probes/{id}": {
		anon: http.StatusUnauthorized, member: http.StatusNotFound,
		by: map[string]int{
			"us-official": http.StatusOK, "us-analyst": http.StatusOK, "us-planner": http.StatusOK, "us-observer": http.StatusOK,
		},
	},
	"GET /api/v1/incidents": readable(""),
	"POST /api/v1/incidents": {
		body: func() any { return incidentFeatureIn("shelling", 10, 10, "", time.Now().Add(-time.Hour)) },
		anon: http.StatusUnauthorized, member: http.StatusForbidden,
		by: map[string]int{
			"us-official": http.StatusCreated, "us-analyst": http.StatusCreated,
			"ru-official": http.StatusCreated, "ru-analyst": http.StatusCreated, "mon-official": http.StatusCreated,
		},
	},
	"GET /api/v1/incidents/{id}": readable(""),
	"PATCH /api/v1/incidents/{id}": {
		body:  func() any { return incidentFeatureIn("grenade", 10, 10, "", time.Now().Add(-time.Hour)) },
		paths: freshIncident(false),
		anon:  http.StatusUnauthorized, member: http.StatusNotFound,
		by: map[string]int{
			"us-official": http.StatusOK, "us-analyst": http.StatusOK,
			"us-planner": http.StatusForbidden, "us-observer": http.StatusForbidden,
		},
	},
	"POST /api/v1/incidents/{id}/release": {
		paths: freshIncident(false), appends: true,
		anon: http.StatusUnauthorized, member: http.StatusNotFound,
		by: map[string]int{
			"us-official": http.StatusOK, "us-analyst": http.StatusForbidden,
			"us-planner": http.StatusForbidden, "us-observer": http.StatusForbidden,
		},
	},
	"POST /api/v1/incidents/{id}/responses": {
		body:  func() any { return map[string]string{"kind": "comment", "text": "from the table"} },
		paths: freshIncident(true), appends: true,
		anon: http.StatusUnauthorized, member: http.StatusForbidden,
		by: map[string]int{"ru-official": http.StatusOK, "ru-analyst": http.StatusOK},
	},
	"PUT /api/v1/incidents/{id}/attributions/{party}": {
		body: func() any { return map[string]string{"actor": tableActor, "note": "by the table"} },
		anon: http.StatusUnauthorized, member: http.StatusForbidden, appends: true,
		by: map[string]int{"us-official": http.StatusOK},
	},
	"POST /api/v1/incidents/{id}/verification": {
		body:  func() any { return map[string]string{"outcome": "unconfirmed", "note": "by the table"} },
		paths: freshIncident(true), appends: true,
		anon: http.StatusUnauthorized, member: http.StatusForbidden,
		by: map[string]int{"mon-official": http.StatusOK},
	},
	"GET /api/v1/stats/violations": readable("?by=zone"),
	"GET /api/v1/commitments":      readable(""),
	"POST /api/v1/commitments": {
		body: func() any {
			return map[string]any{"to": "mon", "text": "table pledge (illustrative)", "zone_ids": []string{tableZone}}
		},
		anon: http.StatusUnauthorized, member: http.StatusForbidden,
		by: map[string]int{
			"us-official": http.StatusCreated, "us-analyst": http.StatusCreated,
			"ru-official": http.StatusCreated, "ru-analyst": http.StatusCreated, "mon-official": http.StatusBadRequest,
		},
	},
	"GET /api/v1/commitments/{id}": readable(""),
	"POST /api/v1/commitments/{id}/release": {
		paths: freshCommitment(false), appends: true,
		anon: http.StatusUnauthorized, member: http.StatusNotFound,
		by: map[string]int{
			"us-official": http.StatusOK, "us-analyst": http.StatusForbidden,
			"us-planner": http.StatusForbidden, "us-observer": http.StatusForbidden,
		},
	},
	"POST /api/v1/commitments/{id}/accept": {
		paths: freshCommitment(true), appends: true,
		anon: http.StatusUnauthorized, member: http.StatusForbidden,
		by: map[string]int{"ru-official": http.StatusOK},
	},
	"POST /api/v1/commitments/{id}/status": {
		body:  func() any { return map[string]string{"status": "withdrawn", "note": "by the table"} },
		paths: freshCommitment(true), appends: true,
		anon: http.StatusUnauthorized, member: http.StatusForbidden,
		by: map[string]int{"us-official": http.StatusOK},
	},
	"GET /api/v1/steps": readable(""),
	"POST /api/v1/steps": {
		body: func() any {
			return map[string]any{"title": "table step (illustrative)", "responsible_party": "ru", "due": "2030-01-01T00:00:00Z"}
		},
		anon: http.StatusUnauthorized, member: http.StatusForbidden, appends: true,
		by: map[string]int{"us-official": http.StatusCreated, "ru-official": http.StatusCreated, "mon-official": http.StatusCreated},
	},
	"GET /api/v1/steps/{id}": readable(""),
	"PATCH /api/v1/steps/{id}": {
		body: func() any { return map[string]string{"status": "in_progress", "evidence": "by the table"} },
		paths: func(tb testing.TB, e *testenv.Env) map[string]string {
			return map[string]string{"steps/{id}": newStep(tb, e).ID}
		},
		anon: http.StatusUnauthorized, member: http.StatusForbidden, appends: true,
		by: map[string]int{"us-official": http.StatusOK},
	},
	"GET /api/v1/events":             readable("?last_event_id=-1&follow=false"),
	"GET /api/v1/journal":            readable(""),
	"GET /api/v1/journal/checkpoint": readable(""),
	"PUT /api/v1/journal/cosigners/{party}": {
		body: func() any { return httpapi.CosignerInput{Key: newCosignerKey(nil, "authz.cosigner.example").vkey} },
		anon: http.StatusUnauthorized, member: http.StatusForbidden, appends: true,
		by: map[string]int{"us-official": http.StatusOK},
	},
	// A body that is no checkpoint: refused before anything is looked up
	// (a cosignature that verifies is TestCosignatures').
	"POST /api/v1/journal/cosignatures": {
		body: func() any { return "not a checkpoint" },
		anon: http.StatusUnauthorized, member: http.StatusBadRequest,
		by: map[string]int{"admin": http.StatusForbidden},
	},
	"GET /api/v1/journal/entries":            readable("?start=0&end=2"),
	"GET /api/v1/journal/proofs/inclusion":   readable("?index=0"),
	"GET /api/v1/journal/proofs/consistency": readable("?old=1"),
	"GET /api/v1/openapi.json":               {anon: http.StatusOK, member: http.StatusOK},

	// OGC API - Features (internal/ogc): the landing page, conformance and
	// API document are public; collections and items are for members, each
	// seeing what the API shows it.
	"GET /ogc":                                  {anon: http.StatusOK, member: http.StatusOK},
	"GET /ogc/{$}":                              {anon: http.StatusOK, member: http.StatusOK},
	"GET /ogc/conformance":                      {anon: http.StatusOK, member: http.StatusOK},
	"GET /ogc/api":                              {anon: http.StatusOK, member: http.StatusOK},
	"GET /ogc/collections":                      readable(""),
	"GET /ogc/collections/{collectionId}":       readable(""),
	"GET /ogc/collections/{collectionId}/items": readable("?limit=5"),
	"GET /ogc/collections/{collectionId}/items/{featureId}": readable(""),
	"GET /ogc/{path...}": {anon: http.StatusNotFound, member: http.StatusNotFound},
	"POST /api/v1/import/geojson": {
		query: "?as=incidents",
		body: func() any {
			return map[string]any{"type": "FeatureCollection", "features": []any{
				incidentFeatureIn("shelling", 10, 10, "", time.Now().Add(-time.Hour)),
			}}
		},
		anon: http.StatusUnauthorized, member: http.StatusForbidden,
		by: map[string]int{
			"us-official": http.StatusCreated, "us-analyst": http.StatusCreated,
			"ru-official": http.StatusCreated, "ru-analyst": http.StatusCreated, "mon-official": http.StatusCreated,
		},
	},
	"GET /api/v1/export/zones":     readable("?format=geojson"),
	"GET /api/v1/export/incidents": readable("?format=acled"),
}

// pathValues names a real item for each path parameter, keyed by the
// segment before it and the parameter: "actors/{id}".
func pathValues(tb testing.TB, e *testenv.Env) map[string]string {
	zone := zoneNamed(tb, e, "Hill villages")
	tableZone, tableActor = zone.ID, actorNamed(tb, e, "River Towns Alliance").ID
	sites, err := e.App.Office.Sites(as("us-official"), zone.ID)
	if err != nil || len(sites) == 0 {
		tb.Fatalf("sites of %s: %v %v", zone.ID, sites, err)
	}
	tableReport = newReport(tb, e, "us", truce.TLPGreen, nil, true).ID
	return map[string]string{
		"reports/{id}":         newReport(tb, e, "us", truce.TLPRed, []string{"ru"}, true).ID,
		"rfis/{id}":            newRFI(tb, e).ID,
		"parties/{id}":         "us",
		"actors/{id}":          actorNamed(tb, e, "River Towns Alliance").ID,
		"designations/{party}": "us",
		"cosigners/{party}":    "us",
		"zones/{id}":           zone.ID,
		"versions/{version}":   "1",
		"sites/{site}":         sites[0].ID,
		"notices/{id}":         firstNotice(tb, e),
		"probes/{id}":          probeOf(tb, e, sites[0]),
		"incidents/{id}":       newIncident(tb, e, true).ID,
		"attributions/{party}": "us",
		"commitments/{id}":     newCommitment(tb, e, true).ID,
		"steps/{id}":           newStep(tb, e).ID,
		// OGC: the zones collection and a released zone in it.
		"collections/{collectionId}": "zones",
		"items/{featureId}":          zone.ID,
		"ogc/{path}":                 "no-such-resource",
	}
}

// tableActor and tableZone name demo items for the static bodies above; the
// table sets them before its first call.
var tableActor, tableZone string

func freshIncident(released bool) func(testing.TB, *testenv.Env) map[string]string {
	return func(tb testing.TB, e *testenv.Env) map[string]string {
		return map[string]string{"incidents/{id}": newIncident(tb, e, released).ID}
	}
}

func freshCommitment(released bool) func(testing.TB, *testenv.Env) map[string]string {
	return func(tb testing.TB, e *testenv.Env) map[string]string {
		return map[string]string{"commitments/{id}": newCommitment(tb, e, released).ID}
	}
}

// sitesAccess: a zone's sites are the owner's officials' and analysts'
// business; its other members are forbidden, and no one else finds them.
func sitesAccess(ok int, appends bool) access {
	return access{
		anon: http.StatusUnauthorized, member: http.StatusNotFound, appends: appends,
		by: map[string]int{
			"us-official": ok, "us-analyst": ok, "us-planner": http.StatusForbidden, "us-observer": http.StatusForbidden,
		},
	}
}

// planners: the officials and planners of every party.
func planners(ok int) map[string]int {
	return map[string]int{
		"us-official": ok, "us-planner": ok, "ru-official": ok, "ru-planner": ok, "mon-official": ok,
	}
}

// freshZone gives each call a new zone of party: a draft, or released.
func freshZone(party string, released bool) func(testing.TB, *testenv.Env) map[string]string {
	return func(tb testing.TB, e *testenv.Env) map[string]string {
		return map[string]string{"zones/{id}": newZone(tb, e, party, released).ID}
	}
}

// freshSite gives each call a new released zone of us with one site.
func freshSite(tb testing.TB, e *testenv.Env) map[string]string {
	z := newZone(tb, e, "us", true)
	s := newSite(tb, e, z)
	return map[string]string{"zones/{id}": z.ID, "sites/{site}": s.ID}
}

// params returns the path parameters of pattern by their key in pathValues.
func params(pattern string) []string {
	segs := strings.Split(strings.Trim(pattern, "/"), "/")
	var out []string
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && i > 0 && s != "{$}" {
			out = append(out, segs[i-1]+"/"+strings.TrimSuffix(strings.TrimSuffix(s, "}"), "...")+"}")
		}
	}
	return out
}

// fill puts values into pattern's parameters; unknown names the one
// parameter to fill with a value that names nothing, if any.
func fill(tb testing.TB, pattern string, values map[string]string, unknown string) string {
	tb.Helper()
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		if s == "{$}" { // the end of a path with a trailing slash
			segs[i] = ""
			continue
		}
		if !strings.HasPrefix(s, "{") {
			continue
		}
		key := segs[i-1] + "/" + strings.TrimSuffix(strings.TrimSuffix(s, "}"), "...") + "}"
		v, ok := values[key]
		if !ok {
			tb.Fatalf("%s: no value for path parameter %s: add one to pathValues", pattern, key)
		}
		if key == unknown {
			v = "nosuch"
			if strings.HasPrefix(key, "actors/") {
				v = "act_doesnotexist0000000000"
			}
		}
		segs[i] = v
	}
	return strings.Join(segs, "/")
}

// call makes the table's request for route as c; fresh issues a new session.
func call(t *testing.T, e *testenv.Env, rt httpapi.Route, a access, c caller, path string) *testenv.Response {
	t.Helper()
	r := request{method: rt.Method, path: path + a.query, auth: c.auth}
	if c.username != "" {
		if a.fresh {
			s, err := e.App.Accounts.IssueToken(context.Background(), c.username, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			r.token = s.Token
		} else {
			r.token = e.Token(t, c.username)
		}
	}
	if a.body != nil {
		r.body = a.body()
	}
	return send(t, e, r)
}

func TestAuthorizationTable(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	routes := e.App.API.Routes()
	values := pathValues(t, e)

	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		if seen[key] {
			t.Errorf("route %s listed twice", key)
		}
		seen[key] = true
		a, ok := expectations[key]
		if !ok {
			t.Errorf("route %s has no expectation in the authorization table: add one", key)
			continue
		}
		if (rt.Access == httpapi.Public) != (a.anon != http.StatusUnauthorized) {
			t.Errorf("route %s: Access %v but the table expects %d for anonymous callers", key, rt.Access, a.anon)
		}
		t.Run(key, func(t *testing.T) {
			path := fill(t, rt.Pattern, values, "")
			for _, c := range callers {
				if a.paths != nil {
					vs := maps.Clone(values)
					maps.Copy(vs, a.paths(t, e))
					path = fill(t, rt.Pattern, vs, "")
				}
				before := e.JournalSize(t)
				r := call(t, e, rt, a, c, path)
				want := a.want(c)
				if r.Status != want {
					t.Errorf("%s as %s: status %d, want %d; body %s", key, c.name, r.Status, want, r.Body)
					continue
				}
				grew := e.JournalSize(t) - before
				switch {
				case a.appends && r.Status/100 == 2 && grew != 1:
					t.Errorf("%s as %s: journal grew by %d, want 1", key, c.name, grew)
				case (!a.appends || r.Status/100 != 2) && grew != 0:
					t.Errorf("%s as %s (status %d): journal grew by %d, want 0", key, c.name, r.Status, grew)
				}
				if r.Status >= 400 {
					errorOf(t, r)
					if r.Status == http.StatusUnauthorized && r.Header.Get("WWW-Authenticate") == "" {
						t.Errorf("%s as %s: 401 without WWW-Authenticate", key, c.name)
					}
					continue
				}
				if rt.Method == http.MethodGet && strings.HasSuffix(rt.Pattern, "/{id}") {
					var item struct {
						ID string `json:"id"`
					}
					r.JSON(t, &item)
					if want := path[strings.LastIndex(path, "/")+1:]; item.ID != want {
						t.Errorf("%s as %s: id %q, want %q", key, c.name, item.ID, want)
					}
				}
			}
		})
	}
	for key := range expectations {
		if !seen[key] {
			t.Errorf("the authorization table expects route %s, which the server does not have", key)
		}
	}

	// An id that names nothing is 404 for every signed-in caller (whatever
	// their role), and 401 for anyone else: nothing tells absent from
	// forbidden.
	t.Run("unknown ids", func(t *testing.T) {
		tested := 0
		for _, rt := range routes {
			key := rt.Method + " " + rt.Pattern
			a, ok := expectations[key]
			if !ok {
				continue
			}
			for _, p := range params(rt.Pattern) {
				tested++
				path := fill(t, rt.Pattern, values, p)
				for _, c := range callers {
					before := e.JournalSize(t)
					r := call(t, e, rt, a, c, path)
					want := http.StatusNotFound
					if c.username == "" {
						want = a.anon
					}
					if r.Status != want {
						t.Errorf("%s %s as %s: status %d, want %d; body %s", rt.Method, path, c.name, r.Status, want, r.Body)
						continue
					}
					errorOf(t, r)
					if grew := e.JournalSize(t) - before; grew != 0 {
						t.Errorf("%s %s as %s: journal grew by %d", rt.Method, path, c.name, grew)
					}
				}
			}
		}
		if tested == 0 {
			t.Fatal("no route has a path parameter")
		}
	})

	// Each party's official sets that party's designation and no other.
	t.Run("designation by party", func(t *testing.T) {
		id := values["actors/{id}"]
		body := map[string]any{"designation": "undetermined", "note": "by party"}
		for _, party := range []string{"us", "ru"} {
			for _, c := range callers {
				if c.username == "" {
					continue
				}
				want := http.StatusForbidden
				if c.username == party+"-official" {
					want = http.StatusOK
				}
				r := e.Do(t, c.username, http.MethodPut, "/api/v1/actors/"+id+"/designations/"+party, body)
				if r.Status != want {
					t.Errorf("PUT designation of %s as %s: status %d, want %d; body %s", party, c.name, r.Status, want, r.Body)
					continue
				}
				if want != http.StatusOK {
					errorOf(t, r)
					continue
				}
				var got struct {
					Designations map[string]string `json:"designations"`
				}
				r.JSON(t, &got)
				if got.Designations[party] != "undetermined" {
					t.Errorf("after PUT as %s, designations %v", c.name, got.Designations)
				}
			}
		}
	})

	// Paths under /api/ that no route serves answer the contract's 404.
	t.Run("no such endpoint", func(t *testing.T) {
		for _, c := range []string{"", "us-official"} {
			r := get(t, e, c, "/api/v1/no-such-thing")
			mustStatus(t, r, http.StatusNotFound, "GET /api/v1/no-such-thing")
			errorOf(t, r)
		}
	})
}
