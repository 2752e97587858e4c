package office

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/geo"
	"github.com/truce-org/truce/internal/seal"
	"github.com/truce-org/truce/internal/store"
)

// SiteInput is a new site: a Point inside its zone, a radius and a label.
type SiteInput struct {
	Geometry json.RawMessage `json:"geometry"`
	RadiusM  float64         `json:"radius_m"`
	Label    string          `json:"label"`
}

// siteZone returns the zone whose sites the caller asks about. Sites are
// never visible outside their owner party: for anyone else, a zone's sites
// are not found, whatever the zone and whatever sites it has.
func (s *Service) siteZone(ctx context.Context, m *truce.Member, zoneID string) (truce.Zone, error) {
	z, err := s.visibleZone(ctx, m, zoneID)
	if err != nil {
		return z, err
	}
	if z.Owner != m.Party {
		return z, truce.NotFound("site")
	}
	return z, nil
}

// ownSite returns a site of the caller's party in zoneID.
func (s *Service) ownSite(ctx context.Context, m *truce.Member, zoneID, siteID string) (truce.Zone, truce.Site, error) {
	z, err := s.siteZone(ctx, m, zoneID)
	if err != nil {
		return z, truce.Site{}, err
	}
	site, err := s.store.Site(ctx, m.Party, siteID)
	if err != nil || site.ZoneID != zoneID {
		return z, truce.Site{}, truce.NotFound("site")
	}
	return z, site, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("office: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// CreateSite registers a private site in a zone of the caller's party and
// commits the party's new set of sites to the journal, sealed.
func (s *Service) CreateSite(ctx context.Context, zoneID string, in SiteInput) (truce.Site, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Site{}, err
	}
	z, err := s.siteZone(ctx, m, zoneID)
	if err != nil {
		return truce.Site{}, err
	}
	if err := requireRole(m, "register sites", truce.RoleOfficial, truce.RoleAnalyst); err != nil {
		return truce.Site{}, err
	}
	if z.Status == truce.ZoneWithdrawn {
		return truce.Site{}, truce.Errorf(truce.EConflict, "zone %s is withdrawn", z.ID)
	}
	pt, err := CheckSite(in.Geometry, in.RadiusM, in.Label)
	if err != nil {
		return truce.Site{}, err
	}
	zg, err := geo.ParsePolygonal(z.Geometry, foldLimits)
	if err != nil {
		return truce.Site{}, fmt.Errorf("office: zone %s geometry: %w", z.ID, err)
	}
	if !geo.Intersects(zg, pt) {
		return truce.Site{}, truce.Invalid("geometry", "the site must lie inside its zone")
	}
	canon, err := pt.MarshalJSON()
	if err != nil {
		return truce.Site{}, err
	}
	site := truce.Site{
		ID: truce.NewID("site"), ZoneID: z.ID, Party: m.Party, Geometry: canon, RadiusM: in.RadiusM,
		Label: in.Label, Salt: randomHex(32), CreatedBy: m.Username, CreatedAt: s.clock(),
	}
	s.siteMu.Lock()
	defer s.siteMu.Unlock()
	if err := s.store.CreateSite(ctx, site); err != nil {
		return truce.Site{}, err
	}
	s.hqEvent(ctx, m, truce.HQSite, site.ID)
	s.spatial.AddSite(site, pt)
	if err := s.commitSites(ctx, m); err != nil {
		// The site protects already; the next change commits it.
		s.log.Error("commit site set", "party", m.Party, "err", err)
		return truce.Site{}, err
	}
	return site, nil
}

// commitSites puts a sealed commitment to the caller's party's whole set of
// sites in the journal and keeps, in the HQ, what proves membership later.
// s.siteMu is held.
func (s *Service) commitSites(ctx context.Context, m *truce.Member) error {
	sites, err := s.store.Sites(ctx, m.Party, "")
	if err != nil {
		return err
	}
	records := make([][]byte, len(sites))
	ids := make([]string, len(sites))
	for i := range sites {
		if records[i], err = RecordBytes(sites[i].Record()); err != nil {
			return err
		}
		ids[i] = sites[i].ID
	}
	seed := randomHex(32)
	rawSeed, _ := hex.DecodeString(seed)
	t, err := seal.Build(records, rawSeed)
	if err != nil {
		return fmt.Errorf("office: seal %d sites: %w", len(sites), err)
	}
	root := t.Root()
	id := truce.NewID("sc")
	// The seed is kept before the commitment is published: a commitment
	// whose seed were lost could never prove anything. A set whose append
	// fails names a commitment that does not exist, and is skipped.
	if err := s.store.PutSiteSet(ctx, truce.SiteSet{
		Commitment: id, Party: m.Party, Seed: seed, Sites: ids, Time: s.clock(),
	}); err != nil {
		return err
	}
	_, err = s.writer.Append(ctx, Request{
		Party: m.Party, Member: m.Username, Kind: truce.KindSitesCommit, Subject: id,
		Body: SitesCommitBody{Root: base64.StdEncoding.EncodeToString(root[:]), Leaves: t.Size()},
	})
	return err
}

// Sites lists the sites of a zone of the caller's party.
func (s *Service) Sites(ctx context.Context, zoneID string) ([]truce.Site, error) {
	m, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.siteZone(ctx, m, zoneID); err != nil {
		return nil, err
	}
	if err := requireRole(m, "see sites", truce.RoleOfficial, truce.RoleAnalyst); err != nil {
		return nil, err
	}
	sites, err := s.store.Sites(ctx, m.Party, zoneID)
	if sites == nil {
		sites = []truce.Site{}
	}
	return sites, err
}

// Site returns one site of the caller's party.
func (s *Service) Site(ctx context.Context, zoneID, siteID string) (truce.Site, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Site{}, err
	}
	_, site, err := s.ownSite(ctx, m, zoneID, siteID)
	if err != nil {
		return truce.Site{}, err
	}
	if err := requireRole(m, "see sites", truce.RoleOfficial, truce.RoleAnalyst); err != nil {
		return truce.Site{}, err
	}
	return site, nil
}

