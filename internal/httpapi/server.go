// Package httpapi is truce's JSON API under /api/v1 (SPEC 4.1), with health,
// readiness and metrics endpoints, and the one table that maps error codes to
// HTTP status.
package httpapi

import (
	"context"
	"encoding/base64"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/metrics"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/store"
)

// Config configures the API.
type Config struct {
	MaxBody int64 // largest accepted request body in bytes; default 1 MiB
	// TrustProxy takes the client address from X-Forwarded-For (behind a
	// reverse proxy that sets it). Off by default: a client could forge it.
	TrustProxy bool
	// Heartbeat is how often an idle event stream sends a comment line;
	// default 15 s.
	Heartbeat time.Duration
}

// Server serves the API.
type Server struct {
	cfg         Config
	office      *office.Service
	accounts    *office.Accounts
	store       store.Store
	arrangement office.Arrangement
	metrics     *metrics.Metrics
	log         *slog.Logger
	events      *office.Hub
	mux         *http.ServeMux
	routes      []Route
}

// Deps are what the API is built from.
type Deps struct {
	Office      *office.Service
	Accounts    *office.Accounts
	Store       store.Store
	Arrangement office.Arrangement
	Metrics     *metrics.Metrics
	Logger      *slog.Logger
	// Events is the hub the event streams subscribe to.
	Events *office.Hub
}

// Access says who may call a route at all.
type Access int

// Access levels.
const (
	Public Access = iota // anyone
	Member               // a signed-in member or administrator
)

// Route is one endpoint of the API.
type Route struct {
	Method  string
	Pattern string // ServeMux path pattern
	Access  Access
	handler func(w http.ResponseWriter, r *http.Request) error
}

