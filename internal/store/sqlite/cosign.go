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

// Cosigners and cosignatures (00007_cosign.sql): the cosigners are the
// journal's projection, kept whole as steps are; the cosignatures are kept
// as received, beside the checkpoints they cosign.

func (t *appendTx) GetCosigner(party string) (truce.Cosigner, error) {
	return t.proj().GetCosigner(party)
}
func (t *appendTx) PutCosigner(c truce.Cosigner) error { return t.proj().PutCosigner(c) }

// Queries of the projection, prepared with the other append queries.
const (
	qGetCosigner = "SELECT doc FROM cosigners WHERE party = ?"
	qPutCosigner = `INSERT INTO cosigners(party, entry, doc) VALUES (?, ?, ?)
		ON CONFLICT(party) DO UPDATE SET entry = excluded.entry, doc = excluded.doc`
)

func (p projection) GetCosigner(party string) (truce.Cosigner, error) {
	var c truce.Cosigner
	err := readDoc(p.ctx, p.q, &c, fmt.Sprintf("cosigner of %q", party), qGetCosigner, party)
	return c, err
}

func (p projection) PutCosigner(c truce.Cosigner) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("sqlite: put cosigner of %q: %w", c.Party, err)
	}
	if _, err := p.q.ExecContext(p.ctx, qPutCosigner, c.Party, c.Entry, string(doc)); err != nil {
		return fmt.Errorf("sqlite: put cosigner of %q: %w", c.Party, err)
	}
	return nil
}

func (db *DB) Cosigners(ctx context.Context) ([]truce.Cosigner, error) {
	return listDocs[truce.Cosigner](ctx, db.read, "cosigners", nil, "SELECT doc FROM cosigners ORDER BY party")
}

// snapshotCosigners reads the cosigners of a snapshot, by party, through
// the snapshot's transaction.
func snapshotCosigners(ctx context.Context, q querier, s *store.Snapshot) error {
	var err error
	s.Cosigners, err = listDocs[truce.Cosigner](ctx, q, "snapshot cosigners", nil, "SELECT doc FROM cosigners ORDER BY party")
	return err
}

func (db *DB) CheckpointAt(ctx context.Context, size int64) ([]byte, error) {
	var note []byte
	err := db.read.QueryRowContext(ctx, "SELECT note FROM journal_checkpoints WHERE size = ?", size).Scan(&note)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("checkpoint %d: %w", size, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: checkpoint %d: %w", size, err)
	}
	return note, nil
}

func (db *DB) AddCosignature(ctx context.Context, c truce.Cosignature) error {
	if _, err := db.write.ExecContext(ctx, `INSERT INTO cosignatures(party, size, time, line, key) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(party, size) DO NOTHING`, c.Party, c.Size, formatTime(c.Time), c.Line, c.Key); err != nil {
		return fmt.Errorf("sqlite: add cosignature of %d by %q: %w", c.Size, c.Party, err)
	}
	return nil
}

const cosignatureColumns = "SELECT party, size, time, line, key FROM cosignatures"

func (db *DB) Cosignatures(ctx context.Context, size int64) ([]truce.Cosignature, error) {
	rows, err := db.read.QueryContext(ctx, cosignatureColumns+" WHERE size = ? ORDER BY party", size)
	return scanCosignatures(rows, err, fmt.Sprintf("cosignatures of %d", size))
}

func (db *DB) LatestCosignatures(ctx context.Context) ([]truce.Cosignature, error) {
	rows, err := db.read.QueryContext(ctx, cosignatureColumns+
		" c WHERE size = (SELECT MAX(size) FROM cosignatures WHERE party = c.party) ORDER BY party")
	return scanCosignatures(rows, err, "latest cosignatures")
}

func (db *DB) EachCosignature(ctx context.Context, fn func(truce.Cosignature) error) error {
	rows, err := db.read.QueryContext(ctx, cosignatureColumns+" ORDER BY size, party")
	if err != nil {
		return fmt.Errorf("sqlite: cosignatures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCosignature(rows)
		if err != nil {
			return fmt.Errorf("sqlite: cosignatures: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: cosignatures: %w", err)
	}
	return nil
}

func scanCosignature(rows *sql.Rows) (truce.Cosignature, error) {
	var c truce.Cosignature
	var at string
	if err := rows.Scan(&c.Party, &c.Size, &at, &c.Line, &c.Key); err != nil {
		return c, err
	}
	var err error
	c.Time, err = parseTime(at)
	return c, err
}

// scanCosignatures reads the rows of a query of cosignatureColumns.
func scanCosignatures(rows *sql.Rows, err error, what string) ([]truce.Cosignature, error) {
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	defer rows.Close()
	var out []truce.Cosignature
	for rows.Next() {
		c, err := scanCosignature(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", what, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return out, nil
}
