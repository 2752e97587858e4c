package office

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/geo"
	"github.com/truce-org/truce/internal/seal"
	"github.com/truce-org/truce/internal/store"
)

// ZoneReleaseBody is the body of a zone.release entry: one version of the
// zone exactly as released. Its SHA-256 is the hash acknowledgements carry.
type ZoneReleaseBody struct {
	Version int `json:"version"`
	truce.ZoneContent
}

// ZoneAnswerBody is the body of zone.acknowledge and zone.dispute entries:
// the version answered, bound to its release entry and hash, so an
// acknowledgement is a signed receipt of exactly what was released.
type ZoneAnswerBody struct {
	Version      int    `json:"version"`
	ReleaseEntry int64  `json:"release_entry"`
	ZoneHash     string `json:"zone_hash"`
	Reason       string `json:"reason,omitempty"`
}

// ZoneWithdrawBody is the body of a zone.withdraw entry.
type ZoneWithdrawBody struct {
	Reason string `json:"reason"`
}

// SitesCommitBody is the body of a sites.commit entry: a sealed commitment to
// the acting party's whole set of sites (package seal).
type SitesCommitBody struct {
	Root   string `json:"root"`
	Leaves int64  `json:"leaves"`
}

// SiteRevealBody is the body of a site.reveal entry: one site's committed
// record and its inclusion proof in a commitment made earlier.
type SiteRevealBody struct {
	Record          truce.SiteRecord `json:"record"`
	CommitmentEntry int64            `json:"commitment_entry"`
	Leaf            int64            `json:"leaf"`
	Proof           []string         `json:"proof"`
}

// NoticeSubmitBody is the body of a notice.submit entry: the declared
// activity and the answer the office gave it.
type NoticeSubmitBody struct {
	truce.Check
	Activity string `json:"activity"`
	Note     string `json:"note"`
	truce.Deconfliction
}

// Limits of zone content.
const (
	// MaxBufferM bounds buffers (100 km): beyond that a "buffer" is a region.
	MaxBufferM = 100_000
	// MaxRadiusM bounds a site's radius.
	MaxRadiusM = 10_000
	maxReason  = 4000
	maxLabel   = 200
	// foldMaxVertices is what the fold accepts; the service applies the
	// configured (smaller) limit before anything is appended.
	foldMaxVertices = 1 << 20
)

var foldLimits = geo.Limits{MaxVertices: foldMaxVertices}

// GeometryError turns a geometry rejection into the contract's error, its
// field naming the member at fault ("geometry.coordinates[0][3]").
func GeometryError(field string, err error) error {
	var ve *geo.ValidationError
	if errors.As(err, &ve) {
		f := field
		if ve.Path != "" {
			f += "." + ve.Path
		}
		return truce.Invalid(f, "%s: %s", f, ve.Reason)
	}
	return truce.Invalid(field, "%s: %v", field, err)
}

// CheckBuffer validates a buffer or radius in metres.
func CheckBuffer(field string, m, max float64) error {
	if math.IsNaN(m) || math.IsInf(m, 0) || m < 0 || m > max {
		return truce.Invalid(field, "%s must be between 0 and %g metres", field, max)
	}
	return nil
}

// CheckZoneContent validates what a zone says and returns its parsed geometry.
func CheckZoneContent(c truce.ZoneContent, lim geo.Limits) (geo.Geometry, error) {
	if err := CheckText("name", c.Name, maxName, true); err != nil {
		return geo.Geometry{}, err
	}
	if !c.Category.Valid() {
		return geo.Geometry{}, truce.Invalid("category", "category must be opposition_area, civilian_area, humanitarian_site or other")
	}
	if c.ValidFrom.IsZero() {
		return geo.Geometry{}, truce.Invalid("valid_from", "valid_from is required")
	}
	if err := checkTime("valid_from", c.ValidFrom); err != nil {
		return geo.Geometry{}, err
	}
	if c.ValidUntil != nil {
		if err := checkTime("valid_until", *c.ValidUntil); err != nil {
			return geo.Geometry{}, err
		}
		if !c.ValidUntil.After(c.ValidFrom) {
			return geo.Geometry{}, truce.Invalid("valid_until", "valid_until must be after valid_from")
		}
	}
	if err := CheckBuffer("buffer_m", c.BufferM, MaxBufferM); err != nil {
		return geo.Geometry{}, err
	}
	if len(c.Geometry) == 0 || string(c.Geometry) == "null" {
		return geo.Geometry{}, truce.Invalid("geometry", "geometry is required")
	}
	g, err := geo.ParsePolygonal(c.Geometry, lim)
	if err != nil {
		return geo.Geometry{}, GeometryError("geometry", err)
	}
	return g, nil
}