// New returns the API server.
func New(cfg Config, d Deps) *Server {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 15 * time.Second
	}
	if d.Events == nil {
		d.Events = office.NewHub(0)
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Metrics == nil {
		d.Metrics = metrics.New()
	}
	s := &Server{cfg: cfg, office: d.Office, accounts: d.Accounts, store: d.Store,
		arrangement: d.Arrangement, metrics: d.Metrics, log: d.Logger, events: d.Events, mux: http.NewServeMux()}
	s.routes = []Route{
		{"GET", "/healthz", Public, s.healthz},
		{"GET", "/readyz", Public, s.readyz},
		{"POST", "/api/v1/sessions", Public, s.createSession},
		{"DELETE", "/api/v1/sessions/current", Member, s.deleteSession},
		{"GET", "/api/v1/me", Member, s.me},
		{"GET", "/api/v1/parties", Member, s.listParties},
		{"GET", "/api/v1/parties/{id}", Member, s.getParty},
		{"GET", "/api/v1/actors", Member, s.listActors},
		{"POST", "/api/v1/actors", Member, s.createActor},
		{"GET", "/api/v1/actors/{id}", Member, s.getActor},
		{"GET", "/api/v1/actors/{id}/designations", Member, s.designationHistory},
		{"PUT", "/api/v1/actors/{id}/designations/{party}", Member, s.setDesignation},
		{"GET", "/api/v1/zones", Member, s.listZones},
		{"POST", "/api/v1/zones", Member, s.createZone},
		{"GET", "/api/v1/zones/{id}", Member, s.getZone},
		{"PATCH", "/api/v1/zones/{id}", Member, s.updateZone},
		{"GET", "/api/v1/zones/{id}/versions/{version}", Member, s.getZoneVersion},
		{"POST", "/api/v1/zones/{id}/release", Member, s.releaseZone},
		{"POST", "/api/v1/zones/{id}/acknowledge", Member, s.answerZone(truce.ZoneAcknowledged)},
		{"POST", "/api/v1/zones/{id}/dispute", Member, s.answerZone(truce.ZoneDisputedBy)},
		{"POST", "/api/v1/zones/{id}/withdraw", Member, s.withdrawZone},
		{"GET", "/api/v1/zones/{id}/sites", Member, s.listSites},
		{"POST", "/api/v1/zones/{id}/sites", Member, s.createSite},
		{"GET", "/api/v1/zones/{id}/sites/{site}", Member, s.getSite},
		{"POST", "/api/v1/zones/{id}/sites/{site}/reveal", Member, s.revealSite},
		{"POST", "/api/v1/deconflict", Member, s.deconflict},
		{"GET", "/api/v1/notices", Member, s.listNotices},
		{"POST", "/api/v1/notices", Member, s.createNotice},
		{"GET", "/api/v1/notices/{id}", Member, s.getNotice},
		{"GET", "/api/v1/probes", Member, s.listProbes},
		{"GET", "/api/v1/probes/{id}", Member, s.getProbe},
		{"GET", "/api/v1/events", Member, s.eventStream},
		{"GET", "/api/v1/journal", Member, s.journalInfo},
		{"GET", "/api/v1/journal/checkpoint", Member, s.checkpoint},
		{"PUT", "/api/v1/journal/cosigners/{party}", Member, s.setCosigner},
		{"POST", "/api/v1/journal/cosignatures", Member, s.addCosignature},
		{"GET", "/api/v1/journal/entries", Member, s.entries},
		{"GET", "/api/v1/journal/proofs/inclusion", Member, s.inclusionProof},
		{"GET", "/api/v1/journal/proofs/consistency", Member, s.consistencyProof},
		{"GET", "/api/v1/openapi.json", Public, s.openAPI},
	}
	s.routes = append(s.routes, s.incidentRoutes()...)
	s.routes = append(s.routes, s.ogcRoutes()...)
	s.routes = append(s.routes, s.reportRoutes()...)
	s.routes = append(s.routes, s.interchangeRoutes()...)
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt))
	}
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(d.Metrics.Registry, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, truce.Errorf(truce.ENotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return s
}

// Routes lists the API's endpoints (for the authorization table test and
// the OpenAPI document check), /metrics aside.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// ServeHTTP serves the API, counting every request by route and status.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(sw, r)
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	s.metrics.Requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
	s.metrics.RequestDuration.WithLabelValues(route).Observe(time.Since(start).Seconds())
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if rt.Access == Member {
			m, err := s.authenticate(r)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			r = r.WithContext(truce.WithCaller(r.Context(), &m))
		}
		if err := rt.handler(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

func (s *Server) authenticate(r *http.Request) (truce.Member, error) {
	token, ok := bearer(r)
	if !ok {
		return truce.Member{}, truce.Errorf(truce.EUnauthorized, "an Authorization: Bearer token is required")
	}
	return s.accounts.Authenticate(r.Context(), token)
}

func (s *Server) clientAddr(r *http.Request) string {
	if s.cfg.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			return strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// List is a page of items.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

const (
	defaultLimit = 100
	maxLimit     = 10_000
)

// pageOf reads limit and cursor. The cursor is opaque to clients.
func pageOf(r *http.Request) (store.Page, error) {
	p := store.Page{Limit: defaultLimit}
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, truce.Invalid("limit", "limit must be a whole number from 1 to %d", maxLimit)
		}
		p.Limit = min(n, maxLimit)
	}
	if c := q.Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || len(b) == 0 {
			return p, truce.Invalid("cursor", "cursor is not one this server gave")
		}
		p.After = string(b)
	}
	return p, nil
}

func cursorOf(last string) string { return base64.RawURLEncoding.EncodeToString([]byte(last)) }

// page cuts one extra item fetched to tell whether more remain.
func page[T any](items []T, p store.Page, key func(T) string) List[T] {
	l := List[T]{Items: items}
	if l.Items == nil {
		l.Items = []T{}
	}
	if len(items) > p.Limit {
		l.Items = items[:p.Limit]
		l.NextCursor = cursorOf(key(l.Items[p.Limit-1]))
	}
	return l
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.store.JournalSize(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		return truce.Errorf(truce.EUnavailable, "the database is not reachable")
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}
