package httpapi_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/truce-org/truce/internal/httpapi"
	"github.com/truce-org/truce/internal/ogc"
	"github.com/truce-org/truce/internal/testenv"
)

// loadOpenAPI loads and validates the embedded document.
func loadOpenAPI(tb testing.TB) *openapi3.T {
	tb.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI)
	if err != nil {
		tb.Fatalf("load the OpenAPI document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		tb.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	return doc
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	e := testenv.New(t)
	for _, user := range []string{"", "us-observer"} {
		r := get(t, e, user, "/api/v1/openapi.json")
		mustStatus(t, r, http.StatusOK, "GET /api/v1/openapi.json")
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q, want application/json", ct)
		}
		if !bytes.Equal(r.Body, httpapi.OpenAPI) {
			t.Errorf("the served document differs from the embedded one")
		}
	}

	// Every error answer is the one Error shape.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for code, rr := range op.Responses.Map() {
				if code[0] == '2' {
					continue
				}
				mt := rr.Value.Content.Get("application/json")
				if mt == nil || mt.Schema == nil || mt.Schema.Ref != "#/components/schemas/Error" {
					t.Errorf("%s %s: response %s is not the Error schema", method, path, code)
				}
			}
			if op.Responses.Value("500") == nil {
				t.Errorf("%s %s: no 500 response", method, path)
			}
		}
	}
}

// openAPIPath turns a ServeMux pattern into an OpenAPI path template.
func openAPIPath(pattern string) string {
	pattern = strings.TrimSuffix(pattern, "{$}")
	return strings.ReplaceAll(pattern, "...}", "}")
}

// TestOpenAPIRoutes: the document describes exactly the server's routes,
// with bearer security on exactly the member routes.
func TestOpenAPIRoutes(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	e := testenv.New(t)

	documented := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[method+" "+path] = op
		}
	}
	served := map[string]bool{}
	for _, rt := range e.App.API.Routes() {
		if rt.Pattern == "/metrics" {
			continue
		}
		if rt.Pattern == ogc.Prefix || strings.HasPrefix(rt.Pattern, ogc.Prefix+"/") {
			// The OGC API is described by its own OpenAPI 3.0 document
			// (GET /ogc/api); internal/ogc's tests check it covers
			// every one of these routes.
			continue
		}
		key := rt.Method + " " + openAPIPath(rt.Pattern)
		served[key] = true
		op, ok := documented[key]
		if !ok {
			t.Errorf("route %s is not in the OpenAPI document: describe it in internal/httpapi/openapi.json", key)
			continue
		}
		if op.Security == nil {
			t.Errorf("%s: no security requirement (want [] for public, bearerAuth for members)", key)
			continue
		}
		public := len(*op.Security) == 0
		bearer := slices.ContainsFunc(*op.Security, func(r openapi3.SecurityRequirement) bool { _, ok := r["bearerAuth"]; return ok })
		switch {
		case rt.Access == httpapi.Public && !public:
			t.Errorf("%s is public but the document asks for %v", key, *op.Security)
		case rt.Access == httpapi.Member && !bearer:
			t.Errorf("%s is for members but the document does not ask for bearerAuth", key)
		}
		if rt.Access == httpapi.Member && op.Responses.Value("401") == nil {
			t.Errorf("%s: no 401 response", key)
		}
	}
	for key := range documented {
		if !served[key] {
			t.Errorf("the OpenAPI document describes %s, which the server does not have", key)
		}
	}
	if len(served) == 0 {
		t.Fatal("the server has no routes")
	}
}

// reqCheck says what validating the request against the document should do.
type reqCheck int

const (
	reqValid   reqCheck = iota // the request matches the document
	reqInvalid                 // the document rejects it too (bad input)
	reqSkip                    // not checked (no credentials)
)

// apiCall is one real request whose answer must match the document.
type apiCall struct {
	name   string
	user   string // "" for anonymous
	method string
	path   string
	body   any
	status int
	req    reqCheck
	ct     string // the body's content type, when not JSON
}

