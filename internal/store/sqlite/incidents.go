package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// Incidents, commitments and steps are stored whole, as zones are (see
// zones.go and 00003_incidents.sql). A released incident's violations are
// also rows of incident_violations, rewritten with the incident, which the
// statistics count.

func (t *appendTx) ZonesMeeting(box store.Box) ([]truce.Zone, error) {
	return t.proj().ZonesMeeting(box)
}
func (t *appendTx) GetIncident(id string) (truce.Incident, error) { return t.proj().GetIncident(id) }
func (t *appendTx) PutIncident(i truce.Incident) error            { return t.proj().PutIncident(i) }
func (t *appendTx) EachIncidentMeeting(box store.Box, fn func(truce.Incident) error) error {
	return t.proj().EachIncidentMeeting(box, fn)
}
func (t *appendTx) GetCommitment(id string) (truce.Commitment, error) {
	return t.proj().GetCommitment(id)
}
func (t *appendTx) PutCommitment(c truce.Commitment) error { return t.proj().PutCommitment(c) }
func (t *appendTx) CommitmentsBy(party string) ([]truce.Commitment, error) {
	return t.proj().CommitmentsBy(party)
}
func (t *appendTx) GetStep(id string) (truce.Step, error) { return t.proj().GetStep(id) }
func (t *appendTx) PutStep(s truce.Step) error            { return t.proj().PutStep(s) }

// meetsBox keeps the rows whose box meets the box of its arguments, given
// as max lon, min lon, max lat, min lat (store.Box.Meets: closed intervals).
const meetsBox = "min_lon <= ? AND ? <= max_lon AND min_lat <= ? AND ? <= max_lat"

func meetsArgs(b store.Box) []any { return []any{b[2], b[0], b[3], b[1]} }

const (
	meetsIndexedZones = "rowid IN (SELECT id FROM zones_box WHERE " + meetsBox + ") AND " + meetsBox
	// Points by their cells (cellRanges, the first argument), the others
	// by the R*Tree.
	meetsIndexedIncidents = `rowid IN (SELECT i.rowid FROM json_each(?) AS r, incidents AS i
		WHERE i.cell BETWEEN r.value ->> 0 AND r.value ->> 1
		UNION ALL SELECT id FROM incidents_box WHERE ` + meetsBox + ") AND " + meetsBox
)

