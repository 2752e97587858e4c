package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// randomBox is a point most of the time, on a band's edge or the world's
// often, else a box; small, or large enough to span more than
// maxCellRanges bands.
func randomBox(r *rand.Rand) [4]float64 {
	coord := func(lo, hi float64) float64 {
		switch r.IntN(4) {
		case 0: // on a band's edge
			return lo + float64(r.IntN(int((hi-lo)*cellsPerDegree)+1))/cellsPerDegree
		case 1:
			return []float64{lo, hi}[r.IntN(2)]
		default:
			return lo + r.Float64()*(hi-lo)
		}
	}
	lon, lat := coord(-180, 180), coord(-90, 90)
	if r.IntN(3) > 0 {
		return [4]float64{lon, lat, lon, lat}
	}
	size := []float64{0.001, 0.05, 1, 10}[r.IntN(4)]
	return [4]float64{lon, lat, min(lon+r.Float64()*size, 180), min(lat+r.Float64()*size, 90)}
}

// EachIncidentMeeting finds exactly the incidents whose boxes meet the
// query's, points by their cells and others by the R*Tree, for boxes of
// every size, on band edges and at the world's edges.
func TestIncidentsMeetingCells(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "truce.db"))
	ctx := t.Context()
	r := rand.New(rand.NewPCG(1, 2))
	var all []truce.Incident
	for k := range 3000 {
		b := randomBox(r)
		all = append(all, truce.Incident{ID: fmt.Sprintf("inc_%05d", k), Owner: "us", Status: truce.IncidentReported,
			IncidentContent: truce.IncidentContent{OccurredAt: t0, Type: truce.IncidentShelling, Geometry: json.RawMessage(`{}`)},
			Violations:      []truce.Violation{}, CreatedAt: t0, UpdatedAt: t0, BBox: b, Entry: 1})
	}
	err := db.Append(ctx, func(tx store.AppendTx) error {
		if err := tx.(*appendTx).InsertIncidents(all[:2000]); err != nil {
			return err
		}
		for _, i := range all[2000:] {
			if err := tx.PutIncident(i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for q := range 300 {
		box := store.Box(randomBox(r))
		if q%2 == 0 { // around an incident: never empty
			b := all[r.IntN(len(all))].BBox
			box = store.Box{b[0] - 0.01*float64(q%5), b[1], b[2], b[3] + 0.01*float64(q%3)}
		}
		var want, got []string
		for _, i := range all {
			if store.Box(i.BBox).Meets(box) {
				want = append(want, i.ID)
			}
		}
		err := db.Append(ctx, func(tx store.AppendTx) error {
			return tx.EachIncidentMeeting(box, func(i truce.Incident) error {
				got = append(got, i.ID)
				return nil
			})
		})
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("incidents meeting %v: %d, %v; want %d (%v, %v)", box, len(got), err, len(want), got, want)
		}
	}
}

// The query finds points through the cell index, one search per range.
func TestIncidentsMeetingPlan(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "truce.db"))
	box := store.Box{36, 35, 36.2, 35.1}
	args := append(append(append([]any{cellRanges(box)}, meetsArgs(box)...), meetsArgs(box)...), "", 10)
	got := queryPlan(t, db, qIncidentsMeeting, args...)
	for _, want := range []string{"SEARCH i USING COVERING INDEX incidents_cell (cell>? AND cell<?)", "SCAN incidents_box VIRTUAL TABLE"} {
		if !strings.Contains(got, want) {
			t.Errorf("plan %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "SCAN incidents ") || strings.Contains(got, "SCAN i ") {
		t.Errorf("plan %q reads every incident", got)
	}
}

func TestCellRanges(t *testing.T) {
	for _, c := range []struct {
		box  store.Box
		want string
	}{
		// 36.02 is in lon band 21602, 35.03 in lat band 12503.
		{store.Box{36.02, 35.03, 36.02, 35.03}, fmt.Sprintf("[[%d,%d]]", 12503<<16|21602, 12503<<16|21602)},
		{store.Box{36.02, 35.03, 36.05, 35.04}, fmt.Sprintf("[[%d,%d],[%d,%d]]", 12503<<16|21602, 12503<<16|21605, 12504<<16|21602, 12504<<16|21605)},
		{store.Box{-180, -90, -180, -90}, "[[0,0]]"},
		{store.Box{180, 90, 180, 90}, fmt.Sprintf("[[%d,%d]]", 17999<<16|35999, 17999<<16|35999)},
		{store.Box{-180, -90, 180, 90}, fmt.Sprintf("[[0,%d]]", 17999<<16|65535)},
	} {
		if got := cellRanges(c.box); got != c.want {
			t.Errorf("cellRanges(%v) = %s, want %s", c.box, got, c.want)
		}
	}
}

// Migration 00008 gives the points already stored the cells cellOf gives
// new ones, and takes them out of the R*Tree.
func TestMigrateCells(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "truce.db")
	raw, err := sql.Open("sqlite", dsn(path, ""))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := fsSub()
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 7); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	boxes := map[string][4]float64{}
	for k := range 2000 {
		id, b := fmt.Sprintf("inc_%05d", k), randomBox(r)
		boxes[id] = b
		if _, err := raw.ExecContext(ctx, `INSERT INTO incidents(id, owner, occurred_at, has_violation, min_lon, min_lat, max_lon, max_lat, entry, doc)
			VALUES (?, 'us', '2026-01-01T00:00:00.000000000Z', 0, ?, ?, ?, ?, 1, '{}')`, id, b[0], b[1], b[2], b[3]); err != nil {
			t.Fatal(err)
		}
		// As the code of version 7 wrote every incident (migration 00006).
		if _, err := raw.ExecContext(ctx, "INSERT INTO incidents_box SELECT rowid, min_lon, max_lon, min_lat, max_lat FROM incidents WHERE id = ?", id); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	db := mustOpen(t, path)
	rows, err := db.read.QueryContext(ctx, "SELECT i.id, i.cell, b.id IS NOT NULL FROM incidents i LEFT JOIN incidents_box b ON b.id = i.rowid")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id string
		var cell *int64
		var boxed bool
		if err := rows.Scan(&id, &cell, &boxed); err != nil {
			t.Fatal(err)
		}
		n++
		want := cellOf(boxes[id])
		switch {
		case want == nil && (cell != nil || !boxed):
			t.Errorf("%s %v: cell %v, R*Tree row %v; want no cell and a row", id, boxes[id], fmt.Sprint(cell), boxed)
		case want != nil && (cell == nil || *cell != want.(int64) || boxed):
			t.Errorf("%s %v: cell %v, R*Tree row %v; want cell %d and no row", id, boxes[id], fmt.Sprint(cell), boxed, want)
		}
	}
	if n != len(boxes) {
		t.Errorf("%d incidents after the migration, want %d", n, len(boxes))
	}
}
