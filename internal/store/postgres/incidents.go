package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

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

func (p projection) ZonesMeeting(box store.Box) ([]truce.Zone, error) {
	var w where
	w.bbox(&box)
	return listDocs[truce.Zone](p.ctx, p.q, "zones meeting a box", nil, "SELECT doc FROM zones"+w.String()+" ORDER BY id", w.args...)
}

func (p projection) GetIncident(id string) (truce.Incident, error) {
	return getDoc[truce.Incident](p, fmt.Sprintf("incident %q", id), "SELECT doc FROM incidents WHERE id = $1", id)
}

// orEmpty is *s, or "" for nil.
func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// qPutIncident writes an incident and replaces its violation rows in one
// statement. The delete and the insert see the same snapshot: the delete
// removes the old rows only.
const qPutIncident = `WITH i AS (
	INSERT INTO incidents(id, owner, occurred_at, perpetrator, has_violation, min_lon, min_lat, max_lon, max_lat, entry, doc)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
	ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, occurred_at = excluded.occurred_at,
		perpetrator = excluded.perpetrator, has_violation = excluded.has_violation,
		min_lon = excluded.min_lon, min_lat = excluded.min_lat, max_lon = excluded.max_lon, max_lat = excluded.max_lat,
		entry = excluded.entry, doc = excluded.doc
), d AS (
	DELETE FROM incident_violations WHERE incident_id = $1
)
INSERT INTO incident_violations(incident_id, zone_id, answerable_party, perpetrator, occurred_at, week,
	by_perpetrator, by_answerable_party, by_zone)
SELECT $1, v.zone_id, v.answerable_party, $12, $3, $13, v.by_perpetrator, v.by_answerable_party, v.by_zone
FROM unnest($14::text[], $15::text[], $16::boolean[], $17::boolean[], $18::boolean[])
	AS v(zone_id, answerable_party, by_perpetrator, by_answerable_party, by_zone)`

// incidentArgs are the arguments of qPutIncident for i: its incidents row,
// then its violation rows' perpetrator and week and, as arrays, their
// zones, answerable parties and by_ marks of the incident's first row with
// each key (see 00003). It refuses text PostgreSQL cannot store.
func incidentArgs(i truce.Incident) ([]any, error) {
	text := []string{"id", i.ID, "owner", i.Owner}
	if i.Perpetrator != nil {
		text = append(text, "perpetrator", *i.Perpetrator)
	}
	n := len(i.Violations)
	zones, parties := make([]string, n), make([]string, n)
	byPerpetrator, byParty, byZone := make([]bool, n), make([]bool, n), make([]bool, n)
	seenParty, seenZone := map[string]bool{}, map[string]bool{}
	for k, v := range i.Violations {
		zones[k], parties[k] = v.ZoneID, orEmpty(v.AnswerableParty)
		byPerpetrator[k], byParty[k], byZone[k] = k == 0, !seenParty[parties[k]], !seenZone[zones[k]]
		seenParty[parties[k]], seenZone[zones[k]] = true, true
		text = append(text, "zone_id", zones[k], "answerable_party", parties[k])
	}
	if err := checkText(text...); err != nil {
		return nil, err
	}
	doc, err := json.Marshal(i)
	if err != nil {
		return nil, err
	}
	b := i.BBox
	return []any{i.ID, i.Owner, i.OccurredAt, i.Perpetrator, n > 0, b[0], b[1], b[2], b[3], i.Entry, doc,
		orEmpty(i.Perpetrator), truce.WeekStart(i.OccurredAt), zones, parties, byPerpetrator, byParty, byZone}, nil
}

func (p projection) PutIncident(i truce.Incident) error {
	args, err := incidentArgs(i)
	if err != nil {
		return fmt.Errorf("postgres: put incident %q: %w", i.ID, err)
	}
	if _, err := p.q.Exec(p.ctx, qPutIncident, args...); err != nil {
		return fmt.Errorf("postgres: put incident %q: %w", i.ID, err)
	}
	return nil
}

