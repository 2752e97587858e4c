package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// Reports and requests for information: the records the journal makes
// (reports, rfis) and the sealed content beside them (00005_reports.sql).

func (t *appendTx) GetReport(id string) (truce.ReportRecord, error) { return t.proj().GetReport(id) }
func (t *appendTx) PutReport(r truce.ReportRecord) error            { return t.proj().PutReport(r) }
func (t *appendTx) GetRFI(id string) (truce.RFIRecord, error)       { return t.proj().GetRFI(id) }
func (t *appendTx) PutRFI(r truce.RFIRecord) error                  { return t.proj().PutRFI(r) }

func (p projection) GetReport(id string) (truce.ReportRecord, error) {
	return getDoc[truce.ReportRecord](p, fmt.Sprintf("report %q", id), "SELECT doc FROM reports WHERE id = $1", id)
}

func (p projection) PutReport(r truce.ReportRecord) error {
	return putDoc(p, fmt.Sprintf("report %q", r.ID), []string{"id", r.ID, "owner", r.Owner}, r, `INSERT INTO reports(id, owner, hash, entry, doc) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, hash = excluded.hash, entry = excluded.entry, doc = excluded.doc`,
		r.ID, r.Owner, r.Hash, r.Entry)
}

func (p projection) GetRFI(id string) (truce.RFIRecord, error) {
	return getDoc[truce.RFIRecord](p, fmt.Sprintf("rfi %q", id), "SELECT doc FROM rfis WHERE id = $1", id)
}

func (p projection) PutRFI(r truce.RFIRecord) error {
	return putDoc(p, fmt.Sprintf("rfi %q", r.ID), []string{"id", r.ID, "from", r.From, "to", r.To}, r, `INSERT INTO rfis(id, from_party, to_party, entry, doc) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET from_party = excluded.from_party, to_party = excluded.to_party, entry = excluded.entry, doc = excluded.doc`,
		r.ID, r.From, r.To, r.Entry)
}

