// Package office holds the services of the coordination office: who may do
// what, the lifecycle rules, and the projection of the journal into the
// office state (Apply), used both live by the Writer and by Verify.
package office

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/truce-org/truce/internal/auth"
	"github.com/truce-org/truce/internal/geo"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// Service is the office's API to its callers. The caller travels in ctx
// (truce.WithCaller).
type Service struct {
	store   store.Store
	writer  *Writer
	log     *slog.Logger
	now     func() time.Time
	spatial *Spatial
	limits  geo.Limits
	checks  auth.RateLimiter // deconfliction checks and notices, per party
	// answerWindow is how long after release an accused party has to answer.
	answerWindow time.Duration

	siteMu sync.Mutex // one site-set commitment at a time
	hq     *Wake      // nudges the event streams of a party after its HQ changes
}

// Config configures a Service. Zero fields take defaults.
type Config struct {
	Logger *slog.Logger
	Now    func() time.Time
	// MaxVertices bounds the geometries callers send (default 10,000).
	MaxVertices int
	// CheckEvery and CheckBurst rate-limit each party's deconfliction
	// checks and notices together (default one every 2 s, bursts of 30).
	CheckEvery time.Duration
	CheckBurst int
	// Limiters makes the rate limiter (default: in this process's memory,
	// which on several nodes allows a party the rate once per node).
	Limiters auth.Limiters
	// AnswerWindow is how long an accused party has to answer an incident
	// after its release (default 72 h).
	AnswerWindow time.Duration
}

// NewService returns the office service over st, appending through w. The
// caller loads the spatial index (Spatial.Load) and registers its OnAppend
// with w before serving.
func NewService(st store.Store, w *Writer, sp *Spatial, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.CheckEvery <= 0 {
		cfg.CheckEvery = 2 * time.Second
	}
	if cfg.CheckBurst <= 0 {
		cfg.CheckBurst = 30
	}
	if cfg.AnswerWindow <= 0 {
		cfg.AnswerWindow = 72 * time.Hour
	}
	if cfg.Limiters == nil {
		cfg.Limiters = auth.InMemory(10_000)
	}
	return &Service{
		store: st, writer: w, log: cfg.Logger, now: cfg.Now, spatial: sp,
		limits:       geo.Limits{MaxVertices: cfg.MaxVertices},
		checks:       cfg.Limiters("deconfliction", cfg.CheckEvery, cfg.CheckBurst),
		answerWindow: cfg.AnswerWindow,
		hq:           NewWake(),
	}
}

// caller returns the signed-in member or an unauthorized error.
func caller(ctx context.Context) (*truce.Member, error) {
	m := truce.CallerFrom(ctx)
	if m == nil {
		return nil, truce.Errorf(truce.EUnauthorized, "sign in first")
	}
	return m, nil
}

// mapStore turns a store miss into the contract's not-found error.
func mapStore(err error, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return truce.NotFound(what)
	}
	return err
}

// requireRole checks that m is a member of a party with one of roles.
func requireRole(m *truce.Member, action string, roles ...truce.Role) error {
	if m.Admin {
		return truce.Errorf(truce.EForbidden, "an administrator cannot %s", action)
	}
	for _, r := range roles {
		if m.Role == r {
			return nil
		}
	}
	return truce.Errorf(truce.EForbidden, "the %s role cannot %s", m.Role, action)
}

// Parties lists the parties of the arrangement.
func (s *Service) Parties(ctx context.Context) ([]truce.Party, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	return s.store.Parties(ctx)
}

// Party returns one party.
func (s *Service) Party(ctx context.Context, id string) (truce.Party, error) {
	if _, err := caller(ctx); err != nil {
		return truce.Party{}, err
	}
	p, err := s.store.Party(ctx, id)
	return p, mapStore(err, "party")
}
