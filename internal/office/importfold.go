package office

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/geo"
	"github.com/truce-org/truce/internal/store"
)

// IncidentImportBody is the body of an incident.import entry: many reports
// of the entry's party released to the office at once (an imported file),
// each with its own id, all with one answer due time. The fold treats each
// as an incident.release of that id would, and refuses the whole entry if
// any one of them is refused.
type IncidentImportBody struct {
	Incidents []ImportedIncident `json:"incidents"`
	AnswerDue time.Time          `json:"answer_due"`
}

// ImportedIncident is one report of an incident.import entry.
type ImportedIncident struct {
	ID string `json:"id"`
	truce.IncidentContent
}

// Limits of imports and of what an incident keeps of its source record.
const (
	// MaxImportIncidents is the most reports one incident.import entry holds.
	MaxImportIncidents = 2000
	// MaxImportBody is the largest body of an incident.import entry the
	// service writes, in bytes: its note stays well under a bundle line
	// (journal.MaxBundleLine) even once escaped.
	MaxImportBody    = 640 << 10
	maxExternalField = 1000
	maxExternalCount = 40
)

// CheckExternal validates what an incident keeps of its source record.
func CheckExternal(x *truce.ExternalRecord) error {
	if x == nil {
		return nil
	}
	if err := CheckText("external.source", x.Source, 40, true); err != nil {
		return err
	}
	if err := CheckText("external.id", x.ID, 200, true); err != nil {
		return err
	}
	for _, p := range []struct {
		field string
		v     int
	}{{"external.geo_precision", x.GeoPrecision}, {"external.time_precision", x.TimePrecision}} {
		if p.v < 0 || p.v > 9 {
			return truce.Invalid(p.field, "%s must be between 0 and 9", p.field)
		}
	}
	if len(x.Fields) > maxExternalCount {
		return truce.Invalid("external.fields", "at most %d external fields", maxExternalCount)
	}
	// Most records are good: check them in the map's order, without
	// sorting; only a bad one is checked again in key order, so that the
	// error names the first bad field whatever the map's order.
	good := true
	for k, v := range x.Fields {
		if CheckText("external.fields", k, 100, true) != nil || CheckText("external.fields", v, maxExternalField, false) != nil {
			good = false
			break
		}
	}
	if good {
		return nil
	}
	for _, k := range slices.Sorted(maps.Keys(x.Fields)) {
		if err := CheckText("external.fields", k, 100, true); err != nil {
			return err
		}
		if err := CheckText("external.fields."+k, x.Fields[k], maxExternalField, false); err != nil {
			return err
		}
	}
	return nil
}

// prefixed puts an incident's position in an import before the field and
// message of a content error.
func prefixed(k int, err error) error {
	te, ok := err.(*truce.Error)
	if !ok {
		return err
	}
	out := *te
	at := fmt.Sprintf("incidents[%d]", k)
	if out.Field != "" {
		out.Field = at + "." + out.Field
	} else {
		out.Field = at
	}
	out.Message = at + ": " + out.Message
	return &out
}

// preparedImport is the part of an incident.import entry's fold that reads
// nothing but the entry's body: the body decoded and, for each report, the
// checks that read no state, in the order the fold makes them. The writer
// prepares an entry on the goroutine of the caller that asked for it, before
// the entry waits for the journal, so that the writer's one goroutine only
// makes the checks that read the state; replaying the journal prepares each
// entry as it folds it. Either way the result is a function of the entry's
// body bytes alone, so the fold's outcome is the same.
type preparedImport struct {
	err   error // the body does not decode
	body  IncidentImportBody
	items []preparedReport
}

type preparedReport struct {
	before error // the first refusal before the actors' checks: id, twice, fields
	after  error // the first refusal after them: external record, geometry
	geom   geo.Geometry
	box    [4]float64
}

// prepareImport decodes an incident.import body and makes the checks of
// its reports that read no state.
func prepareImport(body []byte) *preparedImport {
	pi := &preparedImport{}
	if pi.err = decodeBody(body, &pi.body); pi.err != nil {
		return pi
	}
	return pi.check()
}

