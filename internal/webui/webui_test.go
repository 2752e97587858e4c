package webui_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/truce-org/truce/internal/webui"
)

// TestMount: / and /ui/ are the UI's, with the CSP and headers; everything
// else goes to the API handler unchanged.
func TestMount(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-From", "api")
		w.WriteHeader(http.StatusTeapot)
	})
	srv := httptest.NewServer(webui.Mount(api, webui.Config{TileURL: "https://{s}.tiles.example.org/{z}/{x}/{y}.png"}))
	defer srv.Close()
	get := func(path string) (*http.Response, string) {
		t.Helper()
		res, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	for _, p := range []string{"/api/v1/me", "/healthz", "/metrics", "/readyz", "/favicon.ico", "/uix"} {
		if res, _ := get(p); res.StatusCode != http.StatusTeapot || res.Header.Get("X-From") != "api" {
			t.Errorf("GET %s: %d, not the API's", p, res.StatusCode)
		}
	}
	res, body := get("/ui/config.json")
	if res.StatusCode != 200 || strings.TrimSpace(body) != `{"tile_url":"https://{s}.tiles.example.org/{z}/{x}/{y}.png"}` {
		t.Errorf("config.json: %d %s", res.StatusCode, body)
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "connect-src 'self'", "img-src 'self' data: https://*.tiles.example.org", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP allows unsafe sources: %q", csp)
	}
	res, body = get("/")
	if _, err := os.Stat(filepath.Join("dist", "index.html")); err == nil {
		if res.StatusCode != 200 || !strings.Contains(body, `<div id="app"`) || res.Header.Get("X-From") != "" {
			t.Fatalf("GET /: %d %s", res.StatusCode, body)
		}
		// The bundles it names are served, cached for good (their names change with their content).
		for _, m := range regexp.MustCompile(`/ui/[A-Za-z0-9._-]+`).FindAllString(body, -1) {
			r, _ := get(m)
			if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
				t.Errorf("GET %s: %d, Cache-Control %q", m, r.StatusCode, r.Header.Get("Cache-Control"))
			}
		}
	} else if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "make ui") {
		t.Errorf("unbuilt UI: GET / = %d %q", res.StatusCode, body)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("GET / lacks the security headers: %v", res.Header)
	}
	for _, p := range []string{"/ui/", "/ui/index.html", "/ui/nope.js"} {
		if res, _ := get(p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
	if res, _ := get("/ui/PLACEHOLDER.txt"); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /ui/PLACEHOLDER.txt: %d (only dist/ui/ is served under /ui/)", res.StatusCode)
	}
}

// TestConfigValidate: --tile-url must be an http(s) URL template.
func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"", true},
		{"https://tile.openstreetmap.org/{z}/{x}/{y}.png", true},
		{"http://127.0.0.1:8081/{z}/{x}/{y}.png", true},
		{"javascript:alert(1)", false},
		{"tiles/{z}/{x}/{y}.png", false},
		{"ftp://host/{z}/{x}/{y}", false},
		{"https:///{z}", false},
	} {
		if err := (webui.Config{TileURL: tc.url}).Validate(); (err == nil) != tc.ok {
			t.Errorf("Validate(%q) = %v, want ok=%v", tc.url, err, tc.ok)
		}
	}
}

// FuzzTileURL: whatever --tile-url holds, a URL that passes Validate gives
// a CSP that names one plain origin and cannot be extended (no separators
// or quotes), and Handler never panics.
func FuzzTileURL(f *testing.F) {
	for _, s := range []string{"", "https://{s}.tile.example.org/{z}/{x}/{y}.png", "http://127.0.0.1:8081/{z}/{x}/{y}.png",
		"https://a.example/x;script-src *", "https://a b/{z}", "https://u:p@host/{z}", "javascript:alert(1)", "https://[::1]:80/{z}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tile string) {
		cfg := webui.Config{TileURL: tile}
		h := webui.Handler(cfg)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/ui/config.json", nil))
		csp := rec.Header().Get("Content-Security-Policy")
		img := csp[strings.Index(csp, "img-src"):]
		img = img[:strings.Index(img, ";")]
		fields := strings.Fields(img)
		if cfg.Validate() != nil {
			if len(fields) != 3 {
				t.Fatalf("an invalid tile URL %q reached the CSP: %q", tile, img)
			}
			return
		}
		if tile != "" && len(fields) != 4 {
			t.Fatalf("tile URL %q: img-src %q", tile, img)
		}
		for _, f := range fields[1:] {
			if strings.ContainsAny(f, ";,'\"\\") && f != "'self'" {
				t.Fatalf("tile URL %q put %q into the CSP", tile, f)
			}
		}
	})
}
