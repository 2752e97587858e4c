package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
	_ "modernc.org/sqlite"

	"github.com/truce-org/truce/internal/cli"
)

type run struct {
	code           int
	stdout, stderr string
}

func truce(t *testing.T, stdin string, args ...string) run {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(context.Background(), args, cli.IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	return run{code, out.String(), errb.String()}
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := truce(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("truce %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// serve starts 'truce serve' on a free port and returns its base URL; the
// server stops (and must exit 0) when the test ends.
func serve(t *testing.T, db string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var errb bytes.Buffer
	go func() {
		done <- cli.Main(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--log-level", "warn"}, cli.IO{Stdout: pw, Stderr: &errb})
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no first line: %v (stderr %s)", err, errb.String())
	}
	go io.Copy(io.Discard, pr)
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d: %s", code, errb.String())
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	return url
}

func call(t *testing.T, method, url, token string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestEndToEnd follows a new operator and user: set up an arrangement with
// the CLI, serve it, sign in, set a designation, verify the journal from the
// outside with only golang.org/x/mod, export and verify a bundle offline,
// then tamper with the database and see verify name the entry.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "truce.db")
	db := "sqlite:" + path
	mustRun(t, "", "migrate", "--db", db, "--origin", "e2e.truce.invalid/office")
	mustRun(t, "", "party", "add", "us", "--db", db, "--name", "US (test)")
	mustRun(t, "", "party", "add", "ru", "--db", db, "--name", "RU (test)")
	mustRun(t, "", "party", "add", "mon", "--db", db, "--name", "Monitor (test)", "--kind", "monitor")
	mustRun(t, "correct horse battery\n", "user", "add", "us-official", "--db", db, "--party", "us", "--role", "official")
	mustRun(t, "another long secret\n", "user", "add", "ru-official", "--db", db, "--party", "ru", "--role", "official")

	// Keys live beside the database, readable by the owner only.
	checkKeyModes(t, filepath.Join(dir, "keys"), "office.key", "party-us.key", "party-ru.key", "party-mon.key")

	base := serve(t, db)
	token, actorID := signInAndDesignate(t, base, "correct horse battery")

	entries := outsideVerify(t, base, token)
	last := entries[len(entries)-1]
	if !strings.Contains(last, `"kind":"designation.set"`) || !strings.Contains(last, `"party":"us"`) || !strings.Contains(last, "— e2e.truce.invalid/office/us ") {
		t.Fatalf("last entry is not us's designation signed by us:\n%s", last)
	}

	bundle := filepath.Join(dir, "journal.bundle")
	mustRun(t, "", "export", "journal", bundle, "--db", db)
	if out := mustRun(t, "", "verify", "--bundle", bundle); !strings.Contains(out, "ok: 2 entries") {
		t.Fatalf("verify --bundle: %s", out)
	}
	if out := mustRun(t, "", "verify", "--url", base, "--token", token); !strings.Contains(out, "ok: 2 entries") {
		t.Fatalf("verify --url: %s", out)
	}
	if out := mustRun(t, "", "verify", "--db", db); !strings.Contains(out, "office state matches") {
		t.Fatalf("verify --db: %s", out)
	}

	// Tamper the way an operator with the sqlite3 shell could.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE journal_entries SET note = CAST(replace(CAST(note AS TEXT), '"excluded"', '"party_to_cessation"') AS BLOB) WHERE idx = 1`); err != nil {
		t.Fatal(err)
	}
	r := truce(t, "", "verify", "--db", db)
	if r.code == 0 || !strings.Contains(r.stderr, "entry 1") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("verify after editing entry 1: exit %d, stderr %q", r.code, r.stderr)
	}
	// The bundle exported before is still good on its own.
	if r := truce(t, "", "verify", "--bundle", bundle); r.code != 0 {
		t.Fatalf("bundle: %s", r.stderr)
	}
	// Restore the entry; now edit the projected row instead.
	if _, err := raw.Exec(`UPDATE journal_entries SET note = CAST(replace(CAST(note AS TEXT), '"party_to_cessation"', '"excluded"') AS BLOB) WHERE idx = 1`); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "", "verify", "--db", db)
	if _, err := raw.Exec(`UPDATE designation_history SET designation = 'undetermined'`); err != nil {
		t.Fatal(err)
	}
	r = truce(t, "", "verify", "--db", db)
	if r.code == 0 || !strings.Contains(r.stderr, "actor "+actorID) {
		t.Fatalf("verify after editing the projection: exit %d, stderr %q", r.code, r.stderr)
	}
}

// outsideVerify checks the journal from its HTTP answers with only
// golang.org/x/mod and the standard library, as a party's own tool would,
// and returns the entries' note texts.
func outsideVerify(t *testing.T, base, token string) []string {
	t.Helper()
	_, body := call(t, "GET", base+"/api/v1/journal", token, nil)
	var info struct {
		Origin    string            `json:"origin"`
		Size      int64             `json:"size"`
		OfficeKey string            `json:"office_key"`
		PartyKeys map[string]string `json:"party_keys"`
	}
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatal(err)
	}
	office, err := note.NewVerifier(info.OfficeKey)
	if err != nil {
		t.Fatal(err)
	}
	if office.Name() != info.Origin {
		t.Fatalf("office key name %q, origin %q", office.Name(), info.Origin)
	}
	_, cpText := call(t, "GET", base+"/api/v1/journal/checkpoint", token, nil)
	cp, err := note.Open(cpText, note.VerifierList(office))
	if err != nil {
		t.Fatalf("checkpoint: %v", err)
	}
	lines := strings.Split(cp.Text, "\n")
	if len(lines) < 4 || lines[0] != info.Origin {
		t.Fatalf("checkpoint text %q", cp.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size != info.Size {
		t.Fatalf("checkpoint size %q, journal %d", lines[1], info.Size)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		t.Fatalf("checkpoint root %q", lines[2])
	}

	_, body = call(t, "GET", fmt.Sprintf("%s/api/v1/journal/entries?start=0&end=%d", base, size), token, nil)
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	var notes []string
	seqs := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Index int64  `json:"index"`
			Note  string `json:"note"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		if line.Index != int64(len(notes)) {
			t.Fatalf("entry index %d, want %d", line.Index, len(notes))
		}
		var head struct {
			Party    string `json:"party"`
			PartySeq int64  `json:"party_seq"`
		}
		text, _, _ := strings.Cut(line.Note, "\n")
		if err := json.Unmarshal([]byte(text), &head); err != nil {
			t.Fatalf("entry %d text: %v", line.Index, err)
		}
		v, err := note.NewVerifier(info.PartyKeys[head.Party])
		if err != nil {
			t.Fatalf("entry %d: key of %q: %v", line.Index, head.Party, err)
		}
		if _, err := note.Open([]byte(line.Note), note.VerifierList(v)); err != nil {
			t.Fatalf("entry %d: not signed by %s: %v", line.Index, head.Party, err)
		}
		seqs[head.Party]++
		if head.PartySeq != seqs[head.Party] {
			t.Fatalf("entry %d: party_seq %d, want %d", line.Index, head.PartySeq, seqs[head.Party])
		}
		hs, err := tlog.StoredHashes(line.Index, []byte(line.Note), reader)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, hs...)
		notes = append(notes, line.Note)
	}
	if int64(len(notes)) != size {
		t.Fatalf("%d entries, checkpoint says %d", len(notes), size)
	}
	got, err := tlog.TreeHash(size, reader)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[:], root) {
		t.Fatalf("tree root %x, checkpoint %x", got, root)
	}
	// The server's inclusion proof of the last entry checks against the root.
	_, body = call(t, "GET", fmt.Sprintf("%s/api/v1/journal/proofs/inclusion?index=%d&size=%d", base, size-1, size), token, nil)
	var proof struct{ Hashes []tlog.Hash }
	if err := json.Unmarshal(body, &proof); err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckRecord(proof.Hashes, size, got, size-1, tlog.RecordHash([]byte(notes[size-1]))); err != nil {
		t.Fatalf("inclusion proof: %v", err)
	}
	return notes
}

func TestCLIErrors(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "truce.db")
	cases := []struct {
		name string
		args []string
		in   string
		want string
	}{
		{"unknown verb", []string{"frobnicate"}, "", "unexpected argument"},
		{"party without name", []string{"party", "add", "us", "--db", db}, "", "--name"},
		{"bad party id", []string{"party", "add", "U S", "--db", db, "--name", "x"}, "", "party id"},
		{"bad kind", []string{"party", "add", "us", "--db", db, "--name", "x", "--kind", "observer"}, "", "kind"},
		{"user without role", []string{"user", "add", "x", "--db", db, "--party", "us"}, "pw", "--role"},
		{"user without password", []string{"user", "add", "x", "--db", db, "--party", "us", "--role", "official"}, "", "password"},
		{"short password", []string{"user", "add", "x", "--db", db, "--party", "us", "--role", "official"}, "short\n", "shorter"},
		{"token for nobody", []string{"token", "nobody", "--db", db}, "", "not found"},
		{"bad db url", []string{"verify", "--db", "mysql://x"}, "", "sqlite:PATH"},
		{"missing bundle", []string{"verify", "--bundle", filepath.Join(dir, "none")}, "", "no such file"},
	}
	mustRun(t, "", "party", "add", "us", "--db", db, "--name", "US")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := truce(t, tc.in, tc.args...)
			if r.code == 0 {
				t.Fatalf("exit 0, stdout %q", r.stdout)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("stderr %q does not say %q", r.stderr, tc.want)
			}
		})
	}
}

// TestHelpOnEveryVerb asks --help of the root and of every verb the parser
// knows, so a new verb cannot be left out.
func TestHelpOnEveryVerb(t *testing.T) {
	parser, err := kong.New(&cli.CLI{}, kong.Vars{"default_db": cli.DefaultDB})
	if err != nil {
		t.Fatal(err)
	}
	verbs := [][]string{{}}
	var walk func(n *kong.Node, path []string)
	walk = func(n *kong.Node, path []string) {
		for _, c := range n.Children {
			p := append(slices.Clone(path), c.Name)
			verbs = append(verbs, p)
			walk(c, p)
		}
	}
	walk(parser.Model.Node, nil)
	for _, want := range [][]string{{"cosigner", "new"}, {"import", "acled"}, {"export", "journal"}, {"backup"}} {
		if !slices.ContainsFunc(verbs, func(v []string) bool { return slices.Equal(v, want) }) {
			t.Fatalf("the verbs walked %v lack %v", verbs, want)
		}
	}
	for _, verb := range verbs {
		r := truce(t, "", append(verb, "--help")...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: truce") {
			t.Errorf("truce %v --help: exit %d, %q", verb, r.code, r.stdout)
		}
	}
	if out := mustRun(t, "", "version"); !strings.HasPrefix(out, "truce ") {
		t.Errorf("version: %q", out)
	}
}

// checkKeyModes asserts the key files exist, readable by the owner only.
func checkKeyModes(t *testing.T, dir string, files ...string) {
	t.Helper()
	for _, f := range files {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v", f, fi.Mode().Perm())
		}
	}
}

// signInAndDesignate signs in as us-official, creates an actor and sets
// us's designation of it, returning the token and the actor's id.
func signInAndDesignate(t *testing.T, base, password string) (string, string) {
	t.Helper()
	status, body := call(t, "POST", base+"/api/v1/sessions", "", map[string]string{"username": "us-official", "password": password})
	if status != http.StatusCreated {
		t.Fatalf("sign in: %d %s", status, body)
	}
	var sess struct{ Token string }
	json.Unmarshal(body, &sess)
	status, body = call(t, "POST", base+"/api/v1/actors", sess.Token, map[string]any{"name": "Test Group (illustrative)", "aliases": []string{"TG"}})
	if status != http.StatusCreated {
		t.Fatalf("create actor: %d %s", status, body)
	}
	var actor struct{ ID string }
	json.Unmarshal(body, &actor)
	status, body = call(t, "PUT", base+"/api/v1/actors/"+actor.ID+"/designations/us", sess.Token, map[string]string{"designation": "excluded", "note": "test"})
	if status != http.StatusOK || !strings.Contains(string(body), `"us":"excluded"`) {
		t.Fatalf("set designation: %d %s", status, body)
	}
	return sess.Token, actor.ID
}

// TestPasswd: a new password works, the old one does not, and sessions
// opened before the change end.
func TestPasswd(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "truce.db")
	mustRun(t, "", "party", "add", "us", "--db", db, "--name", "US (test)")
	mustRun(t, "first long password\n", "user", "add", "us-official", "--db", db, "--party", "us", "--role", "official")
	token := strings.TrimSpace(mustRun(t, "", "token", "us-official", "--db", db, "--ttl", "1h"))
	base := serve(t, db)
	if status, body := call(t, "GET", base+"/api/v1/me", token, nil); status != http.StatusOK {
		t.Fatalf("token before passwd: %d %s", status, body)
	}
	mustRun(t, "second long password\n", "user", "passwd", "us-official", "--db", db)
	if status, _ := call(t, "GET", base+"/api/v1/me", token, nil); status != http.StatusUnauthorized {
		t.Fatalf("token after passwd: %d, want 401", status)
	}
	for pw, want := range map[string]int{"first long password": 401, "second long password": 201} {
		if status, body := call(t, "POST", base+"/api/v1/sessions", "", map[string]string{"username": "us-official", "password": pw}); status != want {
			t.Errorf("sign in with %q: %d %s, want %d", pw, status, body, want)
		}
	}
	if r := truce(t, "a long enough password\n", "user", "passwd", "nobody", "--db", db); r.code == 0 || !strings.Contains(r.stderr, "not found") {
		t.Error("passwd of an unknown member succeeded")
	}
}
