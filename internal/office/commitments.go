package office

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// CommitmentInput is a pledge as a caller gives it.
type CommitmentInput struct {
	To             string     `json:"to"`
	Text           string     `json:"text"`
	ZoneIDs        []string   `json:"zone_ids"`
	EffectiveFrom  *time.Time `json:"effective_from"`
	EffectiveUntil *time.Time `json:"effective_until"`
}

// CreateCommitment saves a pledge of the caller's party as a draft.
func (s *Service) CreateCommitment(ctx context.Context, in CommitmentInput) (truce.Commitment, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Commitment{}, err
	}
	if err := requireRole(m, "draft commitments", truce.RoleOfficial, truce.RoleAnalyst); err != nil {
		return truce.Commitment{}, err
	}
	now := s.clock()
	c := truce.CommitmentContent{To: in.To, Text: in.Text, ZoneIDs: in.ZoneIDs, EffectiveFrom: now}
	if in.EffectiveFrom != nil {
		c.EffectiveFrom = in.EffectiveFrom.UTC().Truncate(time.Microsecond)
	}
	if in.EffectiveUntil != nil {
		u := in.EffectiveUntil.UTC().Truncate(time.Microsecond)
		c.EffectiveUntil = &u
	}
	if c.ZoneIDs == nil {
		c.ZoneIDs = []string{}
	}
	if err := CheckCommitmentContent(lookup{ctx, s.store}, m.Party, c); err != nil {
		return truce.Commitment{}, err
	}
	out := truce.Commitment{ID: truce.NewID("cmt"), Party: m.Party, Status: truce.CommitmentDraft, CommitmentContent: c,
		CreatedBy: m.Username, CreatedAt: now, UpdatedAt: now}
	if err := s.store.PutCommitmentDraft(ctx, out); err != nil {
		return truce.Commitment{}, err
	}
	s.hqEvent(ctx, m, truce.HQCommitmentDraft, out.ID)
	return out, nil
}

func (s *Service) visibleCommitment(ctx context.Context, m *truce.Member, id string) (truce.Commitment, error) {
	c, err := s.store.Commitment(ctx, id)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return c, err
	}
	if m.Admin || m.Party == "" {
		return c, truce.NotFound("commitment")
	}
	c, err = s.store.CommitmentDraft(ctx, m.Party, id)
	return c, mapStore(err, "commitment")
}

// Commitment returns one commitment the caller may see.
func (s *Service) Commitment(ctx context.Context, id string) (truce.Commitment, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Commitment{}, err
	}
	return s.visibleCommitment(ctx, m, id)
}

// Commitments lists released commitments and the caller's party's drafts.
func (s *Service) Commitments(ctx context.Context, page store.Page) ([]truce.Commitment, error) {
	m, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	office, err := s.store.Commitments(ctx, page)
	if err != nil {
		return nil, err
	}
	var drafts []truce.Commitment
	if !m.Admin && m.Party != "" {
		if drafts, err = s.store.CommitmentDrafts(ctx, m.Party, page); err != nil {
			return nil, err
		}
	}
	return mergeByID(office, drafts, page.Limit, func(c truce.Commitment) string { return c.ID }), nil
}

func (s *Service) commitmentStep(ctx context.Context, m *truce.Member, id, kind string, body any) (truce.Commitment, error) {
	if _, err := s.writer.Append(ctx, Request{Party: m.Party, Member: m.Username, Kind: kind, Subject: id, Body: body}); err != nil {
		return truce.Commitment{}, err
	}
	c, err := s.store.Commitment(ctx, id)
	return c, mapStore(err, "commitment")
}

