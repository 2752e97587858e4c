package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/store"
)

type incidentPropsIn struct {
	OccurredAt  *time.Time            `json:"occurred_at"`
	Type        *truce.IncidentType   `json:"type"`
	Perpetrator *string               `json:"perpetrator"`
	Target      *string               `json:"target"`
	Fatalities  *int                  `json:"fatalities"`
	Description *string               `json:"description"`
	Sources     []string              `json:"sources"`
	External    *truce.ExternalRecord `json:"external"`
}

func (s *Server) incidentInput(r *http.Request) (office.IncidentInput, error) {
	var f featureIn[incidentPropsIn]
	if err := s.decodeFeature(r, &f, &f.Type); err != nil {
		return office.IncidentInput{}, err
	}
	if string(f.Geometry) == "null" {
		f.Geometry = nil
	}
	p := f.Properties
	return office.IncidentInput{Geometry: f.Geometry, OccurredAt: p.OccurredAt, Type: p.Type, Perpetrator: p.Perpetrator,
		Target: p.Target, Fatalities: p.Fatalities, Description: p.Description, Sources: p.Sources, External: p.External}, nil
}

type incidentProps struct {
	ID                  string                        `json:"id"`
	Owner               string                        `json:"owner"`
	Status              truce.IncidentStatus          `json:"status"`
	OccurredAt          time.Time                     `json:"occurred_at"`
	Type                truce.IncidentType            `json:"type"`
	Perpetrator         *string                       `json:"perpetrator"`
	Target              *string                       `json:"target"`
	Fatalities          int                           `json:"fatalities"`
	Description         string                        `json:"description"`
	Sources             []string                      `json:"sources"`
	Violations          []truce.Violation             `json:"violations"`
	AnswerableParty     *string                       `json:"answerable_party"`
	Responses           []truce.IncidentResponse      `json:"responses"`
	Attributions        map[string]truce.Attribution  `json:"attributions"`
	AttributionDisputed bool                          `json:"attribution_disputed"`
	Verifications       map[string]truce.Verification `json:"verifications"`
	AnswerDue           *time.Time                    `json:"answer_due"`
	Overdue             bool                          `json:"overdue"`
	ReleasedAt          *time.Time                    `json:"released_at"`
	CreatedBy           string                        `json:"created_by"`
	CreatedAt           time.Time                     `json:"created_at"`
	UpdatedAt           time.Time                     `json:"updated_at"`
	Entry               int64                         `json:"entry"`
	External            *truce.ExternalRecord         `json:"external,omitempty"`
}

func (s *Server) incidentFeature(i truce.Incident) Feature {
	box := i.BBox
	return Feature{Type: "Feature", ID: i.ID, BBox: &box, Geometry: i.Geometry, Properties: incidentProps{
		ID: i.ID, Owner: i.Owner, Status: i.Status, OccurredAt: i.OccurredAt, Type: i.Type, Perpetrator: i.Perpetrator,
		Target: i.Target, Fatalities: i.Fatalities, Description: i.Description, Sources: i.Sources, Violations: i.Violations,
		AnswerableParty: i.Accused, Responses: i.Responses, Attributions: i.Attributions,
		AttributionDisputed: i.AttributionDisputed, Verifications: i.Verifications, AnswerDue: i.AnswerDue,
		Overdue: s.office.Overdue(i), ReleasedAt: i.ReleasedAt, CreatedBy: i.CreatedBy, CreatedAt: i.CreatedAt,
		UpdatedAt: i.UpdatedAt, Entry: i.Entry, External: i.External,
	}}
}

// timeParam reads an optional RFC 3339 query parameter.
func timeParam(r *http.Request, name string) (*time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, truce.Invalid(name, "%s must be an RFC 3339 time", name)
	}
	return &t, nil
}

func window(r *http.Request) (from, until *time.Time, err error) {
	if from, err = timeParam(r, "from"); err != nil {
		return nil, nil, err
	}
	if until, err = timeParam(r, "until"); err != nil {
		return nil, nil, err
	}
	if from != nil && until != nil && !until.After(*from) {
		return nil, nil, truce.Invalid("until", "until must be after from")
	}
	return from, until, nil
}

func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var f store.IncidentFilter
	if f.From, f.Until, err = window(r); err != nil {
		return err
	}
	if f.BBox, err = parseBBox(q.Get("bbox")); err != nil {
		return err
	}
	f.Perpetrator = q.Get("perpetrator")
	if v := q.Get("violation"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return truce.Invalid("violation", "violation must be true or false")
		}
		f.Violation = &b
	}
	lp := p
	lp.Limit++
	items, err := s.office.Incidents(r.Context(), f, lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, collection(items, p, func(i truce.Incident) string { return i.ID }, s.incidentFeature))
	return nil
}

func (s *Server) createIncident(w http.ResponseWriter, r *http.Request) error {
	in, err := s.incidentInput(r)
	if err != nil {
		return err
	}
	i, err := s.office.CreateIncident(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.incidentFeature(i))
	return nil
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request) error {
	i, err := s.office.Incident(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.incidentFeature(i))
	return nil
}

func (s *Server) updateIncident(w http.ResponseWriter, r *http.Request) error {
	in, err := s.incidentInput(r)
	if err != nil {
		return err
	}
	i, err := s.office.UpdateIncident(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.incidentFeature(i))
	return nil
}

