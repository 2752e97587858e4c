package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

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
	var r truce.ReportRecord
	err := readDoc(p.ctx, p.q, &r, fmt.Sprintf("report %q", id), "SELECT doc FROM reports WHERE id = ?", id)
	return r, err
}

func (p projection) PutReport(r truce.ReportRecord) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("sqlite: put report %q: %w", r.ID, err)
	}
	if _, err := p.q.ExecContext(p.ctx, `INSERT INTO reports(id, owner, hash, entry, doc) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, hash = excluded.hash, entry = excluded.entry, doc = excluded.doc`,
		r.ID, r.Owner, r.Hash, r.Entry, string(doc)); err != nil {
		return fmt.Errorf("sqlite: put report %q: %w", r.ID, err)
	}
	return nil
}

func (p projection) GetRFI(id string) (truce.RFIRecord, error) {
	var r truce.RFIRecord
	err := readDoc(p.ctx, p.q, &r, fmt.Sprintf("rfi %q", id), "SELECT doc FROM rfis WHERE id = ?", id)
	return r, err
}

func (p projection) PutRFI(r truce.RFIRecord) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("sqlite: put rfi %q: %w", r.ID, err)
	}
	if _, err := p.q.ExecContext(p.ctx, `INSERT INTO rfis(id, from_party, to_party, entry, doc) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET from_party = excluded.from_party, to_party = excluded.to_party, entry = excluded.entry, doc = excluded.doc`,
		r.ID, r.From, r.To, r.Entry, string(doc)); err != nil {
		return fmt.Errorf("sqlite: put rfi %q: %w", r.ID, err)
	}
	return nil
}

