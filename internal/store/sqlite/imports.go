package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/truce-org/truce"
)

// Batched forms of the incident reads and writes, for imports of many
// reports at once (office's incident.import fold and the ACLED importer
// find them by interface; other stores are used row by row).

// batchRows bounds the rows of one multi-row statement.
const batchRows = 50

func placeholders(n, per int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", per), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

func existingIDs(ctx context.Context, q querier, table, owner string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(len(ids), start+500)]
		query := "SELECT id FROM " + table + " WHERE id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ") + ")"
		args := make([]any, 0, len(part)+1)
		for _, id := range part {
			args = append(args, id)
		}
		if owner != "" {
			query += " AND owner = ?"
			args = append(args, owner)
		}
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: existing %s: %w", table, err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlite: existing %s: %w", table, err)
			}
			out[id] = true
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("sqlite: existing %s: %w", table, err)
		}
	}
	return out, nil
}

// ExistingIncidents says which of ids are released incidents.
func (t *appendTx) ExistingIncidents(ids []string) (map[string]bool, error) {
	return existingIDs(t.ctx, t.tx, "incidents", "", ids)
}

// InsertIncidents writes new released incidents (ids not yet in the
// projection) with their violation rows: PutIncident for each, in fewer
// statements.
func (t *appendTx) InsertIncidents(is []truce.Incident) error {
	// In id order, so that the inserts into the id index walk it once from
	// left to right instead of jumping about it.
	is = slices.Clone(is)
	slices.SortFunc(is, func(a, b truce.Incident) int { return strings.Compare(a.ID, b.ID) })
	for start := 0; start < len(is); start += batchRows {
		part := is[start:min(len(is), start+batchRows)]
		args := make([]any, 0, 11*len(part))
		var vrows [][]any
		for _, i := range part {
			a, err := incidentArgs(i)
			if err != nil {
				return fmt.Errorf("sqlite: insert incident %q: %w", i.ID, err)
			}
			args = append(args, a...)
			vrows = append(vrows, violationRows(i)...)
		}
		q := `INSERT INTO incidents(id, owner, occurred_at, perpetrator, has_violation, min_lon, min_lat, max_lon, max_lat, entry, doc) VALUES ` +
			placeholders(len(part), 11)
		if _, err := t.tx.ExecContext(t.ctx, q, args...); err != nil {
			return fmt.Errorf("sqlite: insert incidents: %w", err)
		}
		for vs := 0; vs < len(vrows); vs += batchRows {
			vpart := vrows[vs:min(len(vrows), vs+batchRows)]
			vargs := make([]any, 0, 9*len(vpart))
			for _, r := range vpart {
				vargs = append(vargs, r...)
			}
			q := `INSERT INTO incident_violations(incident_id, zone_id, answerable_party, perpetrator, occurred_at, week,
				by_perpetrator, by_answerable_party, by_zone) VALUES ` + placeholders(len(vpart), 9)
			if _, err := t.tx.ExecContext(t.ctx, q, vargs...); err != nil {
				return fmt.Errorf("sqlite: insert incident violations: %w", err)
			}
		}
	}
	return nil
}

// ExistingIncidents says which of ids are released incidents.
func (db *DB) ExistingIncidents(ctx context.Context, ids []string) (map[string]bool, error) {
	return existingIDs(ctx, db.read, "incidents", "", ids)
}

// ExistingIncidentDrafts says which of ids are incident drafts of owner.
func (db *DB) ExistingIncidentDrafts(ctx context.Context, owner string, ids []string) (map[string]bool, error) {
	return existingIDs(ctx, db.read, "incident_drafts", owner, ids)
}
