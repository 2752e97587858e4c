package office

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// ZoneInput is a zone's content as a caller gives it. On create, name,
// category and geometry are required, valid_from defaults to now and
// buffer_m to 0; on update, absent fields keep their value.
type ZoneInput struct {
	Geometry   json.RawMessage
	Name       *string
	Category   *truce.ZoneCategory
	ValidFrom  *time.Time
	ValidUntil *time.Time
	BufferM    *float64
}

func (in ZoneInput) merge(c truce.ZoneContent) truce.ZoneContent {
	if len(in.Geometry) > 0 {
		c.Geometry = in.Geometry
	}
	if in.Name != nil {
		c.Name = *in.Name
	}
	if in.Category != nil {
		c.Category = *in.Category
	}
	// Times are kept to the microsecond, as the stores keep them.
	if in.ValidFrom != nil {
		c.ValidFrom = in.ValidFrom.UTC().Truncate(time.Microsecond)
	}
	if in.ValidUntil != nil {
		u := in.ValidUntil.UTC().Truncate(time.Microsecond)
		c.ValidUntil = &u
	}
	if in.BufferM != nil {
		c.BufferM = *in.BufferM
	}
	return c
}

// checkContent validates c with the configured limits and returns it with
// its geometry in canonical form and its bounding box.
func (s *Service) checkContent(c truce.ZoneContent) (truce.ZoneContent, [4]float64, error) {
	g, err := CheckZoneContent(c, s.limits)
	if err != nil {
		return c, [4]float64{}, err
	}
	canon, err := g.MarshalJSON()
	if err != nil {
		return c, [4]float64{}, err
	}
	c.Geometry = canon
	return c, BoxOf(g), nil
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// CreateZone saves a new zone as a draft in the caller's HQ.
func (s *Service) CreateZone(ctx context.Context, in ZoneInput) (truce.Zone, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Zone{}, err
	}
	if err := requireRole(m, "create zones", truce.RoleOfficial, truce.RoleAnalyst); err != nil {
		return truce.Zone{}, err
	}
	now := s.clock()
	c, box, err := s.checkContent(in.merge(truce.ZoneContent{ValidFrom: now}))
	if err != nil {
		return truce.Zone{}, err
	}
	z := truce.Zone{
		ID: truce.NewID("zone"), Owner: m.Party, Status: truce.ZoneDraft, ZoneContent: c, BBox: box,
		Versions: []truce.ZoneVersion{}, Revealed: []truce.RevealedSite{},
		CreatedBy: m.Username, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.store.PutDraft(ctx, z); err != nil {
		return truce.Zone{}, err
	}
	s.hqEvent(ctx, m, truce.HQZoneDraft, z.ID)
	return z, nil
}

// visibleZone returns zone id as the caller may see it: a released zone, or
// a draft of the caller's own party. Anything else is not found.
func (s *Service) visibleZone(ctx context.Context, m *truce.Member, id string) (truce.Zone, error) {
	z, err := s.store.Zone(ctx, id)
	if err == nil {
		return z, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return z, err
	}
	if m.Admin || m.Party == "" {
		return z, truce.NotFound("zone")
	}
	z, err = s.store.Draft(ctx, m.Party, id)
	return z, mapStore(err, "zone")
}

// present sets the status a reader sees now (expired after valid_until).
func (s *Service) present(z truce.Zone) truce.Zone {
	z.Status = z.StatusAt(s.now())
	if z.Versions == nil {
		z.Versions = []truce.ZoneVersion{}
	}
	if z.Revealed == nil {
		z.Revealed = []truce.RevealedSite{}
	}
	return z
}

// Zone returns one zone the caller may see.
func (s *Service) Zone(ctx context.Context, id string) (truce.Zone, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Zone{}, err
	}
	z, err := s.visibleZone(ctx, m, id)
	if err != nil {
		return truce.Zone{}, err
	}
	return s.present(z), nil
}

