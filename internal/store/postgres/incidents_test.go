package postgres

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/store/postgres/pgtest"
)

// Each incident, commitment and step (released or draft) is stored as its
// encoding/json form, byte for byte, and a released incident's violation
// rows are one per violation, the first of each key marked.
func TestIncidentDocs(t *testing.T) {
	t.Parallel()
	db := mustOpen(t, pgtest.URL(t))
	ctx := t.Context()
	ru, perp := "ru", "act_a"
	// Sunday 23:00 at UTC-2 is Monday 01:00 UTC: the week of Monday 17 March.
	at := time.Date(2025, 3, 16, 23, 0, 0, 123456000, time.FixedZone("UTC-2", -2*3600))
	incident := truce.Incident{ID: "inc_a", Owner: "us", Status: truce.IncidentReported,
		IncidentContent: truce.IncidentContent{OccurredAt: at, Type: truce.IncidentShelling, Perpetrator: &perp,
			Description: `"shells" <b>&`, Geometry: json.RawMessage(`{"type":"Point","coordinates":[30.5,50.25]}`)},
		Violations: []truce.Violation{
			{ZoneID: "zon_a", ZoneName: "A", AnswerableParty: &ru},
			{ZoneID: "zon_b", ZoneName: "B", AnswerableParty: &ru},
			{ZoneID: "zon_a", ZoneName: "A"},
		},
		CreatedAt: t0, UpdatedAt: t0, BBox: [4]float64{30.5, 50.25, 30.5, 50.25}, Entry: 4}
	commitment := truce.Commitment{ID: "cmt_a", Party: "ru", Status: truce.CommitmentProposed,
		CommitmentContent: truce.CommitmentContent{To: "us", Text: "<none>", EffectiveFrom: t0}, CreatedAt: t0, UpdatedAt: t0, Entry: 5}
	step := truce.Step{ID: "stp_a", Title: "Staff & run", ResponsibleParty: "us", Due: t0, Status: truce.StepPlanned, CreatedAt: t0, UpdatedAt: t0, Entry: 6}
	draft := incident
	draft.ID, draft.Status, draft.Violations, draft.Entry = "inc_d", truce.IncidentDraft, nil, 0
	pledgeDraft := commitment
	pledgeDraft.ID, pledgeDraft.Status, pledgeDraft.Entry = "cmt_d", truce.CommitmentDraft, 0
	err := db.Append(ctx, func(tx store.AppendTx) error {
		if err := tx.PutIncident(incident); err != nil {
			return err
		}
		if err := tx.PutCommitment(commitment); err != nil {
			return err
		}
		return tx.PutStep(step)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutIncidentDraft(ctx, draft); err != nil {
		t.Fatal(err)
	}
	if err := db.PutCommitmentDraft(ctx, pledgeDraft); err != nil {
		t.Fatal(err)
	}
	for table, item := range map[string]any{"incidents": incident, "commitments": commitment, "steps": step,
		"incident_drafts": draft, "commitment_drafts": pledgeDraft} {
		want, err := json.Marshal(item)
		if err != nil {
			t.Fatal(err)
		}
		var doc []byte
		if err := db.pool.QueryRow(ctx, "SELECT doc FROM "+table).Scan(&doc); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if !bytes.Equal(doc, want) {
			t.Errorf("%s doc = %s, want %s", table, doc, want)
		}
	}

	type row struct {
		Incident, Zone, Party, Perpetrator string
		At, Week                           time.Time
		ByPerpetrator, ByParty, ByZone     bool
	}
	rows, err := db.pool.Query(ctx, `SELECT incident_id, zone_id, answerable_party, perpetrator, occurred_at, week,
		by_perpetrator, by_answerable_party, by_zone FROM incident_violations ORDER BY by_perpetrator DESC, zone_id, answerable_party DESC`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		t.Fatal(err)
	}
	week := time.Date(2025, 3, 17, 0, 0, 0, 0, time.UTC)
	want := []row{
		{"inc_a", "zon_a", "ru", "act_a", at, week, true, true, true},
		{"inc_a", "zon_a", "", "act_a", at, week, false, true, false},
		{"inc_a", "zon_b", "ru", "act_a", at, week, false, false, true},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("incident_violations rows (-want +got):\n%s", diff)
	}
}

// Text PostgreSQL cannot hold is refused before it is sent (an append goes
// on), and reads and filters by such a key find nothing.
func TestIncidentText(t *testing.T) {
	t.Parallel()
	db := mustOpen(t, pgtest.URL(t))
	ctx := t.Context()
	incident := func(id, owner string, perp *string, vs ...truce.Violation) truce.Incident {
		return truce.Incident{ID: id, Owner: owner, IncidentContent: truce.IncidentContent{OccurredAt: t0, Perpetrator: perp},
			Violations: vs, CreatedAt: t0, UpdatedAt: t0}
	}
	for _, bad := range []string{"a\x00b", "a\xffb"} {
		for name, err := range map[string]error{
			"PutIncidentDraft id":          db.PutIncidentDraft(ctx, incident(bad, "us", nil)),
			"PutIncidentDraft owner":       db.PutIncidentDraft(ctx, incident("inc_a", bad, nil)),
			"PutIncidentDraft perpetrator": db.PutIncidentDraft(ctx, incident("inc_a", "us", &bad)),
			"PutCommitmentDraft party":     db.PutCommitmentDraft(ctx, truce.Commitment{ID: "cmt_a", Party: bad}),
		} {
			if !errors.Is(err, errBadText) {
				t.Errorf("%s with %q: err = %v, want errBadText", name, bad, err)
			}
		}
		for name, err := range map[string]error{
			"Incident":              func() error { _, err := db.Incident(ctx, bad); return err }(),
			"Commitment":            func() error { _, err := db.Commitment(ctx, bad); return err }(),
			"Step":                  func() error { _, err := db.Step(ctx, bad); return err }(),
			"IncidentDraft":         func() error { _, err := db.IncidentDraft(ctx, "us", bad); return err }(),
			"IncidentDraft owner":   func() error { _, err := db.IncidentDraft(ctx, bad, "inc_a"); return err }(),
			"DeleteIncidentDraft":   db.DeleteIncidentDraft(ctx, bad, "inc_a"),
			"CommitmentDraft":       func() error { _, err := db.CommitmentDraft(ctx, "ru", bad); return err }(),
			"DeleteCommitmentDraft": db.DeleteCommitmentDraft(ctx, "ru", bad),
		} {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s(%q): err = %v, want store.ErrNotFound", name, bad, err)
			}
		}
		if is, err := db.Incidents(ctx, store.IncidentFilter{Perpetrator: bad}, store.Page{Limit: 10, After: bad}); err != nil || len(is) != 0 {
			t.Errorf("Incidents(perpetrator %q) = %v, %v; want none", bad, is, err)
		}
		if is, err := db.IncidentDrafts(ctx, bad, store.IncidentFilter{}, store.Page{Limit: 10}); err != nil || len(is) != 0 {
			t.Errorf("IncidentDrafts(%q) = %v, %v; want none", bad, is, err)
		}
		if cs, err := db.CommitmentDrafts(ctx, bad, store.Page{Limit: 10}); err != nil || len(cs) != 0 {
			t.Errorf("CommitmentDrafts(%q) = %v, %v; want none", bad, cs, err)
		}
		if cs, err := db.Commitments(ctx, store.Page{Limit: 10, After: bad}); err != nil || len(cs) != 0 {
			t.Errorf("Commitments(after %q) = %v, %v; want none", bad, cs, err)
		}
	}

	err := db.Append(ctx, func(tx store.AppendTx) error {
		for name, err := range map[string]error{
			"tx.GetIncident":   func() error { _, err := tx.GetIncident("inc\x00"); return err }(),
			"tx.GetCommitment": func() error { _, err := tx.GetCommitment("cmt\xff"); return err }(),
			"tx.GetStep":       func() error { _, err := tx.GetStep("stp\x00"); return err }(),
		} {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s with bad text: %v", name, err)
			}
		}
		if cs, err := tx.CommitmentsBy("r\x00u"); err != nil || len(cs) != 0 {
			t.Errorf("tx.CommitmentsBy with NUL = %v, %v; want none", cs, err)
		}
		bad := "r\x00u"
		for name, err := range map[string]error{
			"tx.PutIncident owner":            tx.PutIncident(incident("inc_a", bad, nil)),
			"tx.PutIncident perpetrator":      tx.PutIncident(incident("inc_a", "us", &bad)),
			"tx.PutIncident zone":             tx.PutIncident(incident("inc_a", "us", nil, truce.Violation{ZoneID: bad})),
			"tx.PutIncident answerable party": tx.PutIncident(incident("inc_a", "us", nil, truce.Violation{ZoneID: "zon_a", AnswerableParty: &bad})),
			"tx.PutCommitment party":          tx.PutCommitment(truce.Commitment{ID: "cmt_a", Party: bad}),
			"tx.PutStep id":                   tx.PutStep(truce.Step{ID: "stp\xff"}),
		} {
			if !errors.Is(err, errBadText) {
				t.Errorf("%s with bad text: %v, want errBadText", name, err)
			}
		}
		// The transaction is still good.
		if err := tx.PutIncident(incident("inc_a", "us", nil, truce.Violation{ZoneID: "zon_a"})); err != nil {
			return err
		}
		if err := tx.PutCommitment(truce.Commitment{ID: "cmt_a", Party: "ru"}); err != nil {
			return err
		}
		return tx.PutStep(truce.Step{ID: "stp_a"})
	})
	if err != nil {
		t.Fatalf("Append after rejected text: %v", err)
	}
	if _, err := db.Incident(ctx, "inc_a"); err != nil {
		t.Errorf("Incident(inc_a): %v", err)
	}
	if counts, err := db.ViolationCounts(ctx, store.StatsFilter{By: store.ByZone}); err != nil || len(counts) != 1 {
		t.Errorf("ViolationCounts by zone = %+v, %v; want one count", counts, err)
	}
}