// ReleaseCommitment proposes a drafted pledge to the party it is made to.
func (s *Service) ReleaseCommitment(ctx context.Context, id string) (truce.Commitment, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Commitment{}, err
	}
	c, err := s.visibleCommitment(ctx, m, id)
	if err != nil {
		return truce.Commitment{}, err
	}
	if c.Party != m.Party {
		return truce.Commitment{}, truce.Errorf(truce.EForbidden, "only %s releases its commitment", c.Party)
	}
	if err := requireRole(m, "release commitments", truce.RoleOfficial); err != nil {
		return truce.Commitment{}, err
	}
	if c.Status != truce.CommitmentDraft {
		return truce.Commitment{}, truce.Errorf(truce.EConflict, "commitment %s is already released", c.ID)
	}
	out, err := s.commitmentStep(ctx, m, c.ID, truce.KindCommitmentRelease, CommitmentReleaseBody{c.CommitmentContent})
	if err != nil {
		return out, err
	}
	if err := s.store.DeleteCommitmentDraft(ctx, m.Party, c.ID); err != nil {
		s.log.Error("delete released commitment draft", "commitment", c.ID, "err", err)
	}
	return out, nil
}

// AcceptCommitment accepts a pledge made to the caller's party.
func (s *Service) AcceptCommitment(ctx context.Context, id string) (truce.Commitment, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Commitment{}, err
	}
	c, err := s.visibleCommitment(ctx, m, id)
	if err != nil {
		return truce.Commitment{}, err
	}
	if err := requireRole(m, "accept commitments", truce.RoleOfficial); err != nil {
		return truce.Commitment{}, err
	}
	if c.To != m.Party {
		return truce.Commitment{}, truce.Errorf(truce.EForbidden, "only %s accepts a commitment made to it", c.To)
	}
	if c.Status != truce.CommitmentProposed {
		return truce.Commitment{}, truce.Errorf(truce.EConflict, "commitment %s is %s, not proposed", c.ID, c.Status)
	}
	return s.commitmentStep(ctx, m, c.ID, truce.KindCommitmentAccept, struct{}{})
}

// SetCommitmentStatus ends a commitment: withdrawn by the party that made
// it, fulfilled by the party it was made to.
func (s *Service) SetCommitmentStatus(ctx context.Context, id string, in CommitmentStatusBody) (truce.Commitment, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Commitment{}, err
	}
	c, err := s.visibleCommitment(ctx, m, id)
	if err != nil {
		return truce.Commitment{}, err
	}
	if err := requireRole(m, "change commitments", truce.RoleOfficial); err != nil {
		return truce.Commitment{}, err
	}
	if c.Status == truce.CommitmentDraft {
		return truce.Commitment{}, truce.Errorf(truce.EConflict, "commitment %s is a draft", c.ID)
	}
	if m.Party != c.Party && m.Party != c.To {
		return truce.Commitment{}, truce.Errorf(truce.EForbidden, "only %s and %s change commitment %s", c.Party, c.To, c.ID)
	}
	return s.commitmentStep(ctx, m, c.ID, truce.KindCommitmentStatus, in)
}

// StepInput creates a step; StepPatch changes one.
type StepInput struct {
	Title            string     `json:"title"`
	ResponsibleParty string     `json:"responsible_party"`
	Due              *time.Time `json:"due"`
	Evidence         string     `json:"evidence"`
}

// CreateStep records an agreed step (any party's official).
func (s *Service) CreateStep(ctx context.Context, in StepInput) (truce.Step, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Step{}, err
	}
	if err := requireRole(m, "create steps", truce.RoleOfficial); err != nil {
		return truce.Step{}, err
	}
	if in.Due == nil {
		return truce.Step{}, truce.Invalid("due", "due is required")
	}
	b := StepCreateBody{Title: in.Title, ResponsibleParty: in.ResponsibleParty, Due: in.Due.UTC().Truncate(time.Microsecond), Evidence: in.Evidence}
	id := truce.NewID("stp")
	if _, err := s.writer.Append(ctx, Request{Party: m.Party, Member: m.Username, Kind: truce.KindStepCreate, Subject: id, Body: b}); err != nil {
		return truce.Step{}, err
	}
	return s.Step(ctx, id)
}

