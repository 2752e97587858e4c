package httpapi

import (
	"net/http"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/store"
)

func (s *Server) deconflict(w http.ResponseWriter, r *http.Request) error {
	var in truce.Check
	if err := s.decodeRequest(r, &in); err != nil {
		return err
	}
	d, err := s.office.Deconflict(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

type noticeProps struct {
	ID        string           `json:"id"`
	Party     string           `json:"party"`
	Member    string           `json:"member"`
	Activity  string           `json:"activity"`
	Note      string           `json:"note"`
	BufferM   float64          `json:"buffer_m"`
	From      time.Time        `json:"from"`
	Until     *time.Time       `json:"until"`
	Result    string           `json:"result"`
	Conflicts []truce.Conflict `json:"conflicts"`
	Time      time.Time        `json:"time"`
	Entry     int64            `json:"entry"`
}

func noticeFeature(n truce.Notice) Feature {
	box := n.BBox
	conflicts := n.Conflicts
	if conflicts == nil {
		conflicts = []truce.Conflict{}
	}
	return Feature{Type: "Feature", ID: n.ID, BBox: &box, Geometry: n.Geometry, Properties: noticeProps{
		ID: n.ID, Party: n.Party, Member: n.Member, Activity: n.Activity, Note: n.Note, BufferM: n.BufferM,
		From: n.From, Until: n.Until, Result: n.Result, Conflicts: conflicts, Time: n.Time, Entry: n.Entry,
	}, Result: n.Result, Conflicts: conflicts}
}

func (s *Server) createNotice(w http.ResponseWriter, r *http.Request) error {
	var in office.NoticeInput
	if err := s.decodeRequest(r, &in); err != nil {
		return err
	}
	n, err := s.office.SubmitNotice(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, noticeFeature(n))
	return nil
}

func (s *Server) listNotices(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.NoticeFilter{Party: q.Get("party")}
	if f.Party != "" && !truce.ValidPartyID(f.Party) {
		return truce.Invalid("party", "party must be a party id")
	}
	if f.BBox, err = parseBBox(q.Get("bbox")); err != nil {
		return err
	}
	lp := p
	lp.Limit++
	ns, err := s.office.Notices(r.Context(), f, lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, collection(ns, p, func(n truce.Notice) string { return n.ID }, noticeFeature))
	return nil
}

func (s *Server) getNotice(w http.ResponseWriter, r *http.Request) error {
	n, err := s.office.Notice(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, noticeFeature(n))
	return nil
}

type probeProps struct {
	ID       string     `json:"id"`
	SiteID   string     `json:"site_id"`
	ZoneID   string     `json:"zone_id"`
	Party    string     `json:"party"`
	Member   string     `json:"member"`
	Kind     string     `json:"kind"`
	NoticeID string     `json:"notice_id,omitempty"`
	BufferM  float64    `json:"buffer_m"`
	From     time.Time  `json:"from"`
	Until    *time.Time `json:"until"`
	Time     time.Time  `json:"time"`
}

func probeFeature(p truce.Probe) Feature {
	return Feature{Type: "Feature", ID: p.ID, Geometry: p.Geometry, Properties: probeProps{
		ID: p.ID, SiteID: p.SiteID, ZoneID: p.ZoneID, Party: p.Party, Member: p.Member, Kind: p.Kind,
		NoticeID: p.NoticeID, BufferM: p.BufferM, From: p.From, Until: p.Until, Time: p.Time,
	}}
}

func (s *Server) listProbes(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	lp := p
	lp.Limit++
	ps, err := s.office.Probes(r.Context(), lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, collection(ps, p, func(x truce.Probe) string { return x.ID }, probeFeature))
	return nil
}

func (s *Server) getProbe(w http.ResponseWriter, r *http.Request) error {
	p, err := s.office.Probe(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, probeFeature(p))
	return nil
}
