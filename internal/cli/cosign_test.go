package cli_test

import (
	"database/sql"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCosignFromVerify follows a party that cosigns what it verified: it
// makes a cosigner key off the server, declares its public half, verifies
// the server's journal with --cosign, and the next verifier, and the
// database's own verification, see and check the cosignature.
func TestCosignFromVerify(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "truce.db")
	mustRun(t, "", "migrate", "--db", db, "--origin", "cosign.truce.invalid/office")
	mustRun(t, "", "party", "add", "us", "--db", db, "--name", "US (test)")
	mustRun(t, "", "party", "add", "ru", "--db", db, "--name", "RU (test)")
	mustRun(t, "correct horse battery\n", "user", "add", "us-official", "--db", db, "--party", "us", "--role", "official")
	base := serve(t, db)
	token, _ := signInAndDesignate(t, base, "correct horse battery")

	keyFile := filepath.Join(dir, "us-cosigner.key")
	vkey := strings.TrimSpace(mustRun(t, "", "cosigner", "new", keyFile, "--name", "verifier.us.example/truce"))
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", fi, err)
	}
	if r := truce(t, "", "cosigner", "new", keyFile, "--name", "verifier.us.example/truce"); r.code == 0 || !strings.Contains(r.stderr, "never overwritten") {
		t.Fatalf("a second key over the first: exit %d, %s", r.code, r.stderr)
	}
	if r := truce(t, "", "verify", "--db", db, "--cosign", keyFile); r.code == 0 || !strings.Contains(r.stderr, "--cosign needs --url") {
		t.Fatalf("--cosign without --url: exit %d, %s", r.code, r.stderr)
	}

	// Not yet declared: verified, but the server refuses the cosignature.
	if r := truce(t, "", "verify", "--url", base, "--token", token, "--cosign", keyFile); r.code == 0 || !strings.Contains(r.stderr, "verified, but not cosigned") {
		t.Fatalf("cosign before the key is set: exit %d, %s", r.code, r.stderr)
	}
	if code, body := call(t, "PUT", base+"/api/v1/journal/cosigners/us", token, map[string]string{"key": vkey}); code != http.StatusOK {
		t.Fatalf("set the cosigner key: %d %s", code, body)
	}
	out := mustRun(t, "", "verify", "--url", base, "--token", token, "--cosign", keyFile)
	m := regexp.MustCompile(`cosigned the checkpoint of size (\d+) as us`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "ok: "+m[1]+" entries verified") {
		t.Fatalf("verify --cosign: %s", out)
	}
	if out := mustRun(t, "", "verify", "--url", base, "--token", token); !strings.Contains(out, "checkpoint cosigned by: us") {
		t.Fatalf("the next verifier does not see us's cosignature: %s", out)
	}

	// Another key, not the one declared: refused.
	other := filepath.Join(dir, "other.key")
	mustRun(t, "", "cosigner", "new", other, "--name", "verifier.us.example/truce")
	if r := truce(t, "", "verify", "--url", base, "--token", token, "--cosign", other); r.code == 0 || !strings.Contains(r.stderr, "no cosignature by us's cosigner key") {
		t.Fatalf("cosign with an undeclared key: exit %d, %s", r.code, r.stderr)
	}
	// The key's declaration is part of the state the journal implies.
	if out := mustRun(t, "", "verify", "--db", db); !strings.Contains(out, "office state matches") {
		t.Fatalf("verify --db: %s", out)
	}
	raw, err := sql.Open("sqlite", filepath.Join(dir, "truce.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// A cosignature changed in the database is found, and so is one whose
	// key was never declared.
	if _, err := raw.Exec(`UPDATE cosignatures SET line = replace(line, substr(line, -6, 4), 'AAAA')`); err != nil {
		t.Fatal(err)
	}
	if r := truce(t, "", "verify", "--db", db); r.code == 0 || !strings.Contains(r.stderr, "cosignature of the checkpoint of size "+m[1]+" by us") {
		t.Fatalf("verify --db after a cosignature was changed: exit %d, %s", r.code, r.stderr)
	}
	if _, err := raw.Exec(`DELETE FROM cosignatures`); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "", "verify", "--db", db)
	if _, err := raw.Exec(`INSERT INTO cosignatures(party, size, time, line, key) VALUES ('ru', ?, '2026-11-25T00:00:00.000000Z', 'x', ?)`, m[1], vkey); err != nil {
		t.Fatal(err)
	}
	if r := truce(t, "", "verify", "--db", db); r.code == 0 || !strings.Contains(r.stderr, "never declared by ru") {
		t.Fatalf("verify --db with a cosignature by an undeclared key: exit %d, %s", r.code, r.stderr)
	}
	if _, err := raw.Exec(`DELETE FROM cosignatures`); err != nil {
		t.Fatal(err)
	}
	// A cosigner key swapped in the database, not through the journal, is
	// found.
	if _, err := raw.Exec(`UPDATE cosigners SET doc = replace(doc, 'verifier.us.example', 'verifier.xx.example')`); err != nil {
		t.Fatal(err)
	}
	if r := truce(t, "", "verify", "--db", db); r.code == 0 || !strings.Contains(r.stderr, "cosigner") {
		t.Fatalf("verify --db after the cosigner key was swapped: exit %d, %s", r.code, r.stderr)
	}
}
