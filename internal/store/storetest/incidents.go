package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

func strp(s string) *string { return &s }

func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// violationOf is a violation of zone answered for by party ("" for none,
// with no commitment either).
func violationOf(zone, party string) truce.Violation {
	v := truce.Violation{ZoneID: zone, ZoneName: "Zone " + zone}
	if party != "" {
		v.AnswerableParty, v.CommitmentID = strp(party), strp("cmt_"+party+"_"+zone)
	}
	return v
}

// incidentIn is a released incident of owner at at, by perp ("" for
// none), over b, with the violations vs (nil for none).
func incidentIn(id, owner string, at time.Time, perp string, b [4]float64, vs ...truce.Violation) truce.Incident {
	i := truce.Incident{
		ID: id, Owner: owner, Status: truce.IncidentReported,
		IncidentContent: truce.IncidentContent{OccurredAt: at, Type: truce.IncidentShelling, Fatalities: 1,
			Description: "shelling " + id, Sources: []string{"https://example.org/" + id}, Geometry: geoBox(b)},
		Violations: vs,
		CreatedBy:  owner + "-official", CreatedAt: at.Add(time.Hour), UpdatedAt: at.Add(2*time.Hour + 3*micro), BBox: b,
	}
	if perp != "" {
		i.Perpetrator = strp(perp)
	}
	if len(vs) > 0 {
		i.Accused = vs[0].AnswerableParty
	}
	return i
}

// fullIncident is an incident with every field set: violations with and
// without an answerable party, answers, attributions and verifications of
// several parties, times to the microsecond, text that JSON escapes.
func fullIncident(id, owner string) truce.Incident {
	due, released := t0.Add(72*time.Hour+5*micro), t0.Add(time.Hour+7*micro)
	return truce.Incident{
		ID: id, Owner: owner, Status: truce.IncidentDisputed,
		IncidentContent: truce.IncidentContent{
			OccurredAt: t0.Add(-36*time.Hour + 123*micro), Type: truce.IncidentAirStrike,
			Perpetrator: strp("act_north"), Target: strp("act_clinic"), Fatalities: 7,
			Description: "Strike on the \"clinic\" <east> & «Ost»\n",
			Sources:     []string{"https://example.org/a?x=1&y=2", "witness"},
			Geometry:    []byte(`{"type":"MultiPoint","coordinates":[[30.25,50.5],[30.75,50.5]]}`),
		},
		Accused:    strp("ru"),
		Violations: []truce.Violation{violationOf("zon_a", "ru"), violationOf("zon_b", "ru"), violationOf("zon_c", "")},
		Responses: []truce.IncidentResponse{
			{Party: "ru", Member: "ru-official", Kind: truce.ResponseDispute, Text: "not us", Evidence: "https://example.org/e",
				Time: t0.Add(2*time.Hour + 9*micro), Entry: 4},
			{Party: "un", Member: "un-observer", Kind: truce.ResponseComment, Text: "looking into it", Time: t0.Add(3 * time.Hour), Entry: 5},
		},
		Attributions: map[string]truce.Attribution{
			"us": {Actor: "act_north", Note: "radar track", Member: "us-official", Time: t0.Add(4*time.Hour + 1*micro), Entry: 6},
			"ru": {Actor: "act_south", Member: "ru-official", Time: t0.Add(5 * time.Hour), Entry: 7},
		},
		AttributionDisputed: true,
		Verifications: map[string]truce.Verification{
			"un": {Outcome: truce.OutcomeUnconfirmed, Note: "no access", Member: "un-observer", Time: t0.Add(6*time.Hour + 999999*micro), Entry: 8},
		},
		AnswerDue: &due, ReleasedAt: &released,
		CreatedBy: owner + "-official", CreatedAt: t0.Add(-30*time.Hour + 11*micro), UpdatedAt: t0.Add(7*time.Hour + 13*micro),
		BBox: [4]float64{30.25, 50.5, 30.75, 50.5},
	}
}

// draftIncident is an incident draft of owner: no violations, as drafts
// usually are.
func draftIncident(id, owner string, at time.Time, perp string, b [4]float64) truce.Incident {
	i := incidentIn(id, owner, at, perp, b)
	i.Status = truce.IncidentDraft
	return i
}

// pledgeOf is a commitment of party to the us.
func pledgeOf(id, party string) truce.Commitment {
	return truce.Commitment{ID: id, Party: party, Status: truce.CommitmentProposed,
		CommitmentContent: truce.CommitmentContent{To: "us", Text: "No strikes " + id, ZoneIDs: []string{"zon_a"}, EffectiveFrom: t0},
		CreatedBy:         party + "-official", CreatedAt: t0.Add(3 * micro), UpdatedAt: t0.Add(5 * micro)}
}

// fullPledge is a commitment with every field set.
func fullPledge(id, party string) truce.Commitment {
	until, accepted, ended := t0.Add(90*24*time.Hour+3*micro), t0.Add(2*time.Hour+1*micro), t0.Add(50*24*time.Hour)
	return truce.Commitment{ID: id, Party: party, Status: truce.CommitmentWithdrawn,
		CommitmentContent: truce.CommitmentContent{To: "us", Text: `No strikes on the "zones" <a> & <b>`,
			ZoneIDs: []string{"zon_b", "zon_a"}, EffectiveFrom: t0.Add(micro), EffectiveUntil: &until},
		Breaches: 2, AcceptedAt: &accepted, EndedAt: &ended, Note: "withdrawn\nat the meeting",
		CreatedBy: party + "-official", CreatedAt: t0, UpdatedAt: t0.Add(3*time.Hour + 5*micro)}
}

func stepOf(id, party string) truce.Step {
	return truce.Step{ID: id, Title: "Staff the office " + id, ResponsibleParty: party, Due: t0.Add(14*24*time.Hour + 9*micro),
		Status: truce.StepInProgress, Evidence: "minutes <3> & more", CreatedBy: "un-official", CreatedParty: "un",
		CreatedAt: t0, UpdatedAt: t0.Add(micro)}
}

// putIncident appends an entry of kind by party about i and writes i
// whole, as the fold does after each change; i.Entry becomes the entry's
// index.
func (m *model) putIncident(t testing.TB, tx store.AppendTx, party, kind string, i truce.Incident) (truce.Incident, error) {
	r, hs := m.add(t, party, kind, i.ID, map[string]any{"status": i.Status})
	if err := tx.PutEntries([]store.EntryRow{r}, hs); err != nil {
		return i, err
	}
	i.Entry = r.Index
	if err := tx.PutIncident(i); err != nil {
		return i, err
	}
	m.incidents[i.ID] = i
	return i, nil
}

// putPledge appends an entry of kind by c.Party and writes c whole.
func (m *model) putPledge(t testing.TB, tx store.AppendTx, kind string, c truce.Commitment) (truce.Commitment, error) {
	r, hs := m.add(t, c.Party, kind, c.ID, map[string]any{"status": c.Status})
	if err := tx.PutEntries([]store.EntryRow{r}, hs); err != nil {
		return c, err
	}
	c.Entry = r.Index
	if err := tx.PutCommitment(c); err != nil {
		return c, err
	}
	m.pledges[c.ID] = c
	return c, nil
}

// putStep appends an entry of kind by party and writes s whole.
func (m *model) putStep(t testing.TB, tx store.AppendTx, party, kind string, s truce.Step) (truce.Step, error) {
	r, hs := m.add(t, party, kind, s.ID, map[string]any{"status": s.Status})
	if err := tx.PutEntries([]store.EntryRow{r}, hs); err != nil {
		return s, err
	}
	s.Entry = r.Index
	if err := tx.PutStep(s); err != nil {
		return s, err
	}
	m.steps[s.ID] = s
	return s, nil
}

// incidentMatches is the reference of store.IncidentFilter.
func incidentMatches(i truce.Incident, f store.IncidentFilter) bool {
	switch {
	case f.From != nil && i.OccurredAt.Before(*f.From):
	case f.Until != nil && !i.OccurredAt.Before(*f.Until):
	case f.BBox != nil && !store.Box(i.BBox).Meets(*f.BBox):
	case f.Perpetrator != "" && orEmpty(i.Perpetrator) != f.Perpetrator:
	case f.Violation != nil && *f.Violation != (len(i.Violations) > 0):
	default:
		return true
	}
	return false
}

// incidentsMatching is the reference answer of Incidents(f) with no paging.
func (m *model) incidentsMatching(f store.IncidentFilter) []truce.Incident {
	var out []truce.Incident
	for _, id := range slices.Sorted(maps.Keys(m.incidents)) {
		if i := m.incidents[id]; incidentMatches(i, f) {
			out = append(out, i)
		}
	}
	return out
}

// mondayOf is the Monday 00:00 UTC starting t's week, counted in days from
// the Unix epoch, a Thursday (and so told apart from a backend's way).
func mondayOf(t time.Time) time.Time {
	days := t.Unix() / 86400
	if t.Unix()%86400 < 0 {
		days--
	}
	return time.Unix((days-((days+3)%7+7)%7)*86400, 0).UTC()
}

