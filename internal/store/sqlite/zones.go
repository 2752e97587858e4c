package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// Zones, site commitments and notices are stored whole: doc is the item's
// JSON as encoding/json wrote it, and a read decodes the doc alone. The
// other columns are copies of fields for the queries (see 00002_zones.sql).

func (t *appendTx) Parties() ([]truce.Party, error)       { return t.proj().Parties() }
func (t *appendTx) GetZone(id string) (truce.Zone, error) { return t.proj().GetZone(id) }
func (t *appendTx) PutZone(z truce.Zone) error            { return t.proj().PutZone(z) }
func (t *appendTx) PutNotice(n truce.Notice) error        { return t.proj().PutNotice(n) }
func (t *appendTx) PutSiteCommitment(c truce.SiteCommitment) error {
	return t.proj().PutSiteCommitment(c)
}
func (t *appendTx) GetSiteCommitment(entry int64) (truce.SiteCommitment, error) {
	return t.proj().GetSiteCommitment(entry)
}

// Queries of the projection, prepared with the other append queries.
const (
	qParties = "SELECT id, name, kind, verifier_key, created_at FROM parties ORDER BY id"
	qGetZone = "SELECT doc FROM zones WHERE id = ?"
	qPutZone = `INSERT INTO zones(id, owner, status, valid_until, min_lon, min_lat, max_lon, max_lat, entry, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, status = excluded.status,
		valid_until = excluded.valid_until, min_lon = excluded.min_lon, min_lat = excluded.min_lat,
		max_lon = excluded.max_lon, max_lat = excluded.max_lat, entry = excluded.entry, doc = excluded.doc`
	qGetSiteCommitment = "SELECT doc FROM site_commitments WHERE entry = ?"
	// Creates use ON CONFLICT DO NOTHING, not OR IGNORE (which would skip
	// a NOT NULL failure too), and read a taken key from the rows affected.
	qPutSiteCommitment = "INSERT INTO site_commitments(entry, id, party, doc) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
	qPutNotice         = `INSERT INTO notices(id, party, min_lon, min_lat, max_lon, max_lat, entry, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
)

func (p projection) Parties() ([]truce.Party, error) {
	rows, err := p.q.QueryContext(p.ctx, qParties)
	if err != nil {
		return nil, fmt.Errorf("sqlite: parties: %w", err)
	}
	defer rows.Close()
	var out []truce.Party
	for rows.Next() {
		pt, err := scanParty(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: parties: %w", err)
		}
		out = append(out, pt)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: parties: %w", err)
	}
	return out, nil
}

// readDoc decodes the doc of the one row query finds into v; ErrNotFound
// (wrapped, naming what) when there is none.
func readDoc(ctx context.Context, q querier, v any, what string, query string, args ...any) error {
	var doc []byte
	err := q.QueryRowContext(ctx, query, args...).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if err := json.Unmarshal(doc, v); err != nil {
		return fmt.Errorf("sqlite: stored %s: %w", what, err)
	}
	return nil
}

// eachDoc decodes each row's doc (the first column) into a T and calls fn
// with it. With secret, the rows have a second column, a secret the JSON
// leaves out, which secret puts back. fn's error is returned as it is.
func eachDoc[T any](rows *sql.Rows, what string, secret func(*T, string), fn func(T) error) error {
	defer rows.Close()
	for rows.Next() {
		var doc []byte
		var s string
		dest := []any{&doc}
		if secret != nil {
			dest = append(dest, &s)
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("sqlite: %s: %w", what, err)
		}
		var v T
		if err := json.Unmarshal(doc, &v); err != nil {
			return fmt.Errorf("sqlite: stored %s: %w", what, err)
		}
		if secret != nil {
			secret(&v, s)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return nil
}

// listDocs runs query and collects the decoded docs.
func listDocs[T any](ctx context.Context, q querier, what string, secret func(*T, string), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	var out []T
	err = eachDoc(rows, what, secret, func(v T) error {
		out = append(out, v)
		return nil
	})
	return out, err
}

func (p projection) GetZone(id string) (truce.Zone, error) {
	var z truce.Zone
	err := readDoc(p.ctx, p.q, &z, fmt.Sprintf("zone %q", id), qGetZone, id)
	return z, err
}

// nullTime is a stored time, or NULL for nil.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}

func (p projection) PutZone(z truce.Zone) error {
	doc, err := json.Marshal(z)
	if err != nil {
		return fmt.Errorf("sqlite: put zone %q: %w", z.ID, err)
	}
	b := z.BBox
	if _, err := p.q.ExecContext(p.ctx, qPutZone, z.ID, z.Owner, string(z.Status), nullTime(z.ValidUntil),
		b[0], b[1], b[2], b[3], z.Entry, string(doc)); err != nil {
		return fmt.Errorf("sqlite: put zone %q: %w", z.ID, err)
	}
	return nil
}

func (p projection) GetSiteCommitment(entry int64) (truce.SiteCommitment, error) {
	var c truce.SiteCommitment
	err := readDoc(p.ctx, p.q, &c, fmt.Sprintf("site commitment of entry %d", entry), qGetSiteCommitment, entry)
	return c, err
}

func (p projection) PutSiteCommitment(c truce.SiteCommitment) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("sqlite: put site commitment of entry %d: %w", c.Entry, err)
	}
	res, err := p.q.ExecContext(p.ctx, qPutSiteCommitment, c.Entry, c.ID, c.Party, string(doc))
	return created(res, err, fmt.Sprintf("site commitment of entry %d", c.Entry))
}

func (p projection) PutNotice(n truce.Notice) error {
	doc, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("sqlite: put notice %q: %w", n.ID, err)
	}
	b := n.BBox
	res, err := p.q.ExecContext(p.ctx, qPutNotice, n.ID, n.Party, b[0], b[1], b[2], b[3], n.Entry, string(doc))
	return created(res, err, fmt.Sprintf("notice %q", n.ID))
}

// created answers an INSERT ... ON CONFLICT DO NOTHING: ErrExists (wrapped)
// when it inserted nothing.
func created(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrExists)
	}
	return nil
}

// where collects the conditions and arguments of a query.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) String() string { return " WHERE " + strings.Join(w.conds, " AND ") }

// bbox keeps the rows whose box meets b (store.Box.Meets: closed intervals).
func (w *where) bbox(b *store.Box) {
	if b != nil {
		w.add(meetsBox, meetsArgs(*b)...)
	}
}

// zoneStatus keeps the zones whose status read at f.Now is f.Status
// (truce.Zone.StatusAt); false when no released zone can match.
func (w *where) zoneStatus(f store.ZoneFilter) bool {
	switch {
	case f.Status == "":
	case f.Status == truce.ZoneDraft:
		return false
	case f.Status == truce.ZoneExpired:
		w.add("status IN (?, ?, ?) AND valid_until <= ?",
			string(truce.ZoneProposed), string(truce.ZoneInForce), string(truce.ZoneDisputed), formatTime(f.Now))
	case f.Status.Live():
		w.add("status = ? AND (valid_until IS NULL OR valid_until > ?)", string(f.Status), formatTime(f.Now))
	default:
		w.add("status = ?", string(f.Status))
	}
	return true
}

// page ends a query that lists by id.
func (w *where) page(query string, page store.Page) (string, []any) {
	w.add("id > ?", page.After)
	return query + w.String() + " ORDER BY id LIMIT ?", append(w.args, page.Limit)
}

func (db *DB) Zone(ctx context.Context, id string) (truce.Zone, error) {
	return db.reader(ctx).GetZone(id)
}

func (db *DB) Zones(ctx context.Context, f store.ZoneFilter, page store.Page) ([]truce.Zone, error) {
	var w where
	if !w.zones(f) {
		return nil, nil
	}
	q, args := w.page("SELECT doc FROM zones", page)
	return listDocs[truce.Zone](ctx, db.read, "zones", nil, q, args...)
}

func (db *DB) EachZone(ctx context.Context, fn func(truce.Zone) error) error {
	rows, err := db.read.QueryContext(ctx, "SELECT doc FROM zones ORDER BY id")
	if err != nil {
		return fmt.Errorf("sqlite: zones: %w", err)
	}
	return eachDoc(rows, "zones", nil, fn)
}

func (db *DB) SiteCommitment(ctx context.Context, entry int64) (truce.SiteCommitment, error) {
	return db.reader(ctx).GetSiteCommitment(entry)
}

// SiteCommitmentByID implements store.Office.
func (db *DB) SiteCommitmentByID(ctx context.Context, id string) (truce.SiteCommitment, error) {
	var c truce.SiteCommitment
	err := readDoc(ctx, db.read, &c, fmt.Sprintf("site commitment %q", id), "SELECT doc FROM site_commitments WHERE id = ?", id)
	return c, err
}

func (db *DB) Notice(ctx context.Context, id string) (truce.Notice, error) {
	var n truce.Notice
	err := readDoc(ctx, db.read, &n, fmt.Sprintf("notice %q", id), "SELECT doc FROM notices WHERE id = ?", id)
	return n, err
}

func (db *DB) Notices(ctx context.Context, f store.NoticeFilter, page store.Page) ([]truce.Notice, error) {
	var w where
	w.notices(f)
	q, args := w.page("SELECT doc FROM notices", page)
	return listDocs[truce.Notice](ctx, db.read, "notices", nil, q, args...)
}

// snapshotZones reads the zones, site commitments and notices of a
// snapshot, in its order, through the snapshot's transaction.
func snapshotZones(ctx context.Context, tx *sql.Tx, s *store.Snapshot) error {
	var err error
	if s.Zones, err = listDocs[truce.Zone](ctx, tx, "snapshot zones", nil, "SELECT doc FROM zones ORDER BY id"); err != nil {
		return err
	}
	if s.SiteCommitments, err = listDocs[truce.SiteCommitment](ctx, tx, "snapshot site commitments", nil, "SELECT doc FROM site_commitments ORDER BY entry"); err != nil {
		return err
	}
	s.Notices, err = listDocs[truce.Notice](ctx, tx, "snapshot notices", nil, "SELECT doc FROM notices ORDER BY id")
	return err
}
