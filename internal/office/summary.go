package office

import (
	"context"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// ZoneSummary counts and bounds the zones Zones would list for the caller
// with f, the caller's own drafts included as Zones includes them. The
// counting happens in the database.
func (s *Service) ZoneSummary(ctx context.Context, f store.ZoneFilter) (store.Summary, error) {
	m, err := caller(ctx)
	if err != nil {
		return store.Summary{}, err
	}
	f.Now = s.now()
	var sum store.Summary
	if f.Status != truce.ZoneDraft {
		if sum, err = s.store.ZoneSummary(ctx, f); err != nil {
			return store.Summary{}, err
		}
	}
	if (f.Status == "" || f.Status == truce.ZoneDraft) && !m.Admin && m.Party != "" && (f.Owner == "" || f.Owner == m.Party) {
		d, err := s.store.DraftSummary(ctx, m.Party, f)
		if err != nil {
			return store.Summary{}, err
		}
		sum = sum.Add(d)
	}
	return sum, nil
}

// IncidentSummary counts and bounds the incidents Incidents would list for
// the caller with f.
func (s *Service) IncidentSummary(ctx context.Context, f store.IncidentFilter) (store.Summary, error) {
	m, err := caller(ctx)
	if err != nil {
		return store.Summary{}, err
	}
	sum, err := s.store.IncidentSummary(ctx, f)
	if err != nil {
		return store.Summary{}, err
	}
	if !m.Admin && m.Party != "" && (f.Violation == nil || !*f.Violation) {
		d, err := s.store.IncidentDraftSummary(ctx, m.Party, f)
		if err != nil {
			return store.Summary{}, err
		}
		sum = sum.Add(d)
	}
	return sum, nil
}

// NoticeSummary counts and bounds the notices Notices would list with f.
func (s *Service) NoticeSummary(ctx context.Context, f store.NoticeFilter) (store.Summary, error) {
	if _, err := caller(ctx); err != nil {
		return store.Summary{}, err
	}
	return s.store.NoticeSummary(ctx, f)
}
