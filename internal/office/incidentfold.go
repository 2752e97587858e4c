package office

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/geo"
	"github.com/truce-org/truce/internal/store"
)

// IncidentReleaseBody is the body of an incident.release entry: the report
// as released, and when the accused party's answer is due.
type IncidentReleaseBody struct {
	truce.IncidentContent
	AnswerDue time.Time `json:"answer_due"`
}

// IncidentResponseBody is the body of an incident.response entry.
type IncidentResponseBody struct {
	Kind     string `json:"kind"`
	Text     string `json:"text"`
	Evidence string `json:"evidence"`
}

// AttributionBody is the body of an incident.attribution entry.
type AttributionBody struct {
	Party string `json:"party"`
	Actor string `json:"actor"`
	Note  string `json:"note"`
}

// VerificationBody is the body of an incident.verification entry.
type VerificationBody struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
}

// CommitmentReleaseBody is the body of a commitment.release entry.
type CommitmentReleaseBody struct {
	truce.CommitmentContent
}

// CommitmentStatusBody is the body of a commitment.status entry.
type CommitmentStatusBody struct {
	Status truce.CommitmentStatus `json:"status"`
	Note   string                 `json:"note"`
}

// StepCreateBody is the body of a step.create entry.
type StepCreateBody struct {
	Title            string    `json:"title"`
	ResponsibleParty string    `json:"responsible_party"`
	Due              time.Time `json:"due"`
	Evidence         string    `json:"evidence"`
}

// StepUpdateBody is the body of a step.update entry.
type StepUpdateBody struct {
	Status   truce.StepStatus `json:"status"`
	Evidence string           `json:"evidence"`
}

// Limits of incident content.
const (
	maxText       = 10_000
	maxSources    = 50
	maxSource     = 1000
	maxFatalities = 1_000_000
	// futureSkew is how far ahead of its release an incident may say it
	// happened (clocks differ).
	futureSkew = time.Hour
)

// Lookup is what the content checks read: both the projection inside an
// append and the service's reads of the stored office state provide it.
type Lookup interface {
	PartyKind(id string) (truce.PartyKind, error)
	ActorExists(id string) (bool, error)
	GetZone(id string) (truce.Zone, error)
}

// CheckIncidentContent validates a report and returns its geometry.
func CheckIncidentContent(p Lookup, c truce.IncidentContent, lim geo.Limits) (geo.Geometry, error) {
	if err := checkIncidentFields(c); err != nil {
		return geo.Geometry{}, err
	}
	if err := checkIncidentActors(p, c); err != nil {
		return geo.Geometry{}, err
	}
	return checkIncidentShape(c, lim)
}

// checkIncidentFields is the first part of CheckIncidentContent, which
// reads nothing but c: the checks before the actors'.
func checkIncidentFields(c truce.IncidentContent) error {
	if c.OccurredAt.IsZero() {
		return truce.Invalid("occurred_at", "occurred_at is required")
	}
	if err := checkTime("occurred_at", c.OccurredAt); err != nil {
		return err
	}
	if !c.Type.Valid() {
		return truce.Invalid("type", "type %q is not one of the incident types", c.Type)
	}
	if c.Fatalities < 0 || c.Fatalities > maxFatalities {
		return truce.Invalid("fatalities", "fatalities must be between 0 and %d", maxFatalities)
	}
	if err := CheckText("description", c.Description, maxText, false); err != nil {
		return err
	}
	if len(c.Sources) > maxSources {
		return truce.Invalid("sources", "at most %d sources", maxSources)
	}
	for i, s := range c.Sources {
		if err := CheckText(fmt.Sprintf("sources[%d]", i), s, maxSource, true); err != nil {
			return err
		}
	}
	return nil
}

// checkIncidentActors is the part of CheckIncidentContent that reads the
// state: the perpetrator and target must be actors.
func checkIncidentActors(p Lookup, c truce.IncidentContent) error {
	for _, a := range []struct {
		field string
		id    *string
	}{{"perpetrator", c.Perpetrator}, {"target", c.Target}} {
		if a.id == nil {
			continue
		}
		if ok, err := p.ActorExists(*a.id); err != nil {
			return err
		} else if !ok {
			return truce.Invalid(a.field, "no actor %q", *a.id)
		}
	}
	return nil
}

