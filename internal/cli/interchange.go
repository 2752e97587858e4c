package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/acled"
	"github.com/truce-org/truce/internal/httpapi"
	"github.com/truce-org/truce/internal/interchange"
	"github.com/truce-org/truce/internal/store"
)

// ImportCmd imports files.
type ImportCmd struct {
	Acled   ImportACLEDCmd   `cmd:"" name:"acled" help:"Import conflict events from an ACLED CSV export as incidents."`
	Geojson ImportGeoJSONCmd `cmd:"" name:"geojson" help:"Import a GeoJSON FeatureCollection as zone or incident drafts."`
}

// AsUser names the member an import or export acts as.
type AsUser struct {
	User string `name:"user" env:"TRUCE_USER" required:"" help:"Act as this member (username): its party owns what is imported, and an export holds what it may see."`
}

// session opens the database and the office with the member as caller.
func (u AsUser) session(ctx context.Context, g *Globals, stdio *IO) (context.Context, *App, error) {
	st, err := OpenStorage(ctx, g.DB, g.Keys)
	if err != nil {
		return ctx, nil, err
	}
	m, err := st.Store.Member(ctx, u.User)
	if errors.Is(err, store.ErrNotFound) {
		st.Close()
		return ctx, nil, fmt.Errorf("no member %q (see 'truce user add')", u.User)
	}
	if err != nil {
		st.Close()
		return ctx, nil, err
	}
	log, err := openLogger(stdio.Stderr, g.LogLevel)
	if err != nil {
		st.Close()
		return ctx, nil, err
	}
	app, err := NewApp(ctx, st, Options{Logger: log})
	if err != nil {
		st.Close()
		return ctx, nil, err
	}
	return truce.WithCaller(ctx, &m), app, nil
}

// ImportACLEDCmd imports an ACLED CSV file.
type ImportACLEDCmd struct {
	AsUser
	File    string `arg:"" type:"existingfile" help:"ACLED CSV export: the 31 codebook columns (older spellings, date formats, a byte-order mark and CRLF are accepted)."`
	Release bool   `name:"release" help:"Release the incidents to the office at once (an official's import; violations are computed), instead of keeping them as drafts of the member's party."`
	SkipBad bool   `name:"skip-bad" help:"Import the good rows of a file that has bad ones, and write the bad ones to the report."`
	Report  string `name:"report" placeholder:"FILE" help:"Where --skip-bad writes its report of bad rows (CSV: line,column,error). Default: FILE.bad.csv."`
}

// Help explains the verb.
func (c *ImportACLEDCmd) Help() string {
	return `Each row becomes an incident of the member's party: sub_event_type maps to the incident
type, actor1 to the perpetrator and actor2 to the target (matched by name or alias, created
when missing), notes to the description, source to the sources; event_id_cnty, the precisions
and the other columns are kept so that 'truce export incidents --format acled' writes the rows
back. Importing a file again creates nothing new (incident ids derive from the party and
event_id_cnty), so an import cut short is resumed by running it again. A bad row is reported
with its line and column, and then nothing is imported unless --skip-bad. See docs/interchange.md.

Example:
  truce import acled events.csv --user us-official --release`
}

// Run imports the file.
func (c *ImportACLEDCmd) Run(ctx context.Context, g *Globals, stdio *IO) error {
	ctx, app, err := c.session(ctx, g, stdio)
	if err != nil {
		return err
	}
	defer app.Close()
	bars := map[string]*progress{}
	res, err := interchange.ImportACLED(ctx, app.Office, func() (io.ReadCloser, error) { return os.Open(c.File) }, interchange.ACLEDOptions{
		Release: c.Release, SkipBad: c.SkipBad, GCPercent: interchange.BulkGCPercent(),
		Progress: func(phase string, done, total int64) {
			label := map[string]string{"check": "checking", "import": "importing"}[phase]
			b := bars[phase]
			if b == nil {
				b = newProgress(stdio.Stderr, label, total)
				bars[phase] = b
			}
			if done == total {
				b.Set(done - 1)
				b.Done()
				return
			}
			b.Set(done - 1)
		},
	})
	if len(res.Ignored) > 0 {
		fmt.Fprintf(stdio.Stderr, "columns not read: %s\n", strings.Join(res.Ignored, ", "))
	}
	if c.SkipBad && len(res.Bad) > 0 {
		report := c.Report
		if report == "" {
			report = c.File + ".bad.csv"
		}
		if werr := writeBadRows(report, res.Bad); werr != nil && err == nil {
			err = werr
		} else if werr == nil {
			fmt.Fprintf(stdio.Stderr, "%d bad rows skipped; report in %s\n", len(res.Bad), report)
		}
	}
	if err != nil {
		return err
	}
	what := "as drafts"
	if c.Release {
		what = fmt.Sprintf("and released in %d journal entries", res.Entries)
	}
	fmt.Fprintf(stdio.Stdout, "read %d rows: %d incidents imported %s, %d already imported, %d bad\n",
		res.Rows, res.Imported, what, res.Existing, len(res.Bad))
	if len(res.ActorsCreated) > 0 {
		fmt.Fprintf(stdio.Stdout, "actors created: %s\n", strings.Join(res.ActorsCreated, "; "))
	}
	return nil
}

