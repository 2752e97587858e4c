package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
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

// The statements of InsertIncidents. Whole chunks are inserted by one
// statement prepared with the append queries. SQLite keeps a statement
// journal (a copy of every page a statement touches) for a statement that
// writes many rows and may stop half way, and these write thousands; so
// OR FAIL (a taken id stops the statement where it is, InsertIncidents
// undoes the rest) and no explicit rowid (checking that a value given for
// it is an integer may stop the statement: with one, the journal cost a
// sixth of the inserts; the rows take the rowids after the last in order).
// The R*Tree rows are inserted one by one for the same reason: a
// statement writing a virtual table keeps one if it writes more than a row
// (see migration 00006).
var (
	qInsertIncidents = `INSERT OR FAIL INTO incidents(id, owner, occurred_at, perpetrator, has_violation, min_lon, min_lat, max_lon, max_lat, entry, doc, cell) VALUES ` +
		placeholders(batchRows, incidentColumns)
	qInsertIncidentBox  = "INSERT INTO incidents_box VALUES (?, ?, ?, ?, ?)"
	qLastIncidentRowid  = "SELECT COALESCE(MAX(rowid), 0) FROM incidents"
	qLastViolationRowid = "SELECT COALESCE(MAX(rowid), 0) FROM incident_violations"
	qInsertViolations   = `INSERT OR FAIL INTO incident_violations(incident_id, zone_id, answerable_party, perpetrator, occurred_at, week,
		by_perpetrator, by_answerable_party, by_zone) VALUES `
)

// incidentColumns is the number of incidentArgs.
const incidentColumns = 12

// InsertIncidents writes new released incidents with their violation
// rows: PutIncident for each, in fewer statements. The incidents'
// documents are encoded ahead of the inserts (encodedChunks). If an id is
// taken, it writes nothing and returns an error wrapping store.ErrExists:
// the index on ids finds it as it inserts, so the fold need not look each
// id up beforehand.
func (t *appendTx) InsertIncidents(is []truce.Incident) error {
	// In id order, so that the inserts into the id index walk it once from
	// left to right instead of jumping about it.
	is = slices.Clone(is)
	slices.SortFunc(is, func(a, b truce.Incident) int { return strings.Compare(a.ID, b.ID) })
	q := txQuerier{t}
	var rowid, vrowid int64
	if err := q.QueryRowContext(t.ctx, qLastIncidentRowid).Scan(&rowid); err != nil {
		return fmt.Errorf("sqlite: last incident rowid: %w", err)
	}
	if err := q.QueryRowContext(t.ctx, qLastViolationRowid).Scan(&vrowid); err != nil {
		return fmt.Errorf("sqlite: last violation rowid: %w", err)
	}
	err := t.insertIncidents(is, rowid)
	if err == nil || !strings.Contains(err.Error(), "UNIQUE constraint failed: incidents.id") {
		return err
	}
	// Undo this call's rows, which took the rowids after those before it
	// (OR FAIL keeps the rows a failing statement wrote before the failing
	// one; the delete trigger takes their R*Tree rows).
	if _, uerr := t.tx.ExecContext(t.ctx, "DELETE FROM incidents WHERE rowid > ?", rowid); uerr != nil {
		return fmt.Errorf("sqlite: undo insert incidents: %w", uerr)
	}
	if _, uerr := t.tx.ExecContext(t.ctx, "DELETE FROM incident_violations WHERE rowid > ?", vrowid); uerr != nil {
		return fmt.Errorf("sqlite: undo insert incident violations: %w", uerr)
	}
	return fmt.Errorf("%w: %w", store.ErrExists, err)
}