// prepareImportBody is prepareImport(body) for the body whose JSON is body,
// without decoding it where decoding would give back b itself (see
// roundTrips): the writer has both at hand, and decoding is a third of
// what preparing costs. b must not change afterwards.
func prepareImportBody(b IncidentImportBody, body []byte) *preparedImport {
	if !roundTrips(&b) {
		return prepareImport(body)
	}
	return (&preparedImport{body: b}).check()
}

// roundTrips reports whether decoding the JSON encoding/json writes of b
// gives b back, field for field (reflect.DeepEqual), so that a fold of b is
// a fold of its entry's bytes. What encoding changes is refused: text that
// is not UTF-8 (written as U+FFFD), times that are not UTC or carry a
// monotonic reading, a geometry that is empty or that encoding would
// compact or escape, and an empty map (omitted, so read back as nil).
// TestImportBodyRoundTrips keeps this list in step with the types' fields.
func roundTrips(b *IncidentImportBody) bool {
	if !plainTime(b.AnswerDue) {
		return false
	}
	for k := range b.Incidents {
		in := &b.Incidents[k]
		if !utf8.ValidString(in.ID) || !plainTime(in.OccurredAt) || !utf8.ValidString(string(in.Type)) ||
			!utf8.ValidString(in.Description) || !plainJSON(in.Geometry) {
			return false
		}
		for _, p := range []*string{in.Perpetrator, in.Target} {
			if p != nil && !utf8.ValidString(*p) {
				return false
			}
		}
		for _, s := range in.Sources {
			if !utf8.ValidString(s) {
				return false
			}
		}
		if x := in.External; x != nil {
			if !utf8.ValidString(x.Source) || !utf8.ValidString(x.ID) || (x.Fields != nil && len(x.Fields) == 0) {
				return false
			}
			for k, v := range x.Fields {
				if !utf8.ValidString(k) || !utf8.ValidString(v) {
					return false
				}
			}
		}
	}
	return true
}

// plainTime reports whether t reads back from its JSON as t itself.
func plainTime(t time.Time) bool {
	return t.Location() == time.UTC && t == t.Round(0)
}

// plainJSON reports whether encoding/json writes raw, valid JSON, as raw:
// not empty, and nothing it would compact (white space) or escape (<, >,
// &, and what is not ASCII, which covers U+2028 and U+2029).
func plainJSON(raw json.RawMessage) bool {
	if len(raw) == 0 {
		return false
	}
	for _, c := range raw {
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf:
			return false
		}
	}
	return true
}

// check makes the checks of pi's reports that read no state.
func (pi *preparedImport) check() *preparedImport {
	if len(pi.body.Incidents) > MaxImportIncidents {
		return pi // refused whole by the fold
	}
	pi.items = make([]preparedReport, len(pi.body.Incidents))
	seen := make(map[string]bool, len(pi.body.Incidents))
	for k, in := range pi.body.Incidents {
		it := &pi.items[k]
		if err := checkItemID("incident", in.ID); err != nil {
			it.before = err
			continue
		}
		if seen[in.ID] {
			it.before = truce.Errorf(truce.EConflict, "incident %s is twice in the import", in.ID)
			continue
		}
		seen[in.ID] = true
		if it.before = checkIncidentFields(in.IncidentContent); it.before != nil {
			continue
		}
		if it.geom, it.after = checkIncidentShape(in.IncidentContent, foldLimits); it.after == nil {
			it.box = BoxOf(it.geom)
		}
	}
	return pi
}

func applyIncidentImport(p store.Projection, index int64, e truce.Entry) error {
	return applyPreparedImport(p, index, e, prepareImport(e.Body))
}