// Queries of the projection, prepared with the other append queries.
const (
	qZonesMeeting = "SELECT doc FROM zones WHERE " + meetsIndexedZones + " ORDER BY id"
	qGetIncident  = "SELECT doc FROM incidents WHERE id = ?"
	qPutIncident  = `INSERT INTO incidents(id, owner, occurred_at, perpetrator, has_violation, min_lon, min_lat, max_lon, max_lat, entry, doc, cell)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, occurred_at = excluded.occurred_at,
		perpetrator = excluded.perpetrator, has_violation = excluded.has_violation,
		min_lon = excluded.min_lon, min_lat = excluded.min_lat, max_lon = excluded.max_lon, max_lat = excluded.max_lat,
		entry = excluded.entry, doc = excluded.doc, cell = excluded.cell`
	// The R*Tree row of an incident just written, or none if it is a point
	// (see migrations 00006 and 00008).
	qPutIncidentBox   = "INSERT OR REPLACE INTO incidents_box SELECT rowid, min_lon, max_lon, min_lat, max_lat FROM incidents WHERE id = ?"
	qDropIncidentBox  = "DELETE FROM incidents_box WHERE id = (SELECT rowid FROM incidents WHERE id = ?)"
	qDeleteViolations = "DELETE FROM incident_violations WHERE incident_id = ?"
	qPutViolation     = `INSERT INTO incident_violations(incident_id, zone_id, answerable_party, perpetrator, occurred_at, week,
		by_perpetrator, by_answerable_party, by_zone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qIncidentsMeeting = "SELECT doc FROM incidents WHERE " + meetsIndexedIncidents + " AND id > ? ORDER BY id LIMIT ?"
	qGetCommitment    = "SELECT doc FROM commitments WHERE id = ?"
	qPutCommitment    = `INSERT INTO commitments(id, party, entry, doc) VALUES (?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET party = excluded.party, entry = excluded.entry, doc = excluded.doc`
	qCommitmentsBy = "SELECT doc FROM commitments WHERE party = ? ORDER BY id"
	qGetStep       = "SELECT doc FROM steps WHERE id = ?"
	qPutStep       = `INSERT INTO steps(id, entry, doc) VALUES (?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET entry = excluded.entry, doc = excluded.doc`
)

// incidentPage is how many incidents EachIncidentMeeting reads per query:
// it reads each page whole before calling fn, which may write through the
// same transaction.
const incidentPage = 500

func (p projection) ZonesMeeting(box store.Box) ([]truce.Zone, error) {
	args := meetsArgs(box)
	return listDocs[truce.Zone](p.ctx, p.q, "zones meeting a box", nil, qZonesMeeting, append(args, args...)...)
}

func (p projection) GetIncident(id string) (truce.Incident, error) {
	var i truce.Incident
	err := readDoc(p.ctx, p.q, &i, fmt.Sprintf("incident %q", id), qGetIncident, id)
	return i, err
}

// orEmpty is *s, or "" for nil.
func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// violationRows are the incident_violations rows of i, one per violation,
// each in the columns' order. Their times are Unix microseconds, and the by_
// columns mark the incident's first row with each key (see 00003).
func violationRows(i truce.Incident) [][]any {
	perp, at, week := orEmpty(i.Perpetrator), i.OccurredAt.UnixMicro(), truce.WeekStart(i.OccurredAt).UnixMicro()
	parties, zones := map[string]bool{}, map[string]bool{}
	rows := make([][]any, len(i.Violations))
	for k, v := range i.Violations {
		party := orEmpty(v.AnswerableParty)
		rows[k] = []any{i.ID, v.ZoneID, party, perp, at, week, k == 0, !parties[party], !zones[v.ZoneID]}
		parties[party], zones[v.ZoneID] = true, true
	}
	return rows
}

// incidentArgs are the incidents row of i in the columns' order.
func incidentArgs(i truce.Incident) ([]any, error) {
	doc, err := json.Marshal(i)
	if err != nil {
		return nil, err
	}
	b := i.BBox
	return []any{i.ID, i.Owner, formatTime(i.OccurredAt), i.Perpetrator, len(i.Violations) > 0,
		b[0], b[1], b[2], b[3], i.Entry, string(doc), cellOf(b)}, nil
}

// PutIncident writes the incident and replaces its violation rows.
func (p projection) PutIncident(i truce.Incident) error {
	args, err := incidentArgs(i)
	if err != nil {
		return fmt.Errorf("sqlite: put incident %q: %w", i.ID, err)
	}
	if _, err := p.q.ExecContext(p.ctx, qPutIncident, args...); err != nil {
		return fmt.Errorf("sqlite: put incident %q: %w", i.ID, err)
	}
	box := qPutIncidentBox
	if args[len(args)-1] != nil { // a point: its cell, not the R*Tree
		box = qDropIncidentBox
	}
	if _, err := p.q.ExecContext(p.ctx, box, i.ID); err != nil {
		return fmt.Errorf("sqlite: put incident %q box: %w", i.ID, err)
	}
	if _, err := p.q.ExecContext(p.ctx, qDeleteViolations, i.ID); err != nil {
		return fmt.Errorf("sqlite: put incident %q violations: %w", i.ID, err)
	}
	for _, row := range violationRows(i) {
		if _, err := p.q.ExecContext(p.ctx, qPutViolation, row...); err != nil {
			return fmt.Errorf("sqlite: put incident %q violations: %w", i.ID, err)
		}
	}
	return nil
}

func (p projection) EachIncidentMeeting(box store.Box, fn func(truce.Incident) error) error {
	after := ""
	for {
		page, err := listDocs[truce.Incident](p.ctx, p.q, "incidents meeting a box", nil, qIncidentsMeeting,
			append(append(append([]any{cellRanges(box)}, meetsArgs(box)...), meetsArgs(box)...), after, incidentPage)...)
		if err != nil {
			return err
		}
		for _, i := range page {
			if err := fn(i); err != nil {
				return err
			}
		}
		if len(page) < incidentPage {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

func (p projection) GetCommitment(id string) (truce.Commitment, error) {
	var c truce.Commitment
	err := readDoc(p.ctx, p.q, &c, fmt.Sprintf("commitment %q", id), qGetCommitment, id)
	return c, err
}

func (p projection) PutCommitment(c truce.Commitment) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("sqlite: put commitment %q: %w", c.ID, err)
	}
	if _, err := p.q.ExecContext(p.ctx, qPutCommitment, c.ID, c.Party, c.Entry, string(doc)); err != nil {
		return fmt.Errorf("sqlite: put commitment %q: %w", c.ID, err)
	}
	return nil
}

func (p projection) CommitmentsBy(party string) ([]truce.Commitment, error) {
	return listDocs[truce.Commitment](p.ctx, p.q, fmt.Sprintf("commitments of %q", party), nil, qCommitmentsBy, party)
}

func (p projection) GetStep(id string) (truce.Step, error) {
	var s truce.Step
	err := readDoc(p.ctx, p.q, &s, fmt.Sprintf("step %q", id), qGetStep, id)
	return s, err
}

func (p projection) PutStep(s truce.Step) error {
	doc, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("sqlite: put step %q: %w", s.ID, err)
	}
	if _, err := p.q.ExecContext(p.ctx, qPutStep, s.ID, s.Entry, string(doc)); err != nil {
		return fmt.Errorf("sqlite: put step %q: %w", s.ID, err)
	}
	return nil
}

// incidents keeps the incidents (or drafts) that f selects.
func (w *where) incidents(f store.IncidentFilter) {
	if f.From != nil {
		w.add("occurred_at >= ?", formatTime(*f.From))
	}
	if f.Until != nil {
		w.add("occurred_at < ?", formatTime(*f.Until))
	}
	w.bbox(f.BBox)
	if f.Perpetrator != "" {
		w.add("perpetrator = ?", f.Perpetrator)
	}
	if f.Violation != nil {
		w.add("has_violation = ?", *f.Violation)
	}
}

func (db *DB) Incident(ctx context.Context, id string) (truce.Incident, error) {
	return db.reader(ctx).GetIncident(id)
}

func (db *DB) Incidents(ctx context.Context, f store.IncidentFilter, page store.Page) ([]truce.Incident, error) {
	q, args, err := db.incidentsQuery(ctx, f, page)
	if err != nil {
		return nil, err
	}
	return listDocs[truce.Incident](ctx, db.read, "incidents", nil, q, args...)
}

// incidentsQuery is the query of a page of Incidents(f). The index on
// perpetrators (migration 00009) is in the order incidents were written,
// not by id, so that an import appends to it rather than writing all over
// it; a page of one perpetrator's incidents in id order either sorts the
// ids of all the perpetrator's incidents, read from that index, or reads
// the rows in id order from the cursor on, keeping the perpetrator's,
// until the page is full. The first reads what the perpetrator has from
// the index, the second about limit × incidents ÷ what the perpetrator has
// from the table, ten times dearer a row: the query takes the first when
// the perpetrator has fewer than √(10 × limit × incidents), so that a page
// costs at most about that many index entries either way.
func (db *DB) incidentsQuery(ctx context.Context, f store.IncidentFilter, page store.Page) (string, []any, error) {
	var w where
	perp := f.Perpetrator
	f.Perpetrator = ""
	w.incidents(f)
	from := "SELECT doc FROM incidents"
	if perp != "" {
		var total int64
		if err := db.read.QueryRowContext(ctx, qLastIncidentRowid).Scan(&total); err != nil {
			return "", nil, fmt.Errorf("sqlite: incidents: %w", err)
		}
		few := max(1000, int64(math.Sqrt(10*float64(max(page.Limit, 1))*float64(total))))
		var has int64
		if err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM incidents WHERE perpetrator = ? LIMIT ?)",
			perp, few).Scan(&has); err != nil {
			return "", nil, fmt.Errorf("sqlite: incidents: %w", err)
		}
		if has < few {
			// Sorted by id as rowids, then the page's documents read.
			w.add("perpetrator = ?", perp)
			q, args := w.page("SELECT rowid FROM incidents INDEXED BY incidents_perpetrator", page)
			return "SELECT doc FROM incidents WHERE rowid IN (" + q + ") ORDER BY id", args, nil
		}
		w.add("+perpetrator = ?", perp) // "+": not through the index
	}
	q, args := w.page(from, page)
	return q, args, nil
}

// statsKeys are the incident_violations columns of each statistics key:
// the key's, and the one that marks the rows counted by it.
var statsKeys = map[string]struct{ col, counted string }{
	store.ByPerpetrator:     {"perpetrator", "by_perpetrator"},
	store.ByAnswerableParty: {"answerable_party", "by_answerable_party"},
	store.ByZone:            {"zone_id", "by_zone"},
}

// countsQuery is the query of ViolationCounts(f) and its arguments: it
// counts the rows marked for f.By, one per incident and key, along the
// key's partial index, which is in the answer's order.
func countsQuery(f store.StatsFilter) (string, []any, error) {
	key, ok := statsKeys[f.By]
	if !ok {
		return "", nil, fmt.Errorf("sqlite: violation counts by %q: unknown key", f.By)
	}
	var w where
	w.add(key.counted)
	if f.From != nil {
		w.add("occurred_at >= ?", f.From.UnixMicro())
	}
	if f.Until != nil {
		w.add("occurred_at < ?", f.Until.UnixMicro())
	}
	q := "SELECT " + key.col + ", week, COUNT(*) FROM incident_violations" + w.String() +
		" GROUP BY " + key.col + ", week ORDER BY " + key.col + ", week"
	return q, w.args, nil
}

func (db *DB) ViolationCounts(ctx context.Context, f store.StatsFilter) ([]store.Count, error) {
	q, args, err := countsQuery(f)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: violation counts by %s: %w", f.By, err)
	}
	defer rows.Close()
	var out []store.Count
	for rows.Next() {
		var c store.Count
		var week int64
		if err := rows.Scan(&c.Key, &week, &c.Count); err != nil {
			return nil, fmt.Errorf("sqlite: violation counts by %s: %w", f.By, err)
		}
		c.Week = time.UnixMicro(week).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: violation counts by %s: %w", f.By, err)
	}
	return out, nil
}

func (db *DB) Commitment(ctx context.Context, id string) (truce.Commitment, error) {
	return db.reader(ctx).GetCommitment(id)
}

func (db *DB) Commitments(ctx context.Context, page store.Page) ([]truce.Commitment, error) {
	var w where
	q, args := w.page("SELECT doc FROM commitments", page)
	return listDocs[truce.Commitment](ctx, db.read, "commitments", nil, q, args...)
}

func (db *DB) Step(ctx context.Context, id string) (truce.Step, error) {
	return db.reader(ctx).GetStep(id)
}

func (db *DB) Steps(ctx context.Context, page store.Page) ([]truce.Step, error) {
	var w where
	q, args := w.page("SELECT doc FROM steps", page)
	return listDocs[truce.Step](ctx, db.read, "steps", nil, q, args...)
}

// snapshotIncidents reads the incidents, commitments and steps of a
// snapshot, by id, through the snapshot's transaction.
func snapshotIncidents(ctx context.Context, q querier, s *store.Snapshot) error {
	var err error
	if s.Incidents, err = listDocs[truce.Incident](ctx, q, "snapshot incidents", nil, "SELECT doc FROM incidents ORDER BY id"); err != nil {
		return err
	}
	if s.Commitments, err = listDocs[truce.Commitment](ctx, q, "snapshot commitments", nil, "SELECT doc FROM commitments ORDER BY id"); err != nil {
		return err
	}
	s.Steps, err = listDocs[truce.Step](ctx, q, "snapshot steps", nil, "SELECT doc FROM steps ORDER BY id")
	return err
}