// checkIncidentShape is the last part of CheckIncidentContent, which reads
// nothing but c: the external record and the geometry.
func checkIncidentShape(c truce.IncidentContent, lim geo.Limits) (geo.Geometry, error) {
	if err := CheckExternal(c.External); err != nil {
		return geo.Geometry{}, err
	}
	if len(c.Geometry) == 0 || string(c.Geometry) == "null" {
		return geo.Geometry{}, truce.Invalid("geometry", "geometry is required")
	}
	g, err := geo.Parse(c.Geometry, lim)
	if err != nil {
		return geo.Geometry{}, GeometryError("geometry", err)
	}
	return g, nil
}

// widen grows b by d metres on every side, never less (a box for candidates).
func widen(b [4]float64, d float64) store.Box {
	dLat := d / 110_574
	maxLat := math.Min(90, math.Max(math.Abs(b[1]), math.Abs(b[3]))+dLat)
	dLon := 180.0
	if c := math.Cos(maxLat * math.Pi / 180); c > 1e-6 {
		dLon = math.Min(180, d/(111_319.49*c))
	}
	return store.Box{b[0] - dLon, b[1] - dLat, b[2] + dLon, b[3] + dLat}
}

// violations computes what incident i violates: each zone whose version in
// force at occurred_at (within its validity) the incident meets within the
// zone's buffer, with the accused party's commitment covering it then.
func violations(p store.Projection, i *truce.Incident) ([]truce.Violation, error) {
	if i.Status == truce.IncidentDraft || !i.Type.Hostile() {
		return []truce.Violation{}, nil
	}
	g, err := geo.Parse(i.Geometry, foldLimits)
	if err != nil {
		return nil, GeometryError("geometry", err)
	}
	return violationsOf(p, i, g)
}

// violationsOf is violations of i whose geometry, parsed, is g.
func violationsOf(p store.Projection, i *truce.Incident, g geo.Geometry) ([]truce.Violation, error) {
	out := []truce.Violation{}
	if i.Status == truce.IncidentDraft || !i.Type.Hostile() {
		return out, nil
	}
	zones, err := p.ZonesMeeting(store.Box(i.BBox))
	if err != nil {
		return nil, err
	}
	var pledges []truce.Commitment
	if i.Accused != nil {
		if pledges, err = p.CommitmentsBy(*i.Accused); err != nil {
			return nil, err
		}
	}
	for _, z := range zones {
		v := z.InForceAt(i.OccurredAt)
		if v == nil {
			continue
		}
		zg, err := zoneGeometry(p, z.ID, v)
		if err != nil {
			return nil, fmt.Errorf("office: zone %s version %d: %w", z.ID, v.Version, err)
		}
		if !geo.Within(zg, g, v.BufferM) {
			continue
		}
		vi := truce.Violation{ZoneID: z.ID, ZoneName: v.Name, AnswerableParty: i.Accused}
		for k := range pledges {
			if pledges[k].CoversAt(z.ID, i.OccurredAt) {
				id := pledges[k].ID
				vi.CommitmentID = &id
				break
			}
		}
		out = append(out, vi)
	}
	return out, nil
}

// putIncident recomputes i's violations, keeps each commitment's breach
// count in step with them, and writes i.
func putIncident(p store.Projection, i truce.Incident, old []truce.Violation) error {
	vs, err := violations(p, &i)
	if err != nil {
		return err
	}
	i.Violations = vs
	delta := map[string]int{}
	for _, v := range old {
		if v.CommitmentID != nil {
			delta[*v.CommitmentID]--
		}
	}
	for _, v := range vs {
		if v.CommitmentID != nil {
			delta[*v.CommitmentID]++
		}
	}
	for _, id := range slices.Sorted(maps.Keys(delta)) {
		if delta[id] == 0 {
			continue
		}
		c, err := p.GetCommitment(id)
		if err != nil {
			return err
		}
		c.Breaches += delta[id]
		settleCommitment(&c)
		if err := p.PutCommitment(c); err != nil {
			return err
		}
	}
	return p.PutIncident(i)
}

