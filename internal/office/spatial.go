package office

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/geo"
	"github.com/truce-org/truce/internal/store"
)

// Spatial is the in-memory index deconfliction searches: the live versions
// of released zones and every party's sites. It is built from the store at
// start and kept current as the journal grows (Refresh) and as sites are
// added (AddSite). It holds site positions, so nothing it knows about a site
// may leave it except the site's zone, for the site's owner's probe log.
type Spatial struct {
	refresh sync.Mutex // one zone re-read at a time (the writer's and the follower's)
	// swap makes re-indexing a zone (remove its versions, insert the new
	// ones) atomic for Check: a check between the two would miss the zone
	// and answer clear.
	swap sync.RWMutex

	zones geo.Index[versionKey]
	sites geo.Index[string]

	mu    sync.RWMutex
	zone  map[string]*indexedZone
	site  map[string]indexedSite
	byZID map[string][]string // zone id → its sites
}

type versionKey struct {
	Zone    string
	Version int
}

type indexedZone struct {
	zone    truce.Zone // Versions dropped; content of the latest version
	inForce *truce.ZoneContent
	latest  truce.ZoneContent
	pending truce.ZoneStatus // status of the latest version when it is not the one in force
}

type indexedSite struct {
	zone  string
	party string
}

// NewSpatial returns an empty index.
func NewSpatial() *Spatial {
	return &Spatial{zone: map[string]*indexedZone{}, site: map[string]indexedSite{}, byZID: map[string][]string{}}
}

// Load fills the index with every released zone and every site in st.
func (sp *Spatial) Load(ctx context.Context, st store.Store) error {
	if err := st.EachZone(ctx, func(z truce.Zone) error { return sp.PutZone(z) }); err != nil {
		return fmt.Errorf("spatial: load zones: %w", err)
	}
	if err := st.EachSite(ctx, func(s truce.Site) error {
		g, err := geo.Parse(s.Geometry, geo.Limits{MaxVertices: 1})
		if err != nil {
			return fmt.Errorf("site %s: %w", s.ID, err)
		}
		sp.AddSite(s, g)
		return nil
	}); err != nil {
		return fmt.Errorf("spatial: load sites: %w", err)
	}
	return nil
}

// Refresh re-reads zone id from st and re-indexes it.
func (sp *Spatial) Refresh(ctx context.Context, st store.Store, id string) error {
	sp.refresh.Lock()
	defer sp.refresh.Unlock()
	z, err := st.Zone(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		sp.swap.Lock()
		defer sp.swap.Unlock()
		sp.removeZone(id)
		return nil
	}
	if err != nil {
		return err
	}
	return sp.PutZone(z)
}

// OnAppend re-indexes the zones a committed batch changed. It runs before
// the batch's callers are answered, so a released zone is checked against
// as soon as its release returns.
func (sp *Spatial) OnAppend(ctx context.Context, st store.Store, log *slog.Logger) func([]Appended) {
	return func(batch []Appended) {
		seen := map[string]bool{}
		for _, a := range batch {
			switch a.Entry.Kind {
			case truce.KindZoneRelease, truce.KindZoneAcknowledge, truce.KindZoneDispute, truce.KindZoneWithdraw:
				if seen[a.Entry.Subject] {
					continue
				}
				seen[a.Entry.Subject] = true
				if err := sp.Refresh(ctx, st, a.Entry.Subject); err != nil {
					log.Error("spatial index: refresh zone", "zone", a.Entry.Subject, "err", err)
				}
			}
		}
	}
}

// PutZone indexes a released zone's live versions: the one in force, and
// the latest when it is not (it awaits acknowledgement). A withdrawn zone
// is removed.
func (sp *Spatial) PutZone(z truce.Zone) error {
	type version struct {
		n      int
		g      geo.Geometry
		buffer float64
	}
	var versions []version
	iz := &indexedZone{latest: z.Latest().ZoneContent}
	put := func(v *truce.ZoneVersion) error {
		g, err := geo.ParsePolygonal(v.Geometry, foldLimits)
		if err != nil {
			return fmt.Errorf("spatial: zone %s version %d: %w", z.ID, v.Version, err)
		}
		versions = append(versions, version{v.Version, g, v.BufferM})
		return nil
	}
	live := z.Status != truce.ZoneWithdrawn && len(z.Versions) > 0
	if live {
		if v := z.VersionOf(z.InForce); v != nil {
			c := v.ZoneContent
			iz.inForce = &c
			if err := put(v); err != nil {
				return err
			}
		}
		if l := z.Latest(); l.Version != z.InForce {
			iz.pending = l.Status
			if err := put(l); err != nil {
				return err
			}
		}
	}
	z.Versions = nil
	iz.zone = z
	sp.swap.Lock()
	defer sp.swap.Unlock()
	sp.removeZone(z.ID)
	if !live {
		return nil
	}
	for _, v := range versions {
		sp.zones.Insert(versionKey{z.ID, v.n}, v.g, v.buffer)
	}
	sp.mu.Lock()
	sp.zone[z.ID] = iz
	sp.mu.Unlock()
	return nil
}

