package truce

import (
	"encoding/json"
	"time"
)

// ZoneStatus is where a zone stands in its lifecycle (SPEC 3).
type ZoneStatus string

// Zone statuses. Expired is never stored: a released zone whose valid_until
// has passed reads as expired.
const (
	ZoneDraft     ZoneStatus = "draft"
	ZoneProposed  ZoneStatus = "proposed"
	ZoneInForce   ZoneStatus = "in_force"
	ZoneDisputed  ZoneStatus = "disputed"
	ZoneWithdrawn ZoneStatus = "withdrawn"
	ZoneExpired   ZoneStatus = "expired"
)

// Valid reports whether s is a known zone status.
func (s ZoneStatus) Valid() bool {
	switch s {
	case ZoneDraft, ZoneProposed, ZoneInForce, ZoneDisputed, ZoneWithdrawn, ZoneExpired:
		return true
	}
	return false
}

// Live reports whether a zone in status s protects anything: released and
// neither withdrawn nor expired.
func (s ZoneStatus) Live() bool {
	return s == ZoneProposed || s == ZoneInForce || s == ZoneDisputed
}

// ZoneCategory says what a zone protects.
type ZoneCategory string

// Zone categories.
const (
	CategoryOpposition   ZoneCategory = "opposition_area"
	CategoryCivilian     ZoneCategory = "civilian_area"
	CategoryHumanitarian ZoneCategory = "humanitarian_site"
	CategoryOther        ZoneCategory = "other"
)

// Valid reports whether c is a known category.
func (c ZoneCategory) Valid() bool {
	switch c {
	case CategoryOpposition, CategoryCivilian, CategoryHumanitarian, CategoryOther:
		return true
	}
	return false
}

// ZoneContent is what a zone says: the part a release fixes and an
// acknowledgement receipts. Geometry is a validated GeoJSON Polygon or
// MultiPolygon in its canonical form.
type ZoneContent struct {
	Name       string          `json:"name"`
	Category   ZoneCategory    `json:"category"`
	ValidFrom  time.Time       `json:"valid_from"`
	ValidUntil *time.Time      `json:"valid_until"`
	BufferM    float64         `json:"buffer_m"`
	Geometry   json.RawMessage `json:"geometry"`
}

// Overlaps reports whether the zone's validity [valid_from, valid_until)
// meets the window [from, until); a nil until is open-ended.
func (c ZoneContent) Overlaps(from time.Time, until *time.Time) bool {
	if until != nil && !c.ValidFrom.Before(*until) {
		return false
	}
	return c.ValidUntil == nil || from.Before(*c.ValidUntil)
}

// ZoneResponseKind is how a party answered a released zone version.
type ZoneResponseKind string

// Zone responses.
const (
	ZoneAcknowledged ZoneResponseKind = "acknowledge"
	ZoneDisputedBy   ZoneResponseKind = "dispute"
)

// ZoneResponse is one party's latest answer to one zone version: an
// acknowledgement is a signed receipt of the version's hash.
type ZoneResponse struct {
	Kind   ZoneResponseKind `json:"kind"`
	Reason string           `json:"reason,omitempty"`
	Member string           `json:"member"`
	Time   time.Time        `json:"time"`
	Entry  int64            `json:"entry"`
}

// ZoneVersion is one released version of a zone.
type ZoneVersion struct {
	Version int `json:"version"`
	ZoneContent
	BBox [4]float64 `json:"bbox"`
	// Hash is "sha256:<hex>" of the zone.release entry's body: what an
	// acknowledgement receipts.
	Hash       string                  `json:"hash"`
	ReleasedBy string                  `json:"released_by"`
	ReleasedAt time.Time               `json:"released_at"`
	Entry      int64                   `json:"entry"`
	Responses  map[string]ZoneResponse `json:"responses"`
	// Status is proposed, in_force or disputed, for this version alone.
	Status ZoneStatus `json:"status"`
	// InForceSpans are the times this version was the zone's version in
	// force, as the journal's entries made and ended them.
	InForceSpans []Span `json:"in_force_spans"`
}

// Span is a time interval [From, Until); a nil Until is still open.
type Span struct {
	From  time.Time  `json:"from"`
	Until *time.Time `json:"until"`
}