// Zones lists one page of the zones the caller may see: released zones and
// its own party's drafts, by id.
func (s *Service) Zones(ctx context.Context, f store.ZoneFilter, page store.Page) ([]truce.Zone, error) {
	m, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	f.Now = s.now()
	var office, drafts []truce.Zone
	if f.Status != truce.ZoneDraft {
		if office, err = s.store.Zones(ctx, f, page); err != nil {
			return nil, err
		}
	}
	if (f.Status == "" || f.Status == truce.ZoneDraft) && !m.Admin && m.Party != "" && (f.Owner == "" || f.Owner == m.Party) {
		if drafts, err = s.store.Drafts(ctx, m.Party, f, page); err != nil {
			return nil, err
		}
	}
	out := make([]truce.Zone, 0, len(office)+len(drafts))
	i, j := 0, 0
	for (i < len(office) || j < len(drafts)) && (page.Limit <= 0 || len(out) < page.Limit) {
		if j >= len(drafts) || (i < len(office) && office[i].ID < drafts[j].ID) {
			out = append(out, s.present(office[i]))
			i++
		} else {
			out = append(out, s.present(drafts[j]))
			j++
		}
	}
	return out, nil
}

// ownZone returns a zone of the caller's party for a lifecycle action: 404
// when not visible, 403 when visible but another party's.
func (s *Service) ownZone(ctx context.Context, m *truce.Member, id, action string) (truce.Zone, error) {
	z, err := s.visibleZone(ctx, m, id)
	if err != nil {
		return z, err
	}
	if z.Owner != m.Party {
		return z, truce.Errorf(truce.EForbidden, "only %s may %s its zone", z.Owner, action)
	}
	return z, nil
}

// UpdateZone changes a zone: a draft is edited in place (officials and
// analysts); a released zone gets a new version, released at once by an
// official, which needs acknowledging again while the version in force
// stays in force.
func (s *Service) UpdateZone(ctx context.Context, id string, in ZoneInput) (truce.Zone, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Zone{}, err
	}
	z, err := s.visibleZone(ctx, m, id)
	if err != nil {
		return truce.Zone{}, err
	}
	if z.Status == truce.ZoneDraft {
		if err := requireRole(m, "edit zones", truce.RoleOfficial, truce.RoleAnalyst); err != nil {
			return truce.Zone{}, err
		}
		c, box, err := s.checkContent(in.merge(z.ZoneContent))
		if err != nil {
			return truce.Zone{}, err
		}
		z.ZoneContent, z.BBox, z.UpdatedAt = c, box, s.clock()
		if err := s.store.PutDraft(ctx, z); err != nil {
			return truce.Zone{}, err
		}
		s.hqEvent(ctx, m, truce.HQZoneDraft, z.ID)
		return s.present(z), nil
	}
	if err := requireRole(m, "release a new version of a zone", truce.RoleOfficial); err != nil {
		return truce.Zone{}, err
	}
	if z.Owner != m.Party {
		return truce.Zone{}, truce.Errorf(truce.EForbidden, "only %s may change its zone", z.Owner)
	}
	if z.Status == truce.ZoneWithdrawn {
		return truce.Zone{}, truce.Errorf(truce.EConflict, "zone %s is withdrawn", z.ID)
	}
	c, _, err := s.checkContent(in.merge(z.ZoneContent))
	if err != nil {
		return truce.Zone{}, err
	}
	// A change that changes nothing releases nothing: a new version would
	// need acknowledging again for no reason.
	if sameContent(c, z.ZoneContent) {
		return s.present(z), nil
	}
	return s.release(ctx, m, z.ID, z.Version+1, c)
}

func (s *Service) release(ctx context.Context, m *truce.Member, id string, version int, c truce.ZoneContent) (truce.Zone, error) {
	if _, err := s.writer.Append(ctx, Request{
		Party: m.Party, Member: m.Username, Kind: truce.KindZoneRelease, Subject: id,
		Body: ZoneReleaseBody{Version: version, ZoneContent: c},
	}); err != nil {
		return truce.Zone{}, err
	}
	z, err := s.store.Zone(ctx, id)
	if err != nil {
		return truce.Zone{}, mapStore(err, "zone")
	}
	return s.present(z), nil
}

