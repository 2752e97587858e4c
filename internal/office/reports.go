package office

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/geo"
	"github.com/truce-org/truce/internal/store"
)

// ReportInput is a report as a caller writes it.
type ReportInput struct {
	Text        string            `json:"text"`
	Subjects    []string          `json:"subjects"`
	Geometry    json.RawMessage   `json:"geometry"`
	Reliability truce.Reliability `json:"reliability"`
	Credibility truce.Credibility `json:"credibility"`
	Handling    truce.Handling    `json:"handling"`
	To          []string          `json:"to"`
}

// HandlingInput changes a report's label and audience.
type HandlingInput struct {
	Handling truce.Handling `json:"handling"`
	To       []string       `json:"to"`
}

// Limits of reports and requests.
const (
	maxSubjects = 50
	maxQuestion = 4000
)

// checkSubjects validates a list of actor ids.
func checkSubjects(p Lookup, subjects []string) error {
	if len(subjects) > maxSubjects {
		return truce.Invalid("subjects", "at most %d subjects", maxSubjects)
	}
	for k, id := range subjects {
		ok, err := p.ActorExists(id)
		if err != nil {
			return err
		}
		if !ok {
			return truce.Invalid(fmt.Sprintf("subjects[%d]", k), "no actor %q", id)
		}
		if slices.Index(subjects, id) != k {
			return truce.Invalid(fmt.Sprintf("subjects[%d]", k), "actor %q is listed twice", id)
		}
	}
	return nil
}

// checkAudience validates a label with its recipients for a report of owner.
func checkAudience(p Lookup, owner string, h truce.Handling, to []string) error {
	if !h.Valid() {
		return truce.Invalid("handling", "handling must be one of TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED")
	}
	for k, id := range to {
		field := fmt.Sprintf("to[%d]", k)
		if id == owner {
			return truce.Invalid(field, "to names the parties other than %s that receive the report", owner)
		}
		if _, err := p.PartyKind(id); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return truce.Invalid(field, "no party %q", id)
			}
			return err
		}
		if slices.Index(to, id) != k {
			return truce.Invalid(field, "party %q is listed twice", id)
		}
	}
	if h == truce.TLPRed && len(to) == 0 {
		return truce.Invalid("to", "a TLP:RED report names its recipients in to")
	}
	return nil
}

// CheckReportContent validates a report of owner and puts its geometry in
// canonical form.
func CheckReportContent(p Lookup, owner string, c truce.ReportContent, lim geo.Limits) (truce.ReportContent, error) {
	if err := CheckText("text", c.Text, maxText, true); err != nil {
		return c, err
	}
	if c.Subjects == nil {
		c.Subjects = []string{}
	}
	if err := checkSubjects(p, c.Subjects); err != nil {
		return c, err
	}
	if !c.Reliability.Valid() {
		return c, truce.Invalid("reliability", "reliability must be one of A to F (Admiralty grading)")
	}
	if !c.Credibility.Valid() {
		return c, truce.Invalid("credibility", "credibility must be one of 1 to 6 (Admiralty grading)")
	}
	if c.To == nil {
		c.To = []string{}
	}
	if err := checkAudience(p, owner, c.Handling, c.To); err != nil {
		return c, err
	}
	c.To = slices.Sorted(slices.Values(c.To))
	if len(c.Geometry) == 0 || string(c.Geometry) == "null" {
		c.Geometry = nil
		return c, nil
	}
	g, err := geo.Parse(c.Geometry, lim)
	if err != nil {
		return c, GeometryError("geometry", err)
	}
	if c.Geometry, err = g.MarshalJSON(); err != nil {
		return c, err
	}
	return c, nil
}

