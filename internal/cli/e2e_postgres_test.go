package cli_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/truce-org/truce/internal/store/postgres/pgtest"
)

// TestEndToEndPostgres is TestEndToEnd on PostgreSQL: set up an arrangement
// with the CLI on a postgres:// URL and a key directory of its own, serve
// it, sign in, set a designation, verify; then edit a journal row as an
// operator with psql could and see verify name the entry.
func TestEndToEndPostgres(t *testing.T) {
	db := pgtest.URL(t)
	keys := filepath.Join(t.TempDir(), "keys")
	// serve (shared with TestEndToEnd) passes only --db; the key directory
	// reaches it, and every other verb, through the environment.
	t.Setenv("TRUCE_KEYS", keys)

	mustRun(t, "", "migrate", "--db", db, "--keys", keys, "--origin", "e2e-pg.truce.invalid/office")
	mustRun(t, "", "party", "add", "us", "--db", db, "--keys", keys, "--name", "US (test)")
	mustRun(t, "", "party", "add", "ru", "--db", db, "--keys", keys, "--name", "RU (test)")
	mustRun(t, "correct horse battery\n", "user", "add", "us-official", "--db", db, "--keys", keys, "--party", "us", "--role", "official")
	checkKeyModes(t, keys, "office.key", "party-us.key", "party-ru.key")

	base := serve(t, db)
	token, actorID := signInAndDesignate(t, base, "correct horse battery")
	entries := outsideVerify(t, base, token)
	if len(entries) != 2 || !strings.Contains(entries[1], `"kind":"designation.set"`) {
		t.Fatalf("journal over HTTP: %q", entries)
	}
	if out := mustRun(t, "", "verify", "--db", db, "--keys", keys); !strings.Contains(out, "office state matches") {
		t.Fatalf("verify --db: %s", out)
	}

	// Tamper the way an operator with psql could.
	ctx := context.Background()
	raw, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close(ctx)
	edit := func(query string) {
		t.Helper()
		if tag, err := raw.Exec(ctx, query); err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("%s: %v, %d rows", query, err, tag.RowsAffected())
		}
	}
	edit(`UPDATE journal_entries SET note = convert_to(replace(convert_from(note, 'UTF8'), '"excluded"', '"party_to_cessation"'), 'UTF8') WHERE idx = 1`)
	r := truce(t, "", "verify", "--db", db, "--keys", keys)
	if r.code == 0 || !strings.Contains(r.stderr, "entry 1") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("verify after editing entry 1: exit %d, stderr %q", r.code, r.stderr)
	}
	// Restore the entry; now edit the projected row instead.
	edit(`UPDATE journal_entries SET note = convert_to(replace(convert_from(note, 'UTF8'), '"party_to_cessation"', '"excluded"'), 'UTF8') WHERE idx = 1`)
	mustRun(t, "", "verify", "--db", db, "--keys", keys)
	edit(`UPDATE designation_history SET designation = 'undetermined'`)
	r = truce(t, "", "verify", "--db", db, "--keys", keys)
	if r.code == 0 || !strings.Contains(r.stderr, "actor "+actorID) {
		t.Fatalf("verify after editing the projection: exit %d, stderr %q", r.code, r.stderr)
	}
}
