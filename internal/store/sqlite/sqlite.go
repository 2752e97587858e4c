// Package sqlite is truce's default store: one SQLite file in WAL mode
// through the pure-Go modernc.org/sqlite driver, with embedded migrations.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/truce-org/truce/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a Store on one SQLite file. Writes go through one connection with
// BEGIN IMMEDIATE transactions; reads use a small pool of their own.
type DB struct {
	path  string
	write *sql.DB
	read  *sql.DB

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // prepared on the write connection
}

var _ store.Store = (*DB)(nil)

// Open opens (creating if needed) the database file at path and migrates it.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: create directory: %w", err)
		}
	}
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	// The one writing connection keeps a large transaction's pages and
	// statement journals in memory rather than spilling them to disk
	// mid-transaction (an incident.import entry writes thousands of rows),
	// and keeps up to 512 MiB of pages (the cache grows only as pages are
	// read): the indexes of a million incidents (id, occurred_at,
	// perpetrator, the R*Tree: ~200 MB) then stay in memory, where each
	// new row's random id would otherwise read and write back a page of
	// each index from disk (docs/benchmarks.md, ACLED import).
	w, err := sql.Open("sqlite", dsn(path, pragmas+"&_pragma=temp_store(MEMORY)&_pragma=cache_size(-524288)&_pragma=wal_autocheckpoint(8192)&_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", dsn(path, pragmas))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	db := &DB{path: path, write: w, read: r, stmts: map[string]*sql.Stmt{}}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.prepareAppendQueries(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func dsn(path, query string) string {
	u := url.URL{Scheme: "file", Path: path, RawQuery: query}
	return u.String()
}

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

func (db *DB) migrate(ctx context.Context) error {
	sub, err := fsSub()
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db.write, sub)
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	db.mu.Lock()
	for _, st := range db.stmts {
		st.Close()
	}
	db.stmts = nil
	db.mu.Unlock()
	return errors.Join(db.write.Close(), db.read.Close())
}

// prepared returns query's statement if it is one of appendQueries,
// prepared once on the write connection: SQLite's parser costs more than
// most statements an append runs. Other queries return nil.
func (db *DB) prepared(query string) *sql.Stmt {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.stmts[query]
}

// prepareAppendQueries prepares the statements appends run, before any
// transaction holds the single write connection (preparing on the pool
// inside one would wait for that connection forever).
func (db *DB) prepareAppendQueries(ctx context.Context) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, q := range appendQueries {
		st, err := db.write.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("sqlite: prepare %q: %w", q, err)
		}
		db.stmts[q] = st
	}
	return nil
}

// Backup writes a consistent copy of the database to path while it serves.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("sqlite: backup: %s already exists", path)
	}
	_, err := db.read.ExecContext(ctx, "VACUUM INTO ?", path)
	if err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	return nil
}

// Exec runs a raw statement on the write connection. It exists for tests
// that tamper with stored rows the way an operator with the sqlite3 shell could.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := db.write.ExecContext(ctx, query, args...)
	return err
}

func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("meta %q: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: meta %q: %w", key, err)
	}
	return v, nil
}

func (db *DB) SetMetaOnce(ctx context.Context, key, value string) (string, error) {
	if _, err := db.write.ExecContext(ctx, "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING", key, value); err != nil {
		return "", fmt.Errorf("sqlite: set meta %q: %w", key, err)
	}
	return db.Meta(ctx, key)
}

// timeFormat has a fixed width so that stored times sort as text in time
// order (RFC3339Nano drops trailing zeros, and '.' sorts before 'Z').
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: bad stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}