// EachIncidentMeeting reads pageRows incidents per query and calls fn
// after each page is read whole: fn may write through the same
// transaction, which cannot run a query while another one's rows are open.
func (p projection) EachIncidentMeeting(box store.Box, fn func(truce.Incident) error) error {
	after := ""
	for {
		var w where
		w.bbox(&box)
		w.add("id > " + w.arg(after))
		q := "SELECT doc FROM incidents" + w.String() + " ORDER BY id LIMIT " + w.arg(pageRows)
		page, err := listDocs[truce.Incident](p.ctx, p.q, "incidents meeting a box", nil, q, w.args...)
		if err != nil {
			return err
		}
		for _, i := range page {
			if err := fn(i); err != nil {
				return err
			}
		}
		if len(page) < pageRows {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

func (p projection) GetCommitment(id string) (truce.Commitment, error) {
	return getDoc[truce.Commitment](p, fmt.Sprintf("commitment %q", id), "SELECT doc FROM commitments WHERE id = $1", id)
}

const qPutCommitment = `INSERT INTO commitments(id, party, entry, doc) VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO UPDATE SET party = excluded.party, entry = excluded.entry, doc = excluded.doc`

func (p projection) PutCommitment(c truce.Commitment) error {
	return putDoc(p, fmt.Sprintf("commitment %q", c.ID), []string{"id", c.ID, "party", c.Party}, c, qPutCommitment, c.ID, c.Party, c.Entry)
}

func (p projection) CommitmentsBy(party string) ([]truce.Commitment, error) {
	if !storable(party) {
		return nil, nil
	}
	return listDocs[truce.Commitment](p.ctx, p.q, fmt.Sprintf("commitments of %q", party), nil,
		"SELECT doc FROM commitments WHERE party = $1 ORDER BY id", party)
}

func (p projection) GetStep(id string) (truce.Step, error) {
	return getDoc[truce.Step](p, fmt.Sprintf("step %q", id), "SELECT doc FROM steps WHERE id = $1", id)
}

func (p projection) PutStep(s truce.Step) error {
	return putDoc(p, fmt.Sprintf("step %q", s.ID), []string{"id", s.ID}, s, `INSERT INTO steps(id, entry, doc) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET entry = excluded.entry, doc = excluded.doc`, s.ID, s.Entry)
}

// incidents keeps the incidents (or drafts) that f selects; false when no
// stored row can match.
func (w *where) incidents(f store.IncidentFilter) bool {
	if f.From != nil {
		w.add("occurred_at >= " + w.arg(*f.From))
	}
	if f.Until != nil {
		w.add("occurred_at < " + w.arg(*f.Until))
	}
	w.bbox(f.BBox)
	if f.Violation != nil {
		w.add("has_violation = " + w.arg(*f.Violation))
	}
	return f.Perpetrator == "" || w.key("perpetrator", f.Perpetrator)
}

func (db *DB) Incident(ctx context.Context, id string) (truce.Incident, error) {
	return db.reader(ctx).GetIncident(id)
}

func (db *DB) Incidents(ctx context.Context, f store.IncidentFilter, page store.Page) ([]truce.Incident, error) {
	var w where
	if !w.incidents(f) {
		return nil, nil
	}
	q, args := w.page("SELECT doc FROM incidents", page)
	return listDocs[truce.Incident](ctx, db.pool, "incidents", nil, q, args...)
}

// statsKeys are the incident_violations columns of each statistics key:
// the key's, and the one that marks the rows counted by it.
var statsKeys = map[string]struct{ col, counted string }{
	store.ByPerpetrator:     {"perpetrator", "by_perpetrator"},
	store.ByAnswerableParty: {"answerable_party", "by_answerable_party"},
	store.ByZone:            {"zone_id", "by_zone"},
}

// qIndexCosts lowers random_page_cost to 1.1 for the rest of the
// transaction, where it is higher and the setting exists. At the default
// of 4, made for disks, the planner prices a count's index-only scan
// along the key's partial index, already in the answer's order, above a
// parallel hash aggregate of the whole table, which measures up to twice
// as slow on a million incidents (BenchmarkViolationCounts); 1.1 is the
// usual setting for SSDs and for data in cache.
const qIndexCosts = `SELECT set_config('random_page_cost', '1.1', true)
WHERE current_setting('random_page_cost', true)::float8 > 1.1`

// ViolationCounts counts the rows marked for f.By, one per incident and
// key, in a read-only transaction planned with qIndexCosts.
func (db *DB) ViolationCounts(ctx context.Context, f store.StatsFilter) ([]store.Count, error) {
	key, ok := statsKeys[f.By]
	if !ok {
		return nil, fmt.Errorf("postgres: violation counts by %q: unknown key", f.By)
	}
	var w where
	w.add(key.counted)
	if f.From != nil {
		w.add("occurred_at >= " + w.arg(*f.From))
	}
	if f.Until != nil {
		w.add("occurred_at < " + w.arg(*f.Until))
	}
	q := "SELECT " + key.col + ", week, COUNT(*) FROM incident_violations" + w.String() +
		" GROUP BY " + key.col + ", week ORDER BY " + key.col + ", week"
	var out []store.Count
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, qIndexCosts); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, q, w.args...)
		if err != nil {
			return err
		}
		out, err = pgx.AppendRows(out, rows, func(r pgx.CollectableRow) (store.Count, error) {
			var c store.Count
			err := r.Scan(&c.Key, &c.Week, &c.Count)
			c.Week = utc(c.Week)
			return c, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: violation counts by %s: %w", f.By, err)
	}
	return out, nil
}

func (db *DB) Commitment(ctx context.Context, id string) (truce.Commitment, error) {
	return db.reader(ctx).GetCommitment(id)
}

func (db *DB) Commitments(ctx context.Context, page store.Page) ([]truce.Commitment, error) {
	var w where
	q, args := w.page("SELECT doc FROM commitments", page)
	return listDocs[truce.Commitment](ctx, db.pool, "commitments", nil, q, args...)
}

func (db *DB) Step(ctx context.Context, id string) (truce.Step, error) {
	return db.reader(ctx).GetStep(id)
}

func (db *DB) Steps(ctx context.Context, page store.Page) ([]truce.Step, error) {
	var w where
	q, args := w.page("SELECT doc FROM steps", page)
	return listDocs[truce.Step](ctx, db.pool, "steps", nil, q, args...)
}

// snapshotIncidents reads the incidents, commitments and steps of a
// snapshot, by id, through the snapshot's transaction.
func snapshotIncidents(ctx context.Context, tx pgx.Tx, s *store.Snapshot) error {
	var err error
	if s.Incidents, err = listDocs[truce.Incident](ctx, tx, "snapshot incidents", nil, "SELECT doc FROM incidents ORDER BY id"); err != nil {
		return err
	}
	if s.Commitments, err = listDocs[truce.Commitment](ctx, tx, "snapshot commitments", nil, "SELECT doc FROM commitments ORDER BY id"); err != nil {
		return err
	}
	s.Steps, err = listDocs[truce.Step](ctx, tx, "snapshot steps", nil, "SELECT doc FROM steps ORDER BY id")
	return err
}
