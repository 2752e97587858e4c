package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/truce-org/truce/internal/store/postgres/pgtest"
)

// TestKilledMidAppend kills a serving node with SIGKILL while 32 clients
// append, then checks with `truce verify` that the journal holds no
// half-written entry (every signature, sequence, stored hash and the
// projection agree) and that every append the node acknowledged survived.
func TestKilledMidAppend(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "truce")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		killMidAppend(t, bin, "sqlite:"+filepath.Join(dir, "t.db"), filepath.Join(dir, "keys"))
	})
	t.Run("postgres", func(t *testing.T) {
		killMidAppend(t, bin, pgtest.URL(t), filepath.Join(t.TempDir(), "keys"))
	})
}

func killMidAppend(t *testing.T, bin, db, keys string) {
	cmd := exec.Command(bin, "demo", "--addr", "127.0.0.1:0", "--db", db, "--keys", keys)
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
	defer cmd.Process.Kill()
	r := bufio.NewReader(stdout)
	first, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("first line: %v; stderr %s", err, stderr.String())
	}
	base := strings.TrimPrefix(strings.TrimSpace(first), "listening on ")
	go io.Copy(io.Discard, r)

	resp, err := http.Post(base+"/api/v1/sessions", "application/json", strings.NewReader(`{"username":"us-analyst","password":"demo"}`))
	if err != nil {
		t.Fatal(err)
	}
	var session struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&session)
	resp.Body.Close()
	before := journalSize(t, base, session.Token)

	var acked atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(10 * time.Second)
	for w := range 32 {
		wg.Go(func() {
			for i := 0; time.Now().Before(stop); i++ {
				body := fmt.Sprintf(`{"name":"Kill test group %d-%d (illustrative)"}`, w, i)
				req, _ := http.NewRequest("POST", base+"/api/v1/actors", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+session.Token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return // the node is gone
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					acked.Add(1)
				}
			}
		})
	}
	for acked.Load() < 200 && time.Now().Before(stop) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	wg.Wait()
	if acked.Load() < 200 {
		t.Fatalf("only %d appends acknowledged before the kill", acked.Load())
	}

	out, err := exec.Command(bin, "verify", "--db", db, "--keys", keys).CombinedOutput()
	if err != nil {
		t.Fatalf("verify after SIGKILL: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(\d+) entries verified`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("verify said %s", out)
	}
	size, _ := strconv.ParseInt(string(m[1]), 10, 64)
	if size < before+acked.Load() {
		t.Fatalf("the journal holds %d entries; %d before plus %d acknowledged appends were promised", size, before, acked.Load())
	}
	t.Logf("killed after %d acknowledged appends; journal %d → %d entries, verified", acked.Load(), before, size)
}

func journalSize(t *testing.T, base, token string) int64 {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v1/journal", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var j struct{ Size int64 }
	if err := json.NewDecoder(resp.Body).Decode(&j); err != nil {
		t.Fatal(err)
	}
	return j.Size
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
