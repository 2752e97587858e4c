// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema on the server named by TRUCE_TEST_POSTGRES, first in the
// search_path of the URL it returns, dropped with everything in it when the
// test ends. Tests that use it run in parallel and leave nothing behind.
//
// Without TRUCE_TEST_POSTGRES the test is skipped, unless
// TRUCE_TEST_POSTGRES_REQUIRED=1 (as CI sets it), which fails it instead.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env names the server's URL, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const Env = "TRUCE_TEST_POSTGRES"

// RequiredEnv, set to 1, turns a missing Env into a failure.
const RequiredEnv = "TRUCE_TEST_POSTGRES_REQUIRED"

// SchemaPrefix starts the name of every schema this package creates.
const SchemaPrefix = "truce_test_"

// cleanupLimit bounds dropping a test's schema.
const cleanupLimit = 30 * time.Second

// URL returns a postgres:// URL whose search_path is a new, empty schema,
// dropped (CASCADE) when tb and its subtests end. pgx reads the search_path
// parameter into the connection's runtime parameters.
func URL(tb testing.TB) string {
	tb.Helper()
	base := BaseURL(tb)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatalf("%s is not a postgres:// URL", Env)
	}
	q := u.Query()
	if q.Has("search_path") {
		tb.Fatalf("%s sets search_path; pgtest sets it per test", Env)
	}
	var b [8]byte
	rand.Read(b[:])
	schema := SchemaPrefix + hex.EncodeToString(b[:])

	ctx, cancel := context.WithTimeout(context.Background(), cleanupLimit)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("pgtest: connect to %s: %v", Env, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("pgtest: create schema: %v", err)
	}
	tb.Cleanup(func() { drop(tb, base, schema) })

	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// BaseURL returns the server's URL from Env, or skips (or fails) tb.
func BaseURL(tb testing.TB) string {
	tb.Helper()
	base := strings.TrimSpace(os.Getenv(Env))
	if base == "" {
		if os.Getenv(RequiredEnv) == "1" {
			tb.Fatalf("%s=1 but %s is not set: PostgreSQL tests must run", RequiredEnv, Env)
		}
		tb.Skipf("PostgreSQL tests skipped: set %s to a postgres:// URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run them", Env)
	}
	return base
}

// drop removes schema and everything in it, on a connection of its own.
func drop(tb testing.TB, base, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupLimit)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Errorf("pgtest: drop schema %s: %v", schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
		tb.Errorf("pgtest: drop schema %s: %v", schema, err)
	}
}
