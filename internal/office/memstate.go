package office

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/tidwall/rtree"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// MemState is a Projection held in memory: verification folds the journal
// into one and compares its Snapshot with the store's.
type MemState struct {
	parties         map[string]truce.PartyKind
	partyList       []truce.Party
	actors          map[string]*truce.Actor
	designations    []truce.DesignationRecord
	zones           map[string][]byte // JSON, so reads return deep copies
	siteCommitments map[int64]truce.SiteCommitment
	notices         map[string]truce.Notice
	incidents       map[string][]byte
	commitments     map[string][]byte
	steps           map[string][]byte
	reports         map[string][]byte
	rfis            map[string][]byte
	cosigners       map[string]truce.Cosigner
	declared        map[string]map[string]bool // every cosigner key each party set
	// boxes of zones and incidents, in R-trees, so box queries decode only
	// what meets
	zoneBoxes, incidentBoxes boxIndex
}

// boxIndex finds the ids whose box meets a box.
type boxIndex struct {
	boxes map[string][4]float64
	tree  rtree.RTreeG[string]
}

func (x *boxIndex) put(id string, b [4]float64) {
	if x.boxes == nil {
		x.boxes = map[string][4]float64{}
	}
	if old, ok := x.boxes[id]; ok {
		x.tree.Delete([2]float64{old[0], old[1]}, [2]float64{old[2], old[3]}, id)
	}
	x.boxes[id] = b
	x.tree.Insert([2]float64{b[0], b[1]}, [2]float64{b[2], b[3]}, id)
}

// meeting returns the ids whose box meets b, in id order.
func (x *boxIndex) meeting(b store.Box) []string {
	var ids []string
	x.tree.Search([2]float64{b[0], b[1]}, [2]float64{b[2], b[3]}, func(_, _ [2]float64, id string) bool {
		if store.Box(x.boxes[id]).Meets(b) {
			ids = append(ids, id)
		}
		return true
	})
	slices.Sort(ids)
	return ids
}

var _ store.Projection = (*MemState)(nil)

// NewMemState returns an empty projection over the given parties.
func NewMemState(parties []truce.Party) *MemState {
	m := &MemState{
		parties: map[string]truce.PartyKind{}, actors: map[string]*truce.Actor{},
		zones: map[string][]byte{}, siteCommitments: map[int64]truce.SiteCommitment{}, notices: map[string]truce.Notice{},
		incidents: map[string][]byte{}, commitments: map[string][]byte{}, steps: map[string][]byte{},
		cosigners: map[string]truce.Cosigner{}, declared: map[string]map[string]bool{},
		reports: map[string][]byte{}, rfis: map[string][]byte{},
		partyList: slices.Clone(parties),
	}
	for _, p := range parties {
		m.parties[p.ID] = p.Kind
	}
	return m
}

func (m *MemState) PartyKind(id string) (truce.PartyKind, error) {
	k, ok := m.parties[id]
	if !ok {
		return "", fmt.Errorf("party %q: %w", id, store.ErrNotFound)
	}
	return k, nil
}

func (m *MemState) GetActor(id string) (truce.Actor, error) {
	a, ok := m.actors[id]
	if !ok {
		return truce.Actor{}, fmt.Errorf("actor %q: %w", id, store.ErrNotFound)
	}
	return cloneActor(a), nil
}

func (m *MemState) ActorExists(id string) (bool, error) {
	_, ok := m.actors[id]
	return ok, nil
}

func cloneActor(a *truce.Actor) truce.Actor {
	c := *a
	c.Aliases = slices.Clone(a.Aliases)
	c.Designations = make(map[string]truce.Designation, len(a.Designations))
	for k, v := range a.Designations {
		c.Designations[k] = v
	}
	return c
}