// RevealSite discloses one site of the caller's party to the office with the
// proof that it was in the earliest commitment that holds it, so every party
// can check that it was registered before whatever happened to it.
func (s *Service) RevealSite(ctx context.Context, zoneID, siteID string) (truce.RevealedSite, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.RevealedSite{}, err
	}
	z, site, err := s.ownSite(ctx, m, zoneID, siteID)
	if err != nil {
		return truce.RevealedSite{}, err
	}
	if err := requireRole(m, "reveal sites", truce.RoleOfficial); err != nil {
		return truce.RevealedSite{}, err
	}
	if z.Status == truce.ZoneDraft {
		return truce.RevealedSite{}, truce.Errorf(truce.EConflict, "zone %s is a draft: release it before revealing its sites", z.ID)
	}
	if site.Revealed != 0 {
		return truce.RevealedSite{}, truce.Errorf(truce.EConflict, "site %s is already revealed", site.ID)
	}
	s.siteMu.Lock()
	defer s.siteMu.Unlock()
	set, leafOf, err := s.earliestSet(ctx, m.Party, site.ID)
	if err != nil {
		return truce.RevealedSite{}, err
	}
	records := make([][]byte, len(set.Sites))
	for i, id := range set.Sites {
		x, err := s.store.Site(ctx, m.Party, id)
		if err != nil {
			return truce.RevealedSite{}, fmt.Errorf("office: site %s of commitment %s: %w", id, set.Commitment, err)
		}
		if records[i], err = RecordBytes(x.Record()); err != nil {
			return truce.RevealedSite{}, err
		}
	}
	seed, err := hex.DecodeString(set.Seed)
	if err != nil {
		return truce.RevealedSite{}, fmt.Errorf("office: seed of commitment %s: %w", set.Commitment, err)
	}
	t, err := seal.Build(records, seed)
	if err != nil {
		return truce.RevealedSite{}, err
	}
	proof, err := t.Prove(leafOf)
	if err != nil {
		return truce.RevealedSite{}, err
	}
	ps := make([]string, len(proof))
	for i, h := range proof {
		ps[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	app, err := s.writer.Append(ctx, Request{
		Party: m.Party, Member: m.Username, Kind: truce.KindSiteReveal, Subject: site.ID,
		Body: SiteRevealBody{Record: site.Record(), CommitmentEntry: set.Entry, Leaf: t.Leaf(leafOf), Proof: ps},
	})
	if err != nil {
		return truce.RevealedSite{}, err
	}
	if err := s.store.SetSiteRevealed(ctx, m.Party, site.ID, app.Index); err != nil {
		s.log.Error("mark site revealed", "zone", zoneID, "err", err)
	}
	z, err = s.store.Zone(ctx, zoneID)
	if err != nil {
		return truce.RevealedSite{}, mapStore(err, "zone")
	}
	for _, r := range z.Revealed {
		if r.Record.Site == site.ID {
			return r, nil
		}
	}
	return truce.RevealedSite{}, fmt.Errorf("office: revealed site %s missing from zone %s", site.ID, zoneID)
}

// earliestSet finds the published commitment with the lowest entry that
// holds site, and the site's record index in it.
func (s *Service) earliestSet(ctx context.Context, party, site string) (truce.SiteSet, int, error) {
	sets, err := s.store.SiteSets(ctx, party)
	if err != nil {
		return truce.SiteSet{}, 0, err
	}
	best, at := truce.SiteSet{Entry: -1}, -1
	for _, set := range sets {
		i := slices.Index(set.Sites, site)
		if i < 0 {
			continue
		}
		c, err := s.store.SiteCommitmentByID(ctx, set.Commitment)
		if errors.Is(err, store.ErrNotFound) {
			continue // its append failed: nothing was published
		}
		if err != nil {
			return truce.SiteSet{}, 0, err
		}
		if best.Entry < 0 || c.Entry < best.Entry {
			set.Entry = c.Entry
			best, at = set, i
		}
	}
	if at < 0 {
		return truce.SiteSet{}, 0, truce.Errorf(truce.EConflict, "site %s is in no commitment yet; add or change a site to commit the set", site)
	}
	return best, at, nil
}
