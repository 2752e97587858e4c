package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-org/truce/internal/store"
)

// Append runs fn in one BEGIN IMMEDIATE transaction on the single write
// connection, so appends are serialized and a commit with synchronous=FULL is
// durable before Append returns.
func (db *DB) Append(ctx context.Context, fn func(tx store.AppendTx) error) (err error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin append: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if err := fn(&appendTx{ctx: ctx, tx: tx, db: db}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit append: %w", err)
	}
	return nil
}

type appendTx struct {
	ctx   context.Context
	tx    *sql.Tx
	db    *DB
	stmts map[string]*sql.Stmt // the prepared statements bound to tx
}

// stmt returns query's prepared statement bound to the transaction, or nil.
func (t *appendTx) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := t.stmts[query]; ok {
		return st
	}
	st := t.db.prepared(query)
	if st != nil {
		st = t.tx.StmtContext(ctx, st)
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = st
	return st
}

// txQuerier runs statements inside the append transaction through the
// write connection's prepared statements.
type txQuerier struct{ t *appendTx }

func (q txQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.t.tx.QueryContext(ctx, query, args...)
}

func (q txQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.t.tx.QueryRowContext(ctx, query, args...)
}

func (q txQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.t.tx.ExecContext(ctx, query, args...)
}

// Queries an append runs, prepared once (see prepareAppendQueries).
const (
	qSize          = "SELECT COALESCE(MAX(idx) + 1, 0) FROM journal_entries"
	qLastPartySeq  = "SELECT COALESCE(MAX(party_seq), 0) FROM journal_entries WHERE party = ?"
	qReadHash      = "SELECT hash FROM journal_hashes WHERE idx = ?"
	qReadHashRange = "SELECT idx, hash FROM journal_hashes WHERE idx BETWEEN ? AND ?"
	qPartyKind     = "SELECT kind FROM parties WHERE id = ?"
	qGetActor      = "SELECT " + actorColumns + " FROM actors WHERE id = ?"
	qActorExists   = "SELECT 1 FROM actors WHERE id = ?"
	qActorDesigs   = "SELECT d.party, h.designation FROM designations d JOIN designation_history h ON h.entry = d.entry WHERE d.actor_id = ?"
	qAddHistory    = "INSERT INTO designation_history(entry, actor_id, party, designation, note, member, time) VALUES (?, ?, ?, ?, ?, ?, ?)"
	qSetCurrent    = "INSERT INTO designations(actor_id, party, entry) VALUES (?, ?, ?) ON CONFLICT(actor_id, party) DO UPDATE SET entry = excluded.entry"
	qPutCheckpoint = "INSERT INTO journal_checkpoints(size, note) VALUES (?, ?)"
)

var appendQueries = []string{qSize, qLastPartySeq, qReadHash, qReadHashRange, qPartyKind, qGetActor, qActorExists, qActorDesigs, qAddHistory, qSetCurrent, qPutCheckpoint, qPutActor,
	qParties, qGetZone, qPutZone, qGetSiteCommitment, qPutSiteCommitment, qPutNotice,
	qZonesMeeting, qGetIncident, qPutIncident, qPutIncidentBox, qDropIncidentBox, qDeleteViolations, qPutViolation, qIncidentsMeeting,
	qGetCommitment, qPutCommitment, qCommitmentsBy, qGetStep, qPutStep, qGetCosigner, qPutCosigner, qInsertIncidents, qInsertIncidentBox, qLastIncidentRowid, qLastViolationRowid}

func (t *appendTx) Size() (int64, error) {
	var n int64
	if err := (txQuerier{t}).QueryRowContext(t.ctx, qSize).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: journal size: %w", err)
	}
	return n, nil
}

func (t *appendTx) LastPartySeq(party string) (int64, error) {
	var n int64
	if err := (txQuerier{t}).QueryRowContext(t.ctx, qLastPartySeq, party).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: last party_seq of %q: %w", party, err)
	}
	return n, nil
}

func (t *appendTx) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return readHashes(t.ctx, txQuerier{t}, indexes)
}

func (t *appendTx) PutEntries(entries []store.EntryRow, hashes []store.HashRow) error {
	const chunk = 100
	for i := 0; i < len(entries); i += chunk {
		part := entries[i:min(i+chunk, len(entries))]
		q := make([]byte, 0, 128+len(part)*24)
		q = append(q, "INSERT INTO journal_entries(idx, id, party, party_seq, kind, subject, time, note) VALUES "...)
		args := make([]any, 0, len(part)*8)
		for j, r := range part {
			if j > 0 {
				q = append(q, ',')
			}
			q = append(q, "(?,?,?,?,?,?,?,?)"...)
			e := r.Entry
			args = append(args, r.Index, e.ID, e.Party, e.PartySeq, e.Kind, e.Subject, formatTime(e.Time), r.Note)
		}
		if _, err := t.tx.ExecContext(t.ctx, string(q), args...); err != nil {
			return fmt.Errorf("sqlite: put entries from %d: %w", part[0].Index, err)
		}
	}
	const hchunk = 400
	for i := 0; i < len(hashes); i += hchunk {
		part := hashes[i:min(i+hchunk, len(hashes))]
		q := make([]byte, 0, 64+len(part)*6)
		q = append(q, "INSERT INTO journal_hashes(idx, hash) VALUES "...)
		args := make([]any, 0, len(part)*2)
		for j, h := range part {
			if j > 0 {
				q = append(q, ',')
			}
			q = append(q, "(?,?)"...)
			args = append(args, h.Index, h.Hash[:])
		}
		if _, err := t.tx.ExecContext(t.ctx, string(q), args...); err != nil {
			return fmt.Errorf("sqlite: put hashes: %w", err)
		}
	}
	return nil
}