func applyPreparedImport(p store.Projection, index int64, e truce.Entry, pi *preparedImport) error {
	if pi.err != nil {
		return pi.err
	}
	b := &pi.body
	if err := checkItemID("import", e.Subject); err != nil {
		return err
	}
	if len(b.Incidents) == 0 || len(b.Incidents) > MaxImportIncidents {
		return truce.Invalid("incidents", "an import holds 1 to %d incidents", MaxImportIncidents)
	}
	if !b.AnswerDue.After(e.Time) {
		return truce.Invalid("answer_due", "answer_due must be after the release")
	}
	c := newImportProjection(p)
	batch, _ := p.(incidentBatcher)
	boxes := make([][4]float64, len(b.Incidents))
	// Check every report before writing any: a refused entry changes nothing.
	// The checks are CheckIncidentContent's, in its order: those that read
	// no state were made by prepareImport. The batched path finds ids
	// already released as it inserts (InsertIncidents writes nothing then).
	for k, in := range b.Incidents {
		it := &pi.items[k]
		if it.before != nil {
			return prefixed(k, it.before)
		}
		if err := checkIncidentActors(c, in.IncidentContent); err != nil {
			return prefixed(k, err)
		}
		if it.after != nil {
			return prefixed(k, it.after)
		}
		if in.OccurredAt.After(e.Time.Add(futureSkew)) {
			return prefixed(k, truce.Invalid("occurred_at", "occurred_at is in the future"))
		}
		if batch == nil {
			if _, err := p.GetIncident(in.ID); err == nil {
				return prefixed(k, truce.Errorf(truce.EConflict, "incident %s is already released", in.ID))
			}
		}
		boxes[k] = it.box
	}
	if err := c.preloadZones(boxes); err != nil {
		return err
	}
	if batch == nil {
		for k, in := range b.Incidents {
			i, err := releasedIncidentOf(c, index, e, in.ID, in.IncidentContent, boxes[k], b.AnswerDue)
			if err != nil {
				return err
			}
			if err := putIncident(c, i, nil); err != nil {
				return err
			}
		}
		return nil
	}
	// The batched write: the same rows putIncident writes, each breach
	// count moved once by the sum of its incidents' breaches.
	out := make([]truce.Incident, len(b.Incidents))
	delta := map[string]int{}
	for k, in := range b.Incidents {
		i, err := releasedIncidentOf(c, index, e, in.ID, in.IncidentContent, boxes[k], b.AnswerDue)
		if err != nil {
			return err
		}
		if i.Violations, err = violationsOf(c, &i, pi.items[k].geom); err != nil {
			return err
		}
		for _, v := range i.Violations {
			if v.CommitmentID != nil {
				delta[*v.CommitmentID]++
			}
		}
		out[k] = i
	}
	if err := batch.InsertIncidents(out); errors.Is(err, store.ErrExists) {
		// Refused for the first report, in the body's order, that is
		// already released.
		ids := make([]string, len(b.Incidents))
		for k, in := range b.Incidents {
			ids[k] = in.ID
		}
		exist, xerr := batch.ExistingIncidents(ids)
		if xerr != nil {
			return xerr
		}
		for k, id := range ids {
			if exist[id] {
				return prefixed(k, truce.Errorf(truce.EConflict, "incident %s is already released", id))
			}
		}
		return err
	} else if err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(delta)) {
		cm, err := p.GetCommitment(id)
		if err != nil {
			return err
		}
		cm.Breaches += delta[id]
		settleCommitment(&cm)
		if err := p.PutCommitment(cm); err != nil {
			return err
		}
	}
	return nil
}

// incidentBatcher is what a store's projection may offer for writing many
// new incidents at once (SQLite does); the fold's result is the same as
// PutIncident's, row for row.
type incidentBatcher interface {
	// ExistingIncidents says which of ids are released incidents.
	ExistingIncidents(ids []string) (map[string]bool, error)
	// InsertIncidents writes new released incidents with their violations,
	// or, if an id is taken, nothing and an error wrapping store.ErrExists.
	InsertIncidents(is []truce.Incident) error
}