// settleCommitment makes an accepted commitment breached while violations
// breach it, and accepted again if none do.
func settleCommitment(c *truce.Commitment) {
	switch {
	case c.Status == truce.CommitmentAccepted && c.Breaches > 0:
		c.Status = truce.CommitmentBreached
	case c.Status == truce.CommitmentBreached && c.Breaches == 0:
		c.Status = truce.CommitmentAccepted
	}
}

// recomputeNear recomputes the violations of every released incident a
// change of zone z may affect, writing those whose violations changed.
func recomputeNear(p store.Projection, z truce.Zone) error {
	var near []truce.Incident
	if err := p.EachIncidentMeeting(store.Box(z.BBox), func(i truce.Incident) error {
		near = append(near, i)
		return nil
	}); err != nil {
		return err
	}
	for _, i := range near {
		vs, err := violations(p, &i)
		if err != nil {
			return err
		}
		if slices.EqualFunc(vs, i.Violations, equalViolation) {
			continue
		}
		if err := putIncident(p, i, i.Violations); err != nil {
			return err
		}
	}
	return nil
}

func equalViolation(a, b truce.Violation) bool {
	eq := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.ZoneID == b.ZoneID && a.ZoneName == b.ZoneName && eq(a.AnswerableParty, b.AnswerableParty) && eq(a.CommitmentID, b.CommitmentID)
}

func applyIncidentRelease(p store.Projection, index int64, e truce.Entry) error {
	var b IncidentReleaseBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	g, err := CheckIncidentContent(p, b.IncidentContent, foldLimits)
	if err != nil {
		return err
	}
	if b.OccurredAt.After(e.Time.Add(futureSkew)) {
		return truce.Invalid("occurred_at", "occurred_at is in the future")
	}
	if !b.AnswerDue.After(e.Time) {
		return truce.Invalid("answer_due", "answer_due must be after the release")
	}
	if err := checkItemID("incident", e.Subject); err != nil {
		return err
	}
	if _, err := p.GetIncident(e.Subject); err == nil {
		return truce.Errorf(truce.EConflict, "incident %s is already released", e.Subject)
	}
	i, err := releasedIncidentOf(p, index, e, e.Subject, b.IncidentContent, BoxOf(g), b.AnswerDue)
	if err != nil {
		return err
	}
	return putIncident(p, i, nil)
}

// releasedIncidentOf is the office incident a release by entry e (at
// index) makes of content c: incident.release and incident.import alike.
func releasedIncidentOf(p store.Projection, index int64, e truce.Entry, id string, c truce.IncidentContent, box [4]float64, answerDue time.Time) (truce.Incident, error) {
	i := truce.Incident{
		ID: id, Owner: e.Party, Status: truce.IncidentReported, IncidentContent: c,
		Responses: []truce.IncidentResponse{}, Attributions: map[string]truce.Attribution{},
		Verifications: map[string]truce.Verification{}, CreatedBy: e.Member, CreatedAt: e.Time, UpdatedAt: e.Time,
		BBox: box, Entry: index,
	}
	if i.Sources == nil {
		i.Sources = []string{}
	}
	due, at := answerDue, e.Time
	i.AnswerDue, i.ReleasedAt = &due, &at
	if i.Perpetrator != nil {
		a, err := p.GetActor(*i.Perpetrator)
		if err != nil {
			return i, mapStore(err, "actor")
		}
		i.Accused = a.AnswerableParty
	}
	return i, nil
}

// settleIncident derives the status: a verification decides; else the
// accused party's latest accept or dispute; else reported.
func settleIncident(i *truce.Incident, parties []truce.Party) {
	i.Status = truce.IncidentReported
	for _, r := range i.Responses {
		if i.Accused == nil || r.Party != *i.Accused {
			continue
		}
		switch r.Kind {
		case truce.ResponseAccept:
			i.Status = truce.IncidentAccepted
		case truce.ResponseDispute:
			i.Status = truce.IncidentDisputed
		}
	}
	if o := verdict(i, parties); o == truce.OutcomeConfirmed {
		i.Status = truce.IncidentVerified
	} else if o == truce.OutcomeRefuted {
		i.Status = truce.IncidentRefuted
	}
}