func (db *DB) PutReportContent(ctx context.Context, r truce.Report) error {
	if err := checkText("id", r.ID, "owner", r.Owner, "created_by", r.CreatedBy); err != nil {
		return fmt.Errorf("postgres: put report content %q: %w", r.ID, err)
	}
	var owner string
	err := db.pool.QueryRow(ctx, "SELECT owner FROM report_contents WHERE id = $1 LIMIT 1", r.ID).Scan(&owner)
	if err == nil && owner != r.Owner {
		return fmt.Errorf("report %q: %w", r.ID, store.ErrExists)
	}
	if err != nil && !notFound(err) {
		return fmt.Errorf("postgres: put report content %q: %w", r.ID, err)
	}
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("postgres: put report content %q: %w", r.ID, err)
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO report_contents(id, hash, owner, handling, recipients, created_by, doc)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id, hash) DO NOTHING`,
		r.ID, r.Hash, r.Owner, string(r.Handling), store.Recipients(r.To), r.CreatedBy, doc); err != nil {
		return fmt.Errorf("postgres: put report content %q: %w", r.ID, err)
	}
	return nil
}

func (db *DB) ReportContent(ctx context.Context, id, hash string) (truce.Report, error) {
	var r truce.Report
	what := fmt.Sprintf("report content %q", id)
	if !storable(id) || !storable(hash) {
		return r, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	err := readDoc(ctx, db.pool, &r, what, "SELECT doc FROM report_contents WHERE id = $1 AND hash = $2", id, hash)
	return r, err
}

// reportColumns read a released report: its record and its content.
const reportColumns = "SELECT r.doc, c.doc FROM reports r JOIN report_contents c ON c.id = r.id AND c.hash = r.hash"

func scanReports(rows pgx.Rows) ([]truce.Report, error) {
	out, err := pgx.AppendRows([]truce.Report(nil), rows, func(row pgx.CollectableRow) (truce.Report, error) {
		var rec, content []byte
		if err := row.Scan(&rec, &content); err != nil {
			return truce.Report{}, err
		}
		return store.ReleasedReport(rec, content)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: reports: %w", err)
	}
	return out, nil
}

func (db *DB) Report(ctx context.Context, id string) (truce.Report, error) {
	if !storable(id) {
		return truce.Report{}, fmt.Errorf("report %q: %w", id, store.ErrNotFound)
	}
	rows, err := db.pool.Query(ctx, reportColumns+" WHERE r.id = $1", id)
	if err != nil {
		return truce.Report{}, fmt.Errorf("postgres: report %q: %w", id, err)
	}
	out, err := scanReports(rows)
	if err != nil {
		return truce.Report{}, err
	}
	if len(out) == 0 {
		return truce.Report{}, fmt.Errorf("report %q: %w", id, store.ErrNotFound)
	}
	return out[0], nil
}

func (db *DB) Reports(ctx context.Context, v store.ReportReader, page store.Page) ([]truce.Report, error) {
	var w where
	if !v.All {
		if v.Party == "" || !storable(v.Party) || !storable(v.Username) {
			return nil, nil
		}
		party, official, user := w.arg(v.Party), w.arg(v.Official), w.arg(v.Username)
		// The handling rule (truce.Report.CanRead) on report_contents c.
		w.add("((c.owner = " + party + " AND (c.handling <> 'TLP:RED' OR " + official + " OR c.created_by = " + user + "))" +
			" OR (c.owner <> " + party + " AND (c.recipients = '' OR position(',' || " + party + " || ',' in c.recipients) > 0)" +
			" AND (c.handling <> 'TLP:RED' OR " + official + ")))")
	}
	if storable(page.After) {
		w.add("r.id > " + w.arg(page.After))
	} else {
		w.add("convert_to(r.id, 'UTF8') > " + w.arg([]byte(page.After)))
	}
	var limit any = page.Limit
	if page.Limit < 0 {
		limit = nil
	}
	rows, err := db.pool.Query(ctx, reportColumns+w.String()+" ORDER BY r.id LIMIT "+w.arg(limit), w.args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: reports: %w", err)
	}
	return scanReports(rows)
}

func (db *DB) PutReportDraft(ctx context.Context, r truce.Report) error {
	return reportDrafts.put(ctx, db, r.Owner, r.ID, r)
}

func (db *DB) ReportDraft(ctx context.Context, owner, id string) (truce.Report, error) {
	return getDocDraft[truce.Report](ctx, db, reportDrafts, owner, id)
}

func (db *DB) DeleteReportDraft(ctx context.Context, owner, id string) error {
	return reportDrafts.delete(ctx, db, owner, id)
}

func (db *DB) ReportDrafts(ctx context.Context, v truce.Reader, page store.Page) ([]truce.Report, error) {
	var w where
	if !w.key("owner", v.Party) {
		return nil, nil
	}
	w.add(reportDrafts.visible())
	if !v.Official {
		// The doc is the report's JSON as encoding/json wrote it.
		w.add("(convert_from(doc, 'UTF8')::jsonb->>'handling' <> " + w.arg(string(truce.TLPRed)) +
			" OR convert_from(doc, 'UTF8')::jsonb->>'created_by' = " + w.arg(v.Username) + ")")
	}
	q, args := w.page("SELECT doc FROM report_drafts", page)
	return listDocs[truce.Report](ctx, db.pool, "report drafts", nil, q, args...)
}

func (db *DB) PutSealed(ctx context.Context, id, hash string, doc []byte) error {
	if err := checkText("id", id, "hash", hash); err != nil {
		return fmt.Errorf("postgres: put sealed %q: %w", id, err)
	}
	if _, err := db.pool.Exec(ctx, "INSERT INTO sealed(id, hash, doc) VALUES ($1, $2, $3) ON CONFLICT (id, hash) DO NOTHING", id, hash, doc); err != nil {
		return fmt.Errorf("postgres: put sealed %q: %w", id, err)
	}
	return nil
}

func (db *DB) Sealed(ctx context.Context, id, hash string) ([]byte, error) {
	if !storable(id) || !storable(hash) {
		return nil, fmt.Errorf("sealed %q: %w", id, store.ErrNotFound)
	}
	var doc []byte
	err := db.pool.QueryRow(ctx, "SELECT doc FROM sealed WHERE id = $1 AND hash = $2", id, hash).Scan(&doc)
	if notFound(err) {
		return nil, fmt.Errorf("sealed %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: sealed %q: %w", id, err)
	}
	return doc, nil
}

func (db *DB) RFI(ctx context.Context, id string) (truce.RFIRecord, error) {
	return db.reader(ctx).GetRFI(id)
}

func (db *DB) RFIs(ctx context.Context, party string, page store.Page) ([]truce.RFIRecord, error) {
	if !storable(party) {
		return nil, nil
	}
	var w where
	p := w.arg(party)
	w.add("(from_party = " + p + " OR to_party = " + p + ")")
	q, args := w.page("SELECT doc FROM rfis", page)
	return listDocs[truce.RFIRecord](ctx, db.pool, "rfis", nil, q, args...)
}

// snapshotReports reads the report and request records of a snapshot.
func snapshotReports(ctx context.Context, tx pgx.Tx, s *store.Snapshot) error {
	var err error
	if s.Reports, err = listDocs[truce.ReportRecord](ctx, tx, "snapshot reports", nil, "SELECT doc FROM reports ORDER BY id"); err != nil {
		return err
	}
	s.RFIs, err = listDocs[truce.RFIRecord](ctx, tx, "snapshot rfis", nil, "SELECT doc FROM rfis ORDER BY id")
	return err
}

func (db *DB) AddHQEvent(ctx context.Context, e truce.HQEvent) (int64, error) {
	if err := checkText("party", e.Party, "subject", e.Subject, "member", e.Member); err != nil {
		return 0, fmt.Errorf("postgres: add hq event: %w", err)
	}
	// Two processes may number the same seq at once: the primary key
	// refuses the second, which tries again.
	var err error
	for range 10 {
		var seq int64
		// Other nodes' event streams hear of it by NOTIFY (WatchHQ), sent
		// when the insert commits.
		err = db.pool.QueryRow(ctx, `WITH added AS (INSERT INTO hq_events(party, seq, kind, subject, member, time)
			SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5 FROM hq_events WHERE party = $1
			ON CONFLICT (party, seq) DO NOTHING RETURNING seq)
			SELECT seq FROM added, LATERAL (SELECT pg_notify('`+hqChannel+`', $1)) notified`, e.Party, e.Kind, e.Subject, e.Member, e.Time).Scan(&seq)
		if err == nil {
			return seq, nil
		}
		if !notFound(err) {
			break
		}
	}
	return 0, fmt.Errorf("postgres: add hq event of %q: %w", e.Party, err)
}

func (db *DB) HQEvents(ctx context.Context, party string, after int64, limit int) ([]truce.HQEvent, error) {
	if !storable(party) {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT seq, kind, subject, member, time FROM hq_events
		WHERE party = $1 AND seq > $2 ORDER BY seq LIMIT $3`, party, after, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: hq events of %q: %w", party, err)
	}
	out, err := pgx.AppendRows([]truce.HQEvent(nil), rows, func(r pgx.CollectableRow) (truce.HQEvent, error) {
		e := truce.HQEvent{Party: party}
		err := r.Scan(&e.Seq, &e.Kind, &e.Subject, &e.Member, &e.Time)
		e.Time = e.Time.UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: hq events of %q: %w", party, err)
	}
	return out, nil
}
