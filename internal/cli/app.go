// Package cli is truce's command line: one file per verb, and the wiring
// that turns a configuration into a running office.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/truce-org/truce/internal/auth"
	"github.com/truce-org/truce/internal/httpapi"
	"github.com/truce-org/truce/internal/keyring"
	"github.com/truce-org/truce/internal/metrics"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/store/postgres"
	"github.com/truce-org/truce/internal/store/sqlite"
	"github.com/truce-org/truce/internal/webui"
)

// DefaultDB is the database used when neither --db nor TRUCE_DB says otherwise.
const DefaultDB = "sqlite:./truce-data/truce.db"

// DefaultPostgresKeys is the key directory of a PostgreSQL database when
// --keys does not say: the one the default SQLite database uses.
const DefaultPostgresKeys = "./truce-data/keys"

// Storage is an open database and the key directory beside it.
type Storage struct {
	Store store.Store
	Ring  *keyring.Ring
	// SQLite is set when the store is the SQLite backend.
	SQLite *sqlite.DB
	// Postgres is set when the store is the PostgreSQL backend.
	Postgres *postgres.DB
	// KeysDir is the key directory.
	KeysDir string
}

// OpenStorage opens the database named by a --db URL and the key directory
// keysDir; with keysDir empty, the one beside a SQLite file, or
// DefaultPostgresKeys for PostgreSQL.
func OpenStorage(ctx context.Context, dbURL, keysDir string) (*Storage, error) {
	switch {
	case strings.HasPrefix(dbURL, "sqlite:"):
		path := strings.TrimPrefix(dbURL, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			return nil, errors.New("--db sqlite: needs a file path, e.g. sqlite:./truce-data/truce.db")
		}
		if keysDir == "" {
			keysDir = filepath.Join(filepath.Dir(path), "keys")
		}
		ring, err := keyring.Open(keysDir)
		if err != nil {
			return nil, err
		}
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, err
		}
		return &Storage{Store: db, Ring: ring, SQLite: db, KeysDir: keysDir}, nil
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		if keysDir == "" {
			keysDir = DefaultPostgresKeys
		}
		ring, err := keyring.Open(keysDir)
		if err != nil {
			return nil, err
		}
		db, err := postgres.Open(ctx, dbURL)
		if err != nil {
			return nil, err
		}
		return &Storage{Store: db, Ring: ring, Postgres: db, KeysDir: keysDir}, nil
	default:
		return nil, fmt.Errorf("--db %q: want sqlite:PATH or a postgres:// URL", redactURL(dbURL))
	}
}

// redactURL hides a password in a database URL before it is shown.
func redactURL(s string) string {
	if at := strings.Index(s, "@"); at > 0 {
		if scheme := strings.Index(s, "://"); scheme > 0 && scheme < at {
			return s[:scheme+3] + "…@" + s[at+1:]
		}
	}
	return s
}

// Close closes the database.
func (s *Storage) Close() error { return s.Store.Close() }

// Options configure a running office.
type Options struct {
	Origin      string
	MaxBody     int64
	SessionTTL  time.Duration
	Hash        auth.Params
	MaxHashes   int
	SignInEvery time.Duration // per-username sign-in rate; zero for the default
	SignInBurst int
	AddrEvery   time.Duration
	AddrBurst   int
	TrustProxy  bool
	Logger      *slog.Logger
	MaxVertices int           // geometry vertex limit; zero for the default
	CheckEvery  time.Duration // per-party deconfliction rate; zero for the default
	CheckBurst  int
	// AnswerWindow is how long an accused party has to answer; zero for 72 h.
	AnswerWindow time.Duration
	// Now is the office's clock (journal entry times); nil for time.Now.
	Now func() time.Time
	// FollowEvery is how often a node polls the journal for other nodes'
	// appends besides the store's notifications; zero for one second.
	FollowEvery time.Duration
	// NoNotify follows by polling alone (engines without LISTEN/NOTIFY);
	// other nodes' HQ changes then reach event streams at their heartbeat.
	NoNotify bool
	// EventBuffer is how many events a slow event stream may fall behind
	// before it is dropped (to resume by Last-Event-ID); zero for 256.
	EventBuffer int
	// Heartbeat is the event streams' keep-alive interval; zero for 15 s.
	Heartbeat time.Duration
	// TileURL is the web map's optional tile server template; empty keeps
	// the map offline.
	TileURL string
}

