package cli_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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
	// The journal moves on: the next verifier checks that us's cosigned
	// checkpoint is part of the history it verified.
	if _, actor := signInAndDesignate(t, base, "correct horse battery"); actor == "" {
		t.Fatal("no actor")
	}
	if out := mustRun(t, "", "verify", "--url", base, "--token", token); !strings.Contains(out, "consistent with the checkpoints cosigned by: us (size "+m[1]+")") {
		t.Fatalf("verify after the journal moved on: %s", out)
	}
	// The key keeps its last cosigned checkpoint beside it, and cosigns
	// only trees that extend it.
	last := keyFile + ".last"
	if fi, err := os.Stat(last); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the key's record: %v, %v; want a file of mode 0600", fi, err)
	}
	if out := mustRun(t, "", "verify", "--url", base, "--token", token, "--cosign", keyFile); !strings.Contains(out, "as us") {
		t.Fatalf("cosign a larger tree: %s", out)
	}
	rec, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(rec), "\n")
	if len(lines) < 3 || lines[1] == m[1] {
		t.Fatalf("the key's record after cosigning a larger tree: %q", rec)
	}
	for _, c := range []struct{ what, record, want string }{
		{"a record of a larger tree", lines[0] + "\n1" + lines[1] + "\n" + lines[2] + "\n", "rolled back"},
		{"a record of another tree of the same size", lines[0] + "\n" + lines[1] + "\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "a fork"},
		{"a record of an earlier tree that is not this one's", lines[0] + "\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "does not extend"},
	} {
		if err := os.WriteFile(last, []byte(c.record), 0o600); err != nil {
			t.Fatal(err)
		}
		if r := truce(t, "", "verify", "--url", base, "--token", token, "--cosign", keyFile); r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("cosign with %s: exit %d, %s", c.what, r.code, r.stderr)
		}
	}
	if err := os.WriteFile(last, rec, 0o600); err != nil {
		t.Fatal(err)
	}
	signInAndDesignate(t, base, "correct horse battery") // past us's latest cosignature again

	// A server whose consistency proof does not hold (another history than
	// the one us cosigned) fails the verification.
	target, _ := url.Parse(base)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		if r.Request.URL.Path != "/api/v1/journal/proofs/consistency" {
			return nil
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		var p struct{ Hashes []string }
		if err := json.Unmarshal(b, &p); err != nil {
			return err
		}
		if len(p.Hashes) > 0 {
			p.Hashes[0] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
		}
		b, _ = json.Marshal(map[string]any{"hashes": p.Hashes})
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		r.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
	lying := httptest.NewServer(proxy)
	defer lying.Close()
	if r := truce(t, "", "verify", "--url", lying.URL, "--token", token); r.code == 0 || !strings.Contains(r.stderr, "not consistent") {
		t.Fatalf("verify through a server with a bad consistency proof: exit %d, %s", r.code, r.stderr)
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