var (
	minTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func checkTime(field string, t time.Time) error {
	if t.Before(minTime) || !t.Before(maxTime) {
		return truce.Invalid(field, "%s must be between 1900 and 2200", field)
	}
	return nil
}

// CheckWindow validates a check's or notice's window [from, until).
func CheckWindow(from time.Time, until *time.Time) error {
	if from.IsZero() {
		return truce.Invalid("from", "from is required")
	}
	if err := checkTime("from", from); err != nil {
		return err
	}
	if until != nil {
		if err := checkTime("until", *until); err != nil {
			return err
		}
		if !until.After(from) {
			return truce.Invalid("until", "until must be after from")
		}
	}
	return nil
}

// BoxOf returns g's bounding box in the store's form.
func BoxOf(g geo.Geometry) [4]float64 {
	b := g.Bound()
	return [4]float64{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat}
}

// reach is the box a version protects: its geometry's box widened by its buffer.
func reach(v truce.ZoneVersion) [4]float64 { return [4]float64(widen(v.BBox, v.BufferM)) }

func unionBox(a, b [4]float64) [4]float64 {
	return [4]float64{min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])}
}

// ZoneHash is the hash an acknowledgement of a release carries: SHA-256 of
// the zone.release entry's body bytes exactly as signed.
func ZoneHash(body []byte) string {
	h := sha256.Sum256(body)
	return "sha256:" + hex.EncodeToString(h[:])
}

func applyZoneRelease(p store.Projection, index int64, e truce.Entry) error {
	var b ZoneReleaseBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	g, err := CheckZoneContent(b.ZoneContent, foldLimits)
	if err != nil {
		return err
	}
	z, err := p.GetZone(e.Subject)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if b.Version != 1 {
			return truce.Invalid("version", "a zone's first release is version 1, not %d", b.Version)
		}
		if err := checkItemID("zone", e.Subject); err != nil {
			return err
		}
		z = truce.Zone{ID: e.Subject, Owner: e.Party, CreatedBy: e.Member, CreatedAt: e.Time}
	case err != nil:
		return err
	default:
		if z.Owner != e.Party {
			return truce.Errorf(truce.EForbidden, "only %s releases versions of its zone", z.Owner)
		}
		if z.Status == truce.ZoneWithdrawn {
			return truce.Errorf(truce.EConflict, "zone %s is withdrawn", z.ID)
		}
		if b.Version != z.Version+1 {
			return truce.Errorf(truce.EConflict, "zone %s is at version %d; the next release is %d, not %d", z.ID, z.Version, z.Version+1, b.Version)
		}
	}
	z.Versions = append(z.Versions, truce.ZoneVersion{
		Version: b.Version, ZoneContent: b.ZoneContent, BBox: BoxOf(g), Hash: ZoneHash(e.Body),
		ReleasedBy: e.Member, ReleasedAt: e.Time, Entry: index,
		Responses: map[string]truce.ZoneResponse{}, Status: truce.ZoneProposed,
	})
	z.Version = b.Version
	parties, err := p.Parties()
	if err != nil {
		return err
	}
	settleVersion(&z, z.Latest(), parties)
	settleZone(&z, e.Time)
	z.UpdatedAt, z.Entry = e.Time, index
	if err := p.PutZone(z); err != nil {
		return err
	}
	return recomputeNear(p, z)
}

func checkItemID(what, id string) error {
	if id == "" || len(id) > 64 {
		return truce.Invalid("subject", "a %s id must have 1 to 64 characters", what)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return truce.Invalid("subject", "a %s id holds only a-z, 0-9, '_' and '-'", what)
		}
	}
	return nil
}