// Contains reports whether t falls in s.
func (s Span) Contains(t time.Time) bool {
	return !t.Before(s.From) && (s.Until == nil || t.Before(*s.Until))
}

// InForceAt returns the version of z in force at t, within its validity
// window, or nil.
func (z *Zone) InForceAt(t time.Time) *ZoneVersion {
	for i := range z.Versions {
		v := &z.Versions[i]
		for _, s := range v.InForceSpans {
			if s.Contains(t) && !t.Before(v.ValidFrom) && (v.ValidUntil == nil || t.Before(*v.ValidUntil)) {
				return v
			}
		}
	}
	return nil
}

// Zone is a protected area designated by its owner party. A draft lives in
// the owner's HQ; a released zone lives in the office, with every released
// version kept: a new version needs acknowledging again, and the version in
// force until then stays in force.
type Zone struct {
	ID     string     `json:"id"`
	Owner  string     `json:"owner"`
	Status ZoneStatus `json:"status"`
	// ZoneContent is the draft's content, or the latest released version's.
	ZoneContent
	// Version is the latest released version (0 for a draft never released).
	Version int `json:"version"`
	// InForce is the version in force (0 for none).
	InForce   int           `json:"in_force_version"`
	Versions  []ZoneVersion `json:"versions"`
	CreatedBy string        `json:"created_by"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
	// Withdrawn holds the withdrawal, if any.
	Withdrawn *ZoneResponse  `json:"withdrawn,omitempty"`
	Revealed  []RevealedSite `json:"revealed_sites"`
	// BBox bounds what every version of the zone protects, buffers
	// included: [min lon, min lat, max lon, max lat]. (A draft's is its
	// geometry's box.)
	BBox [4]float64 `json:"bbox"`
	// Entry is the last journal entry that changed the zone (0 for a draft).
	Entry int64 `json:"entry"`
}

// Latest returns the latest released version, or nil for a draft.
func (z *Zone) Latest() *ZoneVersion {
	if len(z.Versions) == 0 {
		return nil
	}
	return &z.Versions[len(z.Versions)-1]
}

// VersionOf returns version n, or nil.
func (z *Zone) VersionOf(n int) *ZoneVersion {
	if n < 1 || n > len(z.Versions) {
		return nil
	}
	return &z.Versions[n-1]
}

// StatusAt is the zone's status as read at now: a live zone whose validity
// has ended reads as expired.
func (z *Zone) StatusAt(now time.Time) ZoneStatus {
	if z.Status.Live() && z.ValidUntil != nil && !now.Before(*z.ValidUntil) {
		return ZoneExpired
	}
	return z.Status
}

// Site is a precise protected position inside a zone, private to its owner
// party forever unless the owner reveals it. Salt is the secret that makes
// the site's record in a sealed commitment unguessable.
type Site struct {
	ID        string          `json:"id"`
	ZoneID    string          `json:"zone_id"`
	Party     string          `json:"party"`
	Geometry  json.RawMessage `json:"geometry"`
	RadiusM   float64         `json:"radius_m"`
	Label     string          `json:"label"`
	Salt      string          `json:"-"`
	CreatedBy string          `json:"created_by"`
	CreatedAt time.Time       `json:"created_at"`
	// Revealed is the journal entry that disclosed the site, 0 while private.
	Revealed int64 `json:"revealed_entry"`
}

// SiteRecord is what a sealed commitment holds for one site and what a
// reveal discloses: its canonical JSON is the committed record.
type SiteRecord struct {
	Site     string          `json:"site"`
	Zone     string          `json:"zone"`
	Party    string          `json:"party"`
	Geometry json.RawMessage `json:"geometry"`
	RadiusM  float64         `json:"radius_m"`
	Label    string          `json:"label"`
	Salt     string          `json:"salt"`
}

// Record returns the site's committed record.
func (s *Site) Record() SiteRecord {
	return SiteRecord{Site: s.ID, Zone: s.ZoneID, Party: s.Party, Geometry: s.Geometry,
		RadiusM: s.RadiusM, Label: s.Label, Salt: s.Salt}
}

// SiteCommitment is a sealed commitment to one party's whole set of sites,
// as the office journal holds it: a Merkle root and a padded tree size.
type SiteCommitment struct {
	ID     string    `json:"id"`
	Party  string    `json:"party"`
	Root   string    `json:"root"`
	Leaves int64     `json:"leaves"`
	Time   time.Time `json:"time"`
	Entry  int64     `json:"entry"`
}

// SiteSet is the owner's private record of what one commitment covers, so
// that it can prove a site's membership later: the seed that placed the
// records and padded the tree, and the sites in record order. It is stored
// before the commitment is published, with Entry 0; the commitment's entry
// is found by its id.
type SiteSet struct {
	Commitment string    `json:"commitment"`
	Party      string    `json:"party"`
	Entry      int64     `json:"entry"`
	Seed       string    `json:"-"`
	Sites      []string  `json:"sites"`
	Time       time.Time `json:"time"`
}

// RevealedSite is a site its owner disclosed, with the commitment that
// proves it was registered before.
type RevealedSite struct {
	Record          SiteRecord `json:"record"`
	CommitmentEntry int64      `json:"commitment_entry"`
	CommittedAt     time.Time  `json:"committed_at"`
	Leaf            int64      `json:"leaf"`
	Leaves          int64      `json:"leaves"`
	Proof           []string   `json:"proof"`
	Member          string     `json:"member"`
	Time            time.Time  `json:"time"`
	Entry           int64      `json:"entry"`
}

// Deconfliction results.
const (
	ResultClear    = "clear"
	ResultAdvisory = "advisory"
	ResultConflict = "conflict"
)

// Conflict reasons. A site is never named: its zone is, with ReasonSite.
const (
	ReasonZone = "zone"
	ReasonSite = "protected_site"
)

// Conflict is one zone a planned activity meets.
type Conflict struct {
	ZoneID   string     `json:"zone_id"`
	ZoneName string     `json:"zone_name"`
	Owner    string     `json:"owner"`
	Status   ZoneStatus `json:"status"`
	Reason   string     `json:"reason"`
}

// Check is a planned activity to deconflict: any geometry, a buffer and a
// window [From, Until).
type Check struct {
	Geometry json.RawMessage `json:"geometry"`
	BufferM  float64         `json:"buffer_m"`
	From     time.Time       `json:"from"`
	Until    *time.Time      `json:"until"`
}

// Deconfliction is a check's answer.
type Deconfliction struct {
	Result    string     `json:"result"`
	Conflicts []Conflict `json:"conflicts"`
}

// Notice is a planner's recorded declaration of a planned activity, with
// the answer it got when it reached the office.
type Notice struct {
	ID string `json:"id"`
	Check
	Activity string `json:"activity"`
	Note     string `json:"note"`
	Deconfliction
	BBox   [4]float64 `json:"bbox"`
	Party  string     `json:"party"`
	Member string     `json:"member"`
	Time   time.Time  `json:"time"`
	Entry  int64      `json:"entry"`
}

// Probe records, for a site's owner only, a check or notice of another
// member that met one of its sites: who, when, what geometry.
type Probe struct {
	ID       string          `json:"id"`
	Owner    string          `json:"owner"`
	SiteID   string          `json:"site_id"`
	ZoneID   string          `json:"zone_id"`
	Party    string          `json:"party"`
	Member   string          `json:"member"`
	Kind     string          `json:"kind"`
	NoticeID string          `json:"notice_id,omitempty"`
	Geometry json.RawMessage `json:"geometry"`
	BufferM  float64         `json:"buffer_m"`
	From     time.Time       `json:"from"`
	Until    *time.Time      `json:"until"`
	Time     time.Time       `json:"time"`
}

// Entry kinds of zones, sites and notices.
const (
	KindZoneRelease     = "zone.release"
	KindZoneAcknowledge = "zone.acknowledge"
	KindZoneDispute     = "zone.dispute"
	KindZoneWithdraw    = "zone.withdraw"
	KindSitesCommit     = "sites.commit"
	KindSiteReveal      = "site.reveal"
	KindNoticeSubmit    = "notice.submit"
)