func writeBadRows(path string, bad []*acled.RowError) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"line", "column", "error"})
	for _, b := range bad {
		_ = w.Write([]string{strconv.Itoa(b.Line), b.Column, b.Message})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ImportGeoJSONCmd imports a GeoJSON FeatureCollection.
type ImportGeoJSONCmd struct {
	AsUser
	File    string `arg:"" type:"existingfile" help:"GeoJSON FeatureCollection (e.g. from QGIS, ogr2ogr or 'truce export')."`
	As      string `name:"as" required:"" enum:"zones,incidents" help:"What the features are: zones or incidents."`
	SkipBad bool   `name:"skip-bad" help:"Import the good features of a collection that has bad ones."`
}

// Help explains the verb.
func (c *ImportGeoJSONCmd) Help() string {
	return `Every feature becomes a draft of the member's party, decoded and checked exactly as
POST /api/v1/zones or /api/v1/incidents would (properties as the API names them; the read-only
ones of an export, such as id, owner and status, are ignored). Every feature is checked
before any is created; a bad one is reported by its index, e.g.
  feature 12: geometry.coordinates[0][2]: ...
and then nothing is imported unless --skip-bad.

Example:
  truce import geojson zones.geojson --as zones --user us-analyst`
}

// Run imports the collection.
func (c *ImportGeoJSONCmd) Run(ctx context.Context, g *Globals, stdio *IO) error {
	ctx, app, err := c.session(ctx, g, stdio)
	if err != nil {
		return err
	}
	defer app.Close()
	f, err := os.Open(c.File)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := app.API.ImportGeoJSON(ctx, f, c.As, httpapi.GeoJSONImportOptions{SkipBad: c.SkipBad})
	var bf *httpapi.BadFeaturesError
	if errors.As(err, &bf) {
		for _, fe := range bf.Features {
			fmt.Fprintln(stdio.Stderr, fe.Error())
		}
		return fmt.Errorf("%d bad features; nothing imported (--skip-bad imports the others)", len(bf.Features))
	}
	for _, fe := range res.Bad {
		fmt.Fprintf(stdio.Stderr, "skipped %s\n", fe.Error())
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdio.Stdout, "read %d features: %d %s drafts created, %d bad\n", res.Features, len(res.Created), strings.TrimSuffix(c.As, "s"), len(res.Bad))
	return nil
}

// ExportZonesCmd exports zones.
type ExportZonesCmd struct {
	AsUser
	File   string `arg:"" help:"Output file ('-' for stdout); an existing file is not overwritten."`
	Format string `name:"format" default:"geojson" enum:"geojson" help:"geojson (a FeatureCollection, properties as the API shows them)."`
}

// Help explains the verb.
func (c *ExportZonesCmd) Help() string {
	return `Writes the zones the member may see: the office's and its own party's drafts, as
GET /api/v1/zones shows them. Sites are never exported.

Example:
  truce export zones --format geojson zones.geojson --user us-analyst`
}

// Run writes the export.
func (c *ExportZonesCmd) Run(ctx context.Context, g *Globals, stdio *IO) error {
	return exportTo(ctx, g, stdio, c.AsUser, c.File, "zones", func(ctx context.Context, app *App, w io.Writer) (int, error) {
		return app.API.ExportGeoJSON(ctx, w, "zones")
	})
}

// ExportIncidentsCmd exports incidents.
type ExportIncidentsCmd struct {
	AsUser
	File   string `arg:"" help:"Output file ('-' for stdout); an existing file is not overwritten."`
	Format string `name:"format" default:"geojson" enum:"geojson,acled" help:"geojson (a FeatureCollection) or acled (CSV with ACLED's 31 columns)."`
}

// Help explains the verb.
func (c *ExportIncidentsCmd) Help() string {
	return `Writes the incidents the member may see: the office's and its own party's drafts. With
--format acled, incidents imported from ACLED give back the rows they came from, and others
are mapped (see docs/interchange.md); cells starting with =, +, - or @ are quoted for
spreadsheets.

Example:
  truce export incidents --format acled incidents.csv --user us-analyst`
}

// Run writes the export.
func (c *ExportIncidentsCmd) Run(ctx context.Context, g *Globals, stdio *IO) error {
	return exportTo(ctx, g, stdio, c.AsUser, c.File, "incidents", func(ctx context.Context, app *App, w io.Writer) (int, error) {
		if c.Format == "acled" {
			return interchange.ExportACLED(ctx, app.Office, w, store.IncidentFilter{})
		}
		return app.API.ExportGeoJSON(ctx, w, "incidents")
	})
}

func exportTo(ctx context.Context, g *Globals, stdio *IO, u AsUser, file, what string, write func(context.Context, *App, io.Writer) (int, error)) error {
	ctx, app, err := u.session(ctx, g, stdio)
	if err != nil {
		return err
	}
	defer app.Close()
	var w io.Writer = stdio.Stdout
	var f *os.File
	if file != "-" {
		if f, err = os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644); err != nil {
			return err
		}
		w = f
	}
	n, err := write(ctx, app, w)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(file)
		}
	}
	if err != nil {
		return err
	}
	if file != "-" {
		fmt.Fprintf(stdio.Stderr, "wrote %d %s to %s\n", n, what, file)
	}
	return nil
}