// settleVersion sets v's status from its responses: disputed if any party's
// latest answer is a dispute, in force once every other non-monitor party
// that existed when it was released has acknowledged it, else proposed.
func settleVersion(z *truce.Zone, v *truce.ZoneVersion, parties []truce.Party) {
	for _, r := range v.Responses {
		if r.Kind == truce.ZoneDisputedBy {
			v.Status = truce.ZoneDisputed
			return
		}
	}
	for _, p := range parties {
		if p.ID == z.Owner || p.Kind != truce.KindParty || p.CreatedAt.After(v.ReleasedAt) {
			continue
		}
		if r, ok := v.Responses[p.ID]; !ok || r.Kind != truce.ZoneAcknowledged {
			v.Status = truce.ZoneProposed
			return
		}
	}
	v.Status = truce.ZoneInForce
}

// settleZone derives the zone's status, version in force, content and box
// from its versions: the newest version in force stays in force while a newer
// one awaits acknowledgement.
func settleZone(z *truce.Zone, at time.Time) {
	latest := z.Latest()
	z.ZoneContent = latest.ZoneContent
	z.InForce = 0
	for i := len(z.Versions) - 1; i >= 0; i-- {
		if z.Versions[i].Status == truce.ZoneInForce {
			z.InForce = z.Versions[i].Version
			break
		}
	}
	// The box covers every version with its buffer: a violation is judged
	// against the version in force when the incident happened, however old,
	// and the box is how the fold finds the zones an incident may meet.
	z.BBox = reach(*latest)
	for _, v := range z.Versions {
		z.BBox = unionBox(z.BBox, reach(v))
	}
	for i := range z.Versions {
		v := &z.Versions[i]
		effective := z.Withdrawn == nil && v.Version == z.InForce
		n := len(v.InForceSpans)
		open := n > 0 && v.InForceSpans[n-1].Until == nil
		switch {
		case effective && !open:
			v.InForceSpans = append(v.InForceSpans, truce.Span{From: at})
		case !effective && open:
			until := at
			v.InForceSpans[n-1].Until = &until
		}
	}
	switch {
	case z.Withdrawn != nil:
		z.Status = truce.ZoneWithdrawn
	case z.InForce > 0:
		z.Status = truce.ZoneInForce
	default:
		z.Status = latest.Status
	}
}

func applyZoneAnswer(p store.Projection, index int64, e truce.Entry, kind truce.ZoneResponseKind) error {
	var b ZoneAnswerBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	if kind == truce.ZoneDisputedBy {
		if err := CheckText("reason", b.Reason, maxReason, true); err != nil {
			return err
		}
	} else if b.Reason != "" {
		return truce.Invalid("reason", "an acknowledgement carries no reason")
	}
	z, err := p.GetZone(e.Subject)
	if err != nil {
		return mapStore(err, "zone")
	}
	if z.Owner == e.Party {
		return truce.Errorf(truce.EForbidden, "a party does not %s its own zone", kind)
	}
	pk, err := p.PartyKind(e.Party)
	if err != nil {
		return mapStore(err, "party")
	}
	if pk != truce.KindParty {
		return truce.Errorf(truce.EForbidden, "a monitor neither acknowledges nor disputes zones")
	}
	if st := z.StatusAt(e.Time); !st.Live() {
		return truce.Errorf(truce.EConflict, "zone %s is %s", z.ID, st)
	}
	v := z.Latest()
	if b.Version != v.Version {
		return truce.Errorf(truce.EConflict, "zone %s is at version %d, not %d", z.ID, v.Version, b.Version)
	}
	if b.ReleaseEntry != v.Entry || b.ZoneHash != v.Hash {
		return truce.Errorf(truce.EConflict, "zone %s version %d was released by entry %d with hash %s", z.ID, v.Version, v.Entry, v.Hash)
	}
	if prev, ok := v.Responses[e.Party]; ok && prev.Kind == kind {
		return truce.Errorf(truce.EConflict, "%s has already answered %s to version %d", e.Party, kind, v.Version)
	}
	v.Responses[e.Party] = truce.ZoneResponse{Kind: kind, Reason: b.Reason, Member: e.Member, Time: e.Time, Entry: index}
	parties, err := p.Parties()
	if err != nil {
		return err
	}
	settleVersion(&z, v, parties)
	settleZone(&z, e.Time)
	z.UpdatedAt, z.Entry = e.Time, index
	if err := p.PutZone(z); err != nil {
		return err
	}
	return recomputeNear(p, z)
}

