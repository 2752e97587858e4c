package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// Zones, site commitments and notices are stored whole: doc is the item's
// JSON as encoding/json wrote it, in a bytea so that it reads back byte for
// byte, and a read decodes the doc alone. The other columns are copies of
// fields for the queries (see 00002_zones.sql).

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

func (p projection) Parties() ([]truce.Party, error) {
	rows, err := p.q.Query(p.ctx, "SELECT "+partyColumns+" FROM parties ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("postgres: parties: %w", err)
	}
	out, err := pgx.AppendRows([]truce.Party(nil), rows, func(r pgx.CollectableRow) (truce.Party, error) { return scanParty(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: parties: %w", err)
	}
	return out, nil
}

// readDoc decodes the doc of the one row query finds into v; ErrNotFound
// (wrapped, naming what) when there is none.
func readDoc(ctx context.Context, q querier, v any, what string, query string, args ...any) error {
	var doc []byte
	err := q.QueryRow(ctx, query, args...).Scan(&doc)
	if notFound(err) {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	if err := json.Unmarshal(doc, v); err != nil {
		return fmt.Errorf("postgres: stored %s: %w", what, err)
	}
	return nil
}

// getDoc reads the projection's item whose key is key: the doc of the one
// row query finds with it. ErrNotFound (naming what) when there is none, and
// for a key PostgreSQL cannot hold, without a query: nothing stored has it.
func getDoc[T any](p projection, what, query, key string) (T, error) {
	var v T
	if !storable(key) {
		return v, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	err := readDoc(p.ctx, p.q, &v, what, query, key)
	return v, err
}

// putDoc writes a projection's item with query (an upsert), whose
// arguments are args then v's JSON, the doc; text are checkText's pairs of
// the text columns, refused before anything is sent.
func putDoc(p projection, what string, text []string, v any, query string, args ...any) error {
	if err := checkText(text...); err != nil {
		return fmt.Errorf("postgres: put %s: %w", what, err)
	}
	doc, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("postgres: put %s: %w", what, err)
	}
	if _, err := p.q.Exec(p.ctx, query, append(args, doc)...); err != nil {
		return fmt.Errorf("postgres: put %s: %w", what, err)
	}
	return nil
}

// scanDoc reads one row of a doc (and, with secret, a secret the JSON
// leaves out, which secret puts back) after the columns of extra.
func scanDoc[T any](row pgx.Row, secret func(*T, string), extra ...any) (T, error) {
	var v T
	var doc []byte
	var s string
	dest := append(extra, &doc)
	if secret != nil {
		dest = append(dest, &s)
	}
	if err := row.Scan(dest...); err != nil {
		return v, err
	}
	if err := json.Unmarshal(doc, &v); err != nil {
		return v, fmt.Errorf("stored doc: %w", err)
	}
	if secret != nil {
		secret(&v, s)
	}
	return v, nil
}

// listDocs runs query, whose columns are doc and, with secret, the
// secret, and collects the decoded docs.
func listDocs[T any](ctx context.Context, q querier, what string, secret func(*T, string), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, err)
	}
	out, err := pgx.AppendRows([]T(nil), rows, func(r pgx.CollectableRow) (T, error) { return scanDoc(r, secret) })
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, err)
	}
	return out, nil
}

// eachDoc calls fn with every row of table in id order, pageRows rows per
// query: a caller that stops early leaves at most a page unread, and no
// connection is held while fn runs. cols are doc and, with secret, the
// secret. fn's error is returned as it is.
func eachDoc[T any](ctx context.Context, q querier, table, cols string, secret func(*T, string), fn func(T) error) error {
	after := ""
	for {
		rows, err := q.Query(ctx, "SELECT id, "+cols+" FROM "+table+" WHERE id > $1 ORDER BY id LIMIT $2", after, pageRows)
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", table, err)
		}
		page, err := pgx.AppendRows(make([]T, 0, pageRows), rows, func(r pgx.CollectableRow) (T, error) {
			return scanDoc(r, secret, &after)
		})
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", table, err)
		}
		for _, v := range page {
			if err := fn(v); err != nil {
				return err
			}
		}
		if len(page) < pageRows {
			return nil
		}
	}
}

