package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// span is an item's time span [start, end) (end nil: open), as Summary and
// Window read it; an instant is start == end.
type span struct {
	start time.Time
	end   *time.Time
}

// meets is the reference of store.Window: start < Until and end > From,
// an instant meeting when From <= it < Until.
func (s span) meets(w *store.Window) bool {
	if w == nil {
		return true
	}
	if w.Until != nil && !s.start.Before(*w.Until) {
		return false
	}
	if w.From == nil {
		return true
	}
	if s.end == nil {
		return true
	}
	if s.end.Equal(s.start) { // an instant
		return !s.start.Before(*w.From)
	}
	return s.end.After(*w.From)
}

// summarize is the reference summary of items with their boxes and spans.
func summarize(boxes [][4]float64, spans []span) store.Summary {
	var out store.Summary
	for i, b := range boxes {
		s := store.Summary{Count: 1, BBox: b, Start: &spans[i].start, End: spans[i].end}
		out = out.Add(s)
	}
	return out
}

var summaryOpts = cmp.Options{cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })}

// summaries checks the count queries (ZoneSummary, DraftSummary,
// NoticeSummary, IncidentSummary, IncidentDraftSummary) against a
// reference over the same items, and against the length of what the
// matching list returns, for filters that cut through bounds, boxes,
// owners and open ends. Times include whole seconds and fractions of
// every length, which the backends must still order exactly.
func (su *suite) summaries(t *testing.T) {
	ctx, s := su.fresh(t)
	m := newModel(t)
	setupParties(t, ctx, s, m)

	at := func(d time.Duration) *time.Time { v := t0.Truncate(time.Second).Add(d); return &v }
	boxes := [][4]float64{{10, 10, 11, 11}, {20, 20, 21, 21}, {-30, -40, -29.5, -39}, {10.5, 10.5, 10.6, 10.6}, {150, 60, 151, 61}}
	// Released zones over boxes, with spans in whole seconds, 1, 3, 6
	// fractional digits, and one open.
	zoneSpans := []span{
		{*at(0), at(time.Hour)},
		{*at(time.Hour + 100*time.Millisecond), at(3 * time.Hour)},
		{*at(30 * time.Minute), nil},
		{*at(2*time.Hour + 123*time.Millisecond), at(2*time.Hour + 123457*micro)},
		{*at(5 * time.Hour), at(6*time.Hour + micro)},
	}
	owners := []string{"us", "ru", "us", "un", "ru"}
	var zones []truce.Zone
	mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
		for i, b := range boxes {
			z := zoneIn(fmt.Sprintf("zon_s%d", i), owners[i], truce.ZoneProposed, b, zoneSpans[i].end)
			z.ValidFrom = zoneSpans[i].start
			z, err := c.putZone(t, tx, owners[i], truce.KindZoneRelease, z)
			if err != nil {
				return err
			}
			zones = append(zones, z)
		}
		for i, b := range boxes[:3] {
			n := noticeIn(fmt.Sprintf("not_s%d", i), owners[i], b)
			n.From, n.Until = zoneSpans[i].start, zoneSpans[i].end
			if _, err := c.putNotice(t, tx, n); err != nil {
				return err
			}
		}
		for i, b := range boxes {
			if _, err := c.putIncident(t, tx, owners[i], truce.KindIncidentRelease, incidentIn(fmt.Sprintf("inc_s%d", i), owners[i], zoneSpans[i].start, "", b)); err != nil {
				return err
			}
		}
		return nil
	})
	// Drafts of us: one over a released zone's id (released: not counted
	// as a draft), two of its own; one of ru.
	drafts := []truce.Zone{draftIn("zon_s0", "us", boxes[0]), draftIn("zon_d1", "us", boxes[3]), draftIn("zon_d2", "us", boxes[4]), draftIn("zon_d3", "ru", boxes[1])}
	drafts[1].ValidFrom, drafts[1].ValidUntil = *at(time.Hour + 500*time.Millisecond), at(90*time.Minute+1*micro)
	drafts[2].ValidFrom = *at(7 * time.Hour)
	for _, d := range drafts {
		if err := s.PutDraft(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	incDrafts := []truce.Incident{draftIncident("inc_d1", "us", *at(4 * time.Hour), "", boxes[1]), draftIncident("inc_d2", "ru", *at(0), "", boxes[2])}
	for _, i := range incDrafts {
		if err := s.PutIncidentDraft(ctx, i); err != nil {
			t.Fatal(err)
		}
	}

	windows := map[string]*store.Window{
		"none":          nil,
		"all":           {From: at(-time.Hour), Until: at(10 * time.Hour)},
		"from only":     {From: at(time.Hour)},
		"until only":    {Until: at(time.Hour + 100*time.Millisecond)},
		"until+1µs":     {Until: at(time.Hour + 100*time.Millisecond + micro)},
		"instant":       {From: at(2*time.Hour + 123*time.Millisecond), Until: at(2*time.Hour + 123*time.Millisecond + micro)},
		"end exclusive": {From: at(2*time.Hour + 123457*micro)},
		"before all":    {Until: at(-time.Second)},
		"after ends":    {From: at(6*time.Hour + micro)},
	}
	bboxes := map[string]*store.Box{"any": nil, "east": boxOf([4]float64{10, 10, 21, 21}), "none": boxOf([4]float64{0, 0, 1, 1})}

	type item struct {
		box  [4]float64
		span span
	}
	ref := func(items []item, w *store.Window, b *store.Box) store.Summary {
		var bs [][4]float64
		var ss []span
		for _, it := range items {
			if it.span.meets(w) && (b == nil || store.Box(it.box).Meets(*b)) {
				bs, ss = append(bs, it.box), append(ss, it.span)
			}
		}
		return summarize(bs, ss)
	}
	var zoneItems, usDrafts, noticeItems, incItems, usIncDrafts []item
	for i, z := range zones {
		zoneItems = append(zoneItems, item{z.BBox, zoneSpans[i]})
		incItems = append(incItems, item{boxes[i], span{zoneSpans[i].start, &zoneSpans[i].start}})
	}
	for i := range 3 {
		noticeItems = append(noticeItems, item{boxes[i], zoneSpans[i]})
	}
	for _, d := range drafts[1:3] {
		usDrafts = append(usDrafts, item{d.BBox, span{d.ValidFrom, d.ValidUntil}})
	}
	usIncDrafts = append(usIncDrafts, item{incDrafts[0].BBox, span{incDrafts[0].OccurredAt, &incDrafts[0].OccurredAt}})

	check := func(t *testing.T, what string, want store.Summary, got store.Summary, err error, listed int) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		if diff := cmp.Diff(want, got, summaryOpts); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
		if int64(listed) != got.Count {
			t.Errorf("%s: count %d, but the list has %d", what, got.Count, listed)
		}
	}
	all := store.Page{Limit: 1000}
	for wn, w := range windows {
		for bn, b := range bboxes {
			name := wn + "/" + bn
			zf := store.ZoneFilter{BBox: b, During: w, Now: t0}
			got, err := s.ZoneSummary(ctx, zf)
			l, _ := s.Zones(ctx, zf, all)
			check(t, "ZoneSummary "+name, ref(zoneItems, w, b), got, err, len(l))

			got, err = s.DraftSummary(ctx, "us", zf)
			dl, _ := s.Drafts(ctx, "us", zf, all)
			check(t, "DraftSummary us "+name, ref(usDrafts, w, b), got, err, len(dl))

			nf := store.NoticeFilter{BBox: b, During: w}
			got, err = s.NoticeSummary(ctx, nf)
			nl, _ := s.Notices(ctx, nf, all)
			check(t, "NoticeSummary "+name, ref(noticeItems, w, b), got, err, len(nl))

			var f store.IncidentFilter
			f.BBox = b
			if w != nil {
				f.From, f.Until = w.From, w.Until
			}
			got, err = s.IncidentSummary(ctx, f)
			il, _ := s.Incidents(ctx, f, all)
			check(t, "IncidentSummary "+name, ref(incItems, w, b), got, err, len(il))

			got, err = s.IncidentDraftSummary(ctx, "us", f)
			idl, _ := s.IncidentDrafts(ctx, "us", f, all)
			check(t, "IncidentDraftSummary us "+name, ref(usIncDrafts, w, b), got, err, len(idl))
		}
	}
	// Filters the lists also take: owner, party, status, perpetrator.
	got, err := s.ZoneSummary(ctx, store.ZoneFilter{Owner: "ru", Now: t0})
	l, _ := s.Zones(ctx, store.ZoneFilter{Owner: "ru", Now: t0}, all)
	check(t, "ZoneSummary owner ru", ref([]item{zoneItems[1], zoneItems[4]}, nil, nil), got, err, len(l))
	got, err = s.ZoneSummary(ctx, store.ZoneFilter{Status: truce.ZoneDraft, Now: t0})
	check(t, "ZoneSummary status draft", store.Summary{}, got, err, 0)
	got, err = s.DraftSummary(ctx, "un", store.ZoneFilter{})
	check(t, "DraftSummary un", store.Summary{}, got, err, 0)
	got, err = s.NoticeSummary(ctx, store.NoticeFilter{Party: "us"})
	check(t, "NoticeSummary party us", ref([]item{noticeItems[0], noticeItems[2]}, nil, nil), got, err, 2)
	got, err = s.IncidentSummary(ctx, store.IncidentFilter{Perpetrator: "nobody"})
	check(t, "IncidentSummary perpetrator nobody", store.Summary{}, got, err, 0)

	// An empty store answers zero, not an error.
	ctx2, s2 := su.fresh(t)
	for name, f := range map[string]func() (store.Summary, error){
		"ZoneSummary":          func() (store.Summary, error) { return s2.ZoneSummary(ctx2, store.ZoneFilter{Now: t0}) },
		"DraftSummary":         func() (store.Summary, error) { return s2.DraftSummary(ctx2, "us", store.ZoneFilter{}) },
		"NoticeSummary":        func() (store.Summary, error) { return s2.NoticeSummary(ctx2, store.NoticeFilter{}) },
		"IncidentSummary":      func() (store.Summary, error) { return s2.IncidentSummary(ctx2, store.IncidentFilter{}) },
		"IncidentDraftSummary": func() (store.Summary, error) { return s2.IncidentDraftSummary(ctx2, "us", store.IncidentFilter{}) },
	} {
		got, err := f()
		check(t, name+" on an empty store", store.Summary{}, got, err, 0)
	}
}