// CreateReport saves a report as a draft in the caller's HQ.
func (s *Service) CreateReport(ctx context.Context, in ReportInput) (truce.Report, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Report{}, err
	}
	if err := requireRole(m, "write reports", truce.RoleOfficial, truce.RoleAnalyst); err != nil {
		return truce.Report{}, err
	}
	c, err := CheckReportContent(lookup{ctx, s.store}, m.Party, truce.ReportContent(in), s.limits)
	if err != nil {
		return truce.Report{}, err
	}
	now := s.clock()
	r := truce.Report{ID: truce.NewID("rep"), Owner: m.Party, Status: truce.ReportDraft, ReportContent: c,
		Salt: truce.NewSalt(), CreatedBy: m.Username, CreatedAt: now, UpdatedAt: now}
	r.Hash = r.SealedHash(r.Salt)
	if err := s.store.PutReportDraft(ctx, r); err != nil {
		return truce.Report{}, err
	}
	s.hqEvent(ctx, m, truce.HQReportDraft, r.ID)
	return presentReport(r), nil
}

func presentReport(r truce.Report) truce.Report {
	if r.Subjects == nil {
		r.Subjects = []string{}
	}
	if r.To == nil {
		r.To = []string{}
	}
	return r
}

// visibleReport returns a report m may read: a released one its handling
// lets m read, or a draft of m's party its handling lets m read. Anything
// else is not found.
func (s *Service) visibleReport(ctx context.Context, m *truce.Member, id string) (truce.Report, error) {
	r, err := s.store.Report(ctx, id)
	if err == nil {
		if !r.CanRead(truce.ReaderOf(m)) {
			return truce.Report{}, truce.NotFound("report")
		}
		return presentReport(r), nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return r, err
	}
	if m.Admin || m.Party == "" {
		return r, truce.NotFound("report")
	}
	r, err = s.store.ReportDraft(ctx, m.Party, id)
	if err != nil {
		return r, mapStore(err, "report")
	}
	// A TLP:RED draft, as a released TLP:RED report, is its author's and
	// its party's officials'.
	if !r.CanRead(truce.ReaderOf(m)) {
		return truce.Report{}, truce.NotFound("report")
	}
	r.Status = truce.ReportDraft
	return presentReport(r), nil
}

// Report returns one report the caller may read.
func (s *Service) Report(ctx context.Context, id string) (truce.Report, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Report{}, err
	}
	return s.visibleReport(ctx, m, id)
}

// Reports lists one page of the reports the caller may read: released
// ones its handling allows, filtered by the store's query, and its own
// party's drafts, by id.
func (s *Service) Reports(ctx context.Context, page store.Page) ([]truce.Report, error) {
	m, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	v := truce.ReaderOf(m)
	if v.Party == "" {
		return []truce.Report{}, nil
	}
	office, err := s.store.Reports(ctx, store.ReportReader{Reader: v}, page)
	if err != nil {
		return nil, err
	}
	drafts, err := s.store.ReportDrafts(ctx, v, page)
	if err != nil {
		return nil, err
	}
	for k := range drafts {
		drafts[k].Status = truce.ReportDraft
	}
	out := mergeByID(office, drafts, page.Limit, func(r truce.Report) string { return r.ID })
	for k := range out {
		out[k] = presentReport(out[k])
	}
	return out, nil
}

// ReleaseReport releases a draft of the caller's party to its audience:
// its content is stored beside the office under its hash, and the journal
// gets the hash.
func (s *Service) ReleaseReport(ctx context.Context, id string) (truce.Report, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Report{}, err
	}
	r, err := s.visibleReport(ctx, m, id)
	if err != nil {
		return truce.Report{}, err
	}
	if r.Owner != m.Party {
		return truce.Report{}, truce.Errorf(truce.EForbidden, "only %s releases its report", r.Owner)
	}
	if err := requireRole(m, "release reports", truce.RoleOfficial); err != nil {
		return truce.Report{}, err
	}
	if r.Status != truce.ReportDraft {
		return truce.Report{}, truce.Errorf(truce.EConflict, "report %s is already released", r.ID)
	}
	// The recipients and subjects may have gone since the draft was saved.
	if r.ReportContent, err = CheckReportContent(lookup{ctx, s.store}, m.Party, r.ReportContent, s.limits); err != nil {
		return truce.Report{}, err
	}
	r.Hash = r.SealedHash(r.Salt)
	if err := s.store.PutReportContent(ctx, r); err != nil {
		return truce.Report{}, err
	}
	if _, err := s.writer.Append(ctx, Request{
		Party: m.Party, Member: m.Username, Kind: truce.KindReportRelease, Subject: r.ID, Body: ReportReleaseBody{Hash: r.Hash},
	}); err != nil {
		return truce.Report{}, err
	}
	if err := s.store.DeleteReportDraft(ctx, m.Party, r.ID); err != nil {
		s.log.Error("delete released report draft", "report", r.ID, "err", err)
	}
	return s.Report(ctx, r.ID)
}