func (t *appendTx) PutCheckpoint(size int64, note []byte) error {
	if _, err := (txQuerier{t}).ExecContext(t.ctx, qPutCheckpoint, size, note); err != nil {
		return fmt.Errorf("sqlite: put checkpoint %d: %w", size, err)
	}
	return nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// readHashes reads stored hashes in the order asked. Dense runs (a
// verifier's chunks) are read as one range; scattered ones (proofs) with one
// IN query per few hundred indexes; never one statement per hash.
func readHashes(ctx context.Context, q querier, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return []tlog.Hash{}, nil
	}
	lo, hi := indexes[0], indexes[0]
	for _, idx := range indexes {
		if idx < 0 {
			return nil, fmt.Errorf("sqlite: stored hash %d: %w", idx, store.ErrNotFound)
		}
		lo, hi = min(lo, idx), max(hi, idx)
	}
	got := make(map[int64][]byte, len(indexes))
	collect := func(rows *sql.Rows, err error) error {
		if err != nil {
			return fmt.Errorf("sqlite: stored hashes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var idx int64
			var b []byte
			if err := rows.Scan(&idx, &b); err != nil {
				return fmt.Errorf("sqlite: stored hashes: %w", err)
			}
			got[idx] = b
		}
		return rows.Err()
	}
	if len(indexes) == 1 {
		var b []byte
		err := q.QueryRowContext(ctx, qReadHash, lo).Scan(&b)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("sqlite: stored hash %d: %w", lo, err)
		}
		if err == nil {
			got[lo] = b
		}
	} else if hi-lo < 2*int64(len(indexes)) {
		if err := collect(q.QueryContext(ctx, qReadHashRange, lo, hi)); err != nil {
			return nil, err
		}
	} else {
		const chunk = 500
		uniq := make([]any, 0, len(indexes))
		seen := make(map[int64]bool, len(indexes))
		for _, idx := range indexes {
			if !seen[idx] {
				seen[idx] = true
				uniq = append(uniq, idx)
			}
		}
		for i := 0; i < len(uniq); i += chunk {
			part := uniq[i:min(i+chunk, len(uniq))]
			query := "SELECT idx, hash FROM journal_hashes WHERE idx IN (?" + strings.Repeat(",?", len(part)-1) + ")"
			if err := collect(q.QueryContext(ctx, query, part...)); err != nil {
				return nil, err
			}
		}
	}
	return store.HashesInOrder(indexes, got)
}

func (db *DB) JournalSize(ctx context.Context) (int64, error) {
	var n int64
	if err := db.read.QueryRowContext(ctx, "SELECT COALESCE(MAX(idx) + 1, 0) FROM journal_entries").Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: journal size: %w", err)
	}
	return n, nil
}

func (db *DB) Entries(ctx context.Context, start, end int64, fn func(index int64, note []byte) error) error {
	rows, err := db.read.QueryContext(ctx, "SELECT idx, note FROM journal_entries WHERE idx >= ? AND idx < ? ORDER BY idx", start, end)
	if err != nil {
		return fmt.Errorf("sqlite: entries [%d, %d): %w", start, end, err)
	}
	defer rows.Close()
	for rows.Next() {
		var idx int64
		var note []byte
		if err := rows.Scan(&idx, &note); err != nil {
			return fmt.Errorf("sqlite: entries: %w", err)
		}
		if err := fn(idx, note); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (db *DB) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, db.read, indexes)
}

func (db *DB) Checkpoint(ctx context.Context) ([]byte, error) {
	var note []byte
	err := db.read.QueryRowContext(ctx, "SELECT note FROM journal_checkpoints ORDER BY size DESC LIMIT 1").Scan(&note)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("checkpoint: %w", store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: checkpoint: %w", err)
	}
	return note, nil
}

func (db *DB) Checkpoints(ctx context.Context, fn func(size int64, note []byte) error) error {
	rows, err := db.read.QueryContext(ctx, "SELECT size, note FROM journal_checkpoints ORDER BY size")
	if err != nil {
		return fmt.Errorf("sqlite: checkpoints: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var size int64
		var note []byte
		if err := rows.Scan(&size, &note); err != nil {
			return fmt.Errorf("sqlite: checkpoints: %w", err)
		}
		if err := fn(size, note); err != nil {
			return err
		}
	}
	return rows.Err()
}