func (m *MemState) PutActor(a truce.Actor) error {
	if old, ok := m.actors[a.ID]; ok {
		a.Designations = old.Designations
		a.CreatedBy, a.CreatedAt, a.Entry = old.CreatedBy, old.CreatedAt, old.Entry
	}
	c := cloneActor(&a)
	m.actors[a.ID] = &c
	return nil
}

func (m *MemState) AddDesignation(r truce.DesignationRecord) error {
	a, ok := m.actors[r.ActorID]
	if !ok {
		return fmt.Errorf("actor %q: %w", r.ActorID, store.ErrNotFound)
	}
	a.Designations[r.Party] = r.Designation
	m.designations = append(m.designations, r)
	return nil
}

// Snapshot returns the state in the canonical order of store.Snapshot.
func (m *MemState) Snapshot() *store.Snapshot {
	s := &store.Snapshot{Designations: slices.Clone(m.designations)}
	for _, a := range m.actors {
		c := cloneActor(a)
		c.RecomputeDisputed()
		s.Actors = append(s.Actors, c)
	}
	sort.Slice(s.Actors, func(i, j int) bool { return s.Actors[i].ID < s.Actors[j].ID })
	for _, id := range slices.Sorted(maps.Keys(m.zones)) {
		z, _ := m.GetZone(id)
		s.Zones = append(s.Zones, z)
	}
	for _, e := range slices.Sorted(maps.Keys(m.siteCommitments)) {
		s.SiteCommitments = append(s.SiteCommitments, m.siteCommitments[e])
	}
	for _, id := range slices.Sorted(maps.Keys(m.notices)) {
		s.Notices = append(s.Notices, m.notices[id])
	}
	for _, id := range slices.Sorted(maps.Keys(m.incidents)) {
		i, _ := m.GetIncident(id)
		s.Incidents = append(s.Incidents, i)
	}
	for _, id := range slices.Sorted(maps.Keys(m.commitments)) {
		c, _ := m.GetCommitment(id)
		s.Commitments = append(s.Commitments, c)
	}
	for _, id := range slices.Sorted(maps.Keys(m.steps)) {
		st, _ := m.GetStep(id)
		s.Steps = append(s.Steps, st)
	}
	for _, id := range slices.Sorted(maps.Keys(m.reports)) {
		r, _ := m.GetReport(id)
		s.Reports = append(s.Reports, r)
	}
	for _, id := range slices.Sorted(maps.Keys(m.rfis)) {
		r, _ := m.GetRFI(id)
		s.RFIs = append(s.RFIs, r)
	}
	for _, p := range slices.Sorted(maps.Keys(m.cosigners)) {
		s.Cosigners = append(s.Cosigners, m.cosigners[p])
	}
	sort.Slice(s.Designations, func(i, j int) bool { return s.Designations[i].Entry < s.Designations[j].Entry })
	return s
}

func (m *MemState) Parties() ([]truce.Party, error) { return slices.Clone(m.partyList), nil }

func (m *MemState) GetZone(id string) (truce.Zone, error) {
	var z truce.Zone
	b, ok := m.zones[id]
	if !ok {
		return z, fmt.Errorf("zone %q: %w", id, store.ErrNotFound)
	}
	err := json.Unmarshal(b, &z)
	return z, err
}

func (m *MemState) PutZone(z truce.Zone) error {
	b, err := json.Marshal(z)
	if err != nil {
		return err
	}
	m.zones[z.ID] = b
	m.zoneBoxes.put(z.ID, z.BBox)
	return nil
}

func (m *MemState) GetSiteCommitment(entry int64) (truce.SiteCommitment, error) {
	c, ok := m.siteCommitments[entry]
	if !ok {
		return c, fmt.Errorf("site commitment %d: %w", entry, store.ErrNotFound)
	}
	return c, nil
}

func (m *MemState) PutSiteCommitment(c truce.SiteCommitment) error {
	if _, ok := m.siteCommitments[c.Entry]; ok {
		return fmt.Errorf("site commitment %d: %w", c.Entry, store.ErrExists)
	}
	m.siteCommitments[c.Entry] = c
	return nil
}

