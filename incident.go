package truce

import (
	"encoding/json"
	"time"
)

// IncidentType is what happened, from the contract's vocabulary (SPEC 3).
type IncidentType string

// Incident types. All but movement and other are hostile.
const (
	IncidentArmedClash          IncidentType = "armed_clash"
	IncidentAirStrike           IncidentType = "air_strike"
	IncidentShelling            IncidentType = "shelling"
	IncidentRemoteExplosive     IncidentType = "remote_explosive"
	IncidentSuicideBomb         IncidentType = "suicide_bomb"
	IncidentGrenade             IncidentType = "grenade"
	IncidentAttackOnCivilians   IncidentType = "attack_on_civilians"
	IncidentAbduction           IncidentType = "abduction"
	IncidentPropertyDestruction IncidentType = "property_destruction"
	IncidentTerritoryChange     IncidentType = "territory_change"
	IncidentOverflight          IncidentType = "overflight"
	IncidentMovement            IncidentType = "movement"
	IncidentOther               IncidentType = "other"
)

// IncidentTypes lists every incident type in the contract's order.
var IncidentTypes = []IncidentType{
	IncidentArmedClash, IncidentAirStrike, IncidentShelling, IncidentRemoteExplosive, IncidentSuicideBomb,
	IncidentGrenade, IncidentAttackOnCivilians, IncidentAbduction, IncidentPropertyDestruction,
	IncidentTerritoryChange, IncidentOverflight, IncidentMovement, IncidentOther,
}

// Valid reports whether t is a known incident type.
func (t IncidentType) Valid() bool {
	for _, x := range IncidentTypes {
		if t == x {
			return true
		}
	}
	return false
}

// Hostile reports whether an incident of type t can violate a zone.
func (t IncidentType) Hostile() bool { return t.Valid() && t != IncidentMovement && t != IncidentOther }

// IncidentStatus is where an incident stands.
type IncidentStatus string

// Incident statuses.
const (
	IncidentDraft    IncidentStatus = "draft"
	IncidentReported IncidentStatus = "reported"
	IncidentAccepted IncidentStatus = "accepted"
	IncidentDisputed IncidentStatus = "disputed"
	IncidentVerified IncidentStatus = "verified"
	IncidentRefuted  IncidentStatus = "refuted"
)

// IncidentContent is what an incident report says.
type IncidentContent struct {
	OccurredAt  time.Time       `json:"occurred_at"`
	Type        IncidentType    `json:"type"`
	Perpetrator *string         `json:"perpetrator"`
	Target      *string         `json:"target"`
	Fatalities  int             `json:"fatalities"`
	Description string          `json:"description"`
	Sources     []string        `json:"sources"`
	Geometry    json.RawMessage `json:"geometry"`
	// External is where an imported report came from (an ACLED event),
	// kept so that it exports as it came; nil for reports made in truce.
	External *ExternalRecord `json:"external,omitempty"`
}

// Violation is one zone an incident violates, and the commitment it
// breaches if the perpetrator's answerable party had one covering the zone.
type Violation struct {
	ZoneID          string  `json:"zone_id"`
	ZoneName        string  `json:"zone_name"`
	AnswerableParty *string `json:"answerable_party"`
	CommitmentID    *string `json:"commitment_id"`
}

// Response kinds to an incident.
const (
	ResponseAccept  = "accept"
	ResponseDispute = "dispute"
	ResponseComment = "comment"
)

// IncidentResponse is a party's answer to an incident.
type IncidentResponse struct {
	Party    string    `json:"party"`
	Member   string    `json:"member"`
	Kind     string    `json:"kind"`
	Text     string    `json:"text"`
	Evidence string    `json:"evidence"`
	Time     time.Time `json:"time"`
	Entry    int64     `json:"entry"`
}

// Attribution is one party's view of who is responsible for an incident.
type Attribution struct {
	Actor  string    `json:"actor"`
	Note   string    `json:"note"`
	Member string    `json:"member"`
	Time   time.Time `json:"time"`
	Entry  int64     `json:"entry"`
}

// Verification outcomes.
const (
	OutcomeConfirmed   = "confirmed"
	OutcomeUnconfirmed = "unconfirmed"
	OutcomeRefuted     = "refuted"
)

// Verification is one official's verification of an incident.
type Verification struct {
	Outcome string    `json:"outcome"`
	Note    string    `json:"note"`
	Member  string    `json:"member"`
	Time    time.Time `json:"time"`
	Entry   int64     `json:"entry"`
}