// importProjection reads through to p, remembering within one
// incident.import entry what no report of it changes: parties, actors,
// the zones near the reports and their parsed geometries, and commitments
// (forgotten when one is written).
type importProjection struct {
	store.Projection
	actors  map[string]*truce.Actor
	kinds   map[string]truce.PartyKind
	pledges map[string][]truce.Commitment
	zones   []truce.Zone // those meeting every report's box, by id; nil until preloaded
	geoms   map[zoneVersion]geo.Geometry
}

type zoneVersion struct {
	id      string
	version int
}

func newImportProjection(p store.Projection) *importProjection {
	return &importProjection{
		Projection: p, actors: map[string]*truce.Actor{}, kinds: map[string]truce.PartyKind{},
		pledges: map[string][]truce.Commitment{}, geoms: map[zoneVersion]geo.Geometry{},
	}
}

func (c *importProjection) PartyKind(id string) (truce.PartyKind, error) {
	if k, ok := c.kinds[id]; ok {
		return k, nil
	}
	k, err := c.Projection.PartyKind(id)
	if err == nil {
		c.kinds[id] = k
	}
	return k, err
}

func (c *importProjection) GetActor(id string) (truce.Actor, error) {
	if a, ok := c.actors[id]; ok {
		if a == nil {
			return truce.Actor{}, fmt.Errorf("actor %q: %w", id, store.ErrNotFound)
		}
		return *a, nil
	}
	a, err := c.Projection.GetActor(id)
	if err == nil {
		c.actors[id] = &a
	} else if errors.Is(err, store.ErrNotFound) {
		c.actors[id] = nil
	}
	return a, err
}

func (c *importProjection) ActorExists(id string) (bool, error) {
	if a, ok := c.actors[id]; ok {
		return a != nil, nil
	}
	ok, err := c.Projection.ActorExists(id)
	if err != nil {
		return false, err
	}
	if !ok {
		c.actors[id] = nil
		return false, nil
	}
	_, err = c.GetActor(id)
	return err == nil, err
}

func (c *importProjection) CommitmentsBy(party string) ([]truce.Commitment, error) {
	if cs, ok := c.pledges[party]; ok {
		return cs, nil
	}
	cs, err := c.Projection.CommitmentsBy(party)
	if err == nil {
		c.pledges[party] = cs
	}
	return cs, err
}

func (c *importProjection) PutCommitment(x truce.Commitment) error {
	delete(c.pledges, x.Party)
	return c.Projection.PutCommitment(x)
}

// preloadZones reads once the zones meeting the box around every report.
func (c *importProjection) preloadZones(boxes [][4]float64) error {
	if len(boxes) == 0 {
		return nil
	}
	u := boxes[0]
	for _, b := range boxes[1:] {
		u = [4]float64{min(u[0], b[0]), min(u[1], b[1]), max(u[2], b[2]), max(u[3], b[3])}
	}
	zs, err := c.Projection.ZonesMeeting(store.Box(u))
	if err != nil {
		return err
	}
	if zs == nil {
		zs = []truce.Zone{}
	}
	c.zones = zs
	return nil
}

// ZonesMeeting answers from the preloaded zones, which hold every zone
// meeting any report's box, in the store's order (by id).
func (c *importProjection) ZonesMeeting(box store.Box) ([]truce.Zone, error) {
	if c.zones == nil {
		return c.Projection.ZonesMeeting(box)
	}
	var out []truce.Zone
	for _, z := range c.zones {
		if store.Box(z.BBox).Meets(box) {
			out = append(out, z)
		}
	}
	return out, nil
}

// zoneGeometry parses the geometry of version v of zone id, once per
// incident.import entry.
func zoneGeometry(p store.Projection, id string, v *truce.ZoneVersion) (geo.Geometry, error) {
	c, ok := p.(*importProjection)
	if !ok {
		return geo.ParsePolygonal(v.Geometry, foldLimits)
	}
	key := zoneVersion{id, v.Version}
	if g, ok := c.geoms[key]; ok {
		return g, nil
	}
	g, err := geo.ParsePolygonal(v.Geometry, foldLimits)
	if err == nil {
		c.geoms[key] = g
	}
	return g, err
}