func applyZoneWithdraw(p store.Projection, index int64, e truce.Entry) error {
	var b ZoneWithdrawBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	if err := CheckText("reason", b.Reason, maxReason, false); err != nil {
		return err
	}
	z, err := p.GetZone(e.Subject)
	if err != nil {
		return mapStore(err, "zone")
	}
	if z.Owner != e.Party {
		return truce.Errorf(truce.EForbidden, "only %s withdraws its zone", z.Owner)
	}
	if z.Status == truce.ZoneWithdrawn {
		return truce.Errorf(truce.EConflict, "zone %s is already withdrawn", z.ID)
	}
	z.Withdrawn = &truce.ZoneResponse{Kind: "withdraw", Reason: b.Reason, Member: e.Member, Time: e.Time, Entry: index}
	settleZone(&z, e.Time)
	z.UpdatedAt, z.Entry = e.Time, index
	if err := p.PutZone(z); err != nil {
		return err
	}
	return recomputeNear(p, z)
}

func applySitesCommit(p store.Projection, index int64, e truce.Entry) error {
	var b SitesCommitBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	if _, err := decodeHash("root", b.Root); err != nil {
		return err
	}
	if b.Leaves < seal.MinLeaves || b.Leaves > 1<<24 || b.Leaves&(b.Leaves-1) != 0 {
		return truce.Invalid("leaves", "leaves must be a power of two from %d to %d", seal.MinLeaves, 1<<24)
	}
	if err := checkItemID("commitment", e.Subject); err != nil {
		return err
	}
	return p.PutSiteCommitment(truce.SiteCommitment{
		ID: e.Subject, Party: e.Party, Root: b.Root, Leaves: b.Leaves, Time: e.Time, Entry: index,
	})
}

func decodeHash(field, s string) (tlog.Hash, error) {
	var h tlog.Hash
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != tlog.HashSize {
		return h, truce.Invalid(field, "%s must be a base64 SHA-256 hash", field)
	}
	copy(h[:], raw)
	return h, nil
}

// RecordBytes is the canonical form of a site record: what a commitment's
// leaf hashes and what a reveal discloses.
func RecordBytes(r truce.SiteRecord) ([]byte, error) {
	return json.Marshal(r)
}

func applySiteReveal(p store.Projection, index int64, e truce.Entry) error {
	var b SiteRevealBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	r := b.Record
	if r.Site != e.Subject || r.Party != e.Party {
		return truce.Invalid("record", "the record must be the entry's own site and party")
	}
	if _, err := CheckSite(r.Geometry, r.RadiusM, r.Label); err != nil {
		return err
	}
	z, err := p.GetZone(r.Zone)
	if err != nil {
		return mapStore(err, "zone")
	}
	if z.Owner != e.Party {
		return truce.Errorf(truce.EForbidden, "only %s reveals sites of its zone", z.Owner)
	}
	for _, x := range z.Revealed {
		if x.Record.Site == r.Site {
			return truce.Errorf(truce.EConflict, "site %s is already revealed", r.Site)
		}
	}
	c, err := p.GetSiteCommitment(b.CommitmentEntry)
	if err != nil {
		return mapStore(err, "commitment")
	}
	if c.Party != e.Party {
		return truce.Invalid("commitment_entry", "entry %d is not a commitment of %s", b.CommitmentEntry, e.Party)
	}
	root, err := decodeHash("root", c.Root)
	if err != nil {
		return err
	}
	proof := make(tlog.RecordProof, len(b.Proof))
	for i, s := range b.Proof {
		if proof[i], err = decodeHash(fmt.Sprintf("proof[%d]", i), s); err != nil {
			return err
		}
	}
	rec, err := RecordBytes(r)
	if err != nil {
		return truce.Invalid("record", "record: %v", err)
	}
	if err := seal.Verify(root, c.Leaves, b.Leaf, rec, proof); err != nil {
		return truce.Invalid("proof", "the site is not in commitment %d: %v", b.CommitmentEntry, err)
	}
	z.Revealed = append(z.Revealed, truce.RevealedSite{
		Record: r, CommitmentEntry: c.Entry, CommittedAt: c.Time, Leaf: b.Leaf, Leaves: c.Leaves,
		Proof: slices.Clone(b.Proof), Member: e.Member, Time: e.Time, Entry: index,
	})
	z.UpdatedAt, z.Entry = e.Time, index
	return p.PutZone(z)
}