// statsKeys are the keys an incident counts under by f.By.
func statsKeys(i truce.Incident, by string) []string {
	var keys []string
	for _, v := range i.Violations {
		switch by {
		case store.ByPerpetrator:
			keys = append(keys, orEmpty(i.Perpetrator))
		case store.ByAnswerableParty:
			keys = append(keys, orEmpty(v.AnswerableParty))
		case store.ByZone:
			keys = append(keys, v.ZoneID)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// violationCounts is the reference answer of ViolationCounts(f).
func (m *model) violationCounts(f store.StatsFilter) []store.Count {
	type keyWeek struct {
		key  string
		week int64
	}
	n := map[keyWeek]int64{}
	for _, i := range m.incidents {
		if !incidentMatches(i, store.IncidentFilter{From: f.From, Until: f.Until}) {
			continue
		}
		for _, k := range statsKeys(i, f.By) {
			n[keyWeek{k, mondayOf(i.OccurredAt).Unix()}]++
		}
	}
	var out []store.Count
	for kw, c := range n {
		out = append(out, store.Count{Key: kw.key, Week: time.Unix(kw.week, 0).UTC(), Count: c})
	}
	slices.SortFunc(out, func(a, b store.Count) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return a.Week.Compare(b.Week)
	})
	return out
}

var statsBy = []string{store.ByPerpetrator, store.ByAnswerableParty, store.ByZone}

// checkCounts checks ViolationCounts(f) against the model's.
func checkCounts(t *testing.T, ctx context.Context, s store.Store, m *model, f store.StatsFilter) {
	t.Helper()
	got, err := s.ViolationCounts(ctx, f)
	if err != nil {
		t.Errorf("ViolationCounts(%s): %v", statsName(f), err)
		return
	}
	if diff := cmp.Diff(m.violationCounts(f), got, cmpOpts); diff != "" {
		t.Errorf("ViolationCounts(%s) (-want +got):\n%s", statsName(f), diff)
	}
}

func statsName(f store.StatsFilter) string {
	s := "by " + f.By
	if f.From != nil {
		s += " from " + f.From.Format(time.RFC3339Nano)
	}
	if f.Until != nil {
		s += " until " + f.Until.Format(time.RFC3339Nano)
	}
	return s
}

// checkIncidents checks the store's incidents, commitments and steps, read
// one by one and listed, and the violation counts, against the model's.
func checkIncidents(t *testing.T, ctx context.Context, s store.Store, m *model) {
	t.Helper()
	checkReads(t, "Incident", m.incidents, func(id string) (truce.Incident, error) { return s.Incident(ctx, id) })
	checkReads(t, "Commitment", m.pledges, func(id string) (truce.Commitment, error) { return s.Commitment(ctx, id) })
	checkReads(t, "Step", m.steps, func(id string) (truce.Step, error) { return s.Step(ctx, id) })
	got, err := s.Incidents(ctx, store.IncidentFilter{}, store.Page{Limit: -1})
	if err != nil {
		t.Errorf("Incidents: %v", err)
	} else if diff := cmp.Diff(m.incidentsMatching(store.IncidentFilter{}), got, cmpOpts); diff != "" {
		t.Errorf("Incidents (-want +got):\n%s", diff)
	}
	for _, by := range statsBy {
		checkCounts(t, ctx, s, m, store.StatsFilter{By: by})
	}
}

func incidentIDs(is []truce.Incident) []string {
	return ids(is, func(i truce.Incident) string { return i.ID })
}

func pledgeIDs(cs []truce.Commitment) []string {
	return ids(cs, func(c truce.Commitment) string { return c.ID })
}

func stepIDs(ss []truce.Step) []string {
	return ids(ss, func(s truce.Step) string { return s.ID })
}

func timeAt(t time.Time) *time.Time { return &t }

func countOf(key string, week time.Time, n int64) store.Count {
	return store.Count{Key: key, Week: week, Count: n}
}

func boolp(b bool) *bool { return &b }

// mon is a Monday, 00:00 UTC; the suite's weeks start there.
var mon = time.Date(2025, 3, 17, 0, 0, 0, 0, time.UTC)

func (su *suite) incidents(t *testing.T) {
	setup := func(t *testing.T) (context.Context, store.Store, *model) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		return ctx, s, m
	}

	t.Run("RoundTrip", func(t *testing.T) {
		ctx, s, m := setup(t)
		_, err := s.Incident(ctx, "inc_a")
		wantNotFound(t, err, "Incident(inc_a) on a new store")
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			_, err := tx.GetIncident("inc_a")
			wantNotFound(t, err, "tx.GetIncident(inc_a) before PutIncident")
			full, err := c.putIncident(t, tx, "us", truce.KindIncidentRelease, fullIncident("inc_a", "us"))
			if err != nil {
				return err
			}
			// The fold reads what it wrote earlier in the same transaction.
			got, err := tx.GetIncident("inc_a")
			if err != nil {
				t.Errorf("tx.GetIncident(inc_a) after PutIncident: %v", err)
			} else if diff := cmp.Diff(full, got, strictOpts); diff != "" {
				t.Errorf("tx.GetIncident(inc_a) (-want +got):\n%s", diff)
			}
			// Every pointer nil, every slice and map nil; and one with
			// empty ones: each reads back as it was.
			bare := incidentIn("inc_b", "ru", t0.Add(micro), "", box2)
			bare.Sources = nil
			if _, err := c.putIncident(t, tx, "ru", truce.KindIncidentRelease, bare); err != nil {
				return err
			}
			empty := incidentIn("inc_c", "un", t0.Add(-micro), "act_x", box3)
			empty.Violations, empty.Responses, empty.Sources = []truce.Violation{}, []truce.IncidentResponse{}, []string{}
			empty.Attributions, empty.Verifications = map[string]truce.Attribution{}, map[string]truce.Verification{}
			_, err = c.putIncident(t, tx, "un", truce.KindIncidentRelease, empty)
			return err
		})
		checkOffice(t, ctx, s, m) // strictly, item by item
		if i, err := s.Incident(ctx, "inc_b"); err != nil || i.Perpetrator != nil || i.Violations != nil || i.Attributions != nil || i.AnswerDue != nil {
			t.Errorf("Incident(inc_b) = %+v, %v; want nil pointers, slices and maps", i, err)
		}
		if i, err := s.Incident(ctx, "inc_c"); err != nil || i.Violations == nil || i.Responses == nil || i.Attributions == nil || i.Verifications == nil {
			t.Errorf("Incident(inc_c) = %+v, %v; want empty, not nil, slices and maps", i, err)
		}
		_, err = s.Incident(ctx, "inc_x")
		wantNotFound(t, err, "Incident(inc_x)")
		// A released incident is no draft.
		_, err = s.IncidentDraft(ctx, "us", "inc_a")
		wantNotFound(t, err, "IncidentDraft(us, inc_a) of a released incident")
	})

	// The fold writes an incident whole after each change: its violation
	// rows are replaced with it, and the filters and counts follow.
	t.Run("Upsert", func(t *testing.T) {
		ctx, s, m := setup(t)
		far := [4]float64{40, 40, 41, 41}
		first := incidentIn("inc_a", "us", mon.Add(2*time.Hour), "act_n", box1, violationOf("zon_a", "ru"), violationOf("zon_b", "ru"))
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			_, err := c.putIncident(t, tx, "us", truce.KindIncidentRelease, first)
			return err
		})
		checkOffice(t, ctx, s, m)
		want := func(key string, week time.Time, n int64) []store.Count { return []store.Count{countOf(key, week, n)} }
		if got, err := s.ViolationCounts(ctx, store.StatsFilter{By: store.ByPerpetrator}); err != nil || !cmp.Equal(got, want("act_n", mon, 1), cmpOpts) {
			t.Errorf("ViolationCounts by perpetrator = %+v, %v; want act_n: 1 in the week of %v", got, err, mon)
		}
		// Moved a week back, another perpetrator, other violations, far away.
		second := incidentIn("inc_a", "us", mon.Add(-micro), "act_m", far, violationOf("zon_c", "tr"))
		second.Status = truce.IncidentAccepted
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			i, err := c.putIncident(t, tx, "ru", truce.KindIncidentResponse, second)
			if err != nil {
				return err
			}
			got, err := tx.GetIncident("inc_a")
			if err != nil {
				return err
			}
			if diff := cmp.Diff(i, got, strictOpts); diff != "" {
				t.Errorf("tx.GetIncident(inc_a) after an update (-want +got):\n%s", diff)
			}
			return nil
		})
		checkOffice(t, ctx, s, m) // counts included
		week := mon.AddDate(0, 0, -7)
		for _, tc := range []struct {
			by   string
			want []store.Count
		}{
			{store.ByPerpetrator, want("act_m", week, 1)},
			{store.ByAnswerableParty, want("tr", week, 1)},
			{store.ByZone, want("zon_c", week, 1)},
		} {
			if got, err := s.ViolationCounts(ctx, store.StatsFilter{By: tc.by}); err != nil || !cmp.Equal(got, tc.want, cmpOpts) {
				t.Errorf("ViolationCounts by %s after an update = %+v, %v; want %+v", tc.by, got, err, tc.want)
			}
		}
		for _, tc := range []struct {
			f    store.IncidentFilter
			want []string
		}{
			{store.IncidentFilter{BBox: boxOf(far)}, []string{"inc_a"}},
			{store.IncidentFilter{BBox: boxOf(box1)}, nil},
			{store.IncidentFilter{Perpetrator: "act_m"}, []string{"inc_a"}},
			{store.IncidentFilter{Perpetrator: "act_n"}, nil},
			{store.IncidentFilter{From: timeAt(mon)}, nil},
			{store.IncidentFilter{Until: timeAt(mon)}, []string{"inc_a"}},
		} {
			got, err := s.Incidents(ctx, tc.f, store.Page{Limit: 10})
			if err != nil || !slices.Equal(incidentIDs(got), tc.want) {
				t.Errorf("Incidents(%+v) after an update = %q, %v; want %q", tc.f, incidentIDs(got), err, tc.want)
			}
		}
		// Its violations gone (a zone withdrawn): no violation, no counts.
		// Twice in one append: the second write replaces the first's rows.
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			third := second
			third.Violations = []truce.Violation{violationOf("zon_d", "us"), violationOf("zon_e", "")}
			if _, err := c.putIncident(t, tx, "us", truce.KindZoneWithdraw, third); err != nil {
				return err
			}
			third.Violations = nil
			_, err := c.putIncident(t, tx, "us", truce.KindZoneWithdraw, third)
			return err
		})
		checkOffice(t, ctx, s, m)
		for _, by := range statsBy {
			if got, err := s.ViolationCounts(ctx, store.StatsFilter{By: by}); err != nil || len(got) != 0 {
				t.Errorf("ViolationCounts by %s with no violation left = %+v, %v; want none", by, got, err)
			}
		}
		for v, want := range map[bool][]string{true: nil, false: {"inc_a"}} {
			got, err := s.Incidents(ctx, store.IncidentFilter{Violation: boolp(v)}, store.Page{Limit: 10})
			if err != nil || !slices.Equal(incidentIDs(got), want) {
				t.Errorf("Incidents(violation %v) after the violations went = %q, %v; want %q", v, incidentIDs(got), err, want)
			}
		}
	})

	t.Run("Filter", func(t *testing.T) {
		ctx, s, m := setup(t)
		boxes := [][4]float64{box1, box2, box3, box4, box5}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for k := range 20 {
				var vs []truce.Violation
				if k%3 != 0 {
					vs = append(vs, violationOf(fmt.Sprintf("zon_%d", k%4), []string{"ru", "us", ""}[k%3]))
				}
				perp := []string{"act_a", "act_b", ""}[k%3]
				if k%5 == 4 {
					perp = "act_a"
				}
				// Every hour, each 20 minutes and a microsecond off the hour.
				at := mon.Add(time.Duration(k) * time.Hour).Add(time.Duration(k%3-1) * micro)
				i := incidentIn(fmt.Sprintf("inc_%02d", (k*7)%20), []string{"us", "ru"}[k%2], at, perp, boxes[k%5], vs...)
				if _, err := c.putIncident(t, tx, i.Owner, truce.KindIncidentRelease, i); err != nil {
					return err
				}
			}
			return nil
		})
		// Fixed answers first, so that the reference cannot drift from the
		// rule: occurred_at in [From, Until).
		at := func(id string) time.Time { return m.incidents[id].OccurredAt }
		for _, tc := range []struct {
			name string
			f    store.IncidentFilter
			want []string
		}{
			{"from an incident's time", store.IncidentFilter{From: timeAt(at("inc_09"))},
				[]string{"inc_03", "inc_04", "inc_05", "inc_06", "inc_09", "inc_10", "inc_11", "inc_12", "inc_13", "inc_16", "inc_17", "inc_18", "inc_19"}},
			{"until an incident's time", store.IncidentFilter{Until: timeAt(at("inc_07"))}, []string{"inc_00"}},
			{"until just after", store.IncidentFilter{Until: timeAt(at("inc_07").Add(micro))}, []string{"inc_00", "inc_07"}},
			{"exactly one", store.IncidentFilter{From: timeAt(at("inc_14")), Until: timeAt(at("inc_14").Add(micro))}, []string{"inc_14"}},
			{"empty window", store.IncidentFilter{From: timeAt(at("inc_14")), Until: timeAt(at("inc_14"))}, nil},
			{"reversed window", store.IncidentFilter{From: timeAt(at("inc_14").Add(micro)), Until: timeAt(at("inc_14"))}, nil},
			{"perpetrator", store.IncidentFilter{Perpetrator: "act_b", Violation: boolp(true)}, []string{"inc_07", "inc_09", "inc_10", "inc_11", "inc_12"}},
			{"no such perpetrator", store.IncidentFilter{Perpetrator: "act_z"}, nil},
		} {
			if ref := incidentIDs(m.incidentsMatching(tc.f)); !slices.Equal(ref, tc.want) {
				t.Fatalf("suite: the reference gives %q for %s, the table %q", ref, tc.name, tc.want)
			}
			got, err := s.Incidents(ctx, tc.f, store.Page{Limit: 100})
			if err != nil || !slices.Equal(incidentIDs(got), tc.want) {
				t.Errorf("Incidents(%s) = %q, %v; want %q", tc.name, incidentIDs(got), err, tc.want)
			}
		}
		// Each filter alone and all combined, around every incident's time.
		var times []*time.Time
		times = append(times, nil)
		for _, i := range m.incidents {
			times = append(times, timeAt(i.OccurredAt), timeAt(i.OccurredAt.Add(micro)), timeAt(i.OccurredAt.Add(-micro)))
		}
		var fs []store.IncidentFilter
		for _, from := range times[:10] {
			for _, until := range times[:10] {
				fs = append(fs, store.IncidentFilter{From: from, Until: until})
			}
		}
		for _, tc := range bboxCases {
			fs = append(fs, store.IncidentFilter{BBox: boxOf(tc.box)})
		}
		for _, p := range []string{"act_a", "act_b", "act_z"} {
			fs = append(fs, store.IncidentFilter{Perpetrator: p})
		}
		fs = append(fs, store.IncidentFilter{Violation: boolp(true)}, store.IncidentFilter{Violation: boolp(false)})
		for k, from := range times {
			fs = append(fs, store.IncidentFilter{
				From: from, Until: times[(k*7)%len(times)], BBox: boxOf(bboxCases[k%len(bboxCases)].box),
				Perpetrator: []string{"", "act_a", "act_b"}[k%3], Violation: []*bool{nil, boolp(true), boolp(false)}[(k/3)%3],
			})
		}
		for _, f := range fs {
			want := m.incidentsMatching(f)
			got, err := s.Incidents(ctx, f, store.Page{Limit: 100})
			if err != nil {
				t.Errorf("Incidents(%+v): %v", f, err)
			} else if diff := cmp.Diff(incidentIDs(want), incidentIDs(got)); diff != "" {
				t.Errorf("Incidents(%+v) (-want +got):\n%s", f, diff)
			}
		}
	})

	t.Run("BBox", func(t *testing.T) {
		ctx, s, m := setup(t)
		boxes := [][4]float64{box1, box2, box3, box4, box5}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for k, b := range boxes {
				if _, err := c.putIncident(t, tx, "us", truce.KindIncidentRelease, incidentIn(fmt.Sprintf("inc_%d", k+1), "us", t0, "act_a", b)); err != nil {
					return err
				}
			}
			return nil
		})
		for _, tc := range bboxCases {
			var want []string
			for _, k := range tc.want {
				want = append(want, fmt.Sprintf("inc_%d", k))
			}
			got, err := s.Incidents(ctx, store.IncidentFilter{BBox: boxOf(tc.box)}, store.Page{Limit: 100})
			if err != nil || !slices.Equal(incidentIDs(got), want) {
				t.Errorf("Incidents(bbox %s %v) = %q, %v; want %q", tc.name, tc.box, incidentIDs(got), err, want)
			}
		}
	})

	t.Run("Paging", func(t *testing.T) {
		ctx, s, m := setup(t)
		if got, err := s.Incidents(ctx, store.IncidentFilter{}, store.Page{Limit: 10}); err != nil || len(got) != 0 {
			t.Errorf("Incidents on a new store = %q, %v; want none", incidentIDs(got), err)
		}
		const n = 23
		for b := range 3 {
			mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
				for k := b; k < n; k += 3 {
					var vs []truce.Violation
					if k%2 == 0 {
						vs = []truce.Violation{violationOf("zon_a", "ru")}
					}
					i := incidentIn(truce.NewID("inc"), "us", mon.Add(time.Duration(k)*time.Hour), []string{"act_a", "act_b"}[k%2],
						[4]float64{float64(k), 0, float64(k) + 1, 1}, vs...)
					if _, err := c.putIncident(t, tx, "us", truce.KindIncidentRelease, i); err != nil {
						return err
					}
				}
				return nil
			})
		}
		for _, f := range []store.IncidentFilter{
			{},
			{Perpetrator: "act_a"},
			{Violation: boolp(false)},
			{From: timeAt(mon.Add(5 * time.Hour)), Until: timeAt(mon.Add(17 * time.Hour))},
			{BBox: &store.Box{4.5, 0, 15.5, 1}},
		} {
			want := m.incidentsMatching(f)
			if len(want) == 0 {
				t.Fatalf("suite: no incident matches %+v", f)
			}
			for _, limit := range []int{1, 2, 5, len(want) - 1, len(want), len(want) + 1, 100} {
				if limit < 1 {
					continue
				}
				got := pageAll(t, fmt.Sprintf("Incidents(%+v)", f), limit, len(want), func(i truce.Incident) string { return i.ID },
					func(p store.Page) ([]truce.Incident, error) { return s.Incidents(ctx, f, p) })
				if diff := cmp.Diff(incidentIDs(want), incidentIDs(got)); diff != "" {
					t.Errorf("all pages of %d of Incidents(%+v) (-want +got):\n%s", limit, f, diff)
				}
			}
			if got, err := s.Incidents(ctx, f, store.Page{Limit: -1}); err != nil || !slices.Equal(incidentIDs(got), incidentIDs(want)) {
				t.Errorf("Incidents(%+v, no limit) = %q, %v; want %q", f, incidentIDs(got), err, incidentIDs(want))
			}
		}
		all := m.incidentsMatching(store.IncidentFilter{})
		after := all[10].ID + "~" // no incident's id
		page, err := s.Incidents(ctx, store.IncidentFilter{}, store.Page{Limit: 3, After: after})
		if err != nil || !slices.Equal(incidentIDs(page), incidentIDs(all[11:14])) {
			t.Errorf("Incidents after %q = %q, %v; want %q", after, incidentIDs(page), err, incidentIDs(all[11:14]))
		}
		if page, err := s.Incidents(ctx, store.IncidentFilter{}, store.Page{Limit: 3, After: all[n-1].ID}); err != nil || len(page) != 0 {
			t.Errorf("Incidents after the last id = %q, %v; want none", incidentIDs(page), err)
		}
	})

	t.Run("ZonesMeeting", func(t *testing.T) {
		ctx, s, m := setup(t)
		boxes := [][4]float64{box1, box2, box3, box4, box5}
		check := func(tx store.AppendTx, when string) {
			for _, tc := range bboxCases {
				var want []string
				for _, k := range tc.want {
					want = append(want, fmt.Sprintf("zon_%d", k))
				}
				got, err := tx.ZonesMeeting(store.Box(tc.box))
				if err != nil || !slices.Equal(zoneIDs(got), want) {
					t.Errorf("tx.ZonesMeeting(%s %v) %s = %q, %v; want %q", tc.name, tc.box, when, zoneIDs(got), err, want)
				}
			}
		}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			if got, err := tx.ZonesMeeting(store.Box{-180, -90, 180, 90}); err != nil || len(got) != 0 {
				t.Errorf("tx.ZonesMeeting(world) on a new store = %q, %v; want none", zoneIDs(got), err)
			}
			// Written out of id order, with statuses the box does not care for.
			for _, k := range []int{3, 0, 4, 1, 2} {
				z := zoneIn(fmt.Sprintf("zon_%d", k+1), "us", []truce.ZoneStatus{truce.ZoneProposed, truce.ZoneWithdrawn}[k%2], boxes[k], timePtr(-time.Hour))
				if _, err := c.putZone(t, tx, "us", truce.KindZoneRelease, z); err != nil {
					return err
				}
			}
			check(tx, "in the append that wrote them")
			return nil
		})
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			check(tx, "in a later append")
			// Whole zones, as Zone reads them.
			got, err := tx.ZonesMeeting(store.Box(box5))
			if err != nil {
				return err
			}
			if diff := cmp.Diff([]truce.Zone{c.zones["zon_1"], c.zones["zon_5"]}, got, strictOpts); diff != "" {
				t.Errorf("tx.ZonesMeeting(box 5) (-want +got):\n%s", diff)
			}
			return nil
		})
	})

	t.Run("EachIncidentMeeting", func(t *testing.T) {
		ctx, s, m := setup(t)
		// More incidents than a backend may read in one page, half in box 1
		// and half in box 3, written as one fold would.
		const n = 1003
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			if err := tx.EachIncidentMeeting(store.Box(box1), func(truce.Incident) error {
				return errors.New("called on a new store")
			}); err != nil {
				t.Errorf("EachIncidentMeeting on a new store: %v", err)
			}
			for k := range n {
				i := incidentIn(fmt.Sprintf("inc_%05d", (k*389)%n), "us", mon.Add(time.Duration(k)*time.Minute), "act_a",
					[][4]float64{box1, box3}[k%2], violationOf("zon_1", "ru"))
				i.Entry = int64(k)
				if err := tx.PutIncident(i); err != nil {
					return err
				}
				c.incidents[i.ID] = i
			}
			return nil
		})
		for _, tc := range bboxCases {
			var want []string
			for _, i := range m.incidentsMatching(store.IncidentFilter{BBox: boxOf(tc.box)}) {
				want = append(want, i.ID)
			}
			mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
				var got []string
				err := tx.EachIncidentMeeting(store.Box(tc.box), func(i truce.Incident) error {
					got = append(got, i.ID)
					return nil
				})
				if err != nil || !slices.Equal(got, want) {
					t.Errorf("tx.EachIncidentMeeting(%s) gave %d incidents, %v; want %d, in id order", tc.name, len(got), err, len(want))
				}
				return nil
			})
		}
		// The fold rewrites the incidents a zone's change affects as it
		// goes: fn writes through the same transaction.
		var calls int
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			return tx.EachIncidentMeeting(store.Box(box1), func(i truce.Incident) error {
				calls++
				if calls == 1 || i.ID == "inc_01000" {
					if diff := cmp.Diff(c.incidents[i.ID], i, strictOpts); diff != "" {
						t.Errorf("EachIncidentMeeting gave %q (-want +got):\n%s", i.ID, diff)
					}
				}
				i.Violations = []truce.Violation{violationOf("zon_1", "ru"), violationOf("zon_2", "us")}
				i.BBox = box3 // out of the box: seen once all the same
				if err := tx.PutIncident(i); err != nil {
					return err
				}
				c.incidents[i.ID] = i
				got, err := tx.GetIncident(i.ID)
				if err != nil || len(got.Violations) != 2 {
					t.Errorf("tx.GetIncident(%q) inside EachIncidentMeeting = %d violations, %v; want 2", i.ID, len(got.Violations), err)
				}
				return nil
			})
		})
		if want := (n + 1) / 2; calls != want {
			t.Errorf("EachIncidentMeeting(box 1) while rewriting called fn %d times, want %d", calls, want)
		}
		checkOffice(t, ctx, s, m)
		// fn's error stops the walk and is returned as it is.
		errStop := errors.New("fold failed")
		calls = 0
		err := s.Append(ctx, func(tx store.AppendTx) error {
			calls = 0
			return tx.EachIncidentMeeting(store.Box(box3), func(truce.Incident) error {
				calls++
				if calls == 3 {
					return errStop
				}
				return nil
			})
		})
		if !errors.Is(err, errStop) || calls != 3 {
			t.Errorf("EachIncidentMeeting whose fn failed on call 3 = %v after %d calls; want the fn's error after 3", err, calls)
		}
	})

	t.Run("Snapshot", func(t *testing.T) {
		ctx, s, m := setup(t)
		snap, err := s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.Incidents) != 0 || len(snap.Commitments) != 0 || len(snap.Steps) != 0 {
			t.Errorf("Snapshot of a new store = %+v, want an empty one", snap)
		}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for _, id := range []string{"inc_m", "inc_c", "inc_x", "inc_a"} {
				if _, err := c.putIncident(t, tx, "us", truce.KindIncidentRelease, fullIncident(id, "us")); err != nil {
					return err
				}
			}
			for _, id := range []string{"cmt_q", "cmt_b", "cmt_k"} {
				if _, err := c.putPledge(t, tx, truce.KindCommitmentRelease, fullPledge(id, "ru")); err != nil {
					return err
				}
			}
			for _, id := range []string{"stp_z", "stp_y", "stp_a"} {
				if _, err := c.putStep(t, tx, "un", truce.KindStepCreate, stepOf(id, "us")); err != nil {
					return err
				}
			}
			return nil
		})
		checkOffice(t, ctx, s, m)
		snap, err = s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := incidentIDs(snap.Incidents); !slices.Equal(got, []string{"inc_a", "inc_c", "inc_m", "inc_x"}) {
			t.Errorf("Snapshot incidents in order %q, want by id", got)
		}
		if got := pledgeIDs(snap.Commitments); !slices.Equal(got, []string{"cmt_b", "cmt_k", "cmt_q"}) {
			t.Errorf("Snapshot commitments in order %q, want by id", got)
		}
		if got := stepIDs(snap.Steps); !slices.Equal(got, []string{"stp_a", "stp_y", "stp_z"}) {
			t.Errorf("Snapshot steps in order %q, want by id", got)
		}
		want := m.snapshot()
		for name, diff := range map[string]string{
			"incidents":   cmp.Diff(want.Incidents, snap.Incidents, strictOpts),
			"commitments": cmp.Diff(want.Commitments, snap.Commitments, strictOpts),
			"steps":       cmp.Diff(want.Steps, snap.Steps, strictOpts),
		} {
			if diff != "" {
				t.Errorf("Snapshot %s (-want +got):\n%s", name, diff)
			}
		}
	})

	// Incidents, their violation rows, commitments and steps written by an
	// append that fails are gone with it, an upsert's old values included.
	t.Run("Rollback", func(t *testing.T) {
		ctx, s, m := setup(t)
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			i := incidentIn("inc_a", "us", mon, "act_a", box1, violationOf("zon_a", "ru"))
			if _, err := c.putIncident(t, tx, "us", truce.KindIncidentRelease, i); err != nil {
				return err
			}
			if _, err := c.putPledge(t, tx, truce.KindCommitmentRelease, pledgeOf("cmt_a", "ru")); err != nil {
				return err
			}
			_, err := c.putStep(t, tx, "un", truce.KindStepCreate, stepOf("stp_a", "us"))
			return err
		})
		before := m.clone()
		errBoom := errors.New("boom")
		err := s.Append(ctx, func(tx store.AppendTx) error {
			c := m.clone()
			upd := fullIncident("inc_a", "us")
			if _, err := c.putIncident(t, tx, "ru", truce.KindIncidentResponse, upd); err != nil {
				return err
			}
			if _, err := c.putIncident(t, tx, "ru", truce.KindIncidentRelease, incidentIn("inc_b", "ru", mon, "act_b", box2, violationOf("zon_b", "us"))); err != nil {
				return err
			}
			if _, err := c.putPledge(t, tx, truce.KindCommitmentAccept, fullPledge("cmt_a", "ru")); err != nil {
				return err
			}
			if _, err := c.putPledge(t, tx, truce.KindCommitmentRelease, pledgeOf("cmt_b", "us")); err != nil {
				return err
			}
			st := stepOf("stp_a", "us")
			st.Status = truce.StepDone
			if _, err := c.putStep(t, tx, "us", truce.KindStepUpdate, st); err != nil {
				return err
			}
			if _, err := c.putStep(t, tx, "un", truce.KindStepCreate, stepOf("stp_b", "ru")); err != nil {
				return err
			}
			return fmt.Errorf("fold: %w", errBoom)
		})
		if !errors.Is(err, errBoom) {
			t.Errorf("Append whose fn failed = %v, want the fn's error", err)
		}
		*m = *before
		checkJournal(t, ctx, s, m)
		checkOffice(t, ctx, s, m) // the counts as they were included
		_, err = s.Incident(ctx, "inc_b")
		wantNotFound(t, err, "Incident(inc_b) after a rolled back append")
		_, err = s.Commitment(ctx, "cmt_b")
		wantNotFound(t, err, "Commitment(cmt_b) after a rolled back append")
		_, err = s.Step(ctx, "stp_b")
		wantNotFound(t, err, "Step(stp_b) after a rolled back append")

		// The next append writes the same ids and works.
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			if _, err := c.putIncident(t, tx, "ru", truce.KindIncidentRelease, incidentIn("inc_b", "ru", mon, "act_b", box2, violationOf("zon_b", "us"))); err != nil {
				return err
			}
			if _, err := c.putPledge(t, tx, truce.KindCommitmentRelease, pledgeOf("cmt_b", "us")); err != nil {
				return err
			}
			_, err := c.putStep(t, tx, "un", truce.KindStepCreate, stepOf("stp_b", "ru"))
			return err
		})
		checkOffice(t, ctx, s, m)
	})
}

