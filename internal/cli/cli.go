package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/truce-org/truce"
)

// Globals are the flags every verb takes.
type Globals struct {
	DB       string `name:"db" env:"TRUCE_DB" default:"${default_db}" help:"Database: sqlite:PATH or postgres://..."`
	Keys     string `name:"keys" env:"TRUCE_KEYS" help:"Directory of signing keys (default: 'keys' beside a SQLite file, ./truce-data/keys for PostgreSQL)." type:"path"`
	LogLevel string `name:"log-level" env:"TRUCE_LOG_LEVEL" default:"info" help:"Log level: debug, info, warn, error."`
}

// IO is where a verb reads and writes.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// CLI is every verb of truce.
type CLI struct {
	Globals

	Serve   ServeCmd   `cmd:"" help:"Serve the office's API."`
	Demo    DemoCmd    `cmd:"" help:"Seed the illustrative scenario into a fresh database and serve it."`
	Migrate MigrateCmd `cmd:"" help:"Create or upgrade the database schema and the arrangement's office key."`
	Party   struct {
		Add PartyAddCmd `cmd:"" help:"Create a party and its signing key."`
	} `cmd:"" help:"Manage parties."`
	User struct {
		Add    UserAddCmd    `cmd:"" help:"Add a member (password read from stdin)."`
		Passwd UserPasswdCmd `cmd:"" help:"Change a member's password (read from stdin)."`
	} `cmd:"" help:"Manage members."`
	Token    TokenCmd    `cmd:"" help:"Print a bearer token for a member, for scripts."`
	Verify   VerifyCmd   `cmd:"" help:"Verify the journal: signatures, party sequences, tree, checkpoint and office state."`
	Cosigner CosignerCmd `cmd:"" help:"Manage a party's cosigner key (cosigning checkpoints once verified)."`
	Import   ImportCmd   `cmd:"" help:"Import files: ACLED CSV, GeoJSON."`
	Export   ExportCmd   `cmd:"" help:"Export data."`
	Backup   BackupCmd   `cmd:"" help:"Take a consistent online backup of a SQLite database (while it serves)."`
	Version  VersionCmd  `cmd:"" help:"Print the version."`
}

// Version is the build's version, set with -ldflags "-X ...cli.Version=...".
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

type exitCode int

// Main runs truce with args (without the program name) and returns the exit
// status. End-to-end tests call it as the binary would.
func Main(ctx context.Context, args []string, stdio IO) (code int) {
	var cli CLI
	exited := false
	parser, err := kong.New(&cli,
		kong.Name("truce"),
		kong.Description("truce coordinates a ceasefire between parties that do not trust each other."),
		kong.Vars{"default_db": DefaultDB},
		kong.Writers(stdio.Stdout, stdio.Stderr),
		kong.Exit(func(c int) { exited = true; panic(exitCode(c)) }),
		kong.UsageOnError(),
		kong.BindTo(ctx, (*context.Context)(nil)),
		kong.Bind(&stdio),
	)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "truce: %v\n", err)
		return 2
	}
	defer func() {
		if r := recover(); r != nil {
			if c, ok := r.(exitCode); ok && exited {
				code = int(c)
				return
			}
			panic(r)
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "truce: %v\n", err)
		return 2
	}
	if err := kctx.Run(&cli.Globals); err != nil {
		fmt.Fprintf(stdio.Stderr, "truce: %s\n", oneLine(err))
		return 1
	}
	return 0
}

// oneLine shows err as one line, a *truce.Error by its message and field.
func oneLine(err error) string {
	var te *truce.Error
	msg := err.Error()
	if errors.As(err, &te) {
		msg = te.Message
		if te.Field != "" {
			msg += " (" + te.Field + ")"
		}
	}
	return strings.Join(strings.Fields(msg), " ")
}

// VersionCmd prints the version.
type VersionCmd struct{}

// Run prints the version.
func (VersionCmd) Run(stdio *IO) error {
	fmt.Fprintf(stdio.Stdout, "truce %s\n", version())
	return nil
}
