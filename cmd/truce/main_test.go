package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinarySignals builds the real binary, starts 'truce demo' and
// 'truce serve' on free ports and stops them with SIGTERM and SIGINT.
func TestBinarySignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "truce")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cases := []struct {
		name string
		args []string
		sig  os.Signal
	}{
		{"demo stops on SIGTERM", []string{"demo", "--addr", "127.0.0.1:0"}, syscall.SIGTERM},
		{"serve stops on SIGINT", []string{"serve", "--addr", "127.0.0.1:0", "--db", "sqlite:" + filepath.Join(t.TempDir(), "t.db")}, os.Interrupt},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, tc.args...)
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
			base, ok := strings.CutPrefix(strings.TrimSpace(first), "listening on ")
			if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") || strings.HasSuffix(base, ":0") {
				t.Fatalf("first line %q", first)
			}
			// The demo prints, after its sign-ins, the cosigner key files of
			// the parties, which cosigned the seeded journal.
			var usKey string
			if tc.args[0] == "demo" {
				for usKey == "" {
					line, err := r.ReadString('\n')
					if err != nil {
						t.Fatalf("demo output ended before the cosigner keys: %v", err)
					}
					if _, rest, ok := strings.Cut(line, "--cosign "); ok {
						usKey = strings.Fields(rest)[0]
					}
				}
			}
			go io.Copy(io.Discard, r)
			resp, err := http.Get(base + "/healthz")
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("healthz: %v %v", resp, err)
			}
			resp.Body.Close()
			if tc.args[0] == "demo" {
				resp, err := http.Post(base+"/api/v1/sessions", "application/json", strings.NewReader(`{"username":"us-official","password":"demo"}`))
				if err != nil || resp.StatusCode != http.StatusCreated {
					t.Fatalf("demo sign-in: %v %v", resp, err)
				}
				var sess struct{ Token string }
				err = json.NewDecoder(resp.Body).Decode(&sess)
				resp.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				out, err := exec.Command(bin, "verify", "--url", base, "--token", sess.Token).CombinedOutput()
				if err != nil || !strings.Contains(string(out), "checkpoint cosigned by: mon, ru, us") {
					t.Fatalf("verify the demo: %v\n%s", err, out)
				}
				out, err = exec.Command(bin, "verify", "--url", base, "--token", sess.Token, "--cosign", usKey).CombinedOutput()
				if err != nil || !strings.Contains(string(out), "as us") {
					t.Fatalf("cosign the demo's checkpoint with %s: %v\n%s", usKey, err, out)
				}
			}
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("exit after %v: %v; stderr %s", tc.sig, err, stderr.String())
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("did not stop on %v", tc.sig)
			}
		})
	}
}