func (p projection) GetZone(id string) (truce.Zone, error) {
	return getDoc[truce.Zone](p, fmt.Sprintf("zone %q", id), "SELECT doc FROM zones WHERE id = $1", id)
}

const qPutZone = `INSERT INTO zones(id, owner, status, valid_until, min_lon, min_lat, max_lon, max_lat, entry, doc)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, status = excluded.status,
	valid_until = excluded.valid_until, min_lon = excluded.min_lon, min_lat = excluded.min_lat,
	max_lon = excluded.max_lon, max_lat = excluded.max_lat, entry = excluded.entry, doc = excluded.doc`

func (p projection) PutZone(z truce.Zone) error {
	if err := checkText("id", z.ID, "owner", z.Owner, "status", string(z.Status)); err != nil {
		return fmt.Errorf("postgres: put zone %q: %w", z.ID, err)
	}
	doc, err := json.Marshal(z)
	if err != nil {
		return fmt.Errorf("postgres: put zone %q: %w", z.ID, err)
	}
	b := z.BBox
	if _, err := p.q.Exec(p.ctx, qPutZone, z.ID, z.Owner, string(z.Status), z.ValidUntil,
		b[0], b[1], b[2], b[3], z.Entry, doc); err != nil {
		return fmt.Errorf("postgres: put zone %q: %w", z.ID, err)
	}
	return nil
}

func (p projection) GetSiteCommitment(entry int64) (truce.SiteCommitment, error) {
	var c truce.SiteCommitment
	err := readDoc(p.ctx, p.q, &c, fmt.Sprintf("site commitment of entry %d", entry),
		"SELECT doc FROM site_commitments WHERE entry = $1", entry)
	return c, err
}

// Creates insert with ON CONFLICT DO NOTHING and read a taken key from
// the rows affected: a unique violation would abort the append's whole
// transaction, and the fold goes on after a refused entry.

func (p projection) PutSiteCommitment(c truce.SiteCommitment) error {
	what := fmt.Sprintf("site commitment of entry %d", c.Entry)
	if err := checkText("id", c.ID, "party", c.Party); err != nil {
		return fmt.Errorf("postgres: create %s: %w", what, err)
	}
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("postgres: create %s: %w", what, err)
	}
	tag, err := p.q.Exec(p.ctx, "INSERT INTO site_commitments(entry, id, party, doc) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
		c.Entry, c.ID, c.Party, doc)
	return created(tag, err, what)
}

