package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/testenv"
)

// request is one call to the API under test.
type request struct {
	method string
	path   string
	token  string // sent as "Authorization: Bearer <token>" unless empty
	auth   string // a raw Authorization header, instead of token
	body   any    // string or []byte as is, anything else as JSON, nil for none
	header http.Header
}

// send makes r against e and reads the whole answer.
func send(tb testing.TB, e *testenv.Env, r request) *testenv.Response {
	tb.Helper()
	req := e.NewRequest(tb, r.method, r.path, r.body)
	switch {
	case r.auth != "":
		req.Header.Set("Authorization", r.auth)
	case r.token != "":
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, vs := range r.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	return e.Send(tb, req)
}

// get is a GET as username ("" for anonymous).
func get(tb testing.TB, e *testenv.Env, username, path string) *testenv.Response {
	tb.Helper()
	return e.Do(tb, username, http.MethodGet, path, nil)
}

// mustStatus fails tb unless r has status want.
func mustStatus(tb testing.TB, r *testenv.Response, want int, what string) {
	tb.Helper()
	if r.Status != want {
		tb.Fatalf("%s: status %d, want %d; body %s", what, r.Status, want, r.Body)
	}
}

// errorOf checks that r is an error in the contract's shape, exactly
// {"error":{"code","message"[,"field"]}}, and returns its detail. The field
// key may be left out when no field is at fault.
func errorOf(tb testing.TB, r *testenv.Response) (code, message, field string) {
	tb.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Errorf("error Content-Type %q, want application/json", ct)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &top); err != nil {
		tb.Fatalf("error body %q is not a JSON object: %v", r.Body, err)
	}
	if keys := sortedKeys(top); !slices.Equal(keys, []string{"error"}) {
		tb.Fatalf("error body has top-level keys %q, want exactly [error]: %s", keys, r.Body)
	}
	var detail map[string]json.RawMessage
	if err := json.Unmarshal(top["error"], &detail); err != nil {
		tb.Fatalf("error.error is not an object: %s", r.Body)
	}
	keys := sortedKeys(detail)
	if !slices.Equal(keys, []string{"code", "message"}) && !slices.Equal(keys, []string{"code", "field", "message"}) {
		tb.Fatalf("error object has keys %q, want code, message and field: %s", keys, r.Body)
	}
	str := func(k string) string {
		raw, ok := detail[k]
		if !ok {
			return ""
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			tb.Fatalf("error.%s is not a string: %s", k, r.Body)
		}
		return s
	}
	code, message, field = str("code"), str("message"), str("field")
	if code == "" || message == "" {
		tb.Errorf("error code %q / message %q must not be empty: %s", code, message, r.Body)
	}
	if want, ok := codeOfStatus[r.Status]; ok && code != want {
		tb.Errorf("status %d with code %q, want %q", r.Status, code, want)
	}
	return code, message, field
}

// codeOfStatus is the contract's table read backwards.
var codeOfStatus = map[int]string{
	http.StatusBadRequest:            truce.EInvalid,
	http.StatusUnauthorized:          truce.EUnauthorized,
	http.StatusForbidden:             truce.EForbidden,
	http.StatusNotFound:              truce.ENotFound,
	http.StatusConflict:              truce.EConflict,
	http.StatusRequestEntityTooLarge: truce.ETooLarge,
	http.StatusTooManyRequests:       truce.ERateLimited,
	http.StatusServiceUnavailable:    truce.EUnavailable,
	http.StatusInternalServerError:   truce.EInternal,
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// actorList is GET /api/v1/actors.
type actorList struct {
	Items      []truce.Actor `json:"items"`
	NextCursor string        `json:"next_cursor"`
}

// allActors lists every actor in one page.
func allActors(tb testing.TB, e *testenv.Env) []truce.Actor {
	tb.Helper()
	r := get(tb, e, "us-observer", "/api/v1/actors?limit=10000")
	mustStatus(tb, r, http.StatusOK, "list actors")
	var l actorList
	r.JSON(tb, &l)
	if l.NextCursor != "" {
		tb.Fatalf("list of %d actors has a next_cursor", len(l.Items))
	}
	return l.Items
}

// actorNamed returns the demo actor whose name starts with prefix.
func actorNamed(tb testing.TB, e *testenv.Env, prefix string) truce.Actor {
	tb.Helper()
	for _, a := range allActors(tb, e) {
		if strings.HasPrefix(a.Name, prefix) {
			return a
		}
	}
	tb.Fatalf("no actor named %q…", prefix)
	return truce.Actor{}
}

// as is a context signed in as a demo member "<party>-<role>".
func as(username string) context.Context {
	party, role, _ := strings.Cut(username, "-")
	return truce.WithCaller(context.Background(), &truce.Member{Username: username, Party: party, Role: truce.Role(role)})
}

// zoneFeatureIn is a valid zone Feature as a client sends it, far from the demo's zones.
func zoneFeatureIn(name string) map[string]any {
	return map[string]any{
		"type": "Feature",
		"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{
			{{10, 10}, {10.01, 10}, {10.01, 10.01}, {10, 10.01}, {10, 10}}}},
		"properties": map[string]any{"name": name, "category": "civilian_area", "buffer_m": 100},
	}
}

// siteIn is a site inside the demo's "Hill villages" zone.
func siteIn() any {
	return map[string]any{"geometry": map[string]any{"type": "Point", "coordinates": []float64{36.40, 36.05}}, "radius_m": 50, "label": "table site (illustrative)"}
}

