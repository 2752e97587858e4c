package httpapi_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-org/truce/internal/store/postgres/pgtest"
	"github.com/truce-org/truce/internal/testenv"
)

// proxy forwards loopback TCP connections to target until stopped, and can
// be started again on the same address: the database "lost" and back.
type proxy struct {
	target, addr string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func (p *proxy) start(tb testing.TB) {
	tb.Helper()
	addr := p.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	for range 50 { // the port may take a moment to be free again
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		tb.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

// stop refuses new connections and cuts the open ones.
func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestDatabaseLost: losing the database answers 503 with Retry-After in
// the contract's shape, and the office recovers without a restart once the
// database is back.
func TestDatabaseLost(t *testing.T) {
	url := pgtest.URL(t)
	host := "127.0.0.1:5432"
	if !strings.Contains(url, host) {
		t.Skipf("the test server is not at %s", host)
	}
	p := &proxy{target: host}
	p.start(t)
	defer p.stop()
	e := testenv.NewOn(t, strings.Replace(url, host, p.addr, 1))
	token := e.Token(t, "us-official")
	list := func() *testenv.Response {
		return send(t, e, request{method: "GET", path: "/api/v1/zones", token: token})
	}
	mustStatus(t, list(), http.StatusOK, "before")

	p.stop()
	r := list()
	mustStatus(t, r, http.StatusServiceUnavailable, "with the database lost")
	if code, _, _ := errorOf(t, r); code != "unavailable" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("503 without code unavailable or Retry-After: %v %s", r.Header, r.Body)
	}
	mustStatus(t, get(t, e, "", "/readyz"), http.StatusServiceUnavailable, "readyz with the database lost")

	p.start(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := list()
		if r.Status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery 10 s after the database came back: %d %s", r.Status, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	mustStatus(t, e.Do(t, "us-analyst", "POST", "/api/v1/zones", zoneFeatureIn("After the outage (illustrative)")), http.StatusCreated, "a write after recovery")
}
