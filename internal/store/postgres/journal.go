package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-org/truce/internal/store"
)

// appendAttempts bounds how often Append runs fn when the engine aborts the
// transaction with a serialization failure or a deadlock (CockroachDB and
// SERIALIZABLE setups do; PostgreSQL at READ COMMITTED behind the head
// lock does not). The store contract lets a backend retry fn.
const appendAttempts = 5

// Append runs fn in one READ COMMITTED transaction that first locks the
// journal's head row, so appends on this database, from any process, run
// one at a time; the commit returns once durable.
func (db *DB) Append(ctx context.Context, fn func(tx store.AppendTx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.appendOnce(ctx, fn)
		if err == nil || attempt == appendAttempts || ctx.Err() != nil || !retryable(err) {
			return err
		}
		// Back off a little, more each time, before the next attempt.
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		}
	}
}

// retryable reports whether err means the transaction was rolled back by
// the engine and may simply run again. An error on a commit whose outcome
// is unknown (a lost connection) is not retryable: the append may have
// committed.
func retryable(err error) bool {
	switch pgCode(err) {
	case codeSerializationFailure, codeDeadlockDetected:
		return true
	}
	return false
}

// qLockHead is the first statement of every append.
const qLockHead = "SELECT size FROM journal_head FOR UPDATE"

func (db *DB) appendOnce(ctx context.Context, fn func(tx store.AppendTx) error) (err error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("postgres: begin append: %w", err)
	}
	defer func() {
		if err != nil {
			// Roll back even when ctx is done; a connection that cannot
			// is closed, and the server rolls back then.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			tx.Rollback(rctx)
		}
	}()
	t := &appendTx{ctx: ctx, tx: tx}
	if err := tx.QueryRow(ctx, qLockHead).Scan(&t.size); err != nil {
		return fmt.Errorf("postgres: lock the journal head: %w", err)
	}
	if err := fn(t); err != nil {
		return err
	}
	// Delivered on commit, to every node following the journal.
	if _, err := tx.Exec(ctx, "SELECT pg_notify($1, '')", notifyChannel); err != nil {
		return fmt.Errorf("postgres: notify the append: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit append: %w", err)
	}
	return nil
}

type appendTx struct {
	ctx  context.Context
	tx   pgx.Tx
	size int64 // the head row's size as this transaction holds it
}

// Size is the head row's size: read under the lock when the append began,
// and moved by PutEntries.
func (t *appendTx) Size() (int64, error) { return t.size, nil }

const qLastPartySeq = "SELECT COALESCE(MAX(party_seq), 0) FROM journal_entries WHERE party = $1"

func (t *appendTx) LastPartySeq(party string) (int64, error) {
	if !storable(party) {
		return 0, nil
	}
	var n int64
	if err := t.tx.QueryRow(t.ctx, qLastPartySeq, party).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: last party_seq of %q: %w", party, err)
	}
	return n, nil
}

func (t *appendTx) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return readHashes(t.ctx, t.tx, indexes)
}

// qPutEntries writes a whole batch of entries and stored hashes, and moves
// the head, in one statement: arrays in, unnest in the server.
const qPutEntries = `WITH e AS (
	INSERT INTO journal_entries(idx, id, party, party_seq, kind, subject, time, note)
	SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::timestamptz[], $8::bytea[])
	RETURNING idx
), h AS (
	INSERT INTO journal_hashes(idx, hash)
	SELECT * FROM unnest($9::bigint[], $10::bytea[])
)
UPDATE journal_head SET size = GREATEST(size, (SELECT COALESCE(MAX(idx) + 1, 0) FROM e))
RETURNING size`

func (t *appendTx) PutEntries(entries []store.EntryRow, hashes []store.HashRow) error {
	if len(entries) == 0 && len(hashes) == 0 {
		return nil
	}
	n := len(entries)
	idx, seq := make([]int64, n), make([]int64, n)
	id, party, kind, subject := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	times, notes := make([]time.Time, n), make([][]byte, n)
	for i, r := range entries {
		e := r.Entry
		if err := checkText("id", e.ID, "party", e.Party, "kind", e.Kind, "subject", e.Subject); err != nil {
			return fmt.Errorf("postgres: put entry %d: %w", r.Index, err)
		}
		idx[i], id[i], party[i], seq[i], kind[i], subject[i], times[i] = r.Index, e.ID, e.Party, e.PartySeq, e.Kind, e.Subject, e.Time
		notes[i] = r.Note // nil is NULL, refused as SQLite refuses it
	}
	hidx, hval := make([]int64, len(hashes)), make([][]byte, len(hashes))
	for i, h := range hashes {
		hidx[i], hval[i] = h.Index, h.Hash[:]
	}
	var size int64
	err := t.tx.QueryRow(t.ctx, qPutEntries, idx, id, party, seq, kind, subject, times, notes, hidx, hval).Scan(&size)
	if err != nil {
		if n > 0 {
			return fmt.Errorf("postgres: put entries from %d: %w", entries[0].Index, err)
		}
		return fmt.Errorf("postgres: put hashes: %w", err)
	}
	t.size = size
	return nil
}