// CheckSite validates a site's point, radius and label.
func CheckSite(geometry json.RawMessage, radius float64, label string) (geo.Geometry, error) {
	if len(geometry) == 0 || string(geometry) == "null" {
		return geo.Geometry{}, truce.Invalid("geometry", "geometry is required")
	}
	g, err := geo.Parse(geometry, geo.Limits{MaxVertices: 1})
	if err != nil {
		return geo.Geometry{}, GeometryError("geometry", err)
	}
	if g.Type() != "Point" {
		return geo.Geometry{}, truce.Invalid("geometry", "a site is a Point, not a %s", g.Type())
	}
	if err := CheckBuffer("radius_m", radius, MaxRadiusM); err != nil {
		return geo.Geometry{}, err
	}
	if err := CheckText("label", label, maxLabel, false); err != nil {
		return geo.Geometry{}, err
	}
	return g, nil
}

// CheckActivity validates a check's geometry, buffer and window.
func CheckActivity(c truce.Check, lim geo.Limits) (geo.Geometry, error) {
	if len(c.Geometry) == 0 || string(c.Geometry) == "null" {
		return geo.Geometry{}, truce.Invalid("geometry", "geometry is required")
	}
	g, err := geo.Parse(c.Geometry, lim)
	if err != nil {
		return geo.Geometry{}, GeometryError("geometry", err)
	}
	if err := CheckBuffer("buffer_m", c.BufferM, MaxBufferM); err != nil {
		return geo.Geometry{}, err
	}
	if err := CheckWindow(c.From, c.Until); err != nil {
		return geo.Geometry{}, err
	}
	return g, nil
}

func applyNoticeSubmit(p store.Projection, index int64, e truce.Entry) error {
	var b NoticeSubmitBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	g, err := CheckActivity(b.Check, foldLimits)
	if err != nil {
		return err
	}
	if err := CheckText("activity", b.Activity, maxName, true); err != nil {
		return err
	}
	if err := CheckText("note", b.Note, maxNote, false); err != nil {
		return err
	}
	if err := checkItemID("notice", e.Subject); err != nil {
		return err
	}
	switch b.Result {
	case truce.ResultClear, truce.ResultAdvisory, truce.ResultConflict:
	default:
		return truce.Invalid("result", "result must be clear, advisory or conflict")
	}
	for i, c := range b.Conflicts {
		z, err := p.GetZone(c.ZoneID)
		if err != nil {
			return truce.Invalid(fmt.Sprintf("conflicts[%d].zone_id", i), "no released zone %q", c.ZoneID)
		}
		if c.Reason != truce.ReasonZone && c.Reason != truce.ReasonSite {
			return truce.Invalid(fmt.Sprintf("conflicts[%d].reason", i), "reason must be zone or protected_site")
		}
		if c.Owner != z.Owner {
			return truce.Invalid(fmt.Sprintf("conflicts[%d].owner", i), "zone %s belongs to %s", z.ID, z.Owner)
		}
	}
	conflicts := b.Conflicts
	if conflicts == nil {
		conflicts = []truce.Conflict{}
	}
	return p.PutNotice(truce.Notice{
		ID: e.Subject, Check: b.Check, Activity: b.Activity, Note: b.Note,
		Deconfliction: truce.Deconfliction{Result: b.Result, Conflicts: conflicts},
		BBox:          BoxOf(g), Party: e.Party, Member: e.Member, Time: e.Time, Entry: index,
	})
}