func (su *suite) violationCounts(t *testing.T) {
	setup := func(t *testing.T) (context.Context, store.Store, *model) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		return ctx, s, m
	}
	put := func(t *testing.T, ctx context.Context, s store.Store, m *model, is ...truce.Incident) {
		t.Helper()
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for _, i := range is {
				if _, err := c.putIncident(t, tx, i.Owner, truce.KindIncidentRelease, i); err != nil {
					return err
				}
			}
			return nil
		})
	}
	counts := func(t *testing.T, ctx context.Context, s store.Store, f store.StatsFilter, want []store.Count) {
		t.Helper()
		got, err := s.ViolationCounts(ctx, f)
		if err != nil {
			t.Errorf("ViolationCounts(%s): %v", statsName(f), err)
		} else if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("ViolationCounts(%s) (-want +got):\n%s", statsName(f), diff)
		}
	}

	t.Run("Empty", func(t *testing.T) {
		ctx, s, m := setup(t)
		for _, by := range statsBy {
			counts(t, ctx, s, store.StatsFilter{By: by}, nil)
		}
		// Incidents without violations count nowhere.
		put(t, ctx, s, m, incidentIn("inc_a", "us", mon, "act_a", box1), incidentIn("inc_b", "us", mon, "", box1))
		for _, by := range statsBy {
			counts(t, ctx, s, store.StatsFilter{By: by}, nil)
		}
	})

	t.Run("UnknownKey", func(t *testing.T) {
		ctx, s, m := setup(t)
		put(t, ctx, s, m, incidentIn("inc_a", "us", mon, "act_a", box1, violationOf("zon_a", "ru")))
		for _, by := range []string{"", "actor", "zone_id", "week", "perpetrator; DROP TABLE incidents", "Perpetrator"} {
			if got, err := s.ViolationCounts(ctx, store.StatsFilter{By: by}); err == nil {
				t.Errorf("ViolationCounts(by %q) = %+v, want an error", by, got)
			}
		}
		checkOffice(t, ctx, s, m)
	})

	// An incident counts once per key however many of its violations
	// share it.
	t.Run("Distinct", func(t *testing.T) {
		ctx, s, m := setup(t)
		put(t, ctx, s, m,
			// Two zones answered for by ru, one by nobody.
			incidentIn("inc_a", "us", mon.Add(time.Hour), "act_a", box1,
				violationOf("zon_1", "ru"), violationOf("zon_2", "ru"), violationOf("zon_3", "")),
			// The same zone twice, by two parties.
			incidentIn("inc_b", "us", mon.Add(2*time.Hour), "act_a", box1,
				violationOf("zon_1", "ru"), violationOf("zon_1", "us")),
			// No perpetrator, no answerable party.
			incidentIn("inc_c", "ru", mon.Add(3*time.Hour), "", box1, violationOf("zon_2", "")),
			// Another week.
			incidentIn("inc_d", "ru", mon.AddDate(0, 0, 7), "act_b", box1, violationOf("zon_2", "ru"), violationOf("zon_2", "ru")),
		)
		next := mon.AddDate(0, 0, 7)
		for _, tc := range []struct {
			by   string
			want []store.Count
		}{
			{store.ByPerpetrator, []store.Count{countOf("", mon, 1), countOf("act_a", mon, 2), countOf("act_b", next, 1)}},
			{store.ByAnswerableParty, []store.Count{countOf("", mon, 2), countOf("ru", mon, 2), countOf("ru", next, 1), countOf("us", mon, 1)}},
			{store.ByZone, []store.Count{countOf("zon_1", mon, 2), countOf("zon_2", mon, 2), countOf("zon_2", next, 1), countOf("zon_3", mon, 1)}},
		} {
			f := store.StatsFilter{By: tc.by}
			if diff := cmp.Diff(tc.want, m.violationCounts(f), cmpOpts); diff != "" {
				t.Fatalf("suite: the reference by %s differs from the table (-table +reference):\n%s", tc.by, diff)
			}
			counts(t, ctx, s, f, tc.want)
		}
	})

	// Weeks start on Monday 00:00 UTC, whatever zone the time was given in.
	t.Run("Weeks", func(t *testing.T) {
		ctx, s, m := setup(t)
		east := time.FixedZone("UTC+5", 5*3600)
		west := time.FixedZone("UTC-8", -8*3600)
		prev := mon.AddDate(0, 0, -7)
		times := map[string]time.Time{
			"inc_sun": mon.Add(-micro),                     // Sunday 23:59:59.999999: the week before
			"inc_mon": mon,                                 // Monday 00:00: this week
			"inc_est": mon.Add(-time.Hour).In(east),        // Monday 04:00 at UTC+5, Sunday in UTC
			"inc_wst": mon.Add(time.Hour).In(west),         // Sunday 17:00 at UTC-8, Monday in UTC
			"inc_end": mon.AddDate(0, 0, 7).Add(-micro),    // the last microsecond of this week
			"inc_nxt": mon.AddDate(0, 0, 7).Add(time.Hour), // the next week
			"inc_old": time.Date(1969, 12, 31, 12, 0, 0, 0, time.UTC),
		}
		var is []truce.Incident
		for _, id := range slices.Sorted(maps.Keys(times)) {
			is = append(is, incidentIn(id, "us", times[id], id, box1, violationOf("zon_a", "ru")))
		}
		put(t, ctx, s, m, is...)
		for id, week := range map[string]time.Time{
			"inc_sun": prev, "inc_mon": mon, "inc_est": prev, "inc_wst": mon, "inc_end": mon,
			"inc_nxt": mon.AddDate(0, 0, 7), "inc_old": time.Date(1969, 12, 29, 0, 0, 0, 0, time.UTC),
		} {
			if got := mondayOf(times[id]); !got.Equal(week) {
				t.Fatalf("suite: mondayOf(%v) = %v, want %v", times[id], got, week)
			}
			counts(t, ctx, s, store.StatsFilter{By: store.ByPerpetrator, From: timeAt(times[id]), Until: timeAt(times[id].Add(micro))},
				[]store.Count{countOf(id, week, 1)})
		}
		counts(t, ctx, s, store.StatsFilter{By: store.ByZone}, []store.Count{
			countOf("zon_a", time.Date(1969, 12, 29, 0, 0, 0, 0, time.UTC), 1), countOf("zon_a", prev, 2),
			countOf("zon_a", mon, 3), countOf("zon_a", mon.AddDate(0, 0, 7), 1)})
		for _, by := range statsBy {
			checkCounts(t, ctx, s, m, store.StatsFilter{By: by})
		}
	})

	// The window is [From, Until) on occurred_at, cutting through weeks.
	t.Run("Window", func(t *testing.T) {
		ctx, s, m := setup(t)
		var is []truce.Incident
		for k := range 40 {
			at := mon.Add(time.Duration(k) * 13 * time.Hour).Add(time.Duration(k%3) * micro)
			vs := []truce.Violation{violationOf(fmt.Sprintf("zon_%d", k%3), []string{"ru", "us", ""}[k%3])}
			if k%4 == 0 {
				vs = append(vs, violationOf("zon_9", "ru"))
			}
			is = append(is, incidentIn(fmt.Sprintf("inc_%02d", k), "us", at, []string{"act_a", "act_b", "act_c"}[k%3], box1, vs...))
		}
		put(t, ctx, s, m, is...)
		at := func(k int) time.Time { return is[k].OccurredAt }
		// Fixed answers first.
		counts(t, ctx, s, store.StatsFilter{By: store.ByPerpetrator, From: timeAt(at(5)), Until: timeAt(at(8))},
			[]store.Count{countOf("act_a", mon, 1), countOf("act_b", mon, 1), countOf("act_c", mon, 1)})
		counts(t, ctx, s, store.StatsFilter{By: store.ByPerpetrator, From: timeAt(at(5).Add(micro)), Until: timeAt(at(8).Add(micro))},
			[]store.Count{countOf("act_a", mon, 1), countOf("act_b", mon, 1), countOf("act_c", mon, 1)})
		counts(t, ctx, s, store.StatsFilter{By: store.ByPerpetrator, From: timeAt(at(5)), Until: timeAt(at(5))}, nil)
		counts(t, ctx, s, store.StatsFilter{By: store.ByPerpetrator, From: timeAt(at(6)), Until: timeAt(at(5))}, nil)
		var edges []*time.Time
		edges = append(edges, nil, timeAt(mon), timeAt(mon.AddDate(0, 0, 7)), timeAt(mon.AddDate(0, 0, 14).Add(-micro)))
		for _, k := range []int{0, 1, 12, 13, 14, 25, 39} {
			edges = append(edges, timeAt(at(k)), timeAt(at(k).Add(-micro)), timeAt(at(k).Add(micro)))
		}
		for _, from := range edges {
			for _, until := range edges {
				for _, by := range statsBy {
					checkCounts(t, ctx, s, m, store.StatsFilter{By: by, From: from, Until: until})
				}
			}
		}
	})

	// The counts agree with the incidents list over the same window.
	t.Run("AgreeWithIncidents", func(t *testing.T) {
		ctx, s, m := setup(t)
		var is []truce.Incident
		for k := range 60 {
			var vs []truce.Violation
			for v := range k % 4 {
				vs = append(vs, violationOf(fmt.Sprintf("zon_%d", (k+v)%5), []string{"ru", "us", "", "ru"}[(k+v)%4]))
			}
			at := mon.Add(time.Duration(k*k) * 47 * time.Minute)
			is = append(is, incidentIn(fmt.Sprintf("inc_%02d", k), "us", at, fmt.Sprintf("act_%d", k%7), box1, vs...))
		}
		put(t, ctx, s, m, is...)
		for _, w := range [][2]time.Duration{{0, 1000 * time.Hour}, {-time.Hour, 10 * time.Hour}, {100 * time.Hour, 2000 * time.Hour}, {333 * time.Hour, 334 * time.Hour}} {
			from, until := mon.Add(w[0]), mon.Add(w[1])
			listed, err := s.Incidents(ctx, store.IncidentFilter{From: &from, Until: &until, Violation: boolp(true)}, store.Page{Limit: -1})
			if err != nil {
				t.Fatal(err)
			}
			sums := map[string]int64{}
			for _, by := range statsBy {
				got, err := s.ViolationCounts(ctx, store.StatsFilter{By: by, From: &from, Until: &until})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range got {
					sums[by] += c.Count
				}
			}
			var zones, parties int64
			for _, i := range listed {
				zones += int64(len(statsKeys(i, store.ByZone)))
				parties += int64(len(statsKeys(i, store.ByAnswerableParty)))
			}
			if sums[store.ByPerpetrator] != int64(len(listed)) || sums[store.ByZone] != zones || sums[store.ByAnswerableParty] != parties {
				t.Errorf("window [t%+v, t%+v): counts sum to %v; the %d incidents listed with a violation have %d zones and %d parties",
					w[0], w[1], sums, len(listed), zones, parties)
			}
		}
	})
}

