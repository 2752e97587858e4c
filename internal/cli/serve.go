package cli

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/truce-org/truce/internal/webui"
)

// ServerFlags configure a serving office.
type ServerFlags struct {
	Addr         string        `name:"addr" env:"TRUCE_ADDR" default:"127.0.0.1:8080" help:"Address to listen on (port 0 picks a free one)."`
	Origin       string        `name:"origin" env:"TRUCE_ORIGIN" help:"Journal origin for a new arrangement (default: generated)."`
	MaxBody      int64         `name:"max-body" env:"TRUCE_MAX_BODY" default:"1048576" help:"Largest request body in bytes."`
	SessionTTL   time.Duration `name:"session-ttl" env:"TRUCE_SESSION_TTL" default:"12h" help:"How long a sign-in lasts."`
	TrustProxy   bool          `name:"trust-proxy" env:"TRUCE_TRUST_PROXY" help:"Take client addresses from X-Forwarded-For (only behind a proxy that sets it)."`
	MaxVertices  int           `name:"max-vertices" env:"TRUCE_MAX_VERTICES" default:"10000" help:"Most positions a geometry may have."`
	CheckEvery   time.Duration `name:"check-every" env:"TRUCE_CHECK_EVERY" default:"2s" help:"Each party may make one deconfliction check or notice per this interval, beyond its burst."`
	CheckBurst   int           `name:"check-burst" env:"TRUCE_CHECK_BURST" default:"30" help:"Deconfliction checks and notices a party may make at once."`
	FollowNotify bool          `name:"follow-notify" env:"TRUCE_FOLLOW_NOTIFY" default:"true" negatable:"" help:"Wake on the database's notifications of other nodes' appends and HQ changes (PostgreSQL LISTEN/NOTIFY); --no-follow-notify polls only, for engines without it."`
	FollowEvery  time.Duration `name:"follow-every" env:"TRUCE_FOLLOW_EVERY" default:"1s" help:"How often to poll the journal for other nodes' appends (PostgreSQL also wakes nodes at once)."`
	AnswerWindow time.Duration `name:"answer-window" env:"TRUCE_ANSWER_WINDOW" default:"72h" help:"How long an accused party has to answer a released incident."`
	TileURL      string        `name:"tile-url" env:"TRUCE_TILE_URL" help:"Tile server URL template for the web map's base layer (e.g. https://tiles.example.org/{z}/{x}/{y}.png); default: offline country borders only, no tile requests."`
}

func (f ServerFlags) options(g *Globals, stdio *IO) (Options, error) {
	log, err := openLogger(stdio.Stderr, g.LogLevel)
	if err != nil {
		return Options{}, err
	}
	if f.MaxVertices < 4 || f.CheckBurst < 1 || f.CheckEvery <= 0 {
		return Options{}, fmt.Errorf("--max-vertices must be at least 4, --check-burst at least 1 and --check-every positive")
	}
	if err := (webui.Config{TileURL: f.TileURL}).Validate(); err != nil {
		return Options{}, err
	}
	return Options{Origin: f.Origin, MaxBody: f.MaxBody, SessionTTL: f.SessionTTL, TrustProxy: f.TrustProxy, Logger: log,
		MaxVertices: f.MaxVertices, CheckEvery: f.CheckEvery, CheckBurst: f.CheckBurst, AnswerWindow: f.AnswerWindow, FollowEvery: f.FollowEvery, NoNotify: !f.FollowNotify, TileURL: f.TileURL}, nil
}

// ServeCmd serves the API.
type ServeCmd struct {
	ServerFlags
}

// Run migrates the database, then serves until interrupted.
func (c *ServeCmd) Run(ctx context.Context, g *Globals, stdio *IO) error {
	opt, err := c.options(g, stdio)
	if err != nil {
		return err
	}
	st, err := OpenStorage(ctx, g.DB, g.Keys)
	if err != nil {
		return err
	}
	app, err := NewApp(ctx, st, opt)
	if err != nil {
		st.Close()
		return err
	}
	defer app.Close()
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	return app.Serve(ctx, ln, stdio.Stdout, nil)
}

// MigrateCmd creates or upgrades the schema.
type MigrateCmd struct {
	Origin string `name:"origin" env:"TRUCE_ORIGIN" help:"Journal origin for a new arrangement (default: generated)."`
}

// Run migrates and sets up the arrangement.
func (c *MigrateCmd) Run(ctx context.Context, g *Globals, stdio *IO) error {
	st, err := OpenStorage(ctx, g.DB, g.Keys)
	if err != nil {
		return err
	}
	defer st.Close()
	arr, err := setupArrangement(ctx, st, c.Origin)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdio.Stdout, "database ready; origin %s\n", arr.Origin)
	return nil
}