func (sp *Spatial) removeZone(id string) {
	sp.mu.Lock()
	iz, ok := sp.zone[id]
	delete(sp.zone, id)
	sp.mu.Unlock()
	if !ok {
		return
	}
	for v := 1; v <= iz.zone.Version; v++ {
		sp.zones.Delete(versionKey{id, v})
	}
}

// AddSite indexes a site, its radius as its buffer.
func (sp *Spatial) AddSite(s truce.Site, g geo.Geometry) {
	sp.sites.Insert(s.ID, g, s.RadiusM)
	sp.mu.Lock()
	if _, ok := sp.site[s.ID]; !ok {
		sp.byZID[s.ZoneID] = append(sp.byZID[s.ZoneID], s.ID)
	}
	sp.site[s.ID] = indexedSite{zone: s.ZoneID, party: s.Party}
	sp.mu.Unlock()
}

// SiteHit is a site a check met. It stays inside the office package's
// callers: only the owner's probe log may learn of it.
type SiteHit struct {
	Site, Zone, Owner string
}

// Check answers a planned activity: every zone it meets within the zone's
// buffer plus bufferM during [from, until), strongest reason first per zone,
// and the sites it met (for the owners' probe logs, never for the caller).
func (sp *Spatial) Check(q geo.Geometry, bufferM float64, from time.Time, until *time.Time, now time.Time) (truce.Deconfliction, []SiteHit) {
	sp.swap.RLock()
	defer sp.swap.RUnlock()
	var keys []versionKey
	sp.zones.Search(q, bufferM, func(k versionKey) bool { keys = append(keys, k); return true })
	var siteIDs []string
	sp.sites.Search(q, bufferM, func(id string) bool { siteIDs = append(siteIDs, id); return true })

	type found struct {
		c    truce.Conflict
		rank int
	}
	byZone := map[string]*found{}
	note := func(iz *indexedZone, reason string, status truce.ZoneStatus, rank int) {
		f := byZone[iz.zone.ID]
		if f == nil || rank > f.rank {
			byZone[iz.zone.ID] = &found{rank: rank, c: truce.Conflict{
				ZoneID: iz.zone.ID, ZoneName: iz.zone.Name, Owner: iz.zone.Owner, Status: status, Reason: reason,
			}}
		}
	}
	var hits []SiteHit
	sp.mu.RLock()
	for _, k := range keys {
		iz := sp.zone[k.Zone]
		if iz == nil {
			continue
		}
		if iz.inForce != nil && k.Version == iz.zone.InForce {
			if iz.inForce.Overlaps(from, until) {
				note(iz, truce.ReasonZone, truce.ZoneInForce, 2)
			}
		} else if k.Version == iz.zone.Version && iz.latest.Overlaps(from, until) {
			note(iz, truce.ReasonZone, iz.pending, 1)
		}
	}
	for _, id := range siteIDs {
		s, ok := sp.site[id]
		if !ok {
			continue
		}
		iz := sp.zone[s.zone]
		if iz == nil {
			continue // a draft zone's site protects once the zone is released
		}
		window := iz.latest
		if iz.inForce != nil {
			window = *iz.inForce
		}
		if !window.Overlaps(from, until) {
			continue
		}
		note(iz, truce.ReasonSite, iz.zone.StatusAt(now), 3)
		hits = append(hits, SiteHit{Site: id, Zone: s.zone, Owner: s.party})
	}
	sp.mu.RUnlock()

	d := truce.Deconfliction{Result: truce.ResultClear, Conflicts: []truce.Conflict{}}
	for _, f := range byZone {
		d.Conflicts = append(d.Conflicts, f.c)
		if f.rank >= 2 {
			d.Result = truce.ResultConflict
		} else if d.Result == truce.ResultClear {
			d.Result = truce.ResultAdvisory
		}
	}
	slices.SortFunc(d.Conflicts, func(a, b truce.Conflict) int { return strings.Compare(a.ZoneID, b.ZoneID) })
	return d, hits
}

// Len returns the number of indexed zone versions and sites.
func (sp *Spatial) Len() (zones, sites int) { return sp.zones.Len(), sp.sites.Len() }
