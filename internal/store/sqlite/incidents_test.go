package sqlite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// Each incident, commitment and step (released or draft) is stored as its
// encoding/json form, byte for byte, and a released incident's violation
// rows are one per violation, the first of each key marked.
func TestIncidentDocs(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "truce.db"))
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
		if err := db.read.QueryRowContext(ctx, "SELECT doc FROM "+table).Scan(&doc); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if !bytes.Equal(doc, want) {
			t.Errorf("%s doc = %s, want %s", table, doc, want)
		}
	}

	rows, err := db.read.QueryContext(ctx, `SELECT incident_id, zone_id, answerable_party, perpetrator, occurred_at, week,
		by_perpetrator, by_answerable_party, by_zone FROM incident_violations ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type row struct {
		Incident, Zone, Party, Perpetrator string
		At, Week                           int64
		ByPerpetrator, ByParty, ByZone     bool
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.Incident, &r.Zone, &r.Party, &r.Perpetrator, &r.At, &r.Week, &r.ByPerpetrator, &r.ByParty, &r.ByZone); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	micros, week := at.UnixMicro(), time.Date(2025, 3, 17, 0, 0, 0, 0, time.UTC).UnixMicro()
	want := []row{
		{"inc_a", "zon_a", "ru", "act_a", micros, week, true, true, true},
		{"inc_a", "zon_b", "ru", "act_a", micros, week, false, false, true},
		{"inc_a", "zon_a", "", "act_a", micros, week, false, true, false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("incident_violations rows (-want +got):\n%s", diff)
	}
}

// Counts scan a key's partial index, in the answer's order: no temporary
// b-tree for the grouping, no table rows.
func TestViolationCountsPlan(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "truce.db"))
	for _, by := range []string{store.ByPerpetrator, store.ByAnswerableParty, store.ByZone} {
		from, until := t0, t0.Add(time.Hour)
		for _, f := range []store.StatsFilter{{By: by}, {By: by, From: &from, Until: &until}} {
			q, args, err := countsQuery(f)
			if err != nil {
				t.Fatal(err)
			}
			got := queryPlan(t, db, q, args...)
			if want := "SCAN incident_violations USING INDEX incident_violations_" + by; got != want && got != strings.Replace(want, "USING", "USING COVERING", 1) {
				t.Errorf("plan of %+v = %q, want %q", f, got, want)
			}
		}
	}
}

// A point incident has its grid cell and no R*Tree row; any other has an
// R*Tree row at its box and no cell, however the incident was written: many
// at once (an import), one at a time, or rewritten elsewhere; a refused
// batch leaves none behind.
func TestIncidentBoxes(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "truce.db"))
	ctx := t.Context()
	incident := func(id string, b [4]float64) truce.Incident {
		g := fmt.Sprintf(`{"type":"Point","coordinates":[%g,%g]}`, b[0], b[1])
		if b[0] != b[2] || b[1] != b[3] {
			g = fmt.Sprintf(`{"type":"LineString","coordinates":[[%g,%g],[%g,%g]]}`, b[0], b[1], b[2], b[3])
		}
		return truce.Incident{ID: id, Owner: "us", Status: truce.IncidentReported,
			IncidentContent: truce.IncidentContent{OccurredAt: t0, Type: truce.IncidentShelling, Geometry: json.RawMessage(g)},
			Violations:      []truce.Violation{}, CreatedAt: t0, UpdatedAt: t0, BBox: b, Entry: 1}
	}
	point := func(lon, lat float64) [4]float64 { return [4]float64{lon, lat, lon, lat} }
	// Two whole chunks and part of one, in no particular order; every
	// third a line.
	var batch []truce.Incident
	for k := range 2*batchRows + 7 {
		b := point(30+float64(k)/100, 50)
		if k%3 == 0 {
			b[2], b[3] = b[0]+0.5, b[1]+0.25
		}
		batch = append(batch, incident(fmt.Sprintf("inc_%03d", (k*37)%(2*batchRows+7)), b))
	}
	moved := incident("inc_001", point(10, 10))
	single := incident("inc_single", point(-5, -5))
	line := incident("inc_line", [4]float64{-6, -6, -4, -3})
	err := db.Append(ctx, func(tx store.AppendTx) error {
		if err := tx.(*appendTx).InsertIncidents(batch); err != nil {
			return err
		}
		for _, i := range []truce.Incident{single, moved, line} {
			if err := tx.PutIncident(i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(wantPoints, wantOthers int) {
		t.Helper()
		rows, err := db.read.QueryContext(ctx, `SELECT i.doc, i.cell, b.min_lon, b.max_lon, b.min_lat, b.max_lat
			FROM incidents i LEFT JOIN incidents_box b ON b.id = i.rowid`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		points, others := 0, 0
		for rows.Next() {
			var doc string
			var cell *int64
			var minLon, maxLon, minLat, maxLat *float64
			if err := rows.Scan(&doc, &cell, &minLon, &maxLon, &minLat, &maxLat); err != nil {
				t.Fatal(err)
			}
			var i truce.Incident
			if err := json.Unmarshal([]byte(doc), &i); err != nil {
				t.Fatal(err)
			}
			b := i.BBox
			if want := cellOf(b); want != nil {
				points++
				if cell == nil || *cell != want.(int64) || minLon != nil {
					t.Errorf("point %s: cell %v, R*Tree row %v; want cell %d and no row", i.ID, fmt.Sprint(cell), minLon != nil, want)
				}
				continue
			}
			others++
			if minLon == nil || cell != nil {
				t.Errorf("%s: R*Tree row %v, cell %v; want a row and no cell", i.ID, minLon != nil, cell)
				continue
			}
			// The R*Tree keeps 32-bit floats, rounded outwards.
			if *minLon > b[0] || *minLat > b[1] || *maxLon < b[2] || *maxLat < b[3] ||
				b[0]-*minLon > 1e-4 || b[1]-*minLat > 1e-4 || *maxLon-b[2] > 1e-4 || *maxLat-b[3] > 1e-4 {
				t.Errorf("%s: R*Tree box [%g %g %g %g], want %v", i.ID, *minLon, *minLat, *maxLon, *maxLat, b)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		var boxes int
		if err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM incidents_box").Scan(&boxes); err != nil {
			t.Fatal(err)
		}
		if points != wantPoints || others != wantOthers || boxes != wantOthers {
			t.Errorf("%d points, %d others and %d R*Tree rows, want %d, %d and %d", points, others, boxes, wantPoints, wantOthers, wantOthers)
		}
	}
	final := map[string][4]float64{}
	for _, i := range append(batch, single, moved, line) {
		final[i.ID] = i.BBox
	}
	others := 0
	for _, b := range final {
		if cellOf(b) == nil {
			others++
		}
	}
	check(len(final)-others, others)
	for _, c := range []struct {
		box  store.Box
		want []string
	}{
		{store.Box{9, 9, 11, 11}, []string{"inc_001"}},
		{store.Box{-5, -5, -5, -5}, []string{"inc_line", "inc_single"}},
		{store.Box{-4.5, -3.5, -4.5, -3.5}, []string{"inc_line"}},
	} {
		var found []string
		err = db.Append(ctx, func(tx store.AppendTx) error {
			return tx.EachIncidentMeeting(c.box, func(i truce.Incident) error {
				found = append(found, i.ID)
				return nil
			})
		})
		if err != nil || !slices.Equal(found, c.want) {
			t.Errorf("incidents meeting %v: %v, %v; want %v", c.box, found, err, c.want)
		}
	}

	// A batch with a taken id writes nothing, not even what went before the
	// taken id, though the transaction goes on and commits.
	var violations int
	countViolations := func() (n int) {
		if err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM incident_violations").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	violations = countViolations()
	withViolation := incident("inc_000a", point(1, 1))
	withViolation.Violations = []truce.Violation{{ZoneID: "zon_1", ZoneName: "Z"}}
	err = db.Append(ctx, func(tx store.AppendTx) error {
		err := tx.(*appendTx).InsertIncidents([]truce.Incident{withViolation,
			incident("inc_000b", [4]float64{1, 1, 2, 2}), incident("inc_002", point(2, 2)), incident("inc_zzz", point(3, 3))})
		if !errors.Is(err, store.ErrExists) || !strings.Contains(err.Error(), "UNIQUE") {
			t.Errorf("a taken id: %v, want store.ErrExists from a UNIQUE constraint failure", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check(len(final)-others, others)
	if n := countViolations(); n != violations {
		t.Errorf("%d violation rows after a refused batch, want %d", n, violations)
	}
	for _, id := range []string{"inc_000a", "inc_000b", "inc_zzz"} {
		if _, err := db.Incident(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s after a refused batch: %v, want not found", id, err)
		}
	}
}

// A page of one perpetrator's incidents reads them through the index on
// perpetrators when it has few, else in id order from the cursor on; both
// page through exactly the perpetrator's incidents, in id order.
func TestIncidentsByPerpetrator(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "truce.db"))
	ctx := t.Context()
	var all []truce.Incident
	for k := range 3000 {
		perp := "act_common"
		switch {
		case k%150 == 0:
			perp = "act_rare"
		case k%3 == 0:
			perp = "act_other"
		}
		all = append(all, truce.Incident{ID: fmt.Sprintf("inc_%05d", (k*7919)%3000), Owner: "us", Status: truce.IncidentReported,
			IncidentContent: truce.IncidentContent{OccurredAt: t0, Type: truce.IncidentShelling, Perpetrator: &perp, Geometry: json.RawMessage(`{}`)},
			Violations:      []truce.Violation{}, CreatedAt: t0, UpdatedAt: t0, BBox: [4]float64{1, 1, 1, 1}, Entry: 1})
	}
	if err := db.Append(ctx, func(tx store.AppendTx) error { return tx.(*appendTx).InsertIncidents(all) }); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		perp, index string
	}{
		{"act_rare", "USING COVERING INDEX incidents_perpetrator"},
		{"act_common", "USING INDEX sqlite_autoindex_incidents_1"},
		{"act_none", "USING COVERING INDEX incidents_perpetrator"},
	} {
		var want []string
		for _, i := range all {
			if *i.Perpetrator == c.perp {
				want = append(want, i.ID)
			}
		}
		slices.Sort(want)
		f := store.IncidentFilter{Perpetrator: c.perp}
		q, args, err := db.incidentsQuery(ctx, f, store.Page{Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		plan := queryPlan(t, db, q, args...)
		if !strings.Contains(plan, c.index) {
			t.Errorf("%s: plan %q, want it %s", c.perp, plan, c.index)
		}
		var got []string
		page := store.Page{Limit: 7}
		for {
			is, err := db.Incidents(ctx, f, page)
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range is {
				got = append(got, i.ID)
			}
			if len(is) < page.Limit {
				break
			}
			page.After = is[len(is)-1].ID
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: paged through %d incidents, want %d", c.perp, len(got), len(want))
		}
	}
}

// queryPlan is SQLite's plan of q, its steps joined by "; ".
func queryPlan(t *testing.T, db *DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}
