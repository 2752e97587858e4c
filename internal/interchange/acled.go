// Package interchange moves incidents in and out of truce as files: ACLED
// CSV import and export, over the office service and so under the same
// rules (roles, validation, visibility) as the API. The GeoJSON side lives
// beside the API's feature decoding, in internal/httpapi.
package interchange

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/acled"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/store"
)

// ACLEDOptions configure an ACLED import.
type ACLEDOptions struct {
	// Release releases the reports to the office (an official's import),
	// in incident.import entries; otherwise they are drafts of the party.
	Release bool
	// SkipBad imports the good rows of a file that has bad ones.
	SkipBad bool
	// Progress, when set, is called as rows are checked ("check") and
	// imported ("import"), with the rows done and the total (-1 unknown).
	Progress func(phase string, done, total int64)
	// CommitEntries is how many incident.import entries are committed
	// together, in one transaction (default 64, 128,000 reports). Large
	// transactions matter: the new rows' random ids dirty pages all over
	// the indexes on ids, and a transaction writes each dirty page once
	// however many of its rows changed it (at 1,000,000 rows, 64 entries
	// a commit wrote 7.8 GB against 11.0 GB for 16, and took 57 s against
	// 73 s). Other appends to the journal wait for such a commit: several
	// seconds (docs/benchmarks.md).
	CommitEntries int
	// InFlight is how many incident.import entries may be waiting for the
	// journal at once (default 64, at least one commit group): reading goes
	// on while they commit.
	InFlight int
	// ChunkRows bounds the reports of one entry (default and at most
	// office.MaxImportIncidents).
	ChunkRows int
	// GCPercent, when above 0, is the garbage collector's target (as
	// GOGC) while the import runs, for the whole process: an import
	// allocates much and keeps little, and collecting less often leaves
	// more of the cores to it (see docs/benchmarks.md). The command line
	// sets BulkGCPercent.
	GCPercent int
}

// BulkGCPercent is the garbage collector's target for a bulk import run
// by the command line: 400, unless the operator chose one with GOGC (0).
func BulkGCPercent() int {
	if os.Getenv("GOGC") != "" {
		return 0
	}
	return 400
}

// ACLEDResult is what an import did.
type ACLEDResult struct {
	Rows          int               // data rows read
	Bad           []*acled.RowError // bad rows, in file order
	Imported      int               // new incidents: drafts, or released
	Existing      int               // rows already imported by the party, left as they were
	Entries       int               // incident.import entries written
	ActorsCreated []string          // names of the actors the import created
	Ignored       []string          // header columns truce does not read
}

// BadRowsError refuses a file with bad rows; nothing was imported.
type BadRowsError struct {
	Rows []*acled.RowError
}

func (e *BadRowsError) Error() string {
	more := ""
	if len(e.Rows) > 1 {
		more = fmt.Sprintf(" (and %d more bad rows)", len(e.Rows)-1)
	}
	return fmt.Sprintf("%s%s; nothing imported (--skip-bad imports the other rows)", e.Rows[0].Error(), more)
}

// columnOf names the ACLED column an incident field comes from.
func columnOf(field string) string {
	switch {
	case field == "occurred_at":
		return "event_date"
	case field == "type":
		return "sub_event_type"
	case field == "description":
		return "notes"
	case field == "fatalities":
		return "fatalities"
	case strings.HasPrefix(field, "sources"):
		return "source"
	case strings.HasPrefix(field, "geometry"):
		return "latitude"
	case field == "external.id":
		return "event_id_cnty"
	case field == "external.geo_precision":
		return "geo_precision"
	case field == "external.time_precision":
		return "time_precision"
	case strings.HasPrefix(field, "external.fields."):
		return strings.TrimPrefix(field, "external.fields.")
	}
	return ""
}

func rowError(line int, err error) (*acled.RowError, error) {
	var te *truce.Error
	if !errors.As(err, &te) {
		return nil, err
	}
	return &acled.RowError{Line: line, Column: columnOf(te.Field), Message: te.Message}, nil
}