// action decodes a body into In (optional: an empty body is allowed), acts,
// and answers 200 with what the action returns as present shows it.
func action[In, Out any](s *Server, optional bool, act func(r *http.Request, in In) (Out, error), present func(Out) any) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in In
		var err error
		if optional {
			err = s.decodeOptional(r, &in)
		} else {
			err = s.decodeRequest(r, &in)
		}
		if err != nil {
			return err
		}
		out, err := act(r, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, present(out))
		return nil
	}
}

func incidentAction[In any](s *Server, optional bool, act func(r *http.Request, in In) (truce.Incident, error)) func(http.ResponseWriter, *http.Request) error {
	return action(s, optional, act, func(i truce.Incident) any { return s.incidentFeature(i) })
}

func commitmentAction[In any](s *Server, optional bool, act func(r *http.Request, in In) (truce.Commitment, error)) func(http.ResponseWriter, *http.Request) error {
	return action(s, optional, act, func(c truce.Commitment) any { return c })
}

func (s *Server) incidentRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/incidents", Member, s.listIncidents},
		{"POST", "/api/v1/incidents", Member, s.createIncident},
		{"GET", "/api/v1/incidents/{id}", Member, s.getIncident},
		{"PATCH", "/api/v1/incidents/{id}", Member, s.updateIncident},
		{"POST", "/api/v1/incidents/{id}/release", Member, incidentAction(s, true, func(r *http.Request, _ struct{}) (truce.Incident, error) {
			return s.office.ReleaseIncident(r.Context(), r.PathValue("id"))
		})},
		{"POST", "/api/v1/incidents/{id}/responses", Member, incidentAction(s, false, func(r *http.Request, in office.IncidentResponseBody) (truce.Incident, error) {
			return s.office.Respond(r.Context(), r.PathValue("id"), in)
		})},
		{"PUT", "/api/v1/incidents/{id}/attributions/{party}", Member, incidentAction(s, false, func(r *http.Request, in office.AttributionInput) (truce.Incident, error) {
			return s.office.Attribute(r.Context(), r.PathValue("id"), r.PathValue("party"), in)
		})},
		{"POST", "/api/v1/incidents/{id}/verification", Member, incidentAction(s, false, func(r *http.Request, in office.VerificationBody) (truce.Incident, error) {
			return s.office.Verify(r.Context(), r.PathValue("id"), in)
		})},
		{"GET", "/api/v1/stats/violations", Member, s.violationStats},
		{"GET", "/api/v1/commitments", Member, s.listCommitments},
		{"POST", "/api/v1/commitments", Member, s.createCommitment},
		{"GET", "/api/v1/commitments/{id}", Member, s.getCommitment},
		{"POST", "/api/v1/commitments/{id}/release", Member, commitmentAction(s, true, func(r *http.Request, _ struct{}) (truce.Commitment, error) {
			return s.office.ReleaseCommitment(r.Context(), r.PathValue("id"))
		})},
		{"POST", "/api/v1/commitments/{id}/accept", Member, commitmentAction(s, true, func(r *http.Request, _ struct{}) (truce.Commitment, error) {
			return s.office.AcceptCommitment(r.Context(), r.PathValue("id"))
		})},
		{"POST", "/api/v1/commitments/{id}/status", Member, commitmentAction(s, false, func(r *http.Request, in office.CommitmentStatusBody) (truce.Commitment, error) {
			return s.office.SetCommitmentStatus(r.Context(), r.PathValue("id"), in)
		})},
		{"GET", "/api/v1/steps", Member, s.listSteps},
		{"POST", "/api/v1/steps", Member, s.createStep},
		{"GET", "/api/v1/steps/{id}", Member, s.getStep},
		{"PATCH", "/api/v1/steps/{id}", Member, s.updateStep},
	}
}

func (s *Server) listCommitments(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	lp := p
	lp.Limit++
	cs, err := s.office.Commitments(r.Context(), lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(cs, p, func(c truce.Commitment) string { return c.ID }))
	return nil
}

func (s *Server) createCommitment(w http.ResponseWriter, r *http.Request) error {
	var in office.CommitmentInput
	if err := s.decodeRequest(r, &in); err != nil {
		return err
	}
	c, err := s.office.CreateCommitment(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) getCommitment(w http.ResponseWriter, r *http.Request) error {
	c, err := s.office.Commitment(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) listSteps(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	lp := p
	lp.Limit++
	steps, err := s.office.Steps(r.Context(), lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(steps, p, func(x truce.Step) string { return x.ID }))
	return nil
}

func (s *Server) createStep(w http.ResponseWriter, r *http.Request) error {
	var in office.StepInput
	if err := s.decodeRequest(r, &in); err != nil {
		return err
	}
	st, err := s.office.CreateStep(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, st)
	return nil
}

func (s *Server) getStep(w http.ResponseWriter, r *http.Request) error {
	st, err := s.office.Step(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) updateStep(w http.ResponseWriter, r *http.Request) error {
	var in office.StepUpdateBody
	if err := s.decodeRequest(r, &in); err != nil {
		return err
	}
	st, err := s.office.UpdateStep(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// Stats is the answer of GET /api/v1/stats/violations.
type Stats struct {
	By       string          `json:"by"`
	Interval string          `json:"interval"`
	Series   []office.Series `json:"series"`
}

func (s *Server) violationStats(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.StatsFilter{By: q.Get("by")}
	if f.By == "" {
		f.By = store.ByPerpetrator
	}
	if iv := q.Get("interval"); iv != "" && iv != "week" {
		return truce.Invalid("interval", "interval must be week")
	}
	var err error
	if f.From, f.Until, err = window(r); err != nil {
		return err
	}
	series, err := s.office.ViolationStats(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Stats{By: f.By, Interval: "week", Series: series})
	return nil
}