// Incident is a reported event. A draft lives in its owner's HQ; a released
// incident is an office item whose violations the office computes.
type Incident struct {
	ID     string         `json:"id"`
	Owner  string         `json:"owner"`
	Status IncidentStatus `json:"status"`
	IncidentContent
	// Accused is the perpetrator's answerable party, who answers for it.
	Accused             *string                 `json:"accused"`
	Violations          []Violation             `json:"violations"`
	Responses           []IncidentResponse      `json:"responses"`
	Attributions        map[string]Attribution  `json:"attributions"`
	AttributionDisputed bool                    `json:"attribution_disputed"`
	Verifications       map[string]Verification `json:"verifications"`
	AnswerDue           *time.Time              `json:"answer_due"`
	ReleasedAt          *time.Time              `json:"released_at"`
	CreatedBy           string                  `json:"created_by"`
	CreatedAt           time.Time               `json:"created_at"`
	UpdatedAt           time.Time               `json:"updated_at"`
	BBox                [4]float64              `json:"bbox"`
	Entry               int64                   `json:"entry"`
}

// Answered reports whether the accused party has answered.
func (i *Incident) Answered() bool {
	for _, r := range i.Responses {
		if i.Accused != nil && r.Party == *i.Accused {
			return true
		}
	}
	return false
}

// OverdueAt reports whether the accused party's answer is overdue at now.
func (i *Incident) OverdueAt(now time.Time) bool {
	return i.AnswerDue != nil && i.Accused != nil && !now.Before(*i.AnswerDue) && !i.Answered()
}

// WeekStart is the Monday 00:00 UTC that starts t's week: the statistics'
// weeks.
func WeekStart(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// CommitmentStatus is where a commitment stands.
type CommitmentStatus string

// Commitment statuses.
const (
	CommitmentDraft     CommitmentStatus = "draft"
	CommitmentProposed  CommitmentStatus = "proposed"
	CommitmentAccepted  CommitmentStatus = "accepted"
	CommitmentFulfilled CommitmentStatus = "fulfilled"
	CommitmentBreached  CommitmentStatus = "breached"
	CommitmentWithdrawn CommitmentStatus = "withdrawn"
)

// CommitmentContent is what a pledge says.
type CommitmentContent struct {
	To             string     `json:"to"`
	Text           string     `json:"text"`
	ZoneIDs        []string   `json:"zone_ids"`
	EffectiveFrom  time.Time  `json:"effective_from"`
	EffectiveUntil *time.Time `json:"effective_until"`
}

// Commitment is a pledge by Party to To, e.g. not to strike some zones.
type Commitment struct {
	ID     string           `json:"id"`
	Party  string           `json:"party"`
	Status CommitmentStatus `json:"status"`
	CommitmentContent
	Breaches   int        `json:"breaches"`
	AcceptedAt *time.Time `json:"accepted_at"`
	EndedAt    *time.Time `json:"ended_at"`
	Note       string     `json:"note"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	Entry      int64      `json:"entry"`
}

// CoversAt reports whether c binds its party for zone at t: accepted by
// then, not ended by then, and effective at t.
func (c *Commitment) CoversAt(zone string, t time.Time) bool {
	if c.AcceptedAt == nil || t.Before(*c.AcceptedAt) || t.Before(c.EffectiveFrom) {
		return false
	}
	if c.EffectiveUntil != nil && !t.Before(*c.EffectiveUntil) {
		return false
	}
	if c.Status == CommitmentWithdrawn && c.EndedAt != nil && !t.Before(*c.EndedAt) {
		return false
	}
	for _, z := range c.ZoneIDs {
		if z == zone {
			return true
		}
	}
	return false
}

// StepStatus is where an agreed step stands. Overdue is never stored: a
// step past its due time and neither done nor abandoned reads as overdue.
type StepStatus string

// Step statuses.
const (
	StepPlanned    StepStatus = "planned"
	StepInProgress StepStatus = "in_progress"
	StepDone       StepStatus = "done"
	StepOverdue    StepStatus = "overdue"
	StepAbandoned  StepStatus = "abandoned"
)

// Step is one agreed implementation step.
type Step struct {
	ID               string     `json:"id"`
	Title            string     `json:"title"`
	ResponsibleParty string     `json:"responsible_party"`
	Due              time.Time  `json:"due"`
	Status           StepStatus `json:"status"`
	Evidence         string     `json:"evidence"`
	CreatedBy        string     `json:"created_by"`
	CreatedParty     string     `json:"created_party"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	Entry            int64      `json:"entry"`
}

// StatusAt is the step's status as read at now.
func (s *Step) StatusAt(now time.Time) StepStatus {
	if (s.Status == StepPlanned || s.Status == StepInProgress) && !now.Before(s.Due) {
		return StepOverdue
	}
	return s.Status
}

// Entry kinds of incidents, commitments and steps.
const (
	KindIncidentRelease     = "incident.release"
	KindIncidentResponse    = "incident.response"
	KindIncidentAttribution = "incident.attribution"
	KindIncidentVerify      = "incident.verification"
	KindIncidentImport      = "incident.import"
	KindCommitmentRelease   = "commitment.release"
	KindCommitmentAccept    = "commitment.accept"
	KindCommitmentStatus    = "commitment.status"
	KindStepCreate          = "step.create"
	KindStepUpdate          = "step.update"
)
