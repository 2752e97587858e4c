package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/auth"
	"github.com/truce-org/truce/internal/office"
)

func setupArrangement(ctx context.Context, st *Storage, origin string) (office.Arrangement, error) {
	return office.Setup(ctx, st.Store, st.Ring, origin)
}

func accounts(st *Storage) *office.Accounts {
	return office.NewAccounts(st.Store, st.Ring, office.AccountsConfig{Hasher: auth.NewHasher(auth.DefaultParams, 1)})
}

// PartyAddCmd creates a party.
type PartyAddCmd struct {
	ID     string `arg:"" help:"Party id: lower-case letters, digits, dashes (e.g. us)."`
	Name   string `name:"name" required:"" help:"Display name."`
	Kind   string `name:"kind" default:"party" enum:"party,monitor" help:"party or monitor."`
	Origin string `name:"origin" env:"TRUCE_ORIGIN" help:"Journal origin if the arrangement is new."`
}

// Run creates the party and its key.
func (c *PartyAddCmd) Run(ctx context.Context, g *Globals, stdio *IO) error {
	st, err := OpenStorage(ctx, g.DB, g.Keys)
	if err != nil {
		return err
	}
	defer st.Close()
	arr, err := setupArrangement(ctx, st, c.Origin)
	if err != nil {
		return err
	}
	p, err := accounts(st).AddParty(ctx, arr.Origin, c.ID, c.Name, truce.PartyKind(c.Kind))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdio.Stdout, "party %s created; verifier key %s\n", p.ID, p.VerifierKey)
	return nil
}

// readPassword reads one line from stdin.
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("a password is read from stdin, and stdin is closed")
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("no password on stdin (give it as one line, e.g. from a file or a pipe)")
	}
	return pw, nil
}

// UserAddCmd adds a member.
type UserAddCmd struct {
	Name  string `arg:"" help:"Username."`
	Party string `name:"party" help:"The member's party."`
	Role  string `name:"role" enum:"official,analyst,planner,observer," default:"" help:"official, analyst, planner or observer."`
	Admin bool   `name:"admin" help:"A deployment administrator (no party, no role)."`
}

// Run adds the member.
func (c *UserAddCmd) Run(ctx context.Context, g *Globals, stdio *IO) error {
	if !c.Admin && (c.Party == "" || c.Role == "") {
		return errors.New("give --party and --role, or --admin")
	}
	pw, err := readPassword(stdio.Stdin)
	if err != nil {
		return err
	}
	st, err := OpenStorage(ctx, g.DB, g.Keys)
	if err != nil {
		return err
	}
	defer st.Close()
	m, err := accounts(st).AddMember(ctx, office.NewMember{Username: c.Name, Party: c.Party, Role: truce.Role(c.Role), Admin: c.Admin, Password: pw})
	if err != nil {
		return err
	}
	if m.Admin {
		fmt.Fprintf(stdio.Stdout, "administrator %s added\n", m.Username)
	} else {
		fmt.Fprintf(stdio.Stdout, "member %s added to %s as %s\n", m.Username, m.Party, m.Role)
	}
	return nil
}

// UserPasswdCmd changes a password.
type UserPasswdCmd struct {
	Name string `arg:"" help:"Username."`
}

// Run changes the password and ends the member's sessions.
func (c *UserPasswdCmd) Run(ctx context.Context, g *Globals, stdio *IO) error {
	pw, err := readPassword(stdio.Stdin)
	if err != nil {
		return err
	}
	st, err := OpenStorage(ctx, g.DB, g.Keys)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := accounts(st).SetPassword(ctx, c.Name, pw); err != nil {
		return err
	}
	fmt.Fprintf(stdio.Stdout, "password of %s changed; their sessions are ended\n", c.Name)
	return nil
}

// TokenCmd prints a bearer token.
type TokenCmd struct {
	Name string        `arg:"" help:"Username."`
	TTL  time.Duration `name:"ttl" default:"24h" help:"How long the token lasts."`
}

// Run opens a session and prints its token.
func (c *TokenCmd) Run(ctx context.Context, g *Globals, stdio *IO) error {
	st, err := OpenStorage(ctx, g.DB, g.Keys)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := accounts(st).IssueToken(ctx, c.Name, c.TTL)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdio.Stdout, s.Token)
	return nil
}