func (m *MemState) PutNotice(n truce.Notice) error {
	if _, ok := m.notices[n.ID]; ok {
		return fmt.Errorf("notice %q: %w", n.ID, store.ErrExists)
	}
	m.notices[n.ID] = n
	return nil
}

// getDoc decodes the JSON held under id, or reports what is missing.
func getDoc[T any](docs map[string][]byte, what, id string) (T, error) {
	var v T
	b, ok := docs[id]
	if !ok {
		return v, fmt.Errorf("%s %q: %w", what, id, store.ErrNotFound)
	}
	err := json.Unmarshal(b, &v)
	return v, err
}

func putDoc(docs map[string][]byte, id string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	docs[id] = b
	return nil
}

func (m *MemState) ZonesMeeting(box store.Box) ([]truce.Zone, error) {
	var out []truce.Zone
	for _, id := range m.zoneBoxes.meeting(box) {
		z, err := m.GetZone(id)
		if err != nil {
			return nil, err
		}
		out = append(out, z)
	}
	return out, nil
}

func (m *MemState) GetIncident(id string) (truce.Incident, error) {
	return getDoc[truce.Incident](m.incidents, "incident", id)
}

func (m *MemState) PutIncident(i truce.Incident) error {
	m.incidentBoxes.put(i.ID, i.BBox)
	return putDoc(m.incidents, i.ID, i)
}

func (m *MemState) EachIncidentMeeting(box store.Box, fn func(truce.Incident) error) error {
	for _, id := range m.incidentBoxes.meeting(box) {
		i, err := m.GetIncident(id)
		if err != nil {
			return err
		}
		if err := fn(i); err != nil {
			return err
		}
	}
	return nil
}

func (m *MemState) GetCommitment(id string) (truce.Commitment, error) {
	return getDoc[truce.Commitment](m.commitments, "commitment", id)
}

func (m *MemState) PutCommitment(c truce.Commitment) error { return putDoc(m.commitments, c.ID, c) }

func (m *MemState) CommitmentsBy(party string) ([]truce.Commitment, error) {
	var out []truce.Commitment
	for _, id := range slices.Sorted(maps.Keys(m.commitments)) {
		c, err := m.GetCommitment(id)
		if err != nil {
			return nil, err
		}
		if c.Party == party {
			out = append(out, c)
		}
	}
	return out, nil
}

func (m *MemState) GetStep(id string) (truce.Step, error) {
	return getDoc[truce.Step](m.steps, "step", id)
}

func (m *MemState) PutStep(s truce.Step) error { return putDoc(m.steps, s.ID, s) }

func (m *MemState) GetCosigner(party string) (truce.Cosigner, error) {
	c, ok := m.cosigners[party]
	if !ok {
		return c, fmt.Errorf("cosigner of %q: %w", party, store.ErrNotFound)
	}
	return c, nil
}

func (m *MemState) PutCosigner(c truce.Cosigner) error {
	m.cosigners[c.Party] = c
	if m.declared[c.Party] == nil {
		m.declared[c.Party] = map[string]bool{}
	}
	m.declared[c.Party][c.Key] = true
	return nil
}

// DeclaredCosigners is every cosigner key each party has set, the keys it
// has since replaced included: those its earlier cosignatures were made with.
func (m *MemState) DeclaredCosigners() map[string]map[string]bool { return m.declared }

func (m *MemState) GetReport(id string) (truce.ReportRecord, error) {
	return getDoc[truce.ReportRecord](m.reports, "report", id)
}

func (m *MemState) PutReport(r truce.ReportRecord) error { return putDoc(m.reports, r.ID, r) }

func (m *MemState) GetRFI(id string) (truce.RFIRecord, error) {
	return getDoc[truce.RFIRecord](m.rfis, "rfi", id)
}

func (m *MemState) PutRFI(r truce.RFIRecord) error { return putDoc(m.rfis, r.ID, r) }
