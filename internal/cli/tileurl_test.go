package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce/internal/cli"
)

// TestTileURL: serve refuses a --tile-url that is not a plain http(s)
// template (one line on stderr, nothing served), and serves a good one to
// the web UI in /ui/config.json, its host alone added to the page's CSP.
func TestTileURL(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "truce.db")
	for _, bad := range []string{"javascript:alert(1)", "tiles/{z}/{x}/{y}.png", "https://a.example;script-src/{z}"} {
		r := truce(t, "", "serve", "--db", db, "--addr", "127.0.0.1:0", "--tile-url", bad)
		if r.code == 0 || !strings.Contains(r.stderr, "--tile-url") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("--tile-url %q: exit %d, stderr %q", bad, r.code, r.stderr)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var errb bytes.Buffer
	go func() {
		done <- cli.Main(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--log-level", "warn",
			"--tile-url", "https://tiles.example.org/{z}/{x}/{y}.png"}, cli.IO{Stdout: pw, Stderr: &errb})
		pw.Close()
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no first line: %v (%s)", err, errb.String())
	}
	go io.Copy(io.Discard, pr)
	base := strings.TrimPrefix(strings.TrimSpace(line), "listening on ")
	res, err := http.Get(base + "/ui/config.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `"tile_url":"https://tiles.example.org/{z}/{x}/{y}.png"`) {
		t.Errorf("config.json: %d %s", res.StatusCode, body)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: https://tiles.example.org;") {
		t.Errorf("CSP %q", csp)
	}
	// The API is still the API.
	res, err = http.Get(base + "/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Errorf("/api/v1/me without a token: %d", res.StatusCode)
	}
}
