package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/truce-org/truce/internal/store/postgres/pgtest"
)

// serveBin starts bin with args and returns its base URL and a stop func.
func serveBin(t *testing.T, bin string, args ...string) (string, func()) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	first, err := r.ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatalf("first line: %v; stderr %s", err, stderr.String())
	}
	go io.Copy(io.Discard, r)
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return strings.TrimPrefix(strings.TrimSpace(first), "listening on "), stop
}

// TestBackupWhileServing backs up a serving demo while clients append, then
// serves the copy and verifies it, as docs/operations.md says to restore.
func TestBackupWhileServing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "truce")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "t.db")
	base, stop := serveBin(t, bin, "demo", "--addr", "127.0.0.1:0", "--db", db)
	token := signInAs(t, base, "us-analyst")

	var acked atomic.Int64
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				req, _ := http.NewRequest("POST", base+"/api/v1/actors", strings.NewReader(fmt.Sprintf(`{"name":"Backup test group %d-%d (illustrative)"}`, w, i)))
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					acked.Add(1)
				}
			}
		})
	}
	for acked.Load() < 50 {
		time.Sleep(5 * time.Millisecond)
	}
	copyDir := t.TempDir()
	copyFile := filepath.Join(copyDir, "copy.db")
	out, err := exec.Command(bin, "backup", "--db", db, copyFile, "--with-keys").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "backed up") {
		t.Fatalf("backup while serving: %v\n%s", err, out)
	}
	close(done)
	wg.Wait()
	stop()

	if out, err := exec.Command(bin, "verify", "--db", "sqlite:"+copyFile).CombinedOutput(); err != nil {
		t.Fatalf("verify the copy: %v\n%s", err, out)
	}
	// Restore: serve from the copy; its members sign in and it verifies over HTTP.
	copyBase, stopCopy := serveBin(t, bin, "serve", "--addr", "127.0.0.1:0", "--db", "sqlite:"+copyFile)
	defer stopCopy()
	tok := signInAs(t, copyBase, "us-official")
	if out, err := exec.Command(bin, "verify", "--url", copyBase, "--token", tok).CombinedOutput(); err != nil {
		t.Fatalf("verify the served copy: %v\n%s", err, out)
	}
	if before := journalSize(t, copyBase, tok); before < 60 {
		t.Fatalf("the copy's journal holds %d entries", before)
	}

	// A second backup into the same place is refused, and PostgreSQL is
	// pointed at pg_dump.
	if out, err := exec.Command(bin, "backup", "--db", db, copyFile).CombinedOutput(); err == nil {
		t.Fatalf("a backup over an existing file succeeded: %s", out)
	}
	if pg := os.Getenv("TRUCE_TEST_POSTGRES"); pg != "" {
		out, err := exec.Command(bin, "backup", "--db", pgtest.URL(t), "--keys", filepath.Join(t.TempDir(), "keys"), filepath.Join(copyDir, "pg.db")).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "pg_dump") {
			t.Fatalf("backup of PostgreSQL: %v %s", err, out)
		}
	}
}

func signInAs(t *testing.T, base, user string) string {
	t.Helper()
	resp, err := http.Post(base+"/api/v1/sessions", "application/json", strings.NewReader(`{"username":"`+user+`","password":"demo"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct{ Token string }
	if err := jsonDecode(resp.Body, &s); err != nil || s.Token == "" {
		t.Fatalf("sign in %s: %d %v", user, resp.StatusCode, err)
	}
	return s.Token
}

// TestPostgresDumpRestore follows docs/operations.md on PostgreSQL: dump a
// served demo with pg_dump, restore it into a new database with psql, and
// verify the copy with the keys kept beside the dump.
func TestPostgresDumpRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	base := pgtest.BaseURL(t)
	for _, tool := range []string{"pg_dump", "psql"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	bin := filepath.Join(t.TempDir(), "truce")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	url := pgtest.URL(t)
	keys := filepath.Join(t.TempDir(), "keys")
	_, stop := serveBin(t, bin, "demo", "--addr", "127.0.0.1:0", "--db", url, "--keys", keys)
	stop()

	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	dump := filepath.Join(t.TempDir(), "truce.sql")
	if out, err := exec.Command("pg_dump", "--schema="+schema, "--no-owner", "--file="+dump, base).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	db := "truce_restore_" + strings.TrimPrefix(schema, pgtest.SchemaPrefix)
	if out, err := exec.Command("psql", base, "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE "+db).CombinedOutput(); err != nil {
		t.Fatalf("create database: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("psql", base, "-c", "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)").Run() })
	restored := *u // the same search_path, in the new database
	restored.Path = "/" + db
	bu, _ := neturl.Parse(base)
	bu.Path = "/" + db
	if out, err := exec.Command("psql", bu.String(), "-v", "ON_ERROR_STOP=1", "-q", "-f", dump).CombinedOutput(); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "verify", "--db", restored.String(), "--keys", keys).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "entries verified") || strings.Contains(string(out), " 0 entries") {
		t.Fatalf("verify the restored copy: %v\n%s", err, out)
	}
}