// verdict is the verification outcome that holds: a monitor's latest, or,
// in an arrangement with no monitor, the outcome every non-monitor party's
// official gave alike.
func verdict(i *truce.Incident, parties []truce.Party) string {
	var monitors, others []string
	for _, p := range parties {
		if p.Kind == truce.KindMonitor {
			monitors = append(monitors, p.ID)
		} else {
			others = append(others, p.ID)
		}
	}
	if len(monitors) > 0 {
		var latest truce.Verification
		for _, m := range monitors {
			if v, ok := i.Verifications[m]; ok && v.Entry >= latest.Entry {
				latest = v
			}
		}
		return latest.Outcome
	}
	outcome := ""
	for _, p := range others {
		v, ok := i.Verifications[p]
		if !ok || (outcome != "" && v.Outcome != outcome) {
			return ""
		}
		outcome = v.Outcome
	}
	return outcome
}

func releasedIncident(p store.Projection, id string) (truce.Incident, error) {
	i, err := p.GetIncident(id)
	return i, mapStore(err, "incident")
}

func applyIncidentResponse(p store.Projection, index int64, e truce.Entry) error {
	var b IncidentResponseBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	if b.Kind != truce.ResponseAccept && b.Kind != truce.ResponseDispute && b.Kind != truce.ResponseComment {
		return truce.Invalid("kind", "kind must be accept, dispute or comment")
	}
	if err := CheckText("text", b.Text, maxText, b.Kind != truce.ResponseAccept); err != nil {
		return err
	}
	if err := CheckText("evidence", b.Evidence, maxText, false); err != nil {
		return err
	}
	i, err := releasedIncident(p, e.Subject)
	if err != nil {
		return err
	}
	if i.Accused == nil || *i.Accused != e.Party {
		return truce.Errorf(truce.EForbidden, "only the party answerable for the perpetrator responds to incident %s", i.ID)
	}
	i.Responses = append(i.Responses, truce.IncidentResponse{
		Party: e.Party, Member: e.Member, Kind: b.Kind, Text: b.Text, Evidence: b.Evidence, Time: e.Time, Entry: index,
	})
	parties, err := p.Parties()
	if err != nil {
		return err
	}
	settleIncident(&i, parties)
	i.UpdatedAt, i.Entry = e.Time, index
	return p.PutIncident(i)
}

func applyAttribution(p store.Projection, index int64, e truce.Entry) error {
	var b AttributionBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	if b.Party != e.Party {
		return truce.Errorf(truce.EForbidden, "party %q cannot set the attribution of party %q", e.Party, b.Party)
	}
	if err := CheckText("note", b.Note, maxNote, false); err != nil {
		return err
	}
	if ok, err := p.ActorExists(b.Actor); err != nil {
		return err
	} else if !ok {
		return truce.Invalid("actor", "no actor %q", b.Actor)
	}
	i, err := releasedIncident(p, e.Subject)
	if err != nil {
		return err
	}
	i.Attributions[e.Party] = truce.Attribution{Actor: b.Actor, Note: b.Note, Member: e.Member, Time: e.Time, Entry: index}
	i.AttributionDisputed = false
	first := ""
	for _, a := range i.Attributions {
		if first == "" {
			first = a.Actor
		} else if a.Actor != first {
			i.AttributionDisputed = true
		}
	}
	i.UpdatedAt, i.Entry = e.Time, index
	return p.PutIncident(i)
}

func applyVerification(p store.Projection, index int64, e truce.Entry) error {
	var b VerificationBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	if b.Outcome != truce.OutcomeConfirmed && b.Outcome != truce.OutcomeUnconfirmed && b.Outcome != truce.OutcomeRefuted {
		return truce.Invalid("outcome", "outcome must be confirmed, unconfirmed or refuted")
	}
	if err := CheckText("note", b.Note, maxNote, false); err != nil {
		return err
	}
	i, err := releasedIncident(p, e.Subject)
	if err != nil {
		return err
	}
	parties, err := p.Parties()
	if err != nil {
		return err
	}
	monitored := slices.ContainsFunc(parties, func(x truce.Party) bool { return x.Kind == truce.KindMonitor })
	kind, err := p.PartyKind(e.Party)
	if err != nil {
		return mapStore(err, "party")
	}
	if monitored && kind != truce.KindMonitor {
		return truce.Errorf(truce.EForbidden, "the monitoring party verifies incidents")
	}
	i.Verifications[e.Party] = truce.Verification{Outcome: b.Outcome, Note: b.Note, Member: e.Member, Time: e.Time, Entry: index}
	settleIncident(&i, parties)
	i.UpdatedAt, i.Entry = e.Time, index
	return p.PutIncident(i)
}

