package ogc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/truce-org/truce/internal/httpapi"
	"github.com/truce-org/truce/internal/ogc"
	"github.com/truce-org/truce/internal/testenv"
)

// TestLanding: /ogc and /ogc/ answer the landing page to anyone, with the
// links the standard asks for, each of which answers.
func TestLanding(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	for _, path := range []string{"/ogc", "/ogc/", "/ogc?f=json"} {
		r := get(t, e, "", path)
		mustStatus(t, r, http.StatusOK, "GET "+path)
		if ct := r.Header.Get("Content-Type"); ct != ogc.TypeJSON {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
		var l ogc.Landing
		r.JSON(t, &l)
		want := map[string]string{"self": ogc.TypeJSON, "service-desc": ogc.TypeOpenAPI, "conformance": ogc.TypeJSON, "data": ogc.TypeJSON}
		for _, link := range l.Links {
			typ, ok := want[link.Rel]
			if !ok {
				t.Errorf("GET %s: unexpected link %+v", path, link)
				continue
			}
			delete(want, link.Rel)
			if link.Type != typ {
				t.Errorf("GET %s: %s link type %q, want %q", path, link.Rel, link.Type, typ)
			}
			lr := get(t, e, "us-observer", pathOf(t, e, link.Href))
			mustStatus(t, lr, http.StatusOK, link.Rel+" link "+link.Href)
			if ct := lr.Header.Get("Content-Type"); ct != typ {
				t.Errorf("%s link %s: Content-Type %q, want %q", link.Rel, link.Href, ct, typ)
			}
		}
		if len(want) > 0 {
			t.Errorf("GET %s: missing links %v", path, want)
		}
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	r := get(t, e, "", "/ogc/conformance")
	mustStatus(t, r, http.StatusOK, "GET /ogc/conformance")
	var c ogc.ConformanceDoc
	r.JSON(t, &c)
	want := []string{
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	}
	if !slices.Equal(c.ConformsTo, want) {
		t.Errorf("conformsTo %v, want %v", c.ConformsTo, want)
	}
}

// ogcRoutes are the server's routes under /ogc.
func ogcRoutes(e *testenv.Env) []httpapi.Route {
	var out []httpapi.Route
	for _, rt := range e.App.API.Routes() {
		if rt.Pattern == ogc.Prefix || strings.HasPrefix(rt.Pattern, ogc.Prefix+"/") {
			out = append(out, rt)
		}
	}
	return out
}

// docPath is the path of the OpenAPI document (relative to /ogc) of a
// route pattern.
func docPath(pattern string) string {
	p := strings.TrimSuffix(strings.TrimPrefix(pattern, ogc.Prefix), "{$}")
	if p == "" {
		return "/"
	}
	return p
}

func loadDoc(t testing.TB, b []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("load /ogc/api: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("/ogc/api is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// TestAPIDocument: /ogc/api is a valid OpenAPI 3.0 document (kin-openapi)
// that describes exactly the server's /ogc routes, with bearer security on
// the member routes, and real answers match its schemas.
func TestAPIDocument(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	r := get(t, e, "", "/ogc/api")
	mustStatus(t, r, http.StatusOK, "GET /ogc/api")
	if ct := r.Header.Get("Content-Type"); ct != ogc.TypeOpenAPI {
		t.Errorf("Content-Type %q, want %s", ct, ogc.TypeOpenAPI)
	}
	if !bytes.Equal(r.Body, ogc.OpenAPI) {
		t.Error("the served document is not the embedded one")
	}
	doc := loadDoc(t, r.Body)
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		t.Errorf("openapi %q, want 3.0.x", doc.OpenAPI)
	}
	routes := ogcRoutes(e)
	if len(routes) < 9 {
		t.Fatalf("only %d routes under /ogc", len(routes))
	}
	served := map[string]bool{}
	for _, rt := range routes {
		if strings.HasSuffix(rt.Pattern, "{path...}") {
			continue // the 404 of paths the API does not have
		}
		path := docPath(rt.Pattern)
		served[path] = true
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(rt.Method) == nil {
			t.Errorf("route %s %s is not in /ogc/api as %s %s: describe it in internal/ogc/openapi.json", rt.Method, rt.Pattern, rt.Method, path)
			continue
		}
		op := item.GetOperation(rt.Method)
		if op.Security == nil {
			t.Errorf("%s: no security requirement", path)
			continue
		}
		bearer := slices.ContainsFunc(*op.Security, func(r openapi3.SecurityRequirement) bool { _, ok := r["bearerAuth"]; return ok })
		switch {
		case rt.Access == httpapi.Public && len(*op.Security) != 0:
			t.Errorf("%s is public but the document asks for %v", path, *op.Security)
		case rt.Access == httpapi.Member && !bearer:
			t.Errorf("%s is for members but the document does not ask for bearerAuth", path)
		}
		for _, code := range []string{"200", "400", "500"} {
			if op.Responses.Value(code) == nil {
				t.Errorf("%s: no %s response", path, code)
			}
		}
		if rt.Access == httpapi.Member && op.Responses.Value("401") == nil {
			t.Errorf("%s: no 401 response", path)
		}
	}
	for path := range doc.Paths.Map() {
		if !served[path] {
			t.Errorf("/ogc/api describes %s, which the server does not serve", path)
		}
	}

	// Real answers match the schemas.
	zone := apiFeatures(t, e, "us-observer", "zones", "")[0].ID
	for path, schema := range map[string]string{
		"/ogc":                                      "LandingPage",
		"/ogc/conformance":                          "Conformance",
		"/ogc/collections":                          "Collections",
		"/ogc/collections/incidents":                "Collection",
		"/ogc/collections/zones/items?limit=2":      "FeatureCollection",
		"/ogc/collections/notices/items":            "FeatureCollection",
		"/ogc/collections/incidents/items?limit=20": "FeatureCollection",
		"/ogc/collections/zones/items/" + zone:      "Feature",
		"/ogc/collections/zones/items/nosuch":       "Error",
		"/ogc/collections/zones/items?limit=0":      "Error",
	} {
		r := get(t, e, "us-observer", path)
		var v any
		if err := json.Unmarshal(r.Body, &v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		s := doc.Components.Schemas[schema]
		if s == nil {
			t.Fatalf("no schema %s", schema)
		}
		if err := s.Value.VisitJSON(v); err != nil {
			t.Errorf("GET %s does not match %s: %v", path, schema, err)
		}
	}
}