// widens reports whether audience to (with label h) holds everyone old
// (with label oh) reached: the label no more restricted, and every old
// recipient still a recipient (an empty list is every party).
func widens(oh truce.Handling, old []string, h truce.Handling, to []string) bool {
	if h.Rank() > oh.Rank() {
		return false
	}
	if len(to) == 0 {
		return true
	}
	if len(old) == 0 {
		return false
	}
	for _, p := range old {
		if !slices.Contains(to, p) {
			return false
		}
	}
	return true
}

// SetHandling changes a report's label and audience. Only its originator's
// officials change it; a draft changes freely, a released report only
// wider (a lower label, more recipients): what was seen cannot be unseen,
// so narrowing is refused with a conflict. Each change of a released
// report is journaled as the hash of its new content.
func (s *Service) SetHandling(ctx context.Context, id string, in HandlingInput) (truce.Report, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Report{}, err
	}
	r, err := s.visibleReport(ctx, m, id)
	if err != nil {
		return truce.Report{}, err
	}
	if r.Owner != m.Party {
		return truce.Report{}, truce.Errorf(truce.EForbidden, "only %s, the originator, changes the handling of report %s", r.Owner, r.ID)
	}
	if err := requireRole(m, "change the handling of reports", truce.RoleOfficial); err != nil {
		return truce.Report{}, err
	}
	if in.To == nil {
		in.To = []string{}
	}
	if err := checkAudience(lookup{ctx, s.store}, m.Party, in.Handling, in.To); err != nil {
		return truce.Report{}, err
	}
	to := slices.Sorted(slices.Values(in.To))
	if r.Status == truce.ReportDraft {
		r.Handling, r.To, r.UpdatedAt = in.Handling, to, s.clock()
		r.Hash = r.SealedHash(r.Salt)
		if err := s.store.PutReportDraft(ctx, r); err != nil {
			return truce.Report{}, err
		}
		s.hqEvent(ctx, m, truce.HQReportDraft, r.ID)
		return presentReport(r), nil
	}
	if in.Handling == r.Handling && slices.Equal(to, r.To) {
		return truce.Report{}, truce.Errorf(truce.EConflict, "report %s already has that handling and audience", r.ID)
	}
	if !widens(r.Handling, r.To, in.Handling, to) {
		return truce.Report{}, truce.Errorf(truce.EConflict,
			"report %s was released as %s to %s: its label can only be lowered and its audience only widened", r.ID, r.Handling, audience(r.To))
	}
	r.Handling, r.To = in.Handling, to
	r.Hash = r.SealedHash(r.Salt)
	if err := s.store.PutReportContent(ctx, r); err != nil {
		return truce.Report{}, err
	}
	if _, err := s.writer.Append(ctx, Request{
		Party: m.Party, Member: m.Username, Kind: truce.KindReportHandling, Subject: r.ID, Body: ReportReleaseBody{Hash: r.Hash},
	}); err != nil {
		return truce.Report{}, err
	}
	return s.Report(ctx, r.ID)
}

func audience(to []string) string {
	if len(to) == 0 {
		return "every party"
	}
	return fmt.Sprint(to)
}

// RFIInput is a request as the asking party writes it.
type RFIInput struct {
	To       string     `json:"to"`
	Question string     `json:"question"`
	Subjects []string   `json:"subjects"`
	Due      *time.Time `json:"due"`
}

// AnswerInput answers a request with a report.
type AnswerInput struct {
	ReportID string `json:"report_id"`
}

// DeclineInput declines a request.
type DeclineInput struct {
	Reason string `json:"reason"`
}