// CheckCommitmentContent validates a pledge by party.
func CheckCommitmentContent(p Lookup, party string, c truce.CommitmentContent) error {
	if c.To == party {
		return truce.Invalid("to", "a party pledges to another party")
	}
	if _, err := p.PartyKind(c.To); err != nil {
		return truce.Invalid("to", "no party %q", c.To)
	}
	if err := CheckText("text", c.Text, maxText, true); err != nil {
		return err
	}
	if len(c.ZoneIDs) == 0 || len(c.ZoneIDs) > 1000 {
		return truce.Invalid("zone_ids", "a commitment covers 1 to 1000 zones")
	}
	for k, id := range c.ZoneIDs {
		if _, err := p.GetZone(id); err != nil {
			return truce.Invalid(fmt.Sprintf("zone_ids[%d]", k), "no released zone %q", id)
		}
		if slices.Index(c.ZoneIDs, id) != k {
			return truce.Invalid(fmt.Sprintf("zone_ids[%d]", k), "zone %q is listed twice", id)
		}
	}
	if c.EffectiveFrom.IsZero() {
		return truce.Invalid("effective_from", "effective_from is required")
	}
	if err := checkTime("effective_from", c.EffectiveFrom); err != nil {
		return err
	}
	if c.EffectiveUntil != nil {
		if err := checkTime("effective_until", *c.EffectiveUntil); err != nil {
			return err
		}
		if !c.EffectiveUntil.After(c.EffectiveFrom) {
			return truce.Invalid("effective_until", "effective_until must be after effective_from")
		}
	}
	return nil
}

func applyCommitmentRelease(p store.Projection, index int64, e truce.Entry) error {
	var b CommitmentReleaseBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	if err := CheckCommitmentContent(p, e.Party, b.CommitmentContent); err != nil {
		return err
	}
	if err := checkItemID("commitment", e.Subject); err != nil {
		return err
	}
	if _, err := p.GetCommitment(e.Subject); err == nil {
		return truce.Errorf(truce.EConflict, "commitment %s is already released", e.Subject)
	}
	return p.PutCommitment(truce.Commitment{
		ID: e.Subject, Party: e.Party, Status: truce.CommitmentProposed, CommitmentContent: b.CommitmentContent,
		CreatedBy: e.Member, CreatedAt: e.Time, UpdatedAt: e.Time, Entry: index,
	})
}

func applyCommitmentAccept(p store.Projection, index int64, e truce.Entry) error {
	if err := decodeBody(e.Body, &struct{}{}); err != nil {
		return err
	}
	c, err := p.GetCommitment(e.Subject)
	if err != nil {
		return mapStore(err, "commitment")
	}
	if c.To != e.Party {
		return truce.Errorf(truce.EForbidden, "only %s accepts a commitment made to it", c.To)
	}
	if c.Status != truce.CommitmentProposed {
		return truce.Errorf(truce.EConflict, "commitment %s is %s, not proposed", c.ID, c.Status)
	}
	at := e.Time
	c.Status, c.AcceptedAt, c.UpdatedAt, c.Entry = truce.CommitmentAccepted, &at, e.Time, index
	if err := p.PutCommitment(c); err != nil {
		return err
	}
	return recomputeZones(p, c.ZoneIDs)
}

// recomputeZones recomputes the incidents near each zone after a change of
// the commitments covering them. Coverage is judged at occurred_at, so
// this touches only incidents reported ahead of a pledge's acceptance or
// end (an incident may be dated up to futureSkew after its release).
func recomputeZones(p store.Projection, ids []string) error {
	for _, id := range ids {
		z, err := p.GetZone(id)
		if err != nil {
			return mapStore(err, "zone")
		}
		if err := recomputeNear(p, z); err != nil {
			return err
		}
	}
	return nil
}

