package truce

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Handling is a report's TLP 2.0 label (FIRST), which says how far it may
// travel.
type Handling string

// TLP 2.0 labels, from the most open to the most restricted.
const (
	TLPClear       Handling = "TLP:CLEAR"
	TLPGreen       Handling = "TLP:GREEN"
	TLPAmber       Handling = "TLP:AMBER"
	TLPAmberStrict Handling = "TLP:AMBER+STRICT"
	TLPRed         Handling = "TLP:RED"
)

// Handlings lists the labels from the most open to the most restricted.
var Handlings = []Handling{TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}

// Rank is h's place in Handlings (higher is more restricted), -1 if h is
// not a TLP 2.0 label as the standard spells it.
func (h Handling) Rank() int { return slices.Index(Handlings, h) }

// Valid reports whether h is a TLP 2.0 label, spelt exactly.
func (h Handling) Valid() bool { return h.Rank() >= 0 }

// Reliability is the Admiralty grade of a report's source, A to F.
type Reliability string

var reliabilityMeanings = map[Reliability]string{
	"A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
	"D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged",
}

// Valid reports whether r is one of A to F.
func (r Reliability) Valid() bool { _, ok := reliabilityMeanings[r]; return ok }

// Meaning is what the grade says of the source (NATO STANAG 2511).
func (r Reliability) Meaning() string { return reliabilityMeanings[r] }

// Credibility is the Admiralty grade of a report's information, 1 to 6. It
// is written as a JSON number and read from a number or a one-digit string.
type Credibility int

var credibilityMeanings = []string{
	1: "confirmed by other sources", 2: "probably true", 3: "possibly true",
	4: "doubtful", 5: "improbable", 6: "truth cannot be judged",
}

// Valid reports whether c is one of 1 to 6.
func (c Credibility) Valid() bool { return c >= 1 && c <= 6 }

// Meaning is what the grade says of the information (NATO STANAG 2511).
func (c Credibility) Meaning() string {
	if !c.Valid() {
		return ""
	}
	return credibilityMeanings[c]
}

// UnmarshalJSON reads 1 to 6 as a number or a string ("2"); anything else
// reads as 0, which Valid refuses.
func (c *Credibility) UnmarshalJSON(b []byte) error {
	*c = ParseCredibility(strings.Trim(string(b), `"`))
	return nil
}

