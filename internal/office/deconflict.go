package office

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/geo"
	"github.com/truce-org/truce/internal/store"
)

// NoticeInput is a planned activity declared to the office.
type NoticeInput struct {
	truce.Check
	Activity string `json:"activity"`
	Note     string `json:"note"`
}

// planner checks the caller may submit checks and notices, within its
// party's rate: deconfliction must not become a way to map private sites.
func (s *Service) planner(ctx context.Context, what string) (*truce.Member, error) {
	m, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := requireRole(m, what, truce.RoleOfficial, truce.RolePlanner); err != nil {
		return nil, err
	}
	ok, after, err := s.checks.Take(ctx, m.Party, s.now())
	if err != nil {
		return nil, fmt.Errorf("office: deconfliction rate of %s: %w", m.Party, err)
	}
	if !ok {
		secs := int((after + time.Second - 1) / time.Second)
		return nil, &truce.RetryError{
			Err:               truce.Errorf(truce.ERateLimited, "too many deconfliction checks from %s; retry in %d s", m.Party, max(secs, 1)),
			RetryAfterSeconds: max(secs, 1),
		}
	}
	return m, nil
}

func (s *Service) check(c truce.Check) (truce.Check, geo.Geometry, error) {
	g, err := CheckActivity(c, s.limits)
	if err != nil {
		return c, g, err
	}
	canon, err := g.MarshalJSON()
	if err != nil {
		return c, g, err
	}
	c.Geometry = canon
	c.From = c.From.UTC().Truncate(time.Microsecond)
	if c.Until != nil {
		u := c.Until.UTC().Truncate(time.Microsecond)
		c.Until = &u
	}
	return c, g, nil
}

// Deconflict answers whether a planned activity meets a zone or a site. It
// is not recorded in the office; a check that meets a site is recorded in
// the site owner's probe log.
func (s *Service) Deconflict(ctx context.Context, in truce.Check) (truce.Deconfliction, error) {
	c, g, err := s.check(in)
	if err != nil {
		return truce.Deconfliction{}, err
	}
	m, err := s.planner(ctx, "check planned activities")
	if err != nil {
		return truce.Deconfliction{}, err
	}
	d, hits := s.spatial.Check(g, c.BufferM, c.From, c.Until, s.now())
	s.recordProbes(ctx, m, hits, c, "check", "")
	return d, nil
}

// recordProbes tells each site's owner that another party's member met it.
func (s *Service) recordProbes(ctx context.Context, m *truce.Member, hits []SiteHit, c truce.Check, kind, noticeID string) {
	now := s.clock()
	for _, h := range hits {
		if h.Owner == m.Party {
			continue
		}
		p := truce.Probe{
			ID: truce.NewID("probe"), Owner: h.Owner, SiteID: h.Site, ZoneID: h.Zone, Party: m.Party, Member: m.Username,
			Kind: kind, NoticeID: noticeID, Geometry: c.Geometry, BufferM: c.BufferM, From: c.From, Until: c.Until, Time: now,
		}
		if err := s.store.AddProbe(ctx, p); err != nil {
			s.log.Error("record probe", "owner", h.Owner, "err", err)
		} else {
			s.hqEventOf(ctx, h.Owner, m.Username, truce.HQProbe, p.ID)
		}
	}
}

// SubmitNotice records a planned activity in the office with the answer it
// gets, so that what each side was told is on the record.
func (s *Service) SubmitNotice(ctx context.Context, in NoticeInput) (truce.Notice, error) {
	c, g, err := s.check(in.Check)
	if err != nil {
		return truce.Notice{}, err
	}
	if err := CheckText("activity", in.Activity, maxName, true); err != nil {
		return truce.Notice{}, err
	}
	if err := CheckText("note", in.Note, maxNote, false); err != nil {
		return truce.Notice{}, err
	}
	m, err := s.planner(ctx, "submit notices")
	if err != nil {
		return truce.Notice{}, err
	}
	d, hits := s.spatial.Check(g, c.BufferM, c.From, c.Until, s.now())
	id := truce.NewID("ntc")
	if _, err := s.writer.Append(ctx, Request{
		Party: m.Party, Member: m.Username, Kind: truce.KindNoticeSubmit, Subject: id,
		Body: NoticeSubmitBody{Check: c, Activity: in.Activity, Note: in.Note, Deconfliction: d},
	}); err != nil {
		return truce.Notice{}, err
	}
	s.recordProbes(ctx, m, hits, c, "notice", id)
	n, err := s.store.Notice(ctx, id)
	return n, mapStore(err, "notice")
}

// Notice returns one notice; notices are office items.
func (s *Service) Notice(ctx context.Context, id string) (truce.Notice, error) {
	if _, err := caller(ctx); err != nil {
		return truce.Notice{}, err
	}
	n, err := s.store.Notice(ctx, id)
	return n, mapStore(err, "notice")
}

// Notices lists one page of notices.
func (s *Service) Notices(ctx context.Context, f store.NoticeFilter, page store.Page) ([]truce.Notice, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	return s.store.Notices(ctx, f, page)
}

// prober returns the caller if it belongs to a party: probes are shown to
// the site owner's members only.
func prober(ctx context.Context) (*truce.Member, error) {
	m, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if m.Admin || m.Party == "" {
		return nil, truce.Errorf(truce.EForbidden, "an administrator sees no party's probes")
	}
	return m, nil
}

// Probes lists the probes of the caller's party's sites.
func (s *Service) Probes(ctx context.Context, page store.Page) ([]truce.Probe, error) {
	m, err := prober(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.Probes(ctx, m.Party, page)
}

// Probe returns one probe of the caller's party's sites.
func (s *Service) Probe(ctx context.Context, id string) (truce.Probe, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Probe{}, err
	}
	if m.Admin || m.Party == "" {
		return truce.Probe{}, truce.NotFound("probe")
	}
	p, err := s.store.Probe(ctx, m.Party, id)
	return p, mapStore(err, "probe")
}