func applyCommitmentStatus(p store.Projection, index int64, e truce.Entry) error {
	var b CommitmentStatusBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	if err := CheckText("note", b.Note, maxNote, false); err != nil {
		return err
	}
	c, err := p.GetCommitment(e.Subject)
	if err != nil {
		return mapStore(err, "commitment")
	}
	switch b.Status {
	case truce.CommitmentWithdrawn:
		if e.Party != c.Party {
			return truce.Errorf(truce.EForbidden, "only %s withdraws its commitment", c.Party)
		}
		if c.Status != truce.CommitmentProposed && c.Status != truce.CommitmentAccepted && c.Status != truce.CommitmentBreached {
			return truce.Errorf(truce.EConflict, "commitment %s is %s", c.ID, c.Status)
		}
	case truce.CommitmentFulfilled:
		if e.Party != c.To {
			return truce.Errorf(truce.EForbidden, "only %s, to whom it was made, declares commitment %s fulfilled", c.To, c.ID)
		}
		if c.Status != truce.CommitmentAccepted {
			return truce.Errorf(truce.EConflict, "commitment %s is %s; only an accepted, unbreached commitment is fulfilled", c.ID, c.Status)
		}
	default:
		return truce.Invalid("status", "status must be fulfilled or withdrawn (breached follows from violations)")
	}
	at := e.Time
	c.Status, c.EndedAt, c.Note, c.UpdatedAt, c.Entry = b.Status, &at, b.Note, e.Time, index
	if err := p.PutCommitment(c); err != nil {
		return err
	}
	return recomputeZones(p, c.ZoneIDs)
}

func applyStepCreate(p store.Projection, index int64, e truce.Entry) error {
	var b StepCreateBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	if err := CheckText("title", b.Title, maxName, true); err != nil {
		return err
	}
	if err := CheckText("evidence", b.Evidence, maxText, false); err != nil {
		return err
	}
	if _, err := p.PartyKind(b.ResponsibleParty); err != nil {
		return truce.Invalid("responsible_party", "no party %q", b.ResponsibleParty)
	}
	if b.Due.IsZero() {
		return truce.Invalid("due", "due is required")
	}
	if err := checkTime("due", b.Due); err != nil {
		return err
	}
	if err := checkItemID("step", e.Subject); err != nil {
		return err
	}
	if _, err := p.GetStep(e.Subject); err == nil {
		return truce.Errorf(truce.EConflict, "step %s exists", e.Subject)
	}
	return p.PutStep(truce.Step{
		ID: e.Subject, Title: b.Title, ResponsibleParty: b.ResponsibleParty, Due: b.Due, Status: truce.StepPlanned,
		Evidence: b.Evidence, CreatedBy: e.Member, CreatedParty: e.Party, CreatedAt: e.Time, UpdatedAt: e.Time, Entry: index,
	})
}

func applyStepUpdate(p store.Projection, index int64, e truce.Entry) error {
	var b StepUpdateBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	switch b.Status {
	case truce.StepPlanned, truce.StepInProgress, truce.StepDone, truce.StepAbandoned:
	default:
		return truce.Invalid("status", "status must be planned, in_progress, done or abandoned (overdue follows from the due date)")
	}
	if err := CheckText("evidence", b.Evidence, maxText, false); err != nil {
		return err
	}
	s, err := p.GetStep(e.Subject)
	if err != nil {
		return mapStore(err, "step")
	}
	if s.ResponsibleParty != e.Party {
		return truce.Errorf(truce.EForbidden, "only %s updates its step", s.ResponsibleParty)
	}
	if s.Status == truce.StepDone || s.Status == truce.StepAbandoned {
		return truce.Errorf(truce.EConflict, "step %s is %s", s.ID, s.Status)
	}
	s.Status, s.Evidence, s.UpdatedAt, s.Entry = b.Status, b.Evidence, e.Time, index
	return p.PutStep(s)
}