// App is a running office: the services over one store, and the API.
type App struct {
	Storage     *Storage
	Arrangement office.Arrangement
	Metrics     *metrics.Metrics
	Writer      *office.Writer
	Office      *office.Service
	Accounts    *office.Accounts
	API         *httpapi.Server
	handler     http.Handler // the API with the web UI at / and /ui/
	log         *slog.Logger
	now         func() time.Time

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewApp sets up the arrangement and starts the journal writer.
func NewApp(ctx context.Context, st *Storage, opt Options) (*App, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opt.FollowEvery <= 0 {
		opt.FollowEvery = time.Second
	}
	arr, err := office.Setup(ctx, st.Store, st.Ring, opt.Origin)
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	size, err := st.Store.JournalSize(ctx)
	if err != nil {
		return nil, err
	}
	m.JournalSize.Set(float64(size))
	w := office.NewWriter(st.Store, st.Ring, office.WriterConfig{Origin: arr.Origin, Observer: m, Logger: log, Now: opt.Now})
	params := opt.Hash
	if params == (auth.Params{}) {
		params = auth.DefaultParams
	}
	if opt.MaxHashes <= 0 {
		opt.MaxHashes = 2
	}
	// Nodes sharing a PostgreSQL database share their rate limits too;
	// a SQLite file has one node, whose memory is enough.
	var limiters auth.Limiters
	if st.Postgres != nil {
		limiters = func(scope string, every time.Duration, burst int) auth.RateLimiter {
			return st.Postgres.RateLimiter(scope, every, burst)
		}
	}
	acc := office.NewAccounts(st.Store, st.Ring, office.AccountsConfig{
		Hasher: auth.NewHasher(params, opt.MaxHashes), SessionTTL: opt.SessionTTL,
		UserEvery: opt.SignInEvery, UserBurst: opt.SignInBurst, AddrEvery: opt.AddrEvery, AddrBurst: opt.AddrBurst,
		Limiters: limiters, Logger: log, Now: opt.Now,
	})
	// The follower starts from the size read before the index is loaded:
	// what lands in between is applied twice, harmlessly, never missed.
	sp := office.NewSpatial()
	if err := sp.Load(ctx, st.Store); err != nil {
		return nil, err
	}
	hub := office.NewHub(opt.EventBuffer)
	follower := office.NewFollower(st.Store, sp, hub, size, !opt.NoNotify, log)
	w.OnAppend(sp.OnAppend(context.WithoutCancel(ctx), st.Store, log))
	w.OnCommitting(follower.Wrote, follower.Forget)
	w.OnAppend(func([]office.Appended) { follower.Poke() })
	svc := office.NewService(st.Store, w, sp, office.Config{
		Logger: log, MaxVertices: opt.MaxVertices, CheckEvery: opt.CheckEvery, CheckBurst: opt.CheckBurst,
		Limiters: limiters, AnswerWindow: opt.AnswerWindow, Now: opt.Now,
	})
	api := httpapi.New(httpapi.Config{MaxBody: opt.MaxBody, TrustProxy: opt.TrustProxy, Heartbeat: opt.Heartbeat}, httpapi.Deps{
		Office: svc, Accounts: acc, Store: st.Store, Arrangement: arr, Metrics: m, Logger: log, Events: hub,
	})
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a := &App{Storage: st, Arrangement: arr, Metrics: m, Writer: w, Office: svc, Accounts: acc, API: api, log: log, cancel: cancel,
		handler: webui.Mount(api, webui.Config{TileURL: opt.TileURL}), now: opt.Now}
	if a.now == nil {
		a.now = time.Now
	}
	a.wg.Add(3)
	go func() { defer a.wg.Done(); w.Run(runCtx) }()
	go func() { defer a.wg.Done(); follower.Run(runCtx, opt.FollowEvery) }()
	go func() { defer a.wg.Done(); a.sweep(runCtx) }()
	if hw, ok := st.Store.(store.HQWatcher); ok && !opt.NoNotify {
		parties, err := hw.WatchHQ(runCtx)
		if err != nil {
			a.Close()
			return nil, err
		}
		a.wg.Go(func() {
			for {
				select {
				case party := <-parties:
					svc.HQWake().Nudge(party)
				case <-runCtx.Done():
					return
				}
			}
		})
	}
	return a, nil
}

func (a *App) sweep(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := a.Storage.Store.DeleteExpiredSessions(ctx, a.now()); err != nil {
				a.log.Warn("session sweep failed", "err", err)
			} else if n > 0 {
				a.log.Info("expired sessions removed", "count", n)
			}
			if pg := a.Storage.Postgres; pg != nil {
				if _, err := pg.DeleteIdleRateLimits(ctx, a.now()); err != nil {
					a.log.Warn("rate limit sweep failed", "err", err)
				}
			}
		}
	}
}

// Handler is the whole HTTP surface: the API, and the web UI at / and /ui/.
func (a *App) Handler() http.Handler { return a.handler }

// Close stops the writer (after the requests it holds) and closes storage.
func (a *App) Close() error {
	a.cancel()
	a.wg.Wait()
	return a.Storage.Close()
}

// Serve answers HTTP on ln until ctx is done, then shuts down cleanly. It
// prints "listening on http://HOST:PORT" to out once ln accepts connections.
func (a *App) Serve(ctx context.Context, ln net.Listener, out io.Writer, after func()) error {
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(out, "listening on http://%s\n", ln.Addr().String())
	if after != nil {
		after()
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func openLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}