func (t *appendTx) insertIncidents(is []truce.Incident, rowid int64) error {
	q := txQuerier{t}
	chunks := newEncodedChunks(is)
	defer chunks.stop()
	go chunks.help()
	for k := range chunks.out {
		c, err := chunks.get(k)
		if err != nil {
			return err
		}
		rows := len(c.args) / incidentColumns
		query := qInsertIncidents
		if rows != batchRows {
			query = qInsertIncidents[:strings.Index(qInsertIncidents, "VALUES ")+len("VALUES ")] + placeholders(rows, incidentColumns)
		}
		if _, err := q.ExecContext(t.ctx, query, c.args...); err != nil {
			return fmt.Errorf("sqlite: insert incidents: %w", err)
		}
		for j := range rows {
			// min_lon, min_lat, max_lon, max_lat at 5 to 8, and the cell
			// of a point, which the R*Tree does not hold, at 11. The rows
			// took the rowids after the last one, in order.
			a := c.args[incidentColumns*j:]
			if a[11] != nil {
				continue
			}
			id := rowid + int64(k*batchRows+j) + 1
			if _, err := q.ExecContext(t.ctx, qInsertIncidentBox, id, a[5], a[7], a[6], a[8]); err != nil {
				return fmt.Errorf("sqlite: insert incident box: %w", err)
			}
		}
		for vs := 0; vs < len(c.vrows); vs += batchRows {
			vpart := c.vrows[vs:min(len(c.vrows), vs+batchRows)]
			vargs := make([]any, 0, 9*len(vpart))
			for _, r := range vpart {
				vargs = append(vargs, r...)
			}
			if _, err := t.tx.ExecContext(t.ctx, qInsertViolations+placeholders(len(vpart), 9), vargs...); err != nil {
				return fmt.Errorf("sqlite: insert incident violations: %w", err)
			}
		}
	}
	return nil
}

// encodedChunks encodes the rows of InsertIncidents a chunk at a time, in
// a helper goroutine and in the inserting one: the inserting goroutine
// encodes the next chunk no one has taken rather than wait for the helper,
// which on a busy machine may not get a core in time.
type encodedChunks struct {
	is      []truce.Incident
	out     []encodedChunk
	ready   []chan struct{}
	next    atomic.Int64 // the next chunk to take
	stopped atomic.Bool
}

type encodedChunk struct {
	args  []any // incidentArgs, row after row
	vrows [][]any
	err   error
}

func newEncodedChunks(is []truce.Incident) *encodedChunks {
	n := (len(is) + batchRows - 1) / batchRows
	c := &encodedChunks{is: is, out: make([]encodedChunk, n), ready: make([]chan struct{}, n)}
	for k := range c.ready {
		c.ready[k] = make(chan struct{})
	}
	return c
}

// take encodes the next chunk no one has taken; false when none is left.
func (c *encodedChunks) take() bool {
	if c.stopped.Load() {
		return false
	}
	k := int(c.next.Add(1) - 1)
	if k >= len(c.out) {
		return false
	}
	start := k * batchRows
	part := c.is[start:min(len(c.is), start+batchRows)]
	out := encodedChunk{args: make([]any, 0, incidentColumns*len(part))}
	for _, i := range part {
		a, err := incidentArgs(i)
		if err != nil {
			out.err = fmt.Errorf("sqlite: insert incident %q: %w", i.ID, err)
			break
		}
		out.args = append(out.args, a...)
		out.vrows = append(out.vrows, violationRows(i)...)
	}
	c.out[k] = out
	close(c.ready[k])
	return true
}

func (c *encodedChunks) help() {
	for c.take() {
	}
}

func (c *encodedChunks) stop() { c.stopped.Store(true) }

// get returns chunk k, encoding others meanwhile if it is not ready.
func (c *encodedChunks) get(k int) (encodedChunk, error) {
	for {
		select {
		case <-c.ready[k]:
			return c.out[k], c.out[k].err
		default:
		}
		if !c.take() {
			<-c.ready[k]
			return c.out[k], c.out[k].err
		}
	}
}

// ExistingIncidents says which of ids are released incidents.
func (db *DB) ExistingIncidents(ctx context.Context, ids []string) (map[string]bool, error) {
	return existingIDs(ctx, db.read, "incidents", "", ids)
}

// ExistingIncidentDrafts says which of ids are incident drafts of owner.
// A party with no incident drafts, as most are when they import, is told
// so by one look at the index instead of one per id.
func (db *DB) ExistingIncidentDrafts(ctx context.Context, owner string, ids []string) (map[string]bool, error) {
	var some bool
	err := db.read.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM incident_drafts WHERE owner = ?)", owner).Scan(&some)
	if err != nil {
		return nil, fmt.Errorf("sqlite: existing incident_drafts: %w", err)
	}
	if !some {
		return map[string]bool{}, nil
	}
	return existingIDs(ctx, db.read, "incident_drafts", owner, ids)
}
