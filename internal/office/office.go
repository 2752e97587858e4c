// Package office holds the services of the coordination office: who may do
// what, the lifecycle rules, and the projection of the journal into the
// office state (Apply), used both live by the Writer and by Verify.
package office

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// Service is the office's API to its callers. The caller travels in ctx
// (truce.WithCaller).
type Service struct {
	store  store.Store
	writer *Writer
	log    *slog.Logger
	now    func() time.Time
}

// NewService returns the office service over st, appending through w.
func NewService(st store.Store, w *Writer, log *slog.Logger, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, writer: w, log: log, now: now}
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