// checkIn is a deconfliction check at lon, lat tomorrow.
func checkIn(lon, lat float64) map[string]any {
	from := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	return map[string]any{
		"geometry": map[string]any{"type": "Point", "coordinates": []float64{lon, lat}},
		"buffer_m": 0, "from": from.Format(time.RFC3339), "until": from.Add(time.Hour).Format(time.RFC3339),
	}
}

// newZone creates a zone of party through the service: a draft, or
// released as version 1.
func newZone(tb testing.TB, e *testenv.Env, party string, released bool) truce.Zone {
	tb.Helper()
	name := "Test zone (illustrative)"
	cat := truce.CategoryCivilian
	z, err := e.App.Office.CreateZone(as(party+"-analyst"), office.ZoneInput{
		Geometry: json.RawMessage(`{"type":"Polygon","coordinates":[[[20,20],[20.01,20],[20.01,20.01],[20,20.01],[20,20]]]}`),
		Name:     &name, Category: &cat,
	})
	if err != nil {
		tb.Fatal(err)
	}
	if released {
		if z, err = e.App.Office.ReleaseZone(as(party+"-official"), z.ID); err != nil {
			tb.Fatal(err)
		}
	}
	return z
}

// newSite adds a site at the middle of a zone made by newZone.
func newSite(tb testing.TB, e *testenv.Env, z truce.Zone) truce.Site {
	tb.Helper()
	s, err := e.App.Office.CreateSite(as(z.Owner+"-official"), z.ID, office.SiteInput{
		Geometry: json.RawMessage(`{"type":"Point","coordinates":[20.005,20.005]}`), RadiusM: 30, Label: "test site (illustrative)",
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// zoneNamed finds a released or own zone whose name starts with prefix.
func zoneNamed(tb testing.TB, e *testenv.Env, prefix string) truce.Zone {
	tb.Helper()
	zs, err := e.App.Office.Zones(as("us-official"), store.ZoneFilter{}, store.Page{Limit: 1000})
	if err != nil {
		tb.Fatal(err)
	}
	for _, z := range zs {
		if strings.HasPrefix(z.Name, prefix) {
			return z
		}
	}
	tb.Fatalf("no zone named %q", prefix)
	return truce.Zone{}
}

func firstNotice(tb testing.TB, e *testenv.Env) string {
	tb.Helper()
	ns, err := e.App.Office.Notices(as("us-official"), store.NoticeFilter{}, store.Page{Limit: 1})
	if err != nil || len(ns) == 0 {
		tb.Fatalf("notices: %v %v", ns, err)
	}
	return ns[0].ID
}

// probeOf makes ru-planner check over site and returns the probe us sees.
func probeOf(tb testing.TB, e *testenv.Env, s truce.Site) string {
	tb.Helper()
	from := time.Now().Add(time.Hour).UTC()
	if _, err := e.App.Office.Deconflict(as("ru-planner"), truce.Check{Geometry: s.Geometry, From: from}); err != nil {
		tb.Fatal(err)
	}
	ps, err := e.App.Office.Probes(as("us-official"), store.Page{Limit: 1000})
	if err != nil || len(ps) == 0 {
		tb.Fatalf("probes: %v %v", ps, err)
	}
	return ps[len(ps)-1].ID
}

// newIncident reports an air strike by the demo's government forces (answerable
// to ru) in the middle of the zone made by newZone, as a us draft or released.
func newIncident(tb testing.TB, e *testenv.Env, released bool) truce.Incident {
	tb.Helper()
	perp := actorNamed(tb, e, "Government Forces").ID
	typ := truce.IncidentAirStrike
	at := time.Now().UTC().Add(-time.Minute)
	i, err := e.App.Office.CreateIncident(as("us-analyst"), office.IncidentInput{
		Geometry: json.RawMessage(`{"type":"Point","coordinates":[20.005,20.005]}`), OccurredAt: &at, Type: &typ, Perpetrator: &perp,
	})
	if err != nil {
		tb.Fatal(err)
	}
	if released {
		if i, err = e.App.Office.ReleaseIncident(as("us-official"), i.ID); err != nil {
			tb.Fatal(err)
		}
	}
	return i
}

// newCommitment drafts a us pledge to ru over a new zone; released
// proposes it.
func newCommitment(tb testing.TB, e *testenv.Env, released bool) truce.Commitment {
	tb.Helper()
	z := newZone(tb, e, "us", true)
	c, err := e.App.Office.CreateCommitment(as("us-analyst"), office.CommitmentInput{To: "ru", Text: "table pledge (illustrative)", ZoneIDs: []string{z.ID}})
	if err != nil {
		tb.Fatal(err)
	}
	if released {
		if c, err = e.App.Office.ReleaseCommitment(as("us-official"), c.ID); err != nil {
			tb.Fatal(err)
		}
	}
	return c
}

// newStep creates a step us is responsible for.
func newStep(tb testing.TB, e *testenv.Env) truce.Step {
	tb.Helper()
	due := time.Now().Add(30 * 24 * time.Hour)
	s, err := e.App.Office.CreateStep(as("ru-official"), office.StepInput{Title: "table step (illustrative)", ResponsibleParty: "us", Due: &due})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// incidentFeatureIn is a valid incident Feature as a client sends it.
func incidentFeatureIn(typ string, lon, lat float64, perpetrator string, at time.Time) map[string]any {
	props := map[string]any{"occurred_at": at.UTC().Format(time.RFC3339Nano), "type": typ, "fatalities": 1,
		"description": "test report (illustrative)", "sources": []string{"test"}}
	if perpetrator != "" {
		props["perpetrator"] = perpetrator
	}
	return map[string]any{"type": "Feature", "geometry": map[string]any{"type": "Point", "coordinates": []float64{lon, lat}}, "properties": props}
}
