package office

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// IncidentInput is a report as a caller gives it; on update, absent fields
// keep their value.
type IncidentInput struct {
	Geometry    json.RawMessage
	OccurredAt  *time.Time
	Type        *truce.IncidentType
	Perpetrator *string
	Target      *string
	Fatalities  *int
	Description *string
	Sources     []string
	External    *truce.ExternalRecord
}

func (in IncidentInput) merge(c truce.IncidentContent) truce.IncidentContent {
	if len(in.Geometry) > 0 {
		c.Geometry = in.Geometry
	}
	if in.OccurredAt != nil {
		c.OccurredAt = in.OccurredAt.UTC().Truncate(time.Microsecond)
	}
	if in.Type != nil {
		c.Type = *in.Type
	}
	if in.Perpetrator != nil {
		c.Perpetrator = in.Perpetrator
	}
	if in.Target != nil {
		c.Target = in.Target
	}
	if in.Fatalities != nil {
		c.Fatalities = *in.Fatalities
	}
	if in.Description != nil {
		c.Description = *in.Description
	}
	if in.Sources != nil {
		c.Sources = in.Sources
	}
	if c.Sources == nil {
		c.Sources = []string{}
	}
	if in.External != nil {
		c.External = in.External
	}
	return c
}

func (s *Service) checkIncident(ctx context.Context, c truce.IncidentContent) (truce.IncidentContent, [4]float64, error) {
	g, err := CheckIncidentContent(lookup{ctx, s.store}, c, s.limits)
	if err != nil {
		return c, [4]float64{}, err
	}
	canon, err := g.MarshalJSON()
	if err != nil {
		return c, [4]float64{}, err
	}
	c.Geometry = canon
	return c, BoxOf(g), nil
}

// CreateIncident saves a report as a draft in the caller's HQ.
func (s *Service) CreateIncident(ctx context.Context, in IncidentInput) (truce.Incident, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Incident{}, err
	}
	if err := requireRole(m, "report incidents", truce.RoleOfficial, truce.RoleAnalyst); err != nil {
		return truce.Incident{}, err
	}
	c, box, err := s.checkIncident(ctx, in.merge(truce.IncidentContent{}))
	if err != nil {
		return truce.Incident{}, err
	}
	now := s.clock()
	i := truce.Incident{
		ID: truce.NewID("inc"), Owner: m.Party, Status: truce.IncidentDraft, IncidentContent: c,
		Violations: []truce.Violation{}, Responses: []truce.IncidentResponse{},
		Attributions: map[string]truce.Attribution{}, Verifications: map[string]truce.Verification{},
		CreatedBy: m.Username, CreatedAt: now, UpdatedAt: now, BBox: box,
	}
	if err := s.store.PutIncidentDraft(ctx, i); err != nil {
		return truce.Incident{}, err
	}
	s.hqEvent(ctx, m, truce.HQIncidentDraft, i.ID)
	return s.presentIncident(i), nil
}

func (s *Service) visibleIncident(ctx context.Context, m *truce.Member, id string) (truce.Incident, error) {
	i, err := s.store.Incident(ctx, id)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return i, err
	}
	if m.Admin || m.Party == "" {
		return i, truce.NotFound("incident")
	}
	i, err = s.store.IncidentDraft(ctx, m.Party, id)
	return i, mapStore(err, "incident")
}

func (s *Service) presentIncident(i truce.Incident) truce.Incident {
	if i.Violations == nil {
		i.Violations = []truce.Violation{}
	}
	if i.Sources == nil {
		i.Sources = []string{}
	}
	return i
}

// Overdue reports whether i's answer is overdue now.
func (s *Service) Overdue(i truce.Incident) bool { return i.OverdueAt(s.now()) }

// Incident returns one incident the caller may see.
func (s *Service) Incident(ctx context.Context, id string) (truce.Incident, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Incident{}, err
	}
	i, err := s.visibleIncident(ctx, m, id)
	return s.presentIncident(i), err
}

// Incidents lists one page of the incidents the caller may see: released
// ones and its own party's drafts, by id.
func (s *Service) Incidents(ctx context.Context, f store.IncidentFilter, page store.Page) ([]truce.Incident, error) {
	m, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	office, err := s.store.Incidents(ctx, f, page)
	if err != nil {
		return nil, err
	}
	var drafts []truce.Incident
	if !m.Admin && m.Party != "" && (f.Violation == nil || !*f.Violation) {
		if drafts, err = s.store.IncidentDrafts(ctx, m.Party, f, page); err != nil {
			return nil, err
		}
	}
	out := mergeByID(office, drafts, page.Limit, func(i truce.Incident) string { return i.ID })
	for k := range out {
		out[k] = s.presentIncident(out[k])
	}
	return out, nil
}

