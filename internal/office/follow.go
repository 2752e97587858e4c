package office

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/geo"
	"github.com/truce-org/truce/internal/journal"
	"github.com/truce-org/truce/internal/store"
)

// Follower keeps a node's in-memory index current with the journal as other
// nodes on the same database append to it: woken by the store when it can
// (store.Watcher), and polling otherwise, it reads the entries it has not
// seen by index, so a lost wake-up or a restart misses nothing.
type Follower struct {
	st     store.Store
	sp     *Spatial
	hub    *Hub
	log    *slog.Logger
	next   int64
	notify bool
	poke   chan struct{}

	mu    sync.Mutex
	wrote map[int64]Event // events of entries this node's writer appended, not yet caught up
}

// maxWrote bounds the events Wrote keeps for CatchUp; past it, entries are
// read back from the journal as others' are.
const maxWrote = 1 << 16

// NewFollower returns a follower that starts after the first `from`
// entries (those the index was loaded with). With notify false it only
// polls, as it must on engines without LISTEN/NOTIFY.
func NewFollower(st store.Store, sp *Spatial, hub *Hub, from int64, notify bool, log *slog.Logger) *Follower {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hub.Started(from)
	return &Follower{st: st, sp: sp, hub: hub, log: log, next: from, notify: notify, poke: make(chan struct{}, 1)}
}

// Poke makes the follower catch up now: the writer pokes it after each of
// this node's own appends, so events go out at once, in index order with
// everyone else's.
func (f *Follower) Poke() {
	select {
	case f.poke <- struct{}{}:
	default:
	}
}

// Wrote tells the follower of entries this node's writer is committing
// (call it from the writer's OnCommitting, with Forget as its undo), so
// that CatchUp takes their events from here rather than reading and
// parsing each entry back: an import appends entries of hundreds of
// kilobytes.
func (f *Follower) Wrote(apps []Appended) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.wrote == nil {
		f.wrote = map[int64]Event{}
	}
	for _, a := range apps {
		if len(f.wrote) >= maxWrote {
			return
		}
		f.wrote[a.Index] = EventOf(a.Index, a.Entry)
	}
}

// Forget takes back what Wrote told of apps: the writer's commit of them
// failed, and their indexes will hold other entries.
func (f *Follower) Forget(apps []Appended) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range apps {
		delete(f.wrote, a.Index)
	}
}

// written returns the events of entries from..to-1 if Wrote told of them
// all, forgetting them then; it forgets any told of before from (caught up
// already, by reading them back).
func (f *Follower) written(from, to int64) ([]Event, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Event
	ok := true
	for i := from; i < to; i++ {
		ev, known := f.wrote[i]
		if !known {
			ok = false
			break
		}
		out = append(out, ev)
	}
	if ok {
		for i := from; i < to; i++ {
			delete(f.wrote, i)
		}
	}
	for i := range f.wrote {
		if i < from {
			delete(f.wrote, i)
		}
	}
	return out, ok
}

// Run follows until ctx ends, polling every `every` besides wake-ups.
func (f *Follower) Run(ctx context.Context, every time.Duration) {
	var wake <-chan struct{}
	if w, ok := f.st.(store.Watcher); ok && f.notify {
		ch, err := w.WatchAppends(ctx)
		if err != nil {
			f.log.Warn("journal follower: no notifications, polling only", "err", err)
		}
		wake = ch
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := f.CatchUp(ctx); err != nil && ctx.Err() == nil {
			f.log.Error("journal follower", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-f.poke:
		case <-t.C:
		}
	}
}

// CatchUp applies every entry appended since the last call.
func (f *Follower) CatchUp(ctx context.Context) error {
	size, err := f.st.JournalSize(ctx)
	if err != nil || size <= f.next {
		return err
	}
	zones, parties := map[string]bool{}, map[string]bool{}
	events, ok := f.written(f.next, size)
	if !ok {
		events = nil
		if err := f.st.Entries(ctx, f.next, size, func(index int64, note []byte) error {
			e, err := journal.ParseEntry(note)
			if err != nil {
				return fmt.Errorf("entry %d: %w", index, err)
			}
			events = append(events, EventOf(index, e))
			return nil
		}); err != nil {
			return err
		}
	}
	for _, ev := range events {
		switch ev.Kind {
		case truce.KindZoneRelease, truce.KindZoneAcknowledge, truce.KindZoneDispute, truce.KindZoneWithdraw:
			zones[ev.Subject] = true
		case truce.KindSitesCommit:
			parties[ev.Party] = true
		}
	}
	for id := range zones {
		if err := f.sp.Refresh(ctx, f.st, id); err != nil {
			return err
		}
	}
	for party := range parties {
		if err := f.sp.LoadSites(ctx, f.st, party); err != nil {
			return err
		}
	}
	// Events go out once the index knows what they announce.
	f.hub.Publish(events)
	f.next = size
	return nil
}

// LoadSites indexes every site of party (those another node registered).
func (sp *Spatial) LoadSites(ctx context.Context, st store.Store, party string) error {
	sites, err := st.Sites(ctx, party, "")
	if err != nil {
		return err
	}
	for _, s := range sites {
		g, err := geo.Parse(s.Geometry, geo.Limits{MaxVertices: 1})
		if err != nil {
			return fmt.Errorf("site %s: %w", s.ID, err)
		}
		sp.AddSite(s, g)
	}
	return nil
}