// CreateRFI asks another party a question: the request goes to the office
// at once, its question sealed (only the hash in the journal).
func (s *Service) CreateRFI(ctx context.Context, in RFIInput) (truce.RFI, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.RFI{}, err
	}
	if err := requireRole(m, "ask for information", truce.RoleOfficial, truce.RoleAnalyst); err != nil {
		return truce.RFI{}, err
	}
	l := lookup{ctx, s.store}
	if in.To == m.Party {
		return truce.RFI{}, truce.Invalid("to", "a party asks another party")
	}
	if _, err := l.PartyKind(in.To); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return truce.RFI{}, truce.Invalid("to", "no party %q", in.To)
		}
		return truce.RFI{}, err
	}
	if err := CheckText("question", in.Question, maxQuestion, true); err != nil {
		return truce.RFI{}, err
	}
	if in.Subjects == nil {
		in.Subjects = []string{}
	}
	if err := checkSubjects(l, in.Subjects); err != nil {
		return truce.RFI{}, err
	}
	if in.Due == nil {
		return truce.RFI{}, truce.Invalid("due", "due is required")
	}
	due := in.Due.UTC().Truncate(time.Microsecond)
	if err := checkTime("due", due); err != nil {
		return truce.RFI{}, err
	}
	c := truce.RFIContent{Salt: truce.NewSalt(), Question: in.Question, Subjects: in.Subjects}
	hash := c.SealedHash(in.To)
	id := truce.NewID("rfi")
	doc, err := json.Marshal(c)
	if err != nil {
		return truce.RFI{}, err
	}
	if err := s.store.PutSealed(ctx, id, hash, doc); err != nil {
		return truce.RFI{}, err
	}
	if _, err := s.writer.Append(ctx, Request{Party: m.Party, Member: m.Username, Kind: truce.KindRFICreate, Subject: id,
		Body: RFICreateBody{To: in.To, Due: due, Hash: hash}}); err != nil {
		return truce.RFI{}, err
	}
	return s.RFI(ctx, id)
}

// rfiVisible: a request is the business of the party that asked and the
// party asked, every member of each; nobody else (the monitor included,
// unless it is one of the two; an administrator never) sees it.
func rfiVisible(m *truce.Member, r truce.RFIRecord) bool {
	return !m.Admin && m.Party != "" && (m.Party == r.From || m.Party == r.To)
}

func (s *Service) visibleRFI(ctx context.Context, m *truce.Member, id string) (truce.RFI, error) {
	rec, err := s.store.RFI(ctx, id)
	if err != nil {
		return truce.RFI{}, mapStore(err, "rfi")
	}
	if !rfiVisible(m, rec) {
		return truce.RFI{}, truce.NotFound("rfi")
	}
	return s.rfiOf(ctx, rec)
}

func (s *Service) rfiOf(ctx context.Context, rec truce.RFIRecord) (truce.RFI, error) {
	c, err := rfiContent(ctx, s.store, rec)
	if err != nil {
		return truce.RFI{}, fmt.Errorf("office: content of rfi %s: %w", rec.ID, err)
	}
	if c.Subjects == nil {
		c.Subjects = []string{}
	}
	out := truce.RFI{RFIRecord: rec, RFIContent: c}
	if rec.ReasonHash != "" {
		if out.Reason, err = rfiReason(ctx, s.store, rec); err != nil {
			return truce.RFI{}, fmt.Errorf("office: reason of rfi %s: %w", rec.ID, err)
		}
	}
	return out, nil
}

// RFI returns one request the caller may see.
func (s *Service) RFI(ctx context.Context, id string) (truce.RFI, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.RFI{}, err
	}
	return s.visibleRFI(ctx, m, id)
}

