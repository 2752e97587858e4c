// Package testenv starts a real office for tests: a SQLite file in a
// temporary directory (or, with TRUCE_TEST_BACKEND=postgres, a fresh schema
// of the PostgreSQL server named by TRUCE_TEST_POSTGRES), the demo's parties
// and members, the real services and API behind an httptest server on
// loopback.
package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/truce-org/truce/internal/auth"
	"github.com/truce-org/truce/internal/cli"
	"github.com/truce-org/truce/internal/demo"
	"github.com/truce-org/truce/internal/store/postgres/pgtest"
)

// Env is a running office.
type Env struct {
	App    *cli.App
	Server *httptest.Server
	Dir    string
	DB     string // the --db URL
	Keys   string

	tokens map[string]string
}

// Option changes the options of the office under test.
type Option func(*cli.Options)

// New starts an office seeded with the demo scenario and stops it when the
// test ends.
func New(tb testing.TB, opts ...Option) *Env {
	tb.Helper()
	return start(tb, os.Getenv("TRUCE_TEST_BACKEND") == "postgres", opts)
}

// NewSQLite is New on SQLite whatever TRUCE_TEST_BACKEND says, for tests
// that reach into the SQLite file itself.
func NewSQLite(tb testing.TB, opts ...Option) *Env {
	tb.Helper()
	return start(tb, false, opts)
}

// NewPostgres is New on PostgreSQL whatever TRUCE_TEST_BACKEND says; it
// skips without TRUCE_TEST_POSTGRES (fails when it is required).
func NewPostgres(tb testing.TB, opts ...Option) *Env {
	tb.Helper()
	return start(tb, true, opts)
}

// Node starts another office process on e's database and keys, as a second
// truce node behind a load balancer would be, and stops it when the test ends.
func (e *Env) Node(tb testing.TB, opts ...Option) *cli.App {
	tb.Helper()
	ctx := context.Background()
	st, err := cli.OpenStorage(ctx, e.DB, e.Keys)
	if err != nil {
		tb.Fatal(err)
	}
	opt := cli.Options{Hash: auth.TestParams, MaxHashes: 4}
	for _, o := range opts {
		o(&opt)
	}
	app, err := cli.NewApp(ctx, st, opt)
	if err != nil {
		st.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() { app.Close() })
	return app
}

// NewOn is New on the database at url (a postgres:// URL that reaches the
// test server some other way, through a proxy, say).
func NewOn(tb testing.TB, url string, opts ...Option) *Env {
	tb.Helper()
	return startOn(tb, url, opts)
}

func start(tb testing.TB, postgres bool, opts []Option) *Env {
	tb.Helper()
	url := ""
	if postgres {
		url = pgtest.URL(tb)
	}
	return startOn(tb, url, opts)
}

func startOn(tb testing.TB, url string, opts []Option) *Env {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	e := &Env{Dir: dir, DB: "sqlite:" + filepath.Join(dir, "truce.db"), Keys: filepath.Join(dir, "keys"), tokens: map[string]string{}}
	if url != "" {
		e.DB = url
	}
	st, err := cli.OpenStorage(ctx, e.DB, e.Keys)
	if err != nil {
		tb.Fatal(err)
	}
	opt := cli.Options{Origin: "test.truce.invalid/office", Hash: auth.TestParams, MaxHashes: 4,
		SignInEvery: time.Millisecond, SignInBurst: 1000, AddrEvery: time.Millisecond, AddrBurst: 1000}
	for _, o := range opts {
		o(&opt)
	}
	clk := demo.NewClock(demo.Start())
	if opt.Now == nil {
		opt.Now = clk.Now
	}
	app, err := cli.NewApp(ctx, st, opt)
	if err != nil {
		st.Close()
		tb.Fatal(err)
	}
	e.App = app
	if err := demo.Seed(ctx, app.Arrangement.Origin, app.Accounts, app.Office, clk); err != nil {
		app.Close()
		tb.Fatal(err)
	}
	e.Server = httptest.NewServer(app.Handler())
	tb.Cleanup(func() {
		e.Server.Close()
		app.Close()
	})
	return e
}

// Token returns a bearer token for username (cached per Env).
func (e *Env) Token(tb testing.TB, username string) string {
	tb.Helper()
	if t, ok := e.tokens[username]; ok {
		return t
	}
	s, err := e.App.Accounts.IssueToken(context.Background(), username, time.Hour)
	if err != nil {
		tb.Fatalf("token for %s: %v", username, err)
	}
	e.tokens[username] = s.Token
	return s.Token
}

// Response is an answer read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		tb.Fatalf("decode %s: %v", r.Body, err)
	}
}

// NewRequest builds a request to the env's server with body (a string or
// []byte is sent as is, anything else as JSON, nil as no body).
func (e *Env) NewRequest(tb testing.TB, method, path string, body any) *http.Request {
	tb.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			tb.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.Server.URL+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// Send sends req and reads the whole answer.
func (e *Env) Send(tb testing.TB, req *http.Request) *Response {
	tb.Helper()
	resp, err := e.Server.Client().Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Do sends a request as username ("" for anonymous); body as NewRequest.
func (e *Env) Do(tb testing.TB, username, method, path string, body any) *Response {
	tb.Helper()
	req := e.NewRequest(tb, method, path, body)
	if username != "" {
		req.Header.Set("Authorization", "Bearer "+e.Token(tb, username))
	}
	return e.Send(tb, req)
}

// JournalSize returns the journal's size.
func (e *Env) JournalSize(tb testing.TB) int64 {
	tb.Helper()
	n, err := e.App.Storage.Store.JournalSize(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return n
}