// ParseCredibility reads "1" to "6"; anything else is 0 (not valid).
func ParseCredibility(s string) Credibility {
	if len(s) != 1 {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || !Credibility(n).Valid() {
		return 0
	}
	return Credibility(n)
}

// ParseGrading reads an Admiralty grading written as one code, e.g. "B2".
func ParseGrading(s string) (Reliability, Credibility, bool) {
	if len(s) != 2 {
		return "", 0, false
	}
	r, c := Reliability(s[:1]), ParseCredibility(s[1:])
	return r, c, r.Valid() && c.Valid()
}

// ReportStatus is where a report stands.
type ReportStatus string

// Report statuses: a draft lives in its owner's HQ; a released report is
// read by its audience under its handling label.
const (
	ReportDraft    ReportStatus = "draft"
	ReportReleased ReportStatus = "released"
)

// ReportContent is what a report says and whom it is for: everything its
// journal entries seal with a salted hash, none of it in the journal.
type ReportContent struct {
	Text     string   `json:"text"`
	Subjects []string `json:"subjects"`
	// Geometry is a GeoJSON geometry in canonical form, or null.
	Geometry    json.RawMessage `json:"geometry"`
	Reliability Reliability     `json:"reliability"`
	Credibility Credibility     `json:"credibility"`
	Handling    Handling        `json:"handling"`
	// To lists the parties the report is released to, sorted; empty means
	// every party of the arrangement.
	To []string `json:"to"`
}

// SealedHash is the hex SHA-256 that a report's journal entries hold: of
// the salt, handling, recipients, grading, subjects, geometry and text,
// each on its own line, the text last (docs/journal.md gives the recipe).
func (c ReportContent) SealedHash(salt string) string {
	geom := ""
	if len(c.Geometry) > 0 && string(c.Geometry) != "null" {
		geom = string(c.Geometry)
	}
	return SealHash(salt, string(c.Handling), strings.Join(c.To, ","),
		string(c.Reliability)+strconv.Itoa(int(c.Credibility)), strings.Join(c.Subjects, ","), geom, c.Text)
}

// SealHash is the hex SHA-256 of the salt and lines joined by newlines:
// what sealed items (reports, requests for information) put in the journal.
func SealHash(salt string, lines ...string) string {
	h := sha256.New()
	h.Write([]byte(salt))
	for _, l := range lines {
		h.Write([]byte{'\n'})
		h.Write([]byte(l))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// NewSalt returns a fresh random salt: 32 hex digits.
func NewSalt() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("truce: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// ValidHash reports whether s is a hex SHA-256 as SealHash writes it.
func ValidHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}

// Report is an intelligence report: its content, the salt that seals it,
// and where it stands. A released report's Hash is the one its latest
// journal entry holds.
type Report struct {
	ID     string       `json:"id"`
	Owner  string       `json:"owner"`
	Status ReportStatus `json:"status"`
	ReportContent
	Salt       string     `json:"salt"`
	Hash       string     `json:"hash"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ReleasedAt *time.Time `json:"released_at"`
	Entry      int64      `json:"entry"`
}

// Reader is who asks to read something: a member of a party (or an
// administrator, of none).
type Reader struct {
	Party    string
	Official bool
	Username string
}

// ReaderOf is the reader m is.
func ReaderOf(m *Member) Reader {
	if m == nil || m.Admin {
		return Reader{}
	}
	return Reader{Party: m.Party, Official: m.Role == RoleOfficial, Username: m.Username}
}

// CanRead is the handling rule of released reports: the owner party reads
// its reports (a TLP:RED one only its officials and its author); a
// recipient party (every party when To is empty) reads them, a TLP:RED one
// only its officials. An administrator reads none.
func (r *Report) CanRead(v Reader) bool {
	if v.Party == "" {
		return false
	}
	red := r.Handling == TLPRed
	if v.Party == r.Owner {
		return !red || v.Official || v.Username == r.CreatedBy
	}
	if r.Status != ReportReleased {
		return false
	}
	if len(r.To) > 0 && !slices.Contains(r.To, v.Party) {
		return false
	}
	return !red || v.Official
}

// ReportRecord is what the journal says of a released report: who released
// it, when, and the hash of its content as it now stands.
type ReportRecord struct {
	ID         string    `json:"id"`
	Owner      string    `json:"owner"`
	Hash       string    `json:"hash"`
	ReleasedAt time.Time `json:"released_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Changes counts the handling changes since the release.
	Changes int   `json:"changes"`
	Entry   int64 `json:"entry"`
}

// RFIStatus is where a request for information stands.
type RFIStatus string

// RFI statuses.
const (
	RFIOpen     RFIStatus = "open"
	RFIAnswered RFIStatus = "answered"
	RFIDeclined RFIStatus = "declined"
)

// RFIRecord is what the journal says of a request for information: who
// asked whom, by when, the hash of the question, and how it ended.
type RFIRecord struct {
	ID         string    `json:"id"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	Due        time.Time `json:"due"`
	Hash       string    `json:"hash"`
	Status     RFIStatus `json:"status"`
	ReportID   *string   `json:"report_id"`
	ReasonHash string    `json:"reason_hash"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	Entry      int64     `json:"entry"`
}

// RFIContent is what a request asks, sealed by its hash and kept outside
// the journal.
type RFIContent struct {
	Salt     string   `json:"salt"`
	Question string   `json:"question"`
	Subjects []string `json:"subjects"`
}

// SealedHash is the hex SHA-256 an rfi.create entry holds: of the salt,
// the asked party, the subjects and the question, each on its own line.
func (c RFIContent) SealedHash(to string) string {
	return SealHash(c.Salt, to, strings.Join(c.Subjects, ","), c.Question)
}

// RFI is a request for information from one party to another.
type RFI struct {
	RFIRecord
	RFIContent
	Reason string `json:"reason"`
}

// OverdueAt reports whether r is open past its due time at now.
func (r *RFI) OverdueAt(now time.Time) bool { return r.Status == RFIOpen && !now.Before(r.Due) }

// Entry kinds of reports and requests for information.
const (
	KindReportRelease  = "report.release"
	KindReportHandling = "report.handling"
	KindRFICreate      = "rfi.create"
	KindRFIAnswer      = "rfi.answer"
	KindRFIDecline     = "rfi.decline"
)

// HQEvent is one change in a party's HQ (a draft saved, a site added, a
// probe recorded), announced to that party's members only, numbered by
// the party's HQ sequence (1, 2, 3, …).
type HQEvent struct {
	Party   string    `json:"party"`
	Seq     int64     `json:"hq_seq"`
	Kind    string    `json:"kind"`
	Subject string    `json:"subject"`
	Member  string    `json:"member"`
	Time    time.Time `json:"time"`
}

// Kinds of HQ events.
const (
	HQZoneDraft       = "hq.zone"
	HQSite            = "hq.site"
	HQIncidentDraft   = "hq.incident"
	HQCommitmentDraft = "hq.commitment"
	HQReportDraft     = "hq.report"
	HQProbe           = "hq.probe"
)