// TestOpenAPIResponses: real answers of the test office, successes and
// errors, match the document; so do the requests that make them.
func TestOpenAPIResponses(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	e := testenv.New(t)

	hill := zoneNamed(t, e, "Hill villages")
	sites, err := e.App.Office.Sites(as("us-official"), hill.ID)
	if err != nil || len(sites) == 0 {
		t.Fatalf("sites of %s: %v %v", hill.ID, sites, err)
	}
	actor := actorNamed(t, e, "River Towns Alliance")
	incident := newIncident(t, e, true)
	draft := newZone(t, e, "us", false)
	released := newZone(t, e, "us", true)
	commitment := newCommitment(t, e, true)
	step := newStep(t, e)
	probeOf(t, e, sites[0])

	unknownField := checkIn(10, 10)
	unknownField["radius"] = 3
	calls := []apiCall{
		{name: "healthz", method: "GET", path: "/healthz", status: 200},
		{name: "readyz", method: "GET", path: "/readyz", status: 200},
		{name: "openapi", method: "GET", path: "/api/v1/openapi.json", status: 200},
		{name: "sign in", method: "POST", path: "/api/v1/sessions", body: httpapi.SignIn{Username: "us-observer", Password: "demo"}, status: 201},
		{name: "sign in wrong", method: "POST", path: "/api/v1/sessions", body: httpapi.SignIn{Username: "us-observer", Password: "wrong"}, status: 401},
		{name: "me", user: "us-official", method: "GET", path: "/api/v1/me", status: 200},
		{name: "me admin", user: "admin", method: "GET", path: "/api/v1/me", status: 200},
		{name: "me anonymous", method: "GET", path: "/api/v1/me", status: 401, req: reqSkip},
		{name: "parties", user: "us-observer", method: "GET", path: "/api/v1/parties", status: 200},
		{name: "party", user: "us-observer", method: "GET", path: "/api/v1/parties/mon", status: 200},
		{name: "actors", user: "us-observer", method: "GET", path: "/api/v1/actors?limit=2", status: 200},
		{name: "actor", user: "us-observer", method: "GET", path: "/api/v1/actors/" + actor.ID, status: 200},
		{name: "designations", user: "us-observer", method: "GET", path: "/api/v1/actors/" + actor.ID + "/designations", status: 200},
		{name: "create actor", user: "us-analyst", method: "POST", path: "/api/v1/actors",
			body: map[string]any{"name": "OpenAPI Test Group (illustrative)", "aliases": []string{"OTG"}, "answerable_party": nil}, status: 201},
		{name: "create actor forbidden", user: "us-observer", method: "POST", path: "/api/v1/actors",
			body: map[string]any{"name": "Forbidden Group (illustrative)"}, status: 403},
		{name: "create actor unknown field", user: "us-analyst", method: "POST", path: "/api/v1/actors",
			body: map[string]any{"name": "X", "colour": "red"}, status: 400, req: reqInvalid},
		{name: "set designation", user: "us-official", method: "PUT", path: "/api/v1/actors/" + actor.ID + "/designations/us",
			body: map[string]any{"designation": "excluded", "note": "openapi test"}, status: 200},
		{name: "zones", user: "us-official", method: "GET", path: "/api/v1/zones", status: 200},
		{name: "zones page", user: "ru-observer", method: "GET", path: "/api/v1/zones?limit=1&status=in_force", status: 200},
		{name: "zones bad bbox", user: "us-official", method: "GET", path: "/api/v1/zones?bbox=1,2", status: 400, req: reqInvalid},
		{name: "zone", user: "ru-observer", method: "GET", path: "/api/v1/zones/" + hill.ID, status: 200},
		{name: "zone not found", user: "us-official", method: "GET", path: "/api/v1/zones/nosuch", status: 404},
		{name: "draft zone", user: "us-official", method: "GET", path: "/api/v1/zones/" + draft.ID, status: 200},
		{name: "zone version", user: "us-official", method: "GET", path: "/api/v1/zones/" + hill.ID + "/versions/1", status: 200},
		{name: "create zone", user: "us-analyst", method: "POST", path: "/api/v1/zones", body: zoneFeatureIn("OpenAPI zone (illustrative)"), status: 201},
		{name: "update zone", user: "us-analyst", method: "PATCH", path: "/api/v1/zones/" + draft.ID, body: zoneFeatureIn("OpenAPI renamed (illustrative)"), status: 200},
		{name: "release zone", user: "us-official", method: "POST", path: "/api/v1/zones/" + draft.ID + "/release", status: 200},
		{name: "release zone again", user: "us-official", method: "POST", path: "/api/v1/zones/" + draft.ID + "/release", status: 409},
		{name: "acknowledge zone", user: "ru-official", method: "POST", path: "/api/v1/zones/" + released.ID + "/acknowledge", body: map[string]any{}, status: 200},
		{name: "sites", user: "us-official", method: "GET", path: "/api/v1/zones/" + hill.ID + "/sites", status: 200},
		{name: "site", user: "us-official", method: "GET", path: "/api/v1/zones/" + hill.ID + "/sites/" + sites[0].ID, status: 200},
		{name: "sites of another party", user: "ru-official", method: "GET", path: "/api/v1/zones/" + hill.ID + "/sites", status: 404},
		{name: "create site", user: "us-analyst", method: "POST", path: "/api/v1/zones/" + hill.ID + "/sites", body: siteIn(), status: 201},
		{name: "deconflict clear", user: "us-planner", method: "POST", path: "/api/v1/deconflict", body: checkIn(10, 10), status: 200},
		{name: "deconflict site", user: "ru-planner", method: "POST", path: "/api/v1/deconflict", body: checkIn(36.40, 36.05), status: 200},
		{name: "deconflict unknown field", user: "us-planner", method: "POST", path: "/api/v1/deconflict", body: unknownField, status: 400, req: reqInvalid},
		{name: "deconflict too large", user: "us-planner", method: "POST", path: "/api/v1/deconflict",
			body: `{"note":"` + strings.Repeat("x", 2<<20) + `"}`, status: 413, req: reqInvalid},
		{name: "create notice", user: "ru-planner", method: "POST", path: "/api/v1/notices",
			body: func() any { c := checkIn(36.40, 36.05); c["activity"] = "OpenAPI convoy (illustrative)"; return c }(), status: 201},
		{name: "notices", user: "us-observer", method: "GET", path: "/api/v1/notices", status: 200},
		{name: "probes", user: "us-observer", method: "GET", path: "/api/v1/probes", status: 200},
		{name: "incidents", user: "us-observer", method: "GET", path: "/api/v1/incidents", status: 200},
		{name: "incidents violating", user: "ru-observer", method: "GET", path: "/api/v1/incidents?violation=true&limit=3", status: 200},
		{name: "incident", user: "ru-observer", method: "GET", path: "/api/v1/incidents/" + incident.ID, status: 200},
		{name: "create incident", user: "us-analyst", method: "POST", path: "/api/v1/incidents",
			body: incidentFeatureIn("shelling", 10, 10, actor.ID, time.Now().Add(-time.Hour)), status: 201},
		{name: "respond", user: "ru-official", method: "POST", path: "/api/v1/incidents/" + incident.ID + "/responses",
			body: map[string]any{"kind": "dispute", "text": "not us", "evidence": "none"}, status: 200},
		{name: "attribute", user: "us-official", method: "PUT", path: "/api/v1/incidents/" + incident.ID + "/attributions/us",
			body: map[string]any{"actor": actor.ID, "note": "openapi test"}, status: 200},
		{name: "verify", user: "mon-official", method: "POST", path: "/api/v1/incidents/" + incident.ID + "/verification",
			body: map[string]any{"outcome": "confirmed"}, status: 200},
		{name: "stats", user: "us-observer", method: "GET", path: "/api/v1/stats/violations", status: 200},
		{name: "stats by zone", user: "us-observer", method: "GET", path: "/api/v1/stats/violations?by=zone&interval=week", status: 200},
		{name: "stats bad interval", user: "us-observer", method: "GET", path: "/api/v1/stats/violations?interval=day", status: 400, req: reqInvalid},
		{name: "commitments", user: "us-observer", method: "GET", path: "/api/v1/commitments", status: 200},
		{name: "commitment", user: "us-observer", method: "GET", path: "/api/v1/commitments/" + commitment.ID, status: 200},
		{name: "accept commitment", user: "ru-official", method: "POST", path: "/api/v1/commitments/" + commitment.ID + "/accept", status: 200},
		{name: "steps", user: "us-observer", method: "GET", path: "/api/v1/steps", status: 200},
		{name: "update step", user: "us-official", method: "PATCH", path: "/api/v1/steps/" + step.ID,
			body: map[string]any{"status": "in_progress", "evidence": "openapi test"}, status: 200},
		{name: "journal", user: "us-observer", method: "GET", path: "/api/v1/journal", status: 200},
		{name: "checkpoint", user: "us-observer", method: "GET", path: "/api/v1/journal/checkpoint", status: 200},
		{name: "checkpoint of a size", user: "us-observer", method: "GET", path: "/api/v1/journal/checkpoint?size=1", status: 200},
		{name: "set cosigner", user: "us-official", method: "PUT", path: "/api/v1/journal/cosigners/us",
			body: map[string]any{"key": newCosignerKey(t, "openapi.us.example/truce").vkey}, status: 200},
		{name: "set cosigner bad key", user: "us-official", method: "PUT", path: "/api/v1/journal/cosigners/us",
			body: map[string]any{"key": "not a key"}, status: 400},
		{name: "cosign not a checkpoint", user: "us-observer", method: "POST", path: "/api/v1/journal/cosignatures",
			body: "not a checkpoint", ct: "text/plain", status: 400},
		{name: "entries", user: "us-observer", method: "GET", path: "/api/v1/journal/entries?start=0&end=3", status: 200},
		{name: "inclusion", user: "us-observer", method: "GET", path: "/api/v1/journal/proofs/inclusion?index=1", status: 200},
		{name: "consistency", user: "us-observer", method: "GET", path: "/api/v1/journal/proofs/consistency?old=1", status: 200},
		{name: "inclusion without index", user: "us-observer", method: "GET", path: "/api/v1/journal/proofs/inclusion", status: 400, req: reqInvalid},
		{name: "events", user: "us-observer", method: "GET", path: "/api/v1/events?last_event_id=-1&follow=false", status: 200},
		{name: "sign out", user: "us-planner", method: "DELETE", path: "/api/v1/sessions/current", status: 204},
		{name: "import geojson", user: "us-analyst", method: "POST", path: "/api/v1/import/geojson?as=zones",
			body: map[string]any{"type": "FeatureCollection", "name": "from QGIS", "features": []any{zoneFeatureIn("Imported zone (illustrative)")}}, status: 201},
		{name: "import geojson bad feature", user: "us-analyst", method: "POST", path: "/api/v1/import/geojson?as=zones",
			body: map[string]any{"type": "FeatureCollection", "features": []any{map[string]any{"type": "Feature"}}}, status: 400},
		{name: "import geojson planner", user: "ru-planner", method: "POST", path: "/api/v1/import/geojson?as=incidents",
			body: map[string]any{"type": "FeatureCollection", "features": []any{}}, status: 403},
		{name: "export zones", user: "ru-observer", method: "GET", path: "/api/v1/export/zones?format=geojson", status: 200},
		{name: "export incidents", user: "ru-observer", method: "GET", path: "/api/v1/export/incidents", status: 200},
		{name: "export incidents acled", user: "ru-observer", method: "GET", path: "/api/v1/export/incidents?format=acled", status: 200},
		{name: "export bad format", user: "ru-observer", method: "GET", path: "/api/v1/export/zones?format=acled", status: 400, req: reqInvalid},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) { checkCall(t, e, doc, router, c) })
	}
}