// ReleaseZone releases a draft of the caller's party to the office as
// version 1, proposed to the other parties.
func (s *Service) ReleaseZone(ctx context.Context, id string) (truce.Zone, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Zone{}, err
	}
	z, err := s.ownZone(ctx, m, id, "release")
	if err != nil {
		return truce.Zone{}, err
	}
	if err := requireRole(m, "release zones", truce.RoleOfficial); err != nil {
		return truce.Zone{}, err
	}
	if z.Status != truce.ZoneDraft {
		return truce.Zone{}, truce.Errorf(truce.EConflict, "zone %s is already released (%s)", z.ID, z.StatusAt(s.now()))
	}
	// The draft was validated with the limits of its day; check again.
	c, _, err := s.checkContent(z.ZoneContent)
	if err != nil {
		return truce.Zone{}, err
	}
	out, err := s.release(ctx, m, z.ID, 1, c)
	if err != nil {
		return truce.Zone{}, err
	}
	if err := s.store.DeleteDraft(ctx, m.Party, z.ID); err != nil {
		s.log.Error("delete released draft", "zone", z.ID, "err", err)
	}
	return out, nil
}

// ZoneAnswer is an acknowledgement or dispute of a zone's latest version.
// Version and ZoneHash, when given, must be what the caller was shown: an
// acknowledgement is a receipt of exactly that release.
type ZoneAnswer struct {
	Version  int    `json:"version"`
	ZoneHash string `json:"zone_hash"`
	Reason   string `json:"reason"`
}

// AnswerZone acknowledges (pledges) or disputes another party's zone.
func (s *Service) AnswerZone(ctx context.Context, id string, kind truce.ZoneResponseKind, in ZoneAnswer) (truce.Zone, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Zone{}, err
	}
	z, err := s.visibleZone(ctx, m, id)
	if err != nil {
		return truce.Zone{}, err
	}
	if err := requireRole(m, string(kind)+" zones", truce.RoleOfficial); err != nil {
		return truce.Zone{}, err
	}
	if z.Owner == m.Party {
		return truce.Zone{}, truce.Errorf(truce.EForbidden, "a party does not %s its own zone", kind)
	}
	if st := z.StatusAt(s.now()); !st.Live() {
		return truce.Zone{}, truce.Errorf(truce.EConflict, "zone %s is %s", z.ID, st)
	}
	v := z.Latest()
	if in.Version != 0 && in.Version != v.Version {
		return truce.Zone{}, truce.Errorf(truce.EConflict, "zone %s is at version %d, not %d", z.ID, v.Version, in.Version)
	}
	if in.ZoneHash != "" && in.ZoneHash != v.Hash {
		return truce.Zone{}, truce.Errorf(truce.EConflict, "zone %s version %d has hash %s, not %s", z.ID, v.Version, v.Hash, in.ZoneHash)
	}
	kindName := truce.KindZoneAcknowledge
	if kind == truce.ZoneDisputedBy {
		kindName = truce.KindZoneDispute
	} else if in.Reason != "" {
		return truce.Zone{}, truce.Invalid("reason", "an acknowledgement carries no reason")
	}
	if _, err := s.writer.Append(ctx, Request{
		Party: m.Party, Member: m.Username, Kind: kindName, Subject: z.ID,
		Body: ZoneAnswerBody{Version: v.Version, ReleaseEntry: v.Entry, ZoneHash: v.Hash, Reason: in.Reason},
	}); err != nil {
		return truce.Zone{}, err
	}
	z, err = s.store.Zone(ctx, id)
	return s.present(z), mapStore(err, "zone")
}

// WithdrawZone withdraws a released zone of the caller's party.
func (s *Service) WithdrawZone(ctx context.Context, id, reason string) (truce.Zone, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Zone{}, err
	}
	z, err := s.ownZone(ctx, m, id, "withdraw")
	if err != nil {
		return truce.Zone{}, err
	}
	if err := requireRole(m, "withdraw zones", truce.RoleOfficial); err != nil {
		return truce.Zone{}, err
	}
	if z.Status == truce.ZoneDraft || z.Status == truce.ZoneWithdrawn {
		return truce.Zone{}, truce.Errorf(truce.EConflict, "zone %s is %s; only a released zone is withdrawn", z.ID, z.Status)
	}
	if _, err := s.writer.Append(ctx, Request{
		Party: m.Party, Member: m.Username, Kind: truce.KindZoneWithdraw, Subject: z.ID,
		Body: ZoneWithdrawBody{Reason: reason},
	}); err != nil {
		return truce.Zone{}, err
	}
	z, err = s.store.Zone(ctx, id)
	return s.present(z), mapStore(err, "zone")
}

// sameContent compares zone contents as released: geometries are canonical.
func sameContent(a, b truce.ZoneContent) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}