// UpdateStep changes a step's status and evidence (its responsible party's official).
func (s *Service) UpdateStep(ctx context.Context, id string, in StepUpdateBody) (truce.Step, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Step{}, err
	}
	st, err := s.store.Step(ctx, id)
	if err != nil {
		return truce.Step{}, mapStore(err, "step")
	}
	if err := requireRole(m, "update steps", truce.RoleOfficial); err != nil {
		return truce.Step{}, err
	}
	if st.ResponsibleParty != m.Party {
		return truce.Step{}, truce.Errorf(truce.EForbidden, "only %s updates its step", st.ResponsibleParty)
	}
	if in.Status == "" {
		in.Status = st.Status
	}
	if _, err := s.writer.Append(ctx, Request{Party: m.Party, Member: m.Username, Kind: truce.KindStepUpdate, Subject: id, Body: in}); err != nil {
		return truce.Step{}, err
	}
	return s.Step(ctx, id)
}

// Step returns one step as it reads now (overdue past its due date).
func (s *Service) Step(ctx context.Context, id string) (truce.Step, error) {
	if _, err := caller(ctx); err != nil {
		return truce.Step{}, err
	}
	st, err := s.store.Step(ctx, id)
	st.Status = st.StatusAt(s.now())
	return st, mapStore(err, "step")
}

// Steps lists one page of steps.
func (s *Service) Steps(ctx context.Context, page store.Page) ([]truce.Step, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	steps, err := s.store.Steps(ctx, page)
	for k := range steps {
		steps[k].Status = steps[k].StatusAt(s.now())
	}
	return steps, err
}

// Series is one key's weekly counts.
type Series struct {
	Key    string      `json:"key"`
	Label  string      `json:"label"`
	Counts []WeekCount `json:"counts"`
}

// WeekCount is one week's count.
type WeekCount struct {
	Start time.Time `json:"start"`
	Count int64     `json:"count"`
}

// ViolationStats counts the office's incidents with violations per key and
// week, with a zero for every week in the window a key has none.
func (s *Service) ViolationStats(ctx context.Context, f store.StatsFilter) ([]Series, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	switch f.By {
	case store.ByPerpetrator, store.ByAnswerableParty, store.ByZone:
	default:
		return nil, truce.Invalid("by", "by must be perpetrator, answerable_party or zone")
	}
	counts, err := s.store.ViolationCounts(ctx, f)
	if err != nil {
		return nil, err
	}
	var first, last time.Time
	if f.From != nil {
		first = truce.WeekStart(*f.From)
	}
	if f.Until != nil {
		last = truce.WeekStart(f.Until.Add(-time.Nanosecond))
	}
	byKey := map[string]map[time.Time]int64{}
	for _, c := range counts {
		if byKey[c.Key] == nil {
			byKey[c.Key] = map[time.Time]int64{}
		}
		w := c.Week.UTC()
		byKey[c.Key][w] += c.Count
		if f.From == nil && (first.IsZero() || w.Before(first)) {
			first = w
		}
		if f.Until == nil && w.After(last) {
			last = w
		}
	}
	out := make([]Series, 0, len(byKey))
	for key, weeks := range byKey {
		sr := Series{Key: key, Label: s.label(ctx, f.By, key), Counts: []WeekCount{}}
		for w := first; !w.After(last); w = w.AddDate(0, 0, 7) {
			sr.Counts = append(sr.Counts, WeekCount{Start: w, Count: weeks[w]})
		}
		out = append(out, sr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (s *Service) label(ctx context.Context, by, key string) string {
	if key == "" {
		return "none"
	}
	switch by {
	case store.ByPerpetrator:
		if a, err := s.store.Actor(ctx, key); err == nil {
			return a.Name
		}
	case store.ByAnswerableParty:
		if p, err := s.store.Party(ctx, key); err == nil {
			return p.Name
		}
	case store.ByZone:
		if z, err := s.store.Zone(ctx, key); err == nil {
			return z.Name
		}
	}
	return key
}