func (su *suite) commitments(t *testing.T) {
	setup := func(t *testing.T) (context.Context, store.Store, *model) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		return ctx, s, m
	}

	t.Run("RoundTrip", func(t *testing.T) {
		ctx, s, m := setup(t)
		_, err := s.Commitment(ctx, "cmt_a")
		wantNotFound(t, err, "Commitment(cmt_a) on a new store")
		_, err = s.Step(ctx, "stp_a")
		wantNotFound(t, err, "Step(stp_a) on a new store")
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			_, err := tx.GetCommitment("cmt_a")
			wantNotFound(t, err, "tx.GetCommitment(cmt_a) before PutCommitment")
			_, err = tx.GetStep("stp_a")
			wantNotFound(t, err, "tx.GetStep(stp_a) before PutStep")
			full, err := c.putPledge(t, tx, truce.KindCommitmentRelease, fullPledge("cmt_a", "ru"))
			if err != nil {
				return err
			}
			got, err := tx.GetCommitment("cmt_a")
			if err != nil {
				t.Errorf("tx.GetCommitment(cmt_a) after PutCommitment: %v", err)
			} else if diff := cmp.Diff(full, got, strictOpts); diff != "" {
				t.Errorf("tx.GetCommitment(cmt_a) (-want +got):\n%s", diff)
			}
			bare := pledgeOf("cmt_b", "us")
			bare.ZoneIDs = nil
			if _, err := c.putPledge(t, tx, truce.KindCommitmentRelease, bare); err != nil {
				return err
			}
			empty := pledgeOf("cmt_c", "un")
			empty.ZoneIDs = []string{}
			if _, err := c.putPledge(t, tx, truce.KindCommitmentRelease, empty); err != nil {
				return err
			}
			step, err := c.putStep(t, tx, "un", truce.KindStepCreate, stepOf("stp_a", "us"))
			if err != nil {
				return err
			}
			gotStep, err := tx.GetStep("stp_a")
			if err != nil {
				t.Errorf("tx.GetStep(stp_a) after PutStep: %v", err)
			} else if diff := cmp.Diff(step, gotStep, strictOpts); diff != "" {
				t.Errorf("tx.GetStep(stp_a) (-want +got):\n%s", diff)
			}
			return nil
		})
		checkOffice(t, ctx, s, m)
		if c, err := s.Commitment(ctx, "cmt_b"); err != nil || c.ZoneIDs != nil || c.EffectiveUntil != nil || c.AcceptedAt != nil {
			t.Errorf("Commitment(cmt_b) = %+v, %v; want nil zones and times", c, err)
		}
		if c, err := s.Commitment(ctx, "cmt_c"); err != nil || c.ZoneIDs == nil {
			t.Errorf("Commitment(cmt_c) = %+v, %v; want empty, not nil, zones", c, err)
		}
		// Updates replace them whole.
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			p := fullPledge("cmt_b", "us")
			p.Status, p.Breaches = truce.CommitmentBreached, 3
			if _, err := c.putPledge(t, tx, truce.KindCommitmentStatus, p); err != nil {
				return err
			}
			st := stepOf("stp_a", "us")
			st.Status, st.Evidence, st.UpdatedAt = truce.StepDone, "https://example.org/done", t0.Add(time.Hour+micro)
			_, err := c.putStep(t, tx, "us", truce.KindStepUpdate, st)
			return err
		})
		checkOffice(t, ctx, s, m)
		_, err = s.Commitment(ctx, "cmt_x")
		wantNotFound(t, err, "Commitment(cmt_x)")
		_, err = s.Step(ctx, "stp_x")
		wantNotFound(t, err, "Step(stp_x)")
	})

	t.Run("CommitmentsBy", func(t *testing.T) {
		ctx, s, m := setup(t)
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for _, x := range []struct{ id, party string }{{"cmt_5", "ru"}, {"cmt_2", "us"}, {"cmt_9", "ru"}, {"cmt_1", "ru"}, {"cmt_3", "us"}} {
				if _, err := c.putPledge(t, tx, truce.KindCommitmentRelease, pledgeOf(x.id, x.party)); err != nil {
					return err
				}
			}
			// Read in the append that wrote them.
			got, err := tx.CommitmentsBy("ru")
			if err != nil || !slices.Equal(pledgeIDs(got), []string{"cmt_1", "cmt_5", "cmt_9"}) {
				t.Errorf("tx.CommitmentsBy(ru) = %q, %v; want [cmt_1 cmt_5 cmt_9]", pledgeIDs(got), err)
			}
			return nil
		})
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for party, want := range map[string][]truce.Commitment{
				"ru": {c.pledges["cmt_1"], c.pledges["cmt_5"], c.pledges["cmt_9"]},
				"us": {c.pledges["cmt_2"], c.pledges["cmt_3"]},
				"un": nil,
			} {
				got, err := tx.CommitmentsBy(party)
				if err != nil {
					t.Errorf("tx.CommitmentsBy(%q): %v", party, err)
				} else if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
					t.Errorf("tx.CommitmentsBy(%q) (-want +got):\n%s", party, diff)
				}
			}
			return nil
		})
	})

	t.Run("Paging", func(t *testing.T) {
		ctx, s, m := setup(t)
		if got, err := s.Commitments(ctx, store.Page{Limit: 10}); err != nil || len(got) != 0 {
			t.Errorf("Commitments on a new store = %q, %v; want none", pledgeIDs(got), err)
		}
		if got, err := s.Steps(ctx, store.Page{Limit: 10}); err != nil || len(got) != 0 {
			t.Errorf("Steps on a new store = %q, %v; want none", stepIDs(got), err)
		}
		const n = 11
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for k := range n {
				if _, err := c.putPledge(t, tx, truce.KindCommitmentRelease, pledgeOf(truce.NewID("cmt"), []string{"us", "ru"}[k%2])); err != nil {
					return err
				}
				if _, err := c.putStep(t, tx, "un", truce.KindStepCreate, stepOf(truce.NewID("stp"), "us")); err != nil {
					return err
				}
			}
			return nil
		})
		pledges, steps := m.snapshot().Commitments, m.snapshot().Steps
		for _, limit := range []int{1, 2, 5, n - 1, n, n + 1} {
			got := pageAll(t, "Commitments", limit, n, func(c truce.Commitment) string { return c.ID },
				func(p store.Page) ([]truce.Commitment, error) { return s.Commitments(ctx, p) })
			if diff := cmp.Diff(pledges, got, strictOpts); diff != "" {
				t.Errorf("all pages of %d of Commitments (-want +got):\n%s", limit, diff)
			}
			gotSteps := pageAll(t, "Steps", limit, n, func(s truce.Step) string { return s.ID },
				func(p store.Page) ([]truce.Step, error) { return s.Steps(ctx, p) })
			if diff := cmp.Diff(steps, gotSteps, strictOpts); diff != "" {
				t.Errorf("all pages of %d of Steps (-want +got):\n%s", limit, diff)
			}
		}
		if got, err := s.Commitments(ctx, store.Page{Limit: -1}); err != nil || len(got) != n {
			t.Errorf("Commitments(no limit) = %d, %v; want %d", len(got), err, n)
		}
		if got, err := s.Steps(ctx, store.Page{Limit: 2, After: steps[4].ID + "~"}); err != nil || !slices.Equal(stepIDs(got), stepIDs(steps[5:7])) {
			t.Errorf("Steps after a cursor that is no id = %q, %v; want %q", stepIDs(got), err, stepIDs(steps[5:7]))
		}
	})
}