// fold is how actor names are matched: case and spacing ignored.
func fold(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// ImportACLED imports the ACLED CSV that open opens (it is read twice:
// once to check every row, once to import) as the caller's party. Each row
// becomes an incident whose id derives from the party and event_id_cnty, so
// a row imported again is left as it is: importing twice creates nothing
// new, and an import cut short resumes by running it again. By default a
// file with a bad row imports nothing; the error lists the bad rows.
func ImportACLED(ctx context.Context, svc *office.Service, open func() (io.ReadCloser, error), opt ACLEDOptions) (ACLEDResult, error) {
	var res ACLEDResult
	m := truce.CallerFrom(ctx)
	if m == nil {
		return res, truce.Errorf(truce.EUnauthorized, "sign in first")
	}
	// Refuse before anything is read or written (actors included).
	switch {
	case m.Admin || m.Party == "":
		return res, truce.Errorf(truce.EForbidden, "an administrator cannot import incidents")
	case opt.Release && m.Role != truce.RoleOfficial:
		return res, truce.Errorf(truce.EForbidden, "only officials release incidents (import without --release for drafts)")
	case m.Role != truce.RoleOfficial && m.Role != truce.RoleAnalyst:
		return res, truce.Errorf(truce.EForbidden, "the %s role cannot import incidents", m.Role)
	}
	if opt.GCPercent > 0 {
		defer debug.SetGCPercent(debug.SetGCPercent(opt.GCPercent))
	}
	if opt.CommitEntries <= 0 {
		opt.CommitEntries = 64
	}
	if opt.InFlight <= 0 {
		opt.InFlight = opt.CommitEntries
	}
	if opt.ChunkRows <= 0 || opt.ChunkRows > office.MaxImportIncidents {
		opt.ChunkRows = office.MaxImportIncidents
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(string, int64, int64) {}
	}

	// Pass 1: check every row; nothing is written.
	bad := map[int]bool{}
	names := map[string]string{} // folded actor name -> name as first read
	first := map[string]int{}    // event_id_cnty -> line of its good row
	check := func(ev acled.Event) *acled.RowError { return checkRow(ctx, svc, ev) }
	err := eachChecked(open, &res, check, func(ev acled.Event, rerr *acled.RowError) error {
		res.Rows++
		if res.Rows%10_000 == 0 {
			progress("check", int64(res.Rows), -1)
		}
		if rerr == nil {
			if l, dup := first[ev.EventID]; dup {
				rerr = &acled.RowError{Line: ev.Line, Column: "event_id_cnty",
					Message: fmt.Sprintf("event %s is also on line %d", ev.EventID, l)}
			} else {
				first[ev.EventID] = ev.Line
			}
		}
		if rerr != nil {
			if rerr.Line == 0 {
				return errors.New(rerr.Message)
			}
			res.Bad = append(res.Bad, rerr)
			bad[rerr.Line] = true
			return nil
		}
		for _, a := range []string{ev.Actor1, ev.Actor2} {
			if f := fold(a); f != "" {
				if _, ok := names[f]; !ok {
					names[f] = strings.Join(strings.Fields(a), " ")
				}
			}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	first = nil
	progress("check", int64(res.Rows), int64(res.Rows))
	if len(res.Bad) > 0 && !opt.SkipBad {
		return res, &BadRowsError{Rows: res.Bad}
	}
	actors, err := resolveActors(ctx, svc, names, &res)
	if err != nil {
		return res, err
	}

	// Pass 2: import the good rows not imported before.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, opt.InFlight/opt.CommitEntries))
	var chunk []office.ImportedIncident
	var drafts []string
	var entries []office.ImportChunk
	size, done, groupSize := 0, 0, 1
	// Entries are encoded and prepared here, one at a time, and waited for
	// on a goroutine a group: the entries waiting for the journal cost no
	// CPU, and the writer's goroutine competes with this one only.
	submit := func() error {
		if len(entries) == 0 {
			return nil
		}
		wait, err := svc.SubmitImported(gctx, entries...)
		entries = nil
		if err != nil {
			return err
		}
		g.Go(func() error {
			_, err := wait(gctx)
			return err
		})
		return nil
	}
	flush := func() error {
		if len(chunk) > 0 {
			entries = append(entries, office.ImportChunk{Items: chunk, Drafts: drafts})
			chunk, drafts, size = nil, nil, 0
			res.Entries++
		}
		if len(entries) < groupSize {
			return nil
		}
		// The first groups are small, so that the journal's writer has
		// something to commit while the next are prepared.
		groupSize = min(2*groupSize, opt.CommitEntries)
		return submit()
	}
	var imported struct{ fresh, existing int }
	// Rows are checked against what the party already holds a group at a
	// time, in one query each where the store allows.
	var group []acled.Event
	handle := func() error {
		ids := make([]string, len(group))
		for k, ev := range group {
			ids[k] = office.ImportID(m.Party, acled.Source, ev.EventID)
		}
		states, err := svc.ImportedStates(ctx, ids)
		if err != nil {
			return err
		}
		for k, ev := range group {
			id, state := ids[k], states[ids[k]]
			if state == office.ImportReleased || (state == office.ImportDraft && !opt.Release) {
				imported.existing++
				continue
			}
			c := acled.Content(ev)
			c.Perpetrator = actors.id(ev.Actor1, "actor1", c.External)
			c.Target = actors.id(ev.Actor2, "actor2", c.External)
			imported.fresh++
			if !opt.Release {
				if _, err := svc.SaveImportedDraft(ctx, id, c); err != nil {
					return err
				}
				continue
			}
			in := office.ImportedIncident{ID: id, IncidentContent: c}
			n := office.ImportSize(in)
			if len(chunk) >= opt.ChunkRows || (len(chunk) > 0 && size+n > office.MaxImportBody) {
				if err := flush(); err != nil {
					return err
				}
			}
			chunk = append(chunk, in)
			size += n
			if state == office.ImportDraft {
				drafts = append(drafts, id)
			}
		}
		group = group[:0]
		return nil
	}
	err = eachRow(open, nil, func(ev acled.Event, rerr *acled.RowError) error {
		done++
		if done%1000 == 0 {
			progress("import", int64(done), int64(res.Rows))
		}
		if gctx.Err() != nil {
			return gctx.Err()
		}
		if rerr != nil || bad[ev.Line] {
			return nil
		}
		group = append(group, ev)
		if len(group) >= 500 {
			return handle()
		}
		return nil
	})
	if err == nil && len(group) > 0 {
		err = handle()
	}
	if err == nil {
		if err = flush(); err == nil {
			err = submit()
		}
	}
	if werr := g.Wait(); werr != nil && err == nil {
		err = werr
	}
	res.Imported, res.Existing = imported.fresh, imported.existing
	if err != nil {
		return res, err
	}
	progress("import", int64(res.Rows), int64(res.Rows))
	return res, nil
}

// eachRow reads the file once, calling fn with each row or its error. A
// header error ends the read. res, when set, gets the ignored columns.
func eachRow(open func() (io.ReadCloser, error), res *ACLEDResult, fn func(acled.Event, *acled.RowError) error) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	rd, err := acled.NewReader(rc)
	if err != nil {
		return err
	}
	if res != nil {
		res.Ignored = rd.Ignored()
	}
	for {
		ev, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var re *acled.RowError
		if errors.As(err, &re) {
			ev.Line = re.Line
			if err := fn(ev, re); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(ev, nil); err != nil {
			return err
		}
	}
}

// eachChecked is eachRow with check's verdict on each row that parsed:
// check runs on every core, a block of rows at a time, ahead of fn, which
// is called in file order on the caller's goroutine.
func eachChecked(open func() (io.ReadCloser, error), res *ACLEDResult, check func(acled.Event) *acled.RowError,
	fn func(acled.Event, *acled.RowError) error) error {
	const blockRows = 256
	type block struct {
		evs  []acled.Event
		errs []*acled.RowError
		done chan struct{}
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	work := make(chan *block, workers)
	ordered := make(chan *block, 2*workers) // bounds how far reading runs ahead
	stop := make(chan struct{})
	var readErr error
	go func() {
		defer close(ordered)
		defer close(work)
		b := &block{done: make(chan struct{})}
		send := func() bool {
			select {
			case ordered <- b:
			case <-stop:
				return false
			}
			work <- b
			b = &block{done: make(chan struct{})}
			return true
		}
		readErr = eachRow(open, res, func(ev acled.Event, rerr *acled.RowError) error {
			b.evs, b.errs = append(b.evs, ev), append(b.errs, rerr)
			if len(b.evs) == blockRows && !send() {
				return errStopped
			}
			return nil
		})
		if readErr == nil && len(b.evs) > 0 {
			send()
		}
	}()
	for range workers {
		go func() {
			for b := range work {
				for k, ev := range b.evs {
					if b.errs[k] == nil {
						b.errs[k] = check(ev)
					}
				}
				close(b.done)
			}
		}()
	}
	var err error
	for b := range ordered {
		<-b.done
		for k, ev := range b.evs {
			if err == nil {
				err = fn(ev, b.errs[k])
			}
		}
		if err != nil {
			break
		}
	}
	if err != nil {
		close(stop)
		for b := range ordered { // let the reader and the workers finish
			<-b.done
		}
		return err
	}
	return readErr
}

var errStopped = errors.New("interchange: stopped")

// checkRow checks a parsed row as the office will check its incident.
func checkRow(ctx context.Context, svc *office.Service, ev acled.Event) *acled.RowError {
	for _, a := range []struct{ col, name string }{{"actor1", ev.Actor1}, {"actor2", ev.Actor2}} {
		if err := office.CheckText(a.col, a.name, 200, false); err != nil {
			re, _ := rowError(ev.Line, err)
			if re == nil {
				re = &acled.RowError{Line: ev.Line, Column: a.col, Message: err.Error()}
			}
			return re
		}
	}
	if _, err := svc.CheckImported(ctx, acled.Content(ev)); err != nil {
		re, ierr := rowError(ev.Line, err)
		if ierr != nil {
			return &acled.RowError{Message: ierr.Error()} // not the row's fault: ends the import
		}
		return re
	}
	return nil
}

// actorIndex finds actors by folded name or alias.
type actorIndex struct {
	ids   map[string]string // folded name or alias -> id
	names map[string]string // id -> name
}

// id returns the actor id of name, "" as nil; it keeps the name as read in
// the record when it differs from the actor's (an alias, another spelling),
// so that an export writes it back as it came.
func (x actorIndex) id(name, col string, ext *truce.ExternalRecord) *string {
	f := fold(name)
	if f == "" {
		return nil
	}
	id := x.ids[f]
	if x.names[id] != name {
		ext.Fields[col] = name
	}
	return &id
}

func resolveActors(ctx context.Context, svc *office.Service, names map[string]string, res *ACLEDResult) (actorIndex, error) {
	x := actorIndex{ids: map[string]string{}, names: map[string]string{}}
	var aliases []truce.Actor
	page := store.Page{Limit: 1000}
	for {
		list, err := svc.Actors(ctx, page)
		if err != nil {
			return x, err
		}
		for _, a := range list {
			x.names[a.ID] = a.Name
			if f := fold(a.Name); x.ids[f] == "" {
				x.ids[f] = a.ID
			}
			aliases = append(aliases, a)
		}
		if len(list) < page.Limit {
			break
		}
		page.After = list[len(list)-1].ID
	}
	// A name matches an actor's name before another actor's alias.
	for _, a := range aliases {
		for _, al := range a.Aliases {
			if f := fold(al); x.ids[f] == "" {
				x.ids[f] = a.ID
			}
		}
	}
	var missing []string
	for f, n := range names {
		if x.ids[f] == "" {
			missing = append(missing, n)
		}
	}
	slices.Sort(missing)
	for _, n := range missing {
		a, err := svc.CreateActor(ctx, office.NewActor{Name: n})
		if err != nil {
			return x, fmt.Errorf("create actor %q: %w", n, err)
		}
		x.ids[fold(n)], x.names[a.ID] = a.ID, a.Name
		res.ActorsCreated = append(res.ActorsCreated, n)
	}
	return x, nil
}