// RFIs lists one page of the requests from or to the caller's party.
func (s *Service) RFIs(ctx context.Context, page store.Page) ([]truce.RFI, error) {
	m, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if m.Admin || m.Party == "" {
		return []truce.RFI{}, nil
	}
	recs, err := s.store.RFIs(ctx, m.Party, page)
	if err != nil {
		return nil, err
	}
	out := make([]truce.RFI, 0, len(recs))
	for _, rec := range recs {
		r, err := s.rfiOf(ctx, rec)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// RFIOverdue reports whether r is open past its due time now.
func (s *Service) RFIOverdue(r truce.RFI) bool { return r.OverdueAt(s.now()) }

// openRFIFor returns a request m's party may close: visible (else not
// found), addressed to m's party (else forbidden), open (else conflict).
func (s *Service) openRFIFor(ctx context.Context, m *truce.Member, id, action string) (truce.RFI, error) {
	r, err := s.visibleRFI(ctx, m, id)
	if err != nil {
		return r, err
	}
	if r.To != m.Party {
		return r, truce.Errorf(truce.EForbidden, "only %s, the party asked, may %s rfi %s", r.To, action, r.ID)
	}
	if err := requireRole(m, action+" requests for information", truce.RoleOfficial); err != nil {
		return r, err
	}
	if r.Status != truce.RFIOpen {
		return r, truce.Errorf(truce.EConflict, "rfi %s is %s", r.ID, r.Status)
	}
	return r, nil
}

// AnswerRFI answers a request with a report of the caller's party that the
// asker may read: released to it (or to every party) already, or a draft
// whose audience includes the asker, which answering releases.
func (s *Service) AnswerRFI(ctx context.Context, id string, in AnswerInput) (truce.RFI, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.RFI{}, err
	}
	r, err := s.openRFIFor(ctx, m, id, "answer")
	if err != nil {
		return truce.RFI{}, err
	}
	if in.ReportID == "" {
		return truce.RFI{}, truce.Invalid("report_id", "report_id is required")
	}
	rep, err := s.visibleReport(ctx, m, in.ReportID)
	if err != nil {
		return truce.RFI{}, truce.Invalid("report_id", "no report %q of %s", in.ReportID, m.Party)
	}
	if rep.Owner != m.Party {
		return truce.RFI{}, truce.Invalid("report_id", "answer with a report of %s", m.Party)
	}
	if len(rep.To) > 0 && !slices.Contains(rep.To, r.From) {
		return truce.RFI{}, truce.Invalid("report_id", "report %s is not for %s: add %s to its audience first", rep.ID, r.From, r.From)
	}
	if rep.Status == truce.ReportDraft {
		if _, err := s.ReleaseReport(ctx, rep.ID); err != nil {
			return truce.RFI{}, err
		}
	}
	if _, err := s.writer.Append(ctx, Request{Party: m.Party, Member: m.Username, Kind: truce.KindRFIAnswer, Subject: r.ID,
		Body: RFIAnswerBody{ReportID: rep.ID}}); err != nil {
		return truce.RFI{}, err
	}
	return s.RFI(ctx, r.ID)
}

// DeclineRFI declines a request with a reason, sealed like the question.
func (s *Service) DeclineRFI(ctx context.Context, id string, in DeclineInput) (truce.RFI, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.RFI{}, err
	}
	r, err := s.openRFIFor(ctx, m, id, "decline")
	if err != nil {
		return truce.RFI{}, err
	}
	if err := CheckText("reason", in.Reason, maxNote, true); err != nil {
		return truce.RFI{}, err
	}
	hash := truce.SealHash(r.Salt, in.Reason)
	doc, err := json.Marshal(sealedReason(in))
	if err != nil {
		return truce.RFI{}, err
	}
	if err := s.store.PutSealed(ctx, r.ID, hash, doc); err != nil {
		return truce.RFI{}, err
	}
	if _, err := s.writer.Append(ctx, Request{Party: m.Party, Member: m.Username, Kind: truce.KindRFIDecline, Subject: r.ID,
		Body: RFIDeclineBody{ReasonHash: hash}}); err != nil {
		return truce.RFI{}, err
	}
	return s.RFI(ctx, r.ID)
}

// EventVisible reports whether the caller may be told of ev: every office
// event, except those of reports the caller may not read and of requests
// it is not party to, which are withheld whole.
func (s *Service) EventVisible(ctx context.Context, ev Event) (bool, error) {
	m, err := caller(ctx)
	if err != nil {
		return false, err
	}
	switch ev.Kind {
	case truce.KindReportRelease, truce.KindReportHandling:
		r, err := s.store.Report(ctx, ev.Subject)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return r.CanRead(truce.ReaderOf(m)), nil
	case truce.KindRFICreate, truce.KindRFIAnswer, truce.KindRFIDecline:
		r, err := s.store.RFI(ctx, ev.Subject)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return rfiVisible(m, r), nil
	}
	return true, nil
}
