// Command truce runs the ceasefire coordination office: see 'truce --help'.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/truce-org/truce/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