// mergeByID merges two id-ordered pages into one of at most limit items.
func mergeByID[T any](a, b []T, limit int, id func(T) string) []T {
	out := make([]T, 0, len(a)+len(b))
	i, j := 0, 0
	for (i < len(a) || j < len(b)) && (limit <= 0 || len(out) < limit) {
		if j >= len(b) || (i < len(a) && id(a[i]) < id(b[j])) {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	return out
}

// UpdateIncident edits a draft of the caller's party.
func (s *Service) UpdateIncident(ctx context.Context, id string, in IncidentInput) (truce.Incident, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Incident{}, err
	}
	i, err := s.visibleIncident(ctx, m, id)
	if err != nil {
		return truce.Incident{}, err
	}
	if err := requireRole(m, "edit incidents", truce.RoleOfficial, truce.RoleAnalyst); err != nil {
		return truce.Incident{}, err
	}
	if i.Status != truce.IncidentDraft {
		return truce.Incident{}, truce.Errorf(truce.EConflict, "incident %s is released: answer it, attribute it or verify it instead", i.ID)
	}
	c, box, err := s.checkIncident(ctx, in.merge(i.IncidentContent))
	if err != nil {
		return truce.Incident{}, err
	}
	i.IncidentContent, i.BBox, i.UpdatedAt = c, box, s.clock()
	if err := s.store.PutIncidentDraft(ctx, i); err != nil {
		return truce.Incident{}, err
	}
	s.hqEvent(ctx, m, truce.HQIncidentDraft, i.ID)
	return s.presentIncident(i), nil
}

// ReleaseIncident releases a draft of the caller's party to the office,
// where its violations are computed and the accused party's answer falls due.
func (s *Service) ReleaseIncident(ctx context.Context, id string) (truce.Incident, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Incident{}, err
	}
	i, err := s.visibleIncident(ctx, m, id)
	if err != nil {
		return truce.Incident{}, err
	}
	if i.Owner != m.Party {
		return truce.Incident{}, truce.Errorf(truce.EForbidden, "only %s releases its report", i.Owner)
	}
	if err := requireRole(m, "release incidents", truce.RoleOfficial); err != nil {
		return truce.Incident{}, err
	}
	if i.Status != truce.IncidentDraft {
		return truce.Incident{}, truce.Errorf(truce.EConflict, "incident %s is already released", i.ID)
	}
	c, _, err := s.checkIncident(ctx, i.IncidentContent)
	if err != nil {
		return truce.Incident{}, err
	}
	if _, err := s.writer.Append(ctx, Request{
		Party: m.Party, Member: m.Username, Kind: truce.KindIncidentRelease, Subject: i.ID,
		Body: IncidentReleaseBody{IncidentContent: c, AnswerDue: s.clock().Add(s.answerWindow)},
	}); err != nil {
		return truce.Incident{}, err
	}
	if err := s.store.DeleteIncidentDraft(ctx, m.Party, i.ID); err != nil {
		s.log.Error("delete released incident draft", "incident", i.ID, "err", err)
	}
	return s.Incident(ctx, i.ID)
}

// officeIncident returns a released incident for an action on it.
func (s *Service) officeIncident(ctx context.Context, m *truce.Member, id string) (truce.Incident, error) {
	i, err := s.visibleIncident(ctx, m, id)
	if err != nil {
		return i, err
	}
	if i.Status == truce.IncidentDraft {
		return i, truce.Errorf(truce.EConflict, "incident %s is a draft: release it first", i.ID)
	}
	return i, nil
}

// Respond records the accused party's answer to an incident.
func (s *Service) Respond(ctx context.Context, id string, in IncidentResponseBody) (truce.Incident, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Incident{}, err
	}
	i, err := s.officeIncident(ctx, m, id)
	if err != nil {
		return truce.Incident{}, err
	}
	if err := requireRole(m, "respond to incidents", truce.RoleOfficial, truce.RoleAnalyst); err != nil {
		return truce.Incident{}, err
	}
	if i.Accused == nil || *i.Accused != m.Party {
		return truce.Incident{}, truce.Errorf(truce.EForbidden, "only the party answerable for the perpetrator responds")
	}
	return s.incidentStep(ctx, m, i.ID, truce.KindIncidentResponse, in)
}

func (s *Service) incidentStep(ctx context.Context, m *truce.Member, id, kind string, body any) (truce.Incident, error) {
	if _, err := s.writer.Append(ctx, Request{Party: m.Party, Member: m.Username, Kind: kind, Subject: id, Body: body}); err != nil {
		return truce.Incident{}, err
	}
	return s.Incident(ctx, id)
}

// AttributionInput is a party's attribution of an incident.
type AttributionInput struct {
	Actor string `json:"actor"`
	Note  string `json:"note"`
}

// Attribute records party's own attribution of an incident.
func (s *Service) Attribute(ctx context.Context, id, party string, in AttributionInput) (truce.Incident, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Incident{}, err
	}
	i, err := s.officeIncident(ctx, m, id)
	if err != nil {
		return truce.Incident{}, err
	}
	if _, err := s.store.Party(ctx, party); err != nil {
		return truce.Incident{}, mapStore(err, "party")
	}
	if err := requireRole(m, "attribute incidents", truce.RoleOfficial); err != nil {
		return truce.Incident{}, err
	}
	if m.Party != party {
		return truce.Incident{}, truce.Errorf(truce.EForbidden, "only officials of %s set its attribution", party)
	}
	return s.incidentStep(ctx, m, i.ID, truce.KindIncidentAttribution, AttributionBody{Party: party, Actor: in.Actor, Note: in.Note})
}

// Verify records an official's verification of an incident.
func (s *Service) Verify(ctx context.Context, id string, in VerificationBody) (truce.Incident, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Incident{}, err
	}
	i, err := s.officeIncident(ctx, m, id)
	if err != nil {
		return truce.Incident{}, err
	}
	if err := requireRole(m, "verify incidents", truce.RoleOfficial); err != nil {
		return truce.Incident{}, err
	}
	return s.incidentStep(ctx, m, i.ID, truce.KindIncidentVerify, in)
}