func (t *appendTx) PutCheckpoint(size int64, note []byte) error {
	if _, err := t.tx.Exec(t.ctx, "INSERT INTO journal_checkpoints(size, note) VALUES ($1, $2)", size, note); err != nil {
		return fmt.Errorf("postgres: put checkpoint %d: %w", size, err)
	}
	return nil
}

// querier is what a pool and a transaction both do.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// readHashes reads stored hashes in the order asked, in one query: a range
// when the indexes are dense (a verifier's chunks), else = ANY of the
// distinct indexes (proofs).
func readHashes(ctx context.Context, q querier, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return []tlog.Hash{}, nil
	}
	lo, hi := indexes[0], indexes[0]
	for _, idx := range indexes {
		if idx < 0 {
			return nil, fmt.Errorf("postgres: stored hash %d: %w", idx, store.ErrNotFound)
		}
		lo, hi = min(lo, idx), max(hi, idx)
	}
	var rows pgx.Rows
	var err error
	if hi-lo < 2*int64(len(indexes)) {
		rows, err = q.Query(ctx, "SELECT idx, hash FROM journal_hashes WHERE idx BETWEEN $1 AND $2", lo, hi)
	} else {
		uniq := make([]int64, 0, len(indexes))
		seen := make(map[int64]bool, len(indexes))
		for _, idx := range indexes {
			if !seen[idx] {
				seen[idx] = true
				uniq = append(uniq, idx)
			}
		}
		rows, err = q.Query(ctx, "SELECT idx, hash FROM journal_hashes WHERE idx = ANY($1)", uniq)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: stored hashes: %w", err)
	}
	got := make(map[int64][]byte, len(indexes))
	var idx int64
	var b []byte
	_, err = pgx.ForEachRow(rows, []any{&idx, &b}, func() error {
		got[idx] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: stored hashes: %w", err)
	}
	return store.HashesInOrder(indexes, got)
}

func (db *DB) JournalSize(ctx context.Context) (int64, error) {
	var n int64
	if err := db.pool.QueryRow(ctx, "SELECT size FROM journal_head").Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: journal size: %w", err)
	}
	return n, nil
}

// pageRows is how many rows Entries and Checkpoints read per query. The
// journal never changes below its head, so pages read one after the other
// make one consistent stream; and a caller that stops early leaves at most
// one page unread, where one query would make pgx drain the whole range.
const pageRows = 1000

func (db *DB) Entries(ctx context.Context, start, end int64, fn func(index int64, note []byte) error) error {
	for start < end {
		next := int64(-1)
		rows, err := db.pool.Query(ctx, "SELECT idx, note FROM journal_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx LIMIT $3", start, end, pageRows)
		if err != nil {
			return fmt.Errorf("postgres: entries [%d, %d): %w", start, end, err)
		}
		var n int
		var idx int64
		var note []byte
		_, err = pgx.ForEachRow(rows, []any{&idx, &note}, func() error {
			n++
			next = idx + 1
			return fn(idx, note)
		})
		if err != nil {
			if rows.Err() != nil {
				return fmt.Errorf("postgres: entries [%d, %d): %w", start, end, err)
			}
			return err // fn's own error, unwrapped
		}
		if n < pageRows {
			return nil
		}
		start = next
	}
	return nil
}

func (db *DB) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, db.pool, indexes)
}

func (db *DB) Checkpoint(ctx context.Context) ([]byte, error) {
	var note []byte
	err := db.pool.QueryRow(ctx, "SELECT note FROM journal_checkpoints ORDER BY size DESC LIMIT 1").Scan(&note)
	if notFound(err) {
		return nil, fmt.Errorf("checkpoint: %w", store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: checkpoint: %w", err)
	}
	return note, nil
}

func (db *DB) Checkpoints(ctx context.Context, fn func(size int64, note []byte) error) error {
	q := "SELECT size, note FROM journal_checkpoints ORDER BY size LIMIT $1"
	var args []any
	for {
		rows, err := db.pool.Query(ctx, q, append(args, pageRows)...)
		if err != nil {
			return fmt.Errorf("postgres: checkpoints: %w", err)
		}
		var n int
		var size int64
		var note []byte
		_, err = pgx.ForEachRow(rows, []any{&size, &note}, func() error {
			n++
			return fn(size, note)
		})
		if err != nil {
			if rows.Err() != nil {
				return fmt.Errorf("postgres: checkpoints: %w", err)
			}
			return err
		}
		if n < pageRows {
			return nil
		}
		q = "SELECT size, note FROM journal_checkpoints WHERE size > $1 ORDER BY size LIMIT $2"
		args = []any{size}
	}
}
