package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/truce-org/truce/internal/demo"
)

// DemoCmd seeds the illustrative scenario and serves it.
type DemoCmd struct {
	ServerFlags
}

// Run seeds a fresh database (a temporary one unless --db is given), then
// serves it like serve, printing the sign-ins after the first line.
func (c *DemoCmd) Run(ctx context.Context, g *Globals, stdio *IO) error {
	opt, err := c.options(g, stdio)
	if err != nil {
		return err
	}
	dbURL, keys := g.DB, g.Keys
	if !demoDBGiven(dbURL) {
		dir, err := os.MkdirTemp("", "truce-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dbURL, keys = "sqlite:"+filepath.Join(dir, "truce.db"), filepath.Join(dir, "keys")
	}
	if opt.Origin == "" {
		opt.Origin = "demo.truce.invalid/illustrative"
	}
	st, err := OpenStorage(ctx, dbURL, keys)
	if err != nil {
		return err
	}
	parties, err := st.Store.Parties(ctx)
	if err != nil {
		st.Close()
		return err
	}
	clk := demo.RealClock()
	if len(parties) == 0 {
		clk = demo.NewClock(demo.Start())
	}
	opt.Now = clk.Now
	app, err := NewApp(ctx, st, opt)
	if err != nil {
		st.Close()
		return err
	}
	defer app.Close()
	var cosigners map[string]string
	if len(parties) == 0 {
		if err := demo.Seed(ctx, app.Arrangement.Origin, app.Accounts, app.Office, clk); err != nil {
			return err
		}
		// The parties' cosigner keys go beside the key directory, where a
		// demo can find them; in real use each lives on its party's own
		// verifier.
		if cosigners, err = demo.Cosign(ctx, app.Office, app.Arrangement.OfficeKey, filepath.Join(filepath.Dir(st.KeysDir), "demo-cosigners")); err != nil {
			return err
		}
	} else if _, err := st.Store.Member(ctx, "us-official"); err != nil {
		return errors.New("--db holds an arrangement that is not the demo's; give a new path or omit --db")
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	return app.Serve(ctx, ln, stdio.Stdout, func() {
		fmt.Fprintf(stdio.Stdout, "demo data is illustrative, for loopback trials only; every password is %q\n", demo.Password)
		for _, u := range demo.Usernames() {
			fmt.Fprintf(stdio.Stdout, "  sign in as %s\n", u)
		}
		if len(cosigners) > 0 {
			fmt.Fprintf(stdio.Stdout, "each party cosigned the journal's checkpoint; cosign again after verifying with\n")
			fmt.Fprintf(stdio.Stdout, "  truce verify --url URL --token TOKEN --cosign %s   (likewise %s, %s)\n", cosigners["us"], cosigners["ru"], cosigners["mon"])
		}
	})
}

// demoDBGiven tells an explicit --db from the default.
func demoDBGiven(db string) bool { return db != "" && db != DefaultDB }
