package office

import (
	"context"
	"errors"
	"sync"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// Wake tells each party's live event streams that its HQ changed. It is
// only a nudge: the streams read what changed from the store by sequence
// number, so a lost or coalesced nudge loses nothing. A stream hears of
// the HQ changes made through its own node at once, of other nodes' at
// once where the store tells of them (store.HQWatcher), else at its next
// heartbeat or reconnection.
type Wake struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

// NewWake returns an empty Wake.
func NewWake() *Wake { return &Wake{subs: map[string]map[chan struct{}]struct{}{}} }

// Subscribe returns a channel nudged (never blocking) after each HQ change
// of party, and a function that ends the subscription.
func (w *Wake) Subscribe(party string) (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.subs[party] == nil {
		w.subs[party] = map[chan struct{}]struct{}{}
	}
	w.subs[party][c] = struct{}{}
	return c, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.subs[party], c)
	}
}

func (w *Wake) nudge(party string) { w.Nudge(party) }

// Nudge tells party's streams that its HQ changed; "" tells every party's.
func (w *Wake) Nudge(party string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for p, subs := range w.subs {
		if party != "" && p != party {
			continue
		}
		for c := range subs {
			select {
			case c <- struct{}{}:
			default:
			}
		}
	}
}

// HQWake is the service's Wake.
func (s *Service) HQWake() *Wake { return s.hq }

// hqEvent records a change of m's party's HQ for its event streams. The
// change itself is already stored: a failure here is logged, not returned.
func (s *Service) hqEvent(ctx context.Context, m *truce.Member, kind, subject string) {
	if m != nil && m.Party != "" {
		s.hqEventOf(ctx, m.Party, m.Username, kind, subject)
	}
}

// hqEventOf records a change of party's HQ made by member.
func (s *Service) hqEventOf(ctx context.Context, party, member, kind, subject string) {
	if _, err := s.store.AddHQEvent(ctx, truce.HQEvent{Party: party, Kind: kind, Subject: subject, Member: member, Time: s.clock()}); err != nil {
		s.log.Error("record hq event", "kind", kind, "subject", subject, "err", err)
		return
	}
	s.hq.nudge(party)
}

// HQEvents lists the caller's own party's HQ events after sequence number
// after that the caller may see: sites only to the roles that see sites.
// It answers the number of the last event read, seen or not, so that a
// stream moves past what it may not show.
func (s *Service) HQEvents(ctx context.Context, after int64, limit int) ([]truce.HQEvent, int64, error) {
	m, err := caller(ctx)
	if err != nil {
		return nil, after, err
	}
	if m.Admin || m.Party == "" {
		return nil, after, nil
	}
	evs, err := s.store.HQEvents(ctx, m.Party, after, limit)
	if err != nil {
		return nil, after, err
	}
	last := after
	out := evs[:0]
	for _, e := range evs {
		last = e.Seq
		if e.Kind == truce.HQSite && m.Role != truce.RoleOfficial && m.Role != truce.RoleAnalyst {
			continue
		}
		if e.Kind == truce.HQReportDraft && m.Role != truce.RoleOfficial {
			ok, err := s.reportDraftReadable(ctx, m, e.Subject)
			if err != nil {
				return nil, after, err
			}
			if !ok {
				continue
			}
		}
		out = append(out, e)
	}
	return out, last, nil
}

// HQSeq is the last HQ sequence number of the caller's party (0 before
// any, or for an administrator).
func (s *Service) HQSeq(ctx context.Context) (int64, error) {
	m, err := caller(ctx)
	if err != nil || m.Admin || m.Party == "" {
		return 0, err
	}
	var last int64
	for {
		evs, err := s.store.HQEvents(ctx, m.Party, last, 10_000)
		if err != nil {
			return 0, err
		}
		if len(evs) == 0 {
			return last, nil
		}
		last = evs[len(evs)-1].Seq
	}
}

// reportDraftReadable says whether m may hear of a change to its party's
// report draft id: whether the draft, or the report released from it,
// is one m may read (a TLP:RED one only its author's, besides the
// officials'). A draft since deleted is heard of by no one but officials:
// what it was is no longer known.
func (s *Service) reportDraftReadable(ctx context.Context, m *truce.Member, id string) (bool, error) {
	r, err := s.store.ReportDraft(ctx, m.Party, id)
	if errors.Is(err, store.ErrNotFound) {
		r, err = s.store.Report(ctx, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return r.CanRead(truce.ReaderOf(m)), nil
}
