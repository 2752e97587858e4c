// Package webui serves truce's web UI: the single page built from web/ by
// esbuild into dist/ and embedded in the binary, its runtime configuration
// at /ui/config.json, and a strict Content-Security-Policy. The page talks
// to the JSON API only; this package holds no office logic.
package webui

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// Config configures the UI.
type Config struct {
	// TileURL is an optional raster tile template for the map's base layer
	// (e.g. https://tiles.example.org/{z}/{x}/{y}.png). Empty keeps the map
	// offline on the borders shipped with the build: no tile requests.
	TileURL string
}

// Validate checks the tile URL: http or https, with a plain host name (an
// optional {s} subdomain and port), since its origin goes into the page's
// Content-Security-Policy.
func (c Config) Validate() error {
	if c.TileURL == "" {
		return nil
	}
	u, err := url.Parse(strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0", "{s}", "sub-domain").Replace(c.TileURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !tileHost.MatchString(u.Host) || u.User != nil {
		return fmt.Errorf("--tile-url %q: want an http or https URL template such as https://host/{z}/{x}/{y}.png", c.TileURL)
	}
	return nil
}

var tileHost = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$`)

// tileOrigin is the scheme and host the tiles come from, for the CSP
// ({s} subdomains become a CSP wildcard).
func (c Config) tileOrigin() string {
	if c.TileURL == "" || c.Validate() != nil {
		return ""
	}
	u, err := url.Parse(strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0", "{s}", "sub-domain").Replace(c.TileURL))
	if err != nil || u.Host == "" {
		return ""
	}
	host := u.Host
	if strings.Contains(host, "sub-domain") {
		// CSP wildcards only lead a host: {s}.tiles.example -> *.tiles.example.
		if !strings.HasPrefix(host, "sub-domain.") {
			return u.Scheme + ":"
		}
		host = "*" + strings.TrimPrefix(host, "sub-domain")
	}
	return u.Scheme + "://" + host
}

// Handler serves the UI: GET / (the page), GET /ui/config.json and the
// built assets under /ui/.
func Handler(cfg Config) http.Handler {
	files, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	imgSrc := "'self' data:"
	if o := cfg.tileOrigin(); o != "" {
		imgSrc += " " + o
	}
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + imgSrc +
		"; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	conf, _ := json.Marshal(map[string]any{"tile_url": cfg.TileURL})
	assets := http.FileServerFS(files)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		page, err := fs.ReadFile(files, "index.html")
		if err != nil {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "The web UI is not built into this binary: run `make ui` (or `make build`), then rebuild. The API is at /api/v1/.")
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(page)
	})
	mux.HandleFunc("GET /ui/config.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(conf)
	})
	mux.HandleFunc("GET /ui/", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/ui/")
		if name == "" || name == "index.html" || strings.HasSuffix(name, "/") {
			http.NotFound(w, r)
			return
		}
		if hashed.MatchString(path.Base(name)) {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + path.Clean("ui/"+name)
		assets.ServeHTTP(w, r2)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		mux.ServeHTTP(w, r)
	})
}

// hashed matches the content-hashed names esbuild writes (app-ABCD1234.js).
var hashed = regexp.MustCompile(`-[A-Z0-9]{8}\.[a-z0-9]+$`)

// Mount returns the whole HTTP surface: / and /ui/ from the UI, everything
// else (/api/, /healthz, /readyz, /metrics, ...) from api.
func Mount(api http.Handler, cfg Config) http.Handler {
	ui := Handler(cfg)
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.Handle("GET /{$}", ui)
	mux.Handle("GET /ui/", ui)
	return mux
}
