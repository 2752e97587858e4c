// Package store defines what truce needs from a database: accounts, the
// journal's rows and stored tree hashes, and the office state projected from
// the journal. Each backend (sqlite, postgres) implements Store and passes the
// one conformance suite in storetest.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-org/truce"
)

// ErrNotFound is returned (wrapped) by reads of a single absent row.
var ErrNotFound = errors.New("store: not found")

// ErrExists is returned (wrapped) when a create meets an existing key.
var ErrExists = errors.New("store: already exists")

// Store is one arrangement's database. Times are stored to the microsecond.
type Store interface {
	// Close releases the database.
	Close() error

	// Meta reads a deployment setting (origin, office key); ErrNotFound when unset.
	Meta(ctx context.Context, key string) (string, error)
	// SetMetaOnce writes a setting only if it is unset and returns the value
	// that holds afterwards, so concurrent first starts agree.
	SetMetaOnce(ctx context.Context, key, value string) (string, error)

	Accounts
	Journal
	Office
	HQ
	Reports
}

// Accounts stores parties, members and sessions.
type Accounts interface {
	CreateParty(ctx context.Context, p truce.Party) error
	Party(ctx context.Context, id string) (truce.Party, error)
	Parties(ctx context.Context) ([]truce.Party, error)

	CreateMember(ctx context.Context, m truce.Member) error
	Member(ctx context.Context, username string) (truce.Member, error)
	SetPasswordHash(ctx context.Context, username, hash string) error

	CreateSession(ctx context.Context, s truce.Session) error
	// SessionMember returns the member of an unexpired session.
	SessionMember(ctx context.Context, tokenHash []byte, now time.Time) (truce.Member, truce.Session, error)
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// DeleteSessions removes every session of username (after a password change).
	DeleteSessions(ctx context.Context, username string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
}

// Journal reads the journal. Writing happens only through Append.
type Journal interface {
	// Append runs fn in one transaction that no other append, in this process
	// or another one on the same database, runs beside. Nothing fn wrote is
	// kept unless fn returns nil and the commit is durable.
	Append(ctx context.Context, fn func(tx AppendTx) error) error

	JournalSize(ctx context.Context) (int64, error)
	// Entries calls fn with each entry's index and exact note bytes for
	// indexes in [start, end), in order, streaming.
	Entries(ctx context.Context, start, end int64, fn func(index int64, note []byte) error) error
	// ReadHashes reads stored tree hashes (tlog.HashReader semantics).
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// Checkpoint returns the latest signed checkpoint; ErrNotFound before the first entry.
	Checkpoint(ctx context.Context) ([]byte, error)
	// Checkpoints calls fn with every stored checkpoint in size order.
	Checkpoints(ctx context.Context, fn func(size int64, note []byte) error) error
	// CheckpointAt returns the signed checkpoint of size; ErrNotFound when
	// none was signed at that size.
	CheckpointAt(ctx context.Context, size int64) ([]byte, error)

	// AddCosignature keeps a party's cosignature of the checkpoint of
	// c.Size. A second one by the same party for the same size is ignored
	// (the first is kept); it is not an error.
	AddCosignature(ctx context.Context, c truce.Cosignature) error
	// Cosignatures lists the cosignatures of the checkpoint of size, by party.
	Cosignatures(ctx context.Context, size int64) ([]truce.Cosignature, error)
	// LatestCosignatures lists each party's cosignature of the largest
	// size it cosigned, by party.
	LatestCosignatures(ctx context.Context) ([]truce.Cosignature, error)
	// EachCosignature calls fn with every cosignature kept, by size then
	// party, streaming.
	EachCosignature(ctx context.Context, fn func(truce.Cosignature) error) error
}

// Watcher is implemented by stores that can wake a process when another
// process appended to the journal (PostgreSQL's LISTEN/NOTIFY). Stores
// without it are followed by polling.
type Watcher interface {
	// WatchAppends returns a channel that receives (coalesced, never
	// blocking the store) after appends by any process commit, until ctx
	// ends. A lost notification is possible: followers also poll.
	WatchAppends(ctx context.Context) (<-chan struct{}, error)
}

// HQWatcher is implemented by stores that can tell a process of the HQ
// events other processes add (PostgreSQL's LISTEN/NOTIFY), so that a
// party's event streams on every node hear of its HQ changes at once.
// Without it, a stream hears of other nodes' HQ changes at its heartbeat.
type HQWatcher interface {
	// WatchHQ returns a channel that receives the party of each HQ event
	// added by any process, and "" (every party) when something may have
	// been missed, until ctx ends.
	WatchHQ(ctx context.Context) (<-chan string, error)
}

// EntryRow is one journal row as written by an append.
type EntryRow struct {
	Index int64
	Entry truce.Entry
	Note  []byte
}

// HashRow is one stored tree hash.
type HashRow struct {
	Index int64
	Hash  tlog.Hash
}

// AppendTx is the inside of one append transaction: the journal's tail and
// the projection, read and written together.
type AppendTx interface {
	Projection
	// Size is the journal's size as this transaction sees it.
	Size() (int64, error)
	// LastPartySeq is the highest party_seq of party, 0 if none.
	LastPartySeq(party string) (int64, error)
	// ReadHashes reads stored hashes as this transaction sees them.
	ReadHashes(indexes []int64) ([]tlog.Hash, error)
	// PutEntries writes a batch of entries and their stored hashes.
	PutEntries(entries []EntryRow, hashes []HashRow) error
	// PutCheckpoint stores a signed checkpoint of the given size.
	PutCheckpoint(size int64, note []byte) error
}

// Projection is the office state as the journal's fold reads and writes it.
// The fold (internal/office) runs over a Projection live, inside AppendTx,
// and in memory when verifying; both must end in the same Snapshot.
type Projection interface {
	PartyKind(id string) (truce.PartyKind, error)
	GetActor(id string) (truce.Actor, error)
	// ActorExists is GetActor's cheap form for rules that need only existence.
	ActorExists(id string) (bool, error)
	PutActor(a truce.Actor) error
	// AddDesignation records r in the actor's history and makes it the
	// party's current designation.
	AddDesignation(r truce.DesignationRecord) error

	// Parties lists the arrangement's parties.
	Parties() ([]truce.Party, error)
	// GetZone reads a released zone (never a draft).
	GetZone(id string) (truce.Zone, error)
	// PutZone writes a released zone whole, creating or replacing it.
	PutZone(z truce.Zone) error
	// GetSiteCommitment reads the commitment made by the entry at index.
	GetSiteCommitment(entry int64) (truce.SiteCommitment, error)
	PutSiteCommitment(c truce.SiteCommitment) error
	// PutNotice writes a new notice; ErrExists if its id is taken.
	PutNotice(n truce.Notice) error

	// ZonesMeeting lists released zones whose BBox meets box, by id.
	ZonesMeeting(box Box) ([]truce.Zone, error)
	// GetIncident reads a released incident (never a draft).
	GetIncident(id string) (truce.Incident, error)
	// PutIncident writes a released incident whole, creating or replacing
	// it, with its violations (the rows the statistics count).
	PutIncident(i truce.Incident) error
	// EachIncidentMeeting calls fn with every released incident whose BBox
	// meets box, by id: the incidents a zone's change may affect.
	EachIncidentMeeting(box Box, fn func(truce.Incident) error) error
	GetCommitment(id string) (truce.Commitment, error)
	// PutCommitment writes a released commitment whole, creating or replacing it.
	PutCommitment(c truce.Commitment) error
	// CommitmentsBy lists the released commitments party made, by id.
	CommitmentsBy(party string) ([]truce.Commitment, error)
	GetStep(id string) (truce.Step, error)
	// PutStep writes a step whole, creating or replacing it.
	PutStep(s truce.Step) error
	// GetReport reads what the journal says of a released report.
	GetReport(id string) (truce.ReportRecord, error)
	// PutReport writes a report's record whole, creating or replacing it.
	PutReport(r truce.ReportRecord) error
	GetRFI(id string) (truce.RFIRecord, error)
	// PutRFI writes a request's record whole, creating or replacing it.
	PutRFI(r truce.RFIRecord) error
	// GetCosigner reads the cosigner key a party set.
	GetCosigner(party string) (truce.Cosigner, error)
	// PutCosigner writes a party's cosigner, creating or replacing it.
	PutCosigner(c truce.Cosigner) error
}

// Snapshot is the whole projected office state in a canonical order, for
// comparing the stored state with the state rebuilt from the journal.
type Snapshot struct {
	Actors          []truce.Actor             // by id, Designations filled, Disputed set
	Designations    []truce.DesignationRecord // by entry index
	Zones           []truce.Zone              // by id
	SiteCommitments []truce.SiteCommitment    // by entry index
	Notices         []truce.Notice            // by id
	Incidents       []truce.Incident          // by id
	Commitments     []truce.Commitment        // by id
	Steps           []truce.Step              // by id
	Reports         []truce.ReportRecord      // by id
	RFIs            []truce.RFIRecord         // by id
	Cosigners       []truce.Cosigner          // by party
}

// Page asks for one page of a list: at most Limit items after the cursor.
type Page struct {
	Limit int
	After string
}

// Office reads the projected office state.
type Office interface {
	Actor(ctx context.Context, id string) (truce.Actor, error)
	// Actors lists actors by id after page.After.
	Actors(ctx context.Context, page Page) ([]truce.Actor, error)
	DesignationHistory(ctx context.Context, actorID string) ([]truce.DesignationRecord, error)

	// Zone reads a released zone; ErrNotFound for drafts and absent ids.
	Zone(ctx context.Context, id string) (truce.Zone, error)
	// Zones lists released zones by id after page.After that match f.
	Zones(ctx context.Context, f ZoneFilter, page Page) ([]truce.Zone, error)
	// EachZone calls fn with every released zone, in id order, streaming.
	EachZone(ctx context.Context, fn func(truce.Zone) error) error
	SiteCommitment(ctx context.Context, entry int64) (truce.SiteCommitment, error)
	// SiteCommitmentByID reads a commitment by its id (the entry's subject).
	SiteCommitmentByID(ctx context.Context, id string) (truce.SiteCommitment, error)
	Notice(ctx context.Context, id string) (truce.Notice, error)
	// Notices lists notices by id after page.After that match f.
	Notices(ctx context.Context, f NoticeFilter, page Page) ([]truce.Notice, error)
	// ZoneSummary counts and bounds the released zones Zones would list
	// with f, counted in the database.
	ZoneSummary(ctx context.Context, f ZoneFilter) (Summary, error)
	// NoticeSummary counts and bounds the notices Notices would list with f.
	NoticeSummary(ctx context.Context, f NoticeFilter) (Summary, error)

	Incident(ctx context.Context, id string) (truce.Incident, error)
	// Incidents lists released incidents by id after page.After that match f.
	Incidents(ctx context.Context, f IncidentFilter, page Page) ([]truce.Incident, error)
	// IncidentSummary counts and bounds the released incidents Incidents
	// would list with f (its time span is occurred_at).
	IncidentSummary(ctx context.Context, f IncidentFilter) (Summary, error)
	// ViolationCounts counts released incidents with at least one
	// violation, per key of f.By and per week (Monday 00:00 UTC) of
	// occurred_at, within f's window.
	ViolationCounts(ctx context.Context, f StatsFilter) ([]Count, error)
	Commitment(ctx context.Context, id string) (truce.Commitment, error)
	// Commitments lists released commitments by id after page.After.
	Commitments(ctx context.Context, page Page) ([]truce.Commitment, error)
	Step(ctx context.Context, id string) (truce.Step, error)
	// Steps lists steps by id after page.After.
	Steps(ctx context.Context, page Page) ([]truce.Step, error)
	// Cosigners lists the parties' cosigner keys, by party.
	Cosigners(ctx context.Context) ([]truce.Cosigner, error)

	Snapshot(ctx context.Context) (*Snapshot, error)
}

// IncidentFilter selects incidents. Zero fields select everything.
type IncidentFilter struct {
	From, Until *time.Time // occurred_at in [From, Until)
	BBox        *Box
	Perpetrator string
	// Violation, when set, keeps incidents with (true) or without (false)
	// a violation.
	Violation *bool
}

// Statistics keys.
const (
	ByPerpetrator     = "perpetrator"
	ByAnswerableParty = "answerable_party"
	ByZone            = "zone"
)

// StatsFilter selects what ViolationCounts counts.
type StatsFilter struct {
	By          string // ByPerpetrator, ByAnswerableParty or ByZone
	From, Until *time.Time
}

// Count is the number of incidents of one key in one week. An incident
// counts once per key however many of its violations share the key; a
// violation with no answerable party (or an incident with no perpetrator)
// counts under the key "".
type Count struct {
	Key   string
	Week  time.Time
	Count int64
}

// HQ stores each party's private items: zone drafts, sites, the seeds of
// its sealed commitments and the probes of its sites. Every read names the
// owner party, so one party's items can never answer another's query.
type HQ interface {
	// PutDraft creates or replaces a zone draft of z.Owner.
	PutDraft(ctx context.Context, z truce.Zone) error
	// Draft reads owner's draft id; ErrNotFound for another party's draft.
	Draft(ctx context.Context, owner, id string) (truce.Zone, error)
	DeleteDraft(ctx context.Context, owner, id string) error
	// Drafts lists owner's drafts not yet released, by id after page.After,
	// matching f (f.Status is ignored).
	Drafts(ctx context.Context, owner string, f ZoneFilter, page Page) ([]truce.Zone, error)
	// DraftSummary counts and bounds the drafts Drafts would list.
	DraftSummary(ctx context.Context, owner string, f ZoneFilter) (Summary, error)

	// CreateSite stores a new site with its salt; ErrExists if the id is taken.
	CreateSite(ctx context.Context, s truce.Site) error
	// Site reads party's site id (salt included); ErrNotFound for another party's.
	Site(ctx context.Context, party, id string) (truce.Site, error)
	// Sites lists party's sites by id, those of zoneID only unless it is "".
	Sites(ctx context.Context, party, zoneID string) ([]truce.Site, error)
	// EachSite calls fn with every site of every party, for the server's
	// in-memory index.
	EachSite(ctx context.Context, fn func(truce.Site) error) error
	SetSiteRevealed(ctx context.Context, party, id string, entry int64) error

	PutSiteSet(ctx context.Context, s truce.SiteSet) error
	// SiteSets lists party's commitment records in entry order, seeds included.
	SiteSets(ctx context.Context, party string) ([]truce.SiteSet, error)

	// PutIncidentDraft creates or replaces an incident draft of i.Owner;
	// ErrExists if the id is another party's.
	PutIncidentDraft(ctx context.Context, i truce.Incident) error
	IncidentDraft(ctx context.Context, owner, id string) (truce.Incident, error)
	DeleteIncidentDraft(ctx context.Context, owner, id string) error
	// IncidentDrafts lists owner's unreleased incident drafts by id.
	IncidentDrafts(ctx context.Context, owner string, f IncidentFilter, page Page) ([]truce.Incident, error)
	// IncidentDraftSummary counts and bounds the drafts IncidentDrafts would list.
	IncidentDraftSummary(ctx context.Context, owner string, f IncidentFilter) (Summary, error)
	// PutCommitmentDraft creates or replaces a commitment draft of c.Party.
	PutCommitmentDraft(ctx context.Context, c truce.Commitment) error
	CommitmentDraft(ctx context.Context, party, id string) (truce.Commitment, error)
	DeleteCommitmentDraft(ctx context.Context, party, id string) error
	// CommitmentDrafts lists party's unreleased commitment drafts by id.
	CommitmentDrafts(ctx context.Context, party string, page Page) ([]truce.Commitment, error)

	AddProbe(ctx context.Context, p truce.Probe) error
	Probe(ctx context.Context, owner, id string) (truce.Probe, error)
	// Probes lists owner's probes by id after page.After.
	Probes(ctx context.Context, owner string, page Page) ([]truce.Probe, error)
}

// Reports stores what reports and requests for information say, outside
// the journal: the journal holds only salted hashes of it (reports.go in
// internal/office), and the records (Projection) name the hash that holds.
// Sealed content is stored by item and hash, never replaced, so a content
// written before an append that then fails is an orphan, never a mismatch.
type Reports interface {
	// PutReportContent stores r's content under (r.ID, r.Hash); storing the
	// same pair again changes nothing. ErrExists if r.ID is another party's.
	PutReportContent(ctx context.Context, r truce.Report) error
	// ReportContent reads the content stored under (id, hash), as released
	// or draft as the caller makes of it (Status is not stored).
	ReportContent(ctx context.Context, id, hash string) (truce.Report, error)
	// Report reads a released report: its record with the content of the
	// record's hash (Status released).
	Report(ctx context.Context, id string) (truce.Report, error)
	// Reports lists the released reports v may read (truce.Report.CanRead),
	// by id after page.After, filtering in the query. A Reader with
	// All set reads every report (the benchmark's baseline, and verify).
	Reports(ctx context.Context, v ReportReader, page Page) ([]truce.Report, error)

	// PutReportDraft creates or replaces a draft of r.Owner; ErrExists if
	// the id is another party's.
	PutReportDraft(ctx context.Context, r truce.Report) error
	ReportDraft(ctx context.Context, owner, id string) (truce.Report, error)
	DeleteReportDraft(ctx context.Context, owner, id string) error
	// ReportDrafts lists the unreleased drafts of the reader's party that
	// the reader may read, by id: a TLP:RED draft only its author and the
	// party's officials (truce.Report.CanRead's rule for the owner party).
	ReportDrafts(ctx context.Context, reader truce.Reader, page Page) ([]truce.Report, error)

	// PutSealed stores a sealed document of a request for information
	// (its content, or a decline's reason) under (id, hash); storing the
	// same pair again changes nothing.
	PutSealed(ctx context.Context, id, hash string, doc []byte) error
	Sealed(ctx context.Context, id, hash string) ([]byte, error)
	// RFI reads a request's record.
	RFI(ctx context.Context, id string) (truce.RFIRecord, error)
	// RFIs lists the requests from or to party by id after page.After.
	RFIs(ctx context.Context, party string, page Page) ([]truce.RFIRecord, error)

	// AddHQEvent records a change of e.Party's HQ under the party's next
	// HQ sequence number, which it returns.
	AddHQEvent(ctx context.Context, e truce.HQEvent) (int64, error)
	// HQEvents lists party's HQ events after sequence number after, in
	// order, at most limit.
	HQEvents(ctx context.Context, party string, after int64, limit int) ([]truce.HQEvent, error)
}

// ReportReader is who lists reports.
type ReportReader struct {
	truce.Reader
	All bool
}

// Box is a bounding box in degrees: [min lon, min lat, max lon, max lat].
type Box [4]float64

// Meets reports whether b and o share a point.
func (b Box) Meets(o Box) bool {
	return b[0] <= o[2] && o[0] <= b[2] && b[1] <= o[3] && o[1] <= b[3]
}

// ZoneFilter selects zones. Zero fields select everything.
type ZoneFilter struct {
	// Status is one zone status; expired and the live statuses are told
	// apart by valid_until against Now.
	Status truce.ZoneStatus
	Owner  string
	// BBox, when set, keeps zones whose BBox meets it.
	BBox *Box
	// During, when set, keeps zones whose validity meets it.
	During *Window
	Now    time.Time
}

// NoticeFilter selects notices.
type NoticeFilter struct {
	Party string
	BBox  *Box
	// During, when set, keeps notices whose [from, until) meets it.
	During *Window
}

// Window is a time interval [From, Until); a nil bound is open. An item's
// span [start, end) (end nil: still open) meets it when start < Until and
// end > From.
type Window struct {
	From, Until *time.Time
}

// Summary is what a count query answers: how many items a filter selects,
// the box that bounds them, and the time they span.
type Summary struct {
	Count int64
	BBox  Box // [0 0 0 0] when Count is 0
	// Start is the earliest start (nil when Count is 0); End the latest
	// end, nil when Count is 0 or some item has no end.
	Start, End *time.Time
}

// Add returns the summary of both sets of items (disjoint sets: drafts and
// released items).
func (s Summary) Add(o Summary) Summary {
	switch {
	case o.Count == 0:
		return s
	case s.Count == 0:
		return o
	}
	out := Summary{Count: s.Count + o.Count, BBox: Box{
		min(s.BBox[0], o.BBox[0]), min(s.BBox[1], o.BBox[1]), max(s.BBox[2], o.BBox[2]), max(s.BBox[3], o.BBox[3])}}
	out.Start = s.Start
	if o.Start != nil && (out.Start == nil || o.Start.Before(*out.Start)) {
		out.Start = o.Start
	}
	if s.End != nil && o.End != nil {
		out.End = s.End
		if o.End.After(*s.End) {
			out.End = o.End
		}
	}
	return out
}

// HashesInOrder answers a ReadHashes call from the rows a backend read:
// the hashes in the order asked, ErrNotFound (wrapped) for a missing one.
func HashesInOrder(indexes []int64, got map[int64][]byte) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		b, ok := got[idx]
		if !ok {
			return nil, fmt.Errorf("stored hash %d: %w", idx, ErrNotFound)
		}
		if len(b) != tlog.HashSize {
			return nil, fmt.Errorf("stored hash %d has %d bytes", idx, len(b))
		}
		copy(out[i][:], b)
	}
	return out, nil
}

// Recipients is the text a backend stores a report's recipients as, for
// its handling query: ",ru,mon," ("" for every party).
func Recipients(to []string) string {
	if len(to) == 0 {
		return ""
	}
	return "," + strings.Join(to, ",") + ","
}

// ReleasedReport joins a released report's record (JSON) with its content
// (JSON of the truce.Report stored under the record's hash).
func ReleasedReport(record, content []byte) (truce.Report, error) {
	var rec truce.ReportRecord
	var r truce.Report
	if err := json.Unmarshal(record, &rec); err != nil {
		return r, fmt.Errorf("store: report record: %w", err)
	}
	if err := json.Unmarshal(content, &r); err != nil {
		return r, fmt.Errorf("store: report %s content: %w", rec.ID, err)
	}
	at := rec.ReleasedAt
	r.Status, r.Hash, r.ReleasedAt, r.UpdatedAt, r.Entry = truce.ReportReleased, rec.Hash, &at, rec.UpdatedAt, rec.Entry
	return r, nil
}
