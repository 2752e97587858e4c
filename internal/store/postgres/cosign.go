package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

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

func (p projection) GetCosigner(party string) (truce.Cosigner, error) {
	return getDoc[truce.Cosigner](p, fmt.Sprintf("cosigner of %q", party), "SELECT doc FROM cosigners WHERE party = $1", party)
}

func (p projection) PutCosigner(c truce.Cosigner) error {
	return putDoc(p, fmt.Sprintf("cosigner of %q", c.Party), []string{"party", c.Party}, c, `INSERT INTO cosigners(party, entry, doc) VALUES ($1, $2, $3)
		ON CONFLICT (party) DO UPDATE SET entry = excluded.entry, doc = excluded.doc`, c.Party, c.Entry)
}

func (db *DB) Cosigners(ctx context.Context) ([]truce.Cosigner, error) {
	return listDocs[truce.Cosigner](ctx, db.pool, "cosigners", nil, "SELECT doc FROM cosigners ORDER BY party")
}

// snapshotCosigners reads the cosigners of a snapshot, by party, through
// the snapshot's transaction.
func snapshotCosigners(ctx context.Context, tx pgx.Tx, s *store.Snapshot) error {
	var err error
	s.Cosigners, err = listDocs[truce.Cosigner](ctx, tx, "snapshot cosigners", nil, "SELECT doc FROM cosigners ORDER BY party")
	return err
}

func (db *DB) CheckpointAt(ctx context.Context, size int64) ([]byte, error) {
	var note []byte
	err := db.pool.QueryRow(ctx, "SELECT note FROM journal_checkpoints WHERE size = $1", size).Scan(&note)
	if notFound(err) {
		return nil, fmt.Errorf("checkpoint %d: %w", size, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: checkpoint %d: %w", size, err)
	}
	return note, nil
}

func (db *DB) AddCosignature(ctx context.Context, c truce.Cosignature) error {
	if err := checkText("party", c.Party, "line", c.Line, "key", c.Key); err != nil {
		return fmt.Errorf("postgres: add cosignature of %d by %q: %w", c.Size, c.Party, err)
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO cosignatures(party, size, time, line, key) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (party, size) DO NOTHING`, c.Party, c.Size, c.Time, c.Line, c.Key); err != nil {
		return fmt.Errorf("postgres: add cosignature of %d by %q: %w", c.Size, c.Party, err)
	}
	return nil
}

const cosignatureColumns = "SELECT party, size, time, line, key FROM cosignatures"

func (db *DB) Cosignatures(ctx context.Context, size int64) ([]truce.Cosignature, error) {
	rows, err := db.pool.Query(ctx, cosignatureColumns+" WHERE size = $1 ORDER BY party", size)
	return scanCosignatures(rows, err, fmt.Sprintf("cosignatures of %d", size))
}

func (db *DB) LatestCosignatures(ctx context.Context) ([]truce.Cosignature, error) {
	rows, err := db.pool.Query(ctx, "SELECT DISTINCT ON (party) party, size, time, line, key FROM cosignatures ORDER BY party, size DESC")
	return scanCosignatures(rows, err, "latest cosignatures")
}

func (db *DB) EachCosignature(ctx context.Context, fn func(truce.Cosignature) error) error {
	rows, err := db.pool.Query(ctx, cosignatureColumns+" ORDER BY size, party")
	if err != nil {
		return fmt.Errorf("postgres: cosignatures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c truce.Cosignature
		if err := rows.Scan(&c.Party, &c.Size, &c.Time, &c.Line, &c.Key); err != nil {
			return fmt.Errorf("postgres: cosignatures: %w", err)
		}
		c.Time = utc(c.Time)
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: cosignatures: %w", err)
	}
	return nil
}

// scanCosignatures reads the rows of a query of the cosignatures' columns.
func scanCosignatures(rows pgx.Rows, err error, what string) ([]truce.Cosignature, error) {
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, err)
	}
	out, err := pgx.AppendRows([]truce.Cosignature(nil), rows, func(r pgx.CollectableRow) (truce.Cosignature, error) {
		var c truce.Cosignature
		err := r.Scan(&c.Party, &c.Size, &c.Time, &c.Line, &c.Key)
		c.Time = utc(c.Time)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, err)
	}
	return out, nil
}
