package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
)

// ReportOut is a report as the API answers it: the contract's fields, the
// Admiralty grades' meanings, and the salt and hash with which a reader
// checks the report against its journal entry (docs/journal.md).
type ReportOut struct {
	ID                 string             `json:"id"`
	Owner              string             `json:"owner"`
	Status             truce.ReportStatus `json:"status"`
	Text               string             `json:"text"`
	Subjects           []string           `json:"subjects"`
	Geometry           json.RawMessage    `json:"geometry"`
	Reliability        truce.Reliability  `json:"reliability"`
	ReliabilityMeaning string             `json:"reliability_meaning"`
	Credibility        truce.Credibility  `json:"credibility"`
	CredibilityMeaning string             `json:"credibility_meaning"`
	Handling           truce.Handling     `json:"handling"`
	To                 []string           `json:"to"`
	Salt               string             `json:"salt"`
	Hash               string             `json:"hash"`
	CreatedBy          string             `json:"created_by"`
	CreatedAt          time.Time          `json:"created_at"`
	UpdatedAt          time.Time          `json:"updated_at"`
	ReleasedAt         *time.Time         `json:"released_at"`
	Entry              int64              `json:"entry"`
}

func reportOut(r truce.Report) ReportOut {
	geom := r.Geometry
	if len(geom) == 0 {
		geom = json.RawMessage("null")
	}
	return ReportOut{
		ID: r.ID, Owner: r.Owner, Status: r.Status, Text: r.Text, Subjects: r.Subjects, Geometry: geom,
		Reliability: r.Reliability, ReliabilityMeaning: r.Reliability.Meaning(),
		Credibility: r.Credibility, CredibilityMeaning: r.Credibility.Meaning(),
		Handling: r.Handling, To: r.To, Salt: r.Salt, Hash: r.Hash, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, ReleasedAt: r.ReleasedAt, Entry: r.Entry,
	}
}

// RFIOut is a request for information as the API answers it.
type RFIOut struct {
	ID         string          `json:"id"`
	From       string          `json:"from"`
	To         string          `json:"to"`
	Question   string          `json:"question"`
	Subjects   []string        `json:"subjects"`
	Due        time.Time       `json:"due"`
	Status     truce.RFIStatus `json:"status"`
	Overdue    bool            `json:"overdue"`
	ReportID   *string         `json:"report_id"`
	Reason     string          `json:"reason"`
	Salt       string          `json:"salt"`
	Hash       string          `json:"hash"`
	ReasonHash string          `json:"reason_hash"`
	CreatedBy  string          `json:"created_by"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
	Entry      int64           `json:"entry"`
}

func (s *Server) rfiOut(r truce.RFI) RFIOut {
	return RFIOut{
		ID: r.ID, From: r.From, To: r.RFIRecord.To, Question: r.Question, Subjects: r.Subjects, Due: r.Due,
		Status: r.Status, Overdue: s.office.RFIOverdue(r), ReportID: r.ReportID, Reason: r.Reason,
		Salt: r.Salt, Hash: r.Hash, ReasonHash: r.ReasonHash, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Entry: r.Entry,
	}
}

func (s *Server) reportRoutes() []Route {
	reportAction := func(optional bool, act func(r *http.Request, in office.HandlingInput) (truce.Report, error)) func(http.ResponseWriter, *http.Request) error {
		return action(s, optional, act, func(r truce.Report) any { return reportOut(r) })
	}
	return []Route{
		{"GET", "/api/v1/reports", Member, s.listReports},
		{"POST", "/api/v1/reports", Member, s.createReport},
		{"GET", "/api/v1/reports/{id}", Member, s.getReport},
		{"POST", "/api/v1/reports/{id}/release", Member, action(s, true, func(r *http.Request, _ struct{}) (truce.Report, error) {
			return s.office.ReleaseReport(r.Context(), r.PathValue("id"))
		}, func(r truce.Report) any { return reportOut(r) })},
		{"POST", "/api/v1/reports/{id}/handling", Member, reportAction(false, func(r *http.Request, in office.HandlingInput) (truce.Report, error) {
			return s.office.SetHandling(r.Context(), r.PathValue("id"), in)
		})},
		{"GET", "/api/v1/rfis", Member, s.listRFIs},
		{"POST", "/api/v1/rfis", Member, s.createRFI},
		{"GET", "/api/v1/rfis/{id}", Member, s.getRFI},
		{"POST", "/api/v1/rfis/{id}/answer", Member, action(s, false, func(r *http.Request, in office.AnswerInput) (truce.RFI, error) {
			return s.office.AnswerRFI(r.Context(), r.PathValue("id"), in)
		}, func(r truce.RFI) any { return s.rfiOut(r) })},
		{"POST", "/api/v1/rfis/{id}/decline", Member, action(s, false, func(r *http.Request, in office.DeclineInput) (truce.RFI, error) {
			return s.office.DeclineRFI(r.Context(), r.PathValue("id"), in)
		}, func(r truce.RFI) any { return s.rfiOut(r) })},
	}
}

func (s *Server) listReports(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	lp := p
	lp.Limit++
	items, err := s.office.Reports(r.Context(), lp)
	if err != nil {
		return err
	}
	l := page(items, p, func(x truce.Report) string { return x.ID })
	out := List[ReportOut]{Items: make([]ReportOut, len(l.Items)), NextCursor: l.NextCursor}
	for k, x := range l.Items {
		out.Items[k] = reportOut(x)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createReport(w http.ResponseWriter, r *http.Request) error {
	var in office.ReportInput
	if err := s.decodeRequest(r, &in); err != nil {
		return err
	}
	rep, err := s.office.CreateReport(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, reportOut(rep))
	return nil
}

func (s *Server) getReport(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.office.Report(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, reportOut(rep))
	return nil
}

func (s *Server) listRFIs(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	lp := p
	lp.Limit++
	items, err := s.office.RFIs(r.Context(), lp)
	if err != nil {
		return err
	}
	l := page(items, p, func(x truce.RFI) string { return x.ID })
	out := List[RFIOut]{Items: make([]RFIOut, len(l.Items)), NextCursor: l.NextCursor}
	for k, x := range l.Items {
		out.Items[k] = s.rfiOut(x)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createRFI(w http.ResponseWriter, r *http.Request) error {
	var in office.RFIInput
	if err := s.decodeRequest(r, &in); err != nil {
		return err
	}
	q, err := s.office.CreateRFI(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.rfiOut(q))
	return nil
}

func (s *Server) getRFI(w http.ResponseWriter, r *http.Request) error {
	q, err := s.office.RFI(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.rfiOut(q))
	return nil
}