func (p projection) PutNotice(n truce.Notice) error {
	what := fmt.Sprintf("notice %q", n.ID)
	if err := checkText("id", n.ID, "party", n.Party); err != nil {
		return fmt.Errorf("postgres: create %s: %w", what, err)
	}
	doc, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("postgres: create %s: %w", what, err)
	}
	b := n.BBox
	tag, err := p.q.Exec(p.ctx, `INSERT INTO notices(id, party, min_lon, min_lat, max_lon, max_lat, entry, doc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
		n.ID, n.Party, b[0], b[1], b[2], b[3], n.Entry, doc)
	return created(tag, err, what)
}

// created answers an INSERT ... ON CONFLICT DO NOTHING: ErrExists (wrapped)
// when it inserted nothing.
func created(tag pgconn.CommandTag, err error, what string) error {
	if err != nil {
		return fmt.Errorf("postgres: create %s: %w", what, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrExists)
	}
	return nil
}

// where collects the conditions and numbered arguments of a query.
type where struct {
	conds []string
	args  []any
}

// arg adds an argument and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

func (w *where) String() string { return " WHERE " + strings.Join(w.conds, " AND ") }

// key keeps the rows whose col is v; false when no stored text can be v.
func (w *where) key(col, v string) bool {
	w.add(col + " = " + w.arg(v))
	return storable(v)
}

// bbox keeps the rows whose box meets b (store.Box.Meets: closed intervals).
func (w *where) bbox(b *store.Box) {
	if b != nil {
		// The box overlap (&&, closed) is what the GiST indexes of
		// migration 00004 answer; the exact test on the columns follows.
		w.add("box(point(min_lon, min_lat), point(max_lon, max_lat)) && box(point(" + w.arg(b[0]) + ", " + w.arg(b[1]) +
			"), point(" + w.arg(b[2]) + ", " + w.arg(b[3]) + "))")
		w.add("min_lon <= " + w.arg(b[2]) + " AND " + w.arg(b[0]) + " <= max_lon AND min_lat <= " +
			w.arg(b[3]) + " AND " + w.arg(b[1]) + " <= max_lat")
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
		live := []string{string(truce.ZoneProposed), string(truce.ZoneInForce), string(truce.ZoneDisputed)}
		w.add("status = ANY(" + w.arg(live) + ") AND valid_until <= " + w.arg(f.Now))
	case f.Status.Live():
		w.add("status = " + w.arg(string(f.Status)) + " AND (valid_until IS NULL OR valid_until > " + w.arg(f.Now) + ")")
	default:
		return w.key("status", string(f.Status))
	}
	return true
}

// page ends a query that lists by id in byte order (as Actors does: a
// cursor PostgreSQL cannot hold as text is compared as bytes).
func (w *where) page(query string, page store.Page) (string, []any) {
	if storable(page.After) {
		w.add("id > " + w.arg(page.After))
	} else {
		w.add("convert_to(id, 'UTF8') > " + w.arg([]byte(page.After)))
	}
	var limit any = page.Limit
	if page.Limit < 0 {
		limit = nil // no limit, as SQLite reads LIMIT -1
	}
	q := query + w.String() + " ORDER BY id LIMIT " + w.arg(limit)
	return q, w.args
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
	return listDocs[truce.Zone](ctx, db.pool, "zones", nil, q, args...)
}

func (db *DB) EachZone(ctx context.Context, fn func(truce.Zone) error) error {
	return eachDoc(ctx, db.pool, "zones", "doc", nil, fn)
}

func (db *DB) SiteCommitment(ctx context.Context, entry int64) (truce.SiteCommitment, error) {
	return db.reader(ctx).GetSiteCommitment(entry)
}

// SiteCommitmentByID implements store.Office.
func (db *DB) SiteCommitmentByID(ctx context.Context, id string) (truce.SiteCommitment, error) {
	var c truce.SiteCommitment
	if err := checkText("id", id); err != nil {
		return c, fmt.Errorf("site commitment %q: %w", id, store.ErrNotFound)
	}
	err := readDoc(ctx, db.pool, &c, fmt.Sprintf("site commitment %q", id), "SELECT doc FROM site_commitments WHERE id = $1", id)
	return c, err
}

func (db *DB) Notice(ctx context.Context, id string) (truce.Notice, error) {
	var n truce.Notice
	what := fmt.Sprintf("notice %q", id)
	if !storable(id) {
		return n, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	err := readDoc(ctx, db.pool, &n, what, "SELECT doc FROM notices WHERE id = $1", id)
	return n, err
}

func (db *DB) Notices(ctx context.Context, f store.NoticeFilter, page store.Page) ([]truce.Notice, error) {
	var w where
	if !w.notices(f) {
		return nil, nil
	}
	q, args := w.page("SELECT doc FROM notices", page)
	return listDocs[truce.Notice](ctx, db.pool, "notices", nil, q, args...)
}

// snapshotZones reads the zones, site commitments and notices of a
// snapshot, in its order, through the snapshot's transaction.
func snapshotZones(ctx context.Context, tx pgx.Tx, s *store.Snapshot) error {
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