func (db *DB) PutReportContent(ctx context.Context, r truce.Report) error {
	var owner string
	err := db.read.QueryRowContext(ctx, "SELECT owner FROM report_contents WHERE id = ? LIMIT 1", r.ID).Scan(&owner)
	if err == nil && owner != r.Owner {
		return fmt.Errorf("report %q: %w", r.ID, store.ErrExists)
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: put report content %q: %w", r.ID, err)
	}
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("sqlite: put report content %q: %w", r.ID, err)
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO report_contents(id, hash, owner, handling, recipients, created_by, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id, hash) DO NOTHING`,
		r.ID, r.Hash, r.Owner, string(r.Handling), store.Recipients(r.To), r.CreatedBy, string(doc)); err != nil {
		return fmt.Errorf("sqlite: put report content %q: %w", r.ID, err)
	}
	return nil
}

func (db *DB) ReportContent(ctx context.Context, id, hash string) (truce.Report, error) {
	var r truce.Report
	err := readDoc(ctx, db.read, &r, fmt.Sprintf("report content %q", id), "SELECT doc FROM report_contents WHERE id = ? AND hash = ?", id, hash)
	return r, err
}

// reportColumns read a released report: its record and its content.
const reportColumns = "SELECT r.doc, c.doc FROM reports r JOIN report_contents c ON c.id = r.id AND c.hash = r.hash"

func scanReports(rows *sql.Rows) ([]truce.Report, error) {
	defer rows.Close()
	var out []truce.Report
	for rows.Next() {
		var rec, content []byte
		if err := rows.Scan(&rec, &content); err != nil {
			return nil, fmt.Errorf("sqlite: reports: %w", err)
		}
		r, err := store.ReleasedReport(rec, content)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (db *DB) Report(ctx context.Context, id string) (truce.Report, error) {
	rows, err := db.read.QueryContext(ctx, reportColumns+" WHERE r.id = ?", id)
	if err != nil {
		return truce.Report{}, fmt.Errorf("sqlite: report %q: %w", id, err)
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

// readable is the handling rule (truce.Report.CanRead) as a condition on
// report_contents c.
const readable = `((c.owner = ?1 AND (c.handling <> 'TLP:RED' OR ?2 OR c.created_by = ?3))
	OR (c.owner <> ?1 AND (c.recipients = '' OR instr(c.recipients, ',' || ?1 || ',') > 0) AND (c.handling <> 'TLP:RED' OR ?2)))`

func (db *DB) Reports(ctx context.Context, v store.ReportReader, page store.Page) ([]truce.Report, error) {
	q, args := reportColumns+" WHERE r.id > ?4", []any{v.Party, v.Official, v.Username, page.After}
	if !v.All {
		if v.Party == "" {
			return nil, nil
		}
		q += " AND " + readable
	}
	rows, err := db.read.QueryContext(ctx, q+" ORDER BY r.id LIMIT ?5", append(args, page.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reports: %w", err)
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
	w.add("owner = ?", v.Party)
	w.add(reportDrafts.visible())
	if !v.Official {
		w.add("(json_extract(doc, '$.handling') <> ? OR json_extract(doc, '$.created_by') = ?)", string(truce.TLPRed), v.Username)
	}
	q, args := w.page("SELECT doc FROM report_drafts", page)
	return listDocs[truce.Report](ctx, db.read, "report drafts", nil, q, args...)
}

func (db *DB) PutSealed(ctx context.Context, id, hash string, doc []byte) error {
	if _, err := db.write.ExecContext(ctx, "INSERT INTO sealed(id, hash, doc) VALUES (?, ?, ?) ON CONFLICT(id, hash) DO NOTHING",
		id, hash, string(doc)); err != nil {
		return fmt.Errorf("sqlite: put sealed %q: %w", id, err)
	}
	return nil
}

func (db *DB) Sealed(ctx context.Context, id, hash string) ([]byte, error) {
	var doc []byte
	err := db.read.QueryRowContext(ctx, "SELECT doc FROM sealed WHERE id = ? AND hash = ?", id, hash).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sealed %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: sealed %q: %w", id, err)
	}
	return doc, nil
}

func (db *DB) RFI(ctx context.Context, id string) (truce.RFIRecord, error) {
	return db.reader(ctx).GetRFI(id)
}

func (db *DB) RFIs(ctx context.Context, party string, page store.Page) ([]truce.RFIRecord, error) {
	var w where
	w.add("(from_party = ? OR to_party = ?)", party, party)
	q, args := w.page("SELECT doc FROM rfis", page)
	return listDocs[truce.RFIRecord](ctx, db.read, "rfis", nil, q, args...)
}

// snapshotReports reads the report and request records of a snapshot.
func snapshotReports(ctx context.Context, q querier, s *store.Snapshot) error {
	var err error
	if s.Reports, err = listDocs[truce.ReportRecord](ctx, q, "snapshot reports", nil, "SELECT doc FROM reports ORDER BY id"); err != nil {
		return err
	}
	s.RFIs, err = listDocs[truce.RFIRecord](ctx, q, "snapshot rfis", nil, "SELECT doc FROM rfis ORDER BY id")
	return err
}

func (db *DB) AddHQEvent(ctx context.Context, e truce.HQEvent) (int64, error) {
	var seq int64
	err := db.write.QueryRowContext(ctx, `INSERT INTO hq_events(party, seq, kind, subject, member, time)
		SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4, ?5 FROM hq_events WHERE party = ?1 RETURNING seq`,
		e.Party, e.Kind, e.Subject, e.Member, formatTime(e.Time)).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("sqlite: add hq event of %q: %w", e.Party, err)
	}
	return seq, nil
}

func (db *DB) HQEvents(ctx context.Context, party string, after int64, limit int) ([]truce.HQEvent, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT seq, kind, subject, member, time FROM hq_events
		WHERE party = ? AND seq > ? ORDER BY seq LIMIT ?`, party, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: hq events of %q: %w", party, err)
	}
	defer rows.Close()
	var out []truce.HQEvent
	for rows.Next() {
		e := truce.HQEvent{Party: party}
		var at string
		if err := rows.Scan(&e.Seq, &e.Kind, &e.Subject, &e.Member, &at); err != nil {
			return nil, fmt.Errorf("sqlite: hq events of %q: %w", party, err)
		}
		if e.Time, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