func (su *suite) incidentHQ(t *testing.T) {
	setup := func(t *testing.T) (context.Context, store.Store, *model) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		return ctx, s, m
	}
	draft := func(t *testing.T, ctx context.Context, s store.Store, owner string, want truce.Incident) {
		t.Helper()
		got, err := s.IncidentDraft(ctx, owner, want.ID)
		if err != nil {
			t.Errorf("IncidentDraft(%q, %q): %v", owner, want.ID, err)
		} else if diff := cmp.Diff(want, got, strictOpts); diff != "" {
			t.Errorf("IncidentDraft(%q, %q) (-want +got):\n%s", owner, want.ID, diff)
		}
	}
	put := func(t *testing.T, ctx context.Context, s store.Store, is ...truce.Incident) {
		t.Helper()
		for _, i := range is {
			if err := s.PutIncidentDraft(ctx, i); err != nil {
				t.Fatalf("PutIncidentDraft(%q of %q): %v", i.ID, i.Owner, err)
			}
		}
	}
	pledgeDraft := func(t *testing.T, ctx context.Context, s store.Store, party string, want truce.Commitment) {
		t.Helper()
		got, err := s.CommitmentDraft(ctx, party, want.ID)
		if err != nil {
			t.Errorf("CommitmentDraft(%q, %q): %v", party, want.ID, err)
		} else if diff := cmp.Diff(want, got, strictOpts); diff != "" {
			t.Errorf("CommitmentDraft(%q, %q) (-want +got):\n%s", party, want.ID, diff)
		}
	}

	t.Run("IncidentDraft", func(t *testing.T) {
		ctx, s, _ := setup(t)
		a := draftIncident("inc_a", "us", t0, "act_a", box1)
		_, err := s.IncidentDraft(ctx, "us", "inc_a")
		wantNotFound(t, err, "IncidentDraft(us, inc_a) on a new store")
		put(t, ctx, s, a)
		draft(t, ctx, s, "us", a)
		full := fullIncident("inc_f", "us")
		full.Status = truce.IncidentDraft
		put(t, ctx, s, full)
		draft(t, ctx, s, "us", full)

		// Replacing.
		a.Description, a.OccurredAt, a.BBox, a.Perpetrator = "rewritten", t0.Add(time.Hour+micro), box2, nil
		a.UpdatedAt = a.UpdatedAt.Add(time.Minute)
		put(t, ctx, s, a)
		draft(t, ctx, s, "us", a)
		for _, f := range []store.IncidentFilter{{BBox: boxOf(box3)}, {Perpetrator: "act_a"}, {Until: timeAt(t0.Add(time.Hour))}} {
			if got, err := s.IncidentDrafts(ctx, "us", f, store.Page{Limit: 10}); err != nil || slices.Contains(incidentIDs(got), "inc_a") {
				t.Errorf("IncidentDrafts(us, %+v) after the draft moved = %q, %v; want no inc_a", f, incidentIDs(got), err)
			}
		}

		// Another party can neither read, replace, nor delete it.
		_, err = s.IncidentDraft(ctx, "ru", "inc_a")
		wantNotFound(t, err, "IncidentDraft(ru, inc_a) of a us draft")
		theirs := draftIncident("inc_a", "ru", t0, "act_r", box4)
		wantExists(t, s.PutIncidentDraft(ctx, theirs), "PutIncidentDraft by ru of a us draft's id")
		wantNotFound(t, s.DeleteIncidentDraft(ctx, "ru", "inc_a"), "DeleteIncidentDraft(ru, inc_a) of a us draft")
		draft(t, ctx, s, "us", a)
		_, err = s.IncidentDraft(ctx, "ru", "inc_a")
		wantNotFound(t, err, "IncidentDraft(ru, inc_a) after ru's tries")
		if got, err := s.IncidentDrafts(ctx, "ru", store.IncidentFilter{}, store.Page{Limit: 10}); err != nil || len(got) != 0 {
			t.Errorf("IncidentDrafts(ru) after ru's tries = %q, %v; want none", incidentIDs(got), err)
		}

		wantNotFound(t, s.DeleteIncidentDraft(ctx, "us", "inc_x"), "DeleteIncidentDraft(us, inc_x) of no draft")
		if err := s.DeleteIncidentDraft(ctx, "us", "inc_a"); err != nil {
			t.Fatalf("DeleteIncidentDraft(us, inc_a): %v", err)
		}
		_, err = s.IncidentDraft(ctx, "us", "inc_a")
		wantNotFound(t, err, "IncidentDraft(us, inc_a) after DeleteIncidentDraft")
		wantNotFound(t, s.DeleteIncidentDraft(ctx, "us", "inc_a"), "DeleteIncidentDraft(us, inc_a) again")
		draft(t, ctx, s, "us", full)
		// A draft is no incident, and counts nowhere.
		_, err = s.Incident(ctx, "inc_f")
		wantNotFound(t, err, "Incident(inc_f) of a draft")
		for _, by := range statsBy {
			if got, err := s.ViolationCounts(ctx, store.StatsFilter{By: by}); err != nil || len(got) != 0 {
				t.Errorf("ViolationCounts by %s with only drafts = %+v, %v; want none", by, got, err)
			}
		}
	})

	t.Run("IncidentDrafts", func(t *testing.T) {
		ctx, s, _ := setup(t)
		if got, err := s.IncidentDrafts(ctx, "us", store.IncidentFilter{}, store.Page{Limit: 10}); err != nil || len(got) != 0 {
			t.Errorf("IncidentDrafts(us) on a new store = %q, %v; want none", incidentIDs(got), err)
		}
		boxes := [][4]float64{box1, box2, box3, box4, box5}
		var mine, theirs []truce.Incident
		for k, b := range boxes {
			i := draftIncident(fmt.Sprintf("inc_u%d", k+1), "us", mon.Add(time.Duration(k)*time.Hour), []string{"act_a", "act_b", ""}[k%3], b)
			if k == 3 {
				// A draft the office has computed violations for.
				i.Violations = []truce.Violation{violationOf("zon_a", "ru")}
			}
			mine = append(mine, i)
			theirs = append(theirs, draftIncident(fmt.Sprintf("inc_r%d", k+1), "ru", mon.Add(time.Duration(k)*time.Hour), "act_a", b))
		}
		stored := []truce.Incident{theirs[3], mine[4], mine[0], theirs[0], mine[2], mine[1], mine[3]}
		put(t, ctx, s, stored...)
		slices.SortFunc(stored, func(a, b truce.Incident) int { return strings.Compare(a.ID, b.ID) })
		for _, tc := range []struct {
			owner string
			f     store.IncidentFilter
			want  []truce.Incident
		}{
			{"us", store.IncidentFilter{}, mine},
			{"ru", store.IncidentFilter{}, []truce.Incident{theirs[0], theirs[3]}},
			{"un", store.IncidentFilter{}, nil},
			{"us", store.IncidentFilter{From: timeAt(mon.Add(time.Hour))}, mine[1:]},
			{"us", store.IncidentFilter{Until: timeAt(mon.Add(time.Hour))}, mine[:1]},
			{"us", store.IncidentFilter{From: timeAt(mon.Add(time.Hour)), Until: timeAt(mon.Add(3*time.Hour + micro))}, mine[1:4]},
			{"us", store.IncidentFilter{Perpetrator: "act_a"}, []truce.Incident{mine[0], mine[3]}},
			{"us", store.IncidentFilter{Perpetrator: "act_z"}, nil},
			{"us", store.IncidentFilter{Violation: boolp(true)}, mine[3:4]},
			{"us", store.IncidentFilter{Violation: boolp(false)}, []truce.Incident{mine[0], mine[1], mine[2], mine[4]}},
			{"us", store.IncidentFilter{BBox: boxOf(bboxCases[0].box)}, []truce.Incident{mine[0], mine[1], mine[4]}},
			{"ru", store.IncidentFilter{BBox: boxOf(bboxCases[0].box)}, []truce.Incident{theirs[0]}},
			{"us", store.IncidentFilter{BBox: boxOf(bboxCases[6].box)}, nil},
			{"us", store.IncidentFilter{BBox: boxOf(box1), Perpetrator: "act_b", Violation: boolp(false), From: timeAt(mon)}, []truce.Incident{mine[1], mine[4]}},
		} {
			var ref []truce.Incident
			for _, i := range stored {
				if i.Owner == tc.owner && incidentMatches(i, tc.f) {
					ref = append(ref, i)
				}
			}
			if diff := cmp.Diff(incidentIDs(tc.want), incidentIDs(ref)); diff != "" {
				t.Fatalf("suite: the reference of IncidentDrafts(%q, %+v) differs from the table (-table +reference):\n%s", tc.owner, tc.f, diff)
			}
			got, err := s.IncidentDrafts(ctx, tc.owner, tc.f, store.Page{Limit: 100})
			if err != nil {
				t.Errorf("IncidentDrafts(%q, %+v): %v", tc.owner, tc.f, err)
			} else if diff := cmp.Diff(tc.want, got, cmpOpts); diff != "" {
				t.Errorf("IncidentDrafts(%q, %+v) (-want +got):\n%s", tc.owner, tc.f, diff)
			}
		}
		for _, limit := range []int{1, 2, 4, 5, 6} {
			got := pageAll(t, "IncidentDrafts(us)", limit, len(mine), func(i truce.Incident) string { return i.ID },
				func(p store.Page) ([]truce.Incident, error) {
					return s.IncidentDrafts(ctx, "us", store.IncidentFilter{}, p)
				})
			if diff := cmp.Diff(incidentIDs(mine), incidentIDs(got)); diff != "" {
				t.Errorf("all pages of %d of IncidentDrafts(us) (-want +got):\n%s", limit, diff)
			}
		}
		if got, err := s.IncidentDrafts(ctx, "us", store.IncidentFilter{}, store.Page{Limit: -1}); err != nil || len(got) != len(mine) {
			t.Errorf("IncidentDrafts(us, no limit) = %q, %v", incidentIDs(got), err)
		}
	})

	t.Run("CommitmentDrafts", func(t *testing.T) {
		ctx, s, _ := setup(t)
		_, err := s.CommitmentDraft(ctx, "ru", "cmt_a")
		wantNotFound(t, err, "CommitmentDraft(ru, cmt_a) on a new store")
		a, full := pledgeOf("cmt_a", "ru"), fullPledge("cmt_f", "ru")
		a.Status, full.Status = truce.CommitmentDraft, truce.CommitmentDraft
		mine := []truce.Commitment{a, full}
		for _, c := range []truce.Commitment{full, a, pledgeOf("cmt_u", "us")} {
			if err := s.PutCommitmentDraft(ctx, c); err != nil {
				t.Fatalf("PutCommitmentDraft(%q of %q): %v", c.ID, c.Party, err)
			}
		}
		pledgeDraft(t, ctx, s, "ru", a)
		pledgeDraft(t, ctx, s, "ru", full)
		a.Text, a.ZoneIDs = "rewritten", nil
		if err := s.PutCommitmentDraft(ctx, a); err != nil {
			t.Fatal(err)
		}
		mine[0] = a
		pledgeDraft(t, ctx, s, "ru", a)

		// Another party can neither read, replace, nor delete it.
		_, err = s.CommitmentDraft(ctx, "us", "cmt_a")
		wantNotFound(t, err, "CommitmentDraft(us, cmt_a) of a ru draft")
		theirs := pledgeOf("cmt_a", "us")
		wantExists(t, s.PutCommitmentDraft(ctx, theirs), "PutCommitmentDraft by us of a ru draft's id")
		wantNotFound(t, s.DeleteCommitmentDraft(ctx, "us", "cmt_a"), "DeleteCommitmentDraft(us, cmt_a) of a ru draft")
		pledgeDraft(t, ctx, s, "ru", a)
		for party, want := range map[string][]string{"ru": {"cmt_a", "cmt_f"}, "us": {"cmt_u"}, "un": nil} {
			got, err := s.CommitmentDrafts(ctx, party, store.Page{Limit: 10})
			if err != nil || !slices.Equal(pledgeIDs(got), want) {
				t.Errorf("CommitmentDrafts(%q) = %q, %v; want %q", party, pledgeIDs(got), err, want)
			}
		}
		for _, limit := range []int{1, 2, 3} {
			got := pageAll(t, "CommitmentDrafts(ru)", limit, len(mine), func(c truce.Commitment) string { return c.ID },
				func(p store.Page) ([]truce.Commitment, error) { return s.CommitmentDrafts(ctx, "ru", p) })
			if diff := cmp.Diff(mine, got, strictOpts); diff != "" {
				t.Errorf("all pages of %d of CommitmentDrafts(ru) (-want +got):\n%s", limit, diff)
			}
		}

		wantNotFound(t, s.DeleteCommitmentDraft(ctx, "ru", "cmt_x"), "DeleteCommitmentDraft(ru, cmt_x) of no draft")
		if err := s.DeleteCommitmentDraft(ctx, "ru", "cmt_a"); err != nil {
			t.Fatalf("DeleteCommitmentDraft(ru, cmt_a): %v", err)
		}
		_, err = s.CommitmentDraft(ctx, "ru", "cmt_a")
		wantNotFound(t, err, "CommitmentDraft(ru, cmt_a) after DeleteCommitmentDraft")
		_, err = s.Commitment(ctx, "cmt_f")
		wantNotFound(t, err, "Commitment(cmt_f) of a draft")
	})

	// A release writes the item, then deletes the draft; whatever falls
	// between, a released id is no draft.
	t.Run("Released", func(t *testing.T) {
		ctx, s, m := setup(t)
		a, b := draftIncident("inc_a", "us", mon, "act_a", box1), draftIncident("inc_b", "us", mon, "act_a", box1)
		put(t, ctx, s, a, b)
		ca, cb := pledgeOf("cmt_a", "ru"), pledgeOf("cmt_b", "ru")
		for _, c := range []truce.Commitment{ca, cb} {
			if err := s.PutCommitmentDraft(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			_, err := tx.GetIncident("inc_a")
			wantNotFound(t, err, "tx.GetIncident of a draft")
			_, err = tx.GetCommitment("cmt_a")
			wantNotFound(t, err, "tx.GetCommitment of a draft")
			i := a
			i.Status, i.Violations = truce.IncidentReported, []truce.Violation{violationOf("zon_a", "ru")}
			if _, err := c.putIncident(t, tx, "us", truce.KindIncidentRelease, i); err != nil {
				return err
			}
			_, err = c.putPledge(t, tx, truce.KindCommitmentRelease, ca)
			return err
		})
		for _, f := range []store.IncidentFilter{{}, {Violation: boolp(false)}, {Perpetrator: "act_a"}} {
			got, err := s.IncidentDrafts(ctx, "us", f, store.Page{Limit: 10})
			if err != nil || !slices.Equal(incidentIDs(got), []string{"inc_b"}) {
				t.Errorf("IncidentDrafts(us, %+v) after inc_a's release = %q, %v; want [inc_b]", f, incidentIDs(got), err)
			}
		}
		_, err := s.IncidentDraft(ctx, "us", "inc_a")
		wantNotFound(t, err, "IncidentDraft(us, inc_a) after its release")
		if got, err := s.CommitmentDrafts(ctx, "ru", store.Page{Limit: 10}); err != nil || !slices.Equal(pledgeIDs(got), []string{"cmt_b"}) {
			t.Errorf("CommitmentDrafts(ru) after cmt_a's release = %q, %v; want [cmt_b]", pledgeIDs(got), err)
		}
		_, err = s.CommitmentDraft(ctx, "ru", "cmt_a")
		wantNotFound(t, err, "CommitmentDraft(ru, cmt_a) after its release")
		checkOffice(t, ctx, s, m)
		// The release's second half still deletes the rows.
		if err := s.DeleteIncidentDraft(ctx, "us", "inc_a"); err != nil {
			t.Errorf("DeleteIncidentDraft(us, inc_a) after its release: %v", err)
		}
		if err := s.DeleteCommitmentDraft(ctx, "ru", "cmt_a"); err != nil {
			t.Errorf("DeleteCommitmentDraft(ru, cmt_a) after its release: %v", err)
		}
		wantNotFound(t, s.DeleteIncidentDraft(ctx, "us", "inc_a"), "DeleteIncidentDraft(us, inc_a) twice")
		draft(t, ctx, s, "us", b)
		pledgeDraft(t, ctx, s, "ru", cb)
		checkOffice(t, ctx, s, m)
	})
}
