// Package postgres is truce's store on PostgreSQL (or an engine that speaks
// its protocol), through a pgx connection pool, with embedded migrations run
// by goose at every open.
//
// Several truce processes, on one host or many, may share one database.
// Appends are serialized by a row lock on the one-row table journal_head
// (SELECT ... FOR UPDATE at the start of each append's transaction), and
// journal indexes come from that row, never from a sequence. Reads do not
// take the lock.
//
// PostgreSQL keeps times to the microsecond and text without NUL bytes, in
// valid UTF-8. Writes of text it cannot hold fail with an error (before the
// statement is sent, so an append's transaction stays usable); reads by such
// a key find nothing (store.ErrNotFound), since nothing stored can match it.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/truce-org/truce/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a Store on one PostgreSQL database (the first schema of the
// connection's search_path).
type DB struct {
	pool *pgxpool.Pool
}

var _ store.Store = (*DB)(nil)

// Open connects to the database at url (postgres://user:pass@host/db?...,
// any parameter pgx or pgxpool reads) and migrates it.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgconn's parse errors hide the password.
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return openConfig(ctx, cfg)
}

// openConfig opens a pool from cfg; tests use it to add a tracer.
func openConfig(ctx context.Context, cfg *pgxpool.Config) (*DB, error) {
	if cfg.MaxConns < 2 {
		// A reader streaming entries may append from its callback.
		return nil, fmt.Errorf("postgres: pool_max_conns is %d, want at least 2", cfg.MaxConns)
	}
	// On a canceled context, ask the server to cancel the statement (a
	// lock wait, say) rather than only dropping the connection: a dropped
	// client's backend would wait on in the lock queue.
	cfg.ConnConfig.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 5 * time.Second}
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "truce"
	}
	cfg.AfterConnect = durableCommits
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := &DB{pool: pool}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// durableCommits turns synchronous_commit back on where the server or
// role turned it off: nobody is told an append is done before it is
// durable. Stricter settings (remote_write, remote_apply) are kept, and an
// engine without the setting is left alone.
func durableCommits(ctx context.Context, c *pgx.Conn) error {
	var v string
	if err := c.QueryRow(ctx, "SHOW synchronous_commit").Scan(&v); err != nil {
		if pgCode(err) != "" {
			return nil // the server answered: it has no such setting
		}
		return fmt.Errorf("postgres: show synchronous_commit: %w", err)
	}
	if v != "off" {
		return nil
	}
	if _, err := c.Exec(ctx, "SET synchronous_commit = on"); err != nil {
		return fmt.Errorf("postgres: set synchronous_commit: %w", err)
	}
	return nil
}

func (db *DB) migrate(ctx context.Context) error {
	var enc string
	if err := db.pool.QueryRow(ctx, "SHOW server_encoding").Scan(&enc); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if !strings.EqualFold(enc, "UTF8") {
		return fmt.Errorf("postgres: the database's encoding is %s, want UTF8", enc)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	defer sqlDB.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, sub, goose.WithSessionLocker(schemaLocker{}))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// schemaLocker makes nodes starting together on a new database migrate it
// one after the other: a session advisory lock keyed by the schema
// migrated, so that other schemas (tests use one each) do not wait.
type schemaLocker struct{}

// migrateLockKey is hashed with the schema's name into the lock's key.
const migrateLockKey = "truce.migrate."

func (schemaLocker) key(ctx context.Context, conn *sql.Conn) (int64, error) {
	var schema sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return 0, err
	}
	if !schema.Valid {
		return 0, errors.New("no schema in search_path exists")
	}
	h := fnv.New64a()
	h.Write([]byte(migrateLockKey + schema.String))
	return int64(h.Sum64()), nil
}

func (l schemaLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	k, err := l.key(ctx, conn)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", k); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	return nil
}

func (l schemaLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	k, err := l.key(ctx, conn)
	if err != nil {
		return fmt.Errorf("migration unlock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", k); err != nil {
		return fmt.Errorf("migration unlock: %w", err)
	}
	return nil
}

// Close closes the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Exec runs a raw statement. It exists for tests that tamper with stored
// rows the way an operator with psql could.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := db.pool.Exec(ctx, query, args...)
	return err
}

func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	if !storable(key) {
		return "", fmt.Errorf("meta %q: %w", key, store.ErrNotFound)
	}
	var v string
	err := db.pool.QueryRow(ctx, "SELECT value FROM meta WHERE key = $1", key).Scan(&v)
	if notFound(err) {
		return "", fmt.Errorf("meta %q: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("postgres: meta %q: %w", key, err)
	}
	return v, nil
}

func (db *DB) SetMetaOnce(ctx context.Context, key, value string) (string, error) {
	if err := checkText("key", key, "value", value); err != nil {
		return "", fmt.Errorf("postgres: set meta %q: %w", key, err)
	}
	// Two statements: the read must take a snapshot after the insert, to
	// see a concurrent first insert that ON CONFLICT waited for.
	if _, err := db.pool.Exec(ctx, "INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", key, value); err != nil {
		return "", fmt.Errorf("postgres: set meta %q: %w", key, err)
	}
	return db.Meta(ctx, key)
}

// errBadText is the error of a write whose text PostgreSQL cannot store.
var errBadText = errors.New("text holds a NUL byte or invalid UTF-8, which PostgreSQL cannot store")

// storable reports whether s fits a text column: valid UTF-8 without NUL.
func storable(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// checkText checks name/value pairs of text about to be written.
func checkText(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if !storable(pairs[i+1]) {
			return fmt.Errorf("%s: %w", pairs[i], errBadText)
		}
	}
	return nil
}

func notFound(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// SQLSTATE codes the store tells apart.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func isUniqueViolation(err error) bool { return pgCode(err) == codeUniqueViolation }

// utc returns stored times in UTC, as the SQLite store does (pgx returns
// them in the local zone).
func utc(t time.Time) time.Time { return t.UTC() }
