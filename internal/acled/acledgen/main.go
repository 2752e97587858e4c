// Command acledgen writes an illustrative ACLED-format CSV file over the
// demo's area, for trying 'truce import acled':
//
//	go run ./internal/acled/acledgen -rows 5000 -o events.csv
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/truce-org/truce/internal/acled/acledtest"
)

func main() {
	rows := flag.Int("rows", 5000, "number of rows")
	seed := flag.Uint64("seed", 1, "random seed (the same seed gives the same file)")
	days := flag.Int("days", 60, "events fall on the days before today, this many back")
	out := flag.String("o", "-", "output file ('-' for stdout)")
	flag.Parse()
	var w io.Writer = os.Stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "acledgen:", err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	cfg := acledtest.Config{Rows: *rows, Seed: *seed, From: today.AddDate(0, 0, -*days), Until: today}
	if err := acledtest.Write(w, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "acledgen:", err)
		os.Exit(1)
	}
}