// checkCall makes c against e and validates the request and the answer
// against doc.
func checkCall(t *testing.T, e *testenv.Env, doc *openapi3.T, router routers.Router, c apiCall) {
	t.Helper()
	var body []byte
	switch b := c.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	var sent any
	if body != nil {
		sent = body
	}
	r := e.Do(t, c.user, c.method, c.path, sent)
	if r.Status != c.status {
		t.Fatalf("%s %s: status %d, want %d; body %.500s", c.method, c.path, r.Status, c.status, r.Body)
	}

	req, err := http.NewRequest(c.method, e.Server.URL+c.path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", cmp.Or(c.ct, "application/json"))
	}
	if c.user != "" {
		req.Header.Set("Authorization", "Bearer token")
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: no route in the document: %v", c.method, c.path, err)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	ctx := context.Background()
	switch err := openapi3filter.ValidateRequest(ctx, in); {
	case c.req == reqValid && err != nil:
		t.Errorf("%s %s: the request does not match the document: %v", c.method, c.path, err)
	case c.req == reqInvalid && err == nil:
		t.Errorf("%s %s: the server rejects the request (%d) but the document accepts it", c.method, c.path, r.Status)
	}

	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	streamed := ct == "application/x-ndjson" || ct == "text/event-stream"
	respOpts := *opts
	respOpts.ExcludeResponseBody = streamed
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.Status, Header: r.Header,
		Body: io.NopCloser(bytes.NewReader(r.Body)), Options: &respOpts}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s: the answer (%d) does not match the document: %v\nbody: %.2000s", c.method, c.path, r.Status, err, r.Body)
	}
	if !streamed {
		return
	}
	// kin-openapi decodes neither JSON lines nor event streams: check that
	// the document names the content type and that each line or event's
	// data matches the schema the document gives it.
	resp := route.Operation.Responses.Status(r.Status)
	if resp == nil || resp.Value.Content.Get(ct) == nil {
		t.Fatalf("%s %s: the document has no %s answer", c.method, c.path, ct)
	}
	schema, prefix := "EntryLine", ""
	if ct == "text/event-stream" {
		schema, prefix = "Event", "data: "
	}
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), prefix)
		if !ok || line == "" {
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("%s %s: line %q is not JSON: %v", c.method, c.path, line, err)
		}
		if err := doc.Components.Schemas[schema].Value.VisitJSON(v); err != nil {
			t.Errorf("%s %s: %s does not match %s: %v", c.method, c.path, line, schema, err)
		}
		lines++
	}
	if lines == 0 {
		t.Errorf("%s %s: no %s in the answer", c.method, c.path, schema)
	}
}
