package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// strictOpts compares times as instants and nothing else loosely: an item
// read back is the item written, nil slices and maps included.
var strictOpts = cmp.Options{cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })}

// micro is a microsecond, the finest time step every backend keeps.
const micro = time.Microsecond

// geoBox is the canonical GeoJSON of the rectangle b.
func geoBox(b [4]float64) []byte {
	return fmt.Appendf(nil, `{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`,
		b[0], b[1], b[2], b[1], b[2], b[3], b[0], b[3], b[0], b[1])
}

func geoPoint(lon, lat float64) []byte {
	return fmt.Appendf(nil, `{"type":"Point","coordinates":[%g,%g]}`, lon, lat)
}

// digest is a "sha256:<hex>" string made of one repeated hex digit.
func digest(digit string) string { return "sha256:" + strings.Repeat(digit, 64) }

// zoneIn is a released zone of owner, one version, in status, over b, valid
// until until (nil: open-ended).
func zoneIn(id, owner string, status truce.ZoneStatus, b [4]float64, until *time.Time) truce.Zone {
	content := truce.ZoneContent{Name: "Zone " + id, Category: truce.CategoryCivilian, ValidFrom: t0,
		ValidUntil: until, BufferM: 250, Geometry: geoBox(b)}
	vs := status
	if !status.Live() {
		vs = truce.ZoneProposed
	}
	z := truce.Zone{
		ID: id, Owner: owner, Status: status, ZoneContent: content, Version: 1,
		Versions: []truce.ZoneVersion{{
			Version: 1, ZoneContent: content, Hash: digest("a"), ReleasedBy: owner + "-official", ReleasedAt: t0,
			Responses: map[string]truce.ZoneResponse{}, Status: vs,
		}},
		CreatedBy: owner + "-official", CreatedAt: t0, UpdatedAt: t0.Add(time.Minute), Revealed: []truce.RevealedSite{}, BBox: b,
	}
	if status == truce.ZoneInForce {
		z.InForce = 1
	}
	if status == truce.ZoneWithdrawn {
		z.Withdrawn = &truce.ZoneResponse{Kind: "withdraw", Member: owner + "-official", Time: t0.Add(time.Hour), Entry: 1}
	}
	return z
}

// draftIn is a draft of owner over b.
func draftIn(id, owner string, b [4]float64) truce.Zone {
	return truce.Zone{
		ID: id, Owner: owner, Status: truce.ZoneDraft,
		ZoneContent: truce.ZoneContent{Name: "Draft " + id, Category: truce.CategoryOther, ValidFrom: t0, BufferM: 10, Geometry: geoBox(b)},
		CreatedBy:   owner + "-official", CreatedAt: t0, UpdatedAt: t0.Add(17 * micro), BBox: b,
	}
}

// fullZone is a zone with every field set: two versions, answers of
// several parties, a revealed site, text that JSON escapes.
func fullZone(id, owner string) truce.Zone {
	until := t0.Add(30*24*time.Hour + 123456*micro)
	v1 := truce.ZoneContent{Name: `Hospital "district" <north> & «Nord»`, Category: truce.CategoryHumanitarian,
		ValidFrom: t0.Add(time.Hour + 1*micro), ValidUntil: &until, BufferM: 500, Geometry: geoBox([4]float64{30.1, 50.2, 30.5, 50.6})}
	v2 := v1
	v2.Name, v2.BufferM = "Hospital district, extended\n", 750.125
	v2.Geometry = []byte(`{"type":"MultiPolygon","coordinates":[[[[30.1,50.2],[30.9,50.2],[30.9,50.8],[30.1,50.2]]],[[[30.6,50.6],[30.7,50.6],[30.7,50.7],[30.6,50.6]]]]}`)
	return truce.Zone{
		ID: id, Owner: owner, Status: truce.ZoneDisputed, ZoneContent: v2, Version: 2, InForce: 1,
		Versions: []truce.ZoneVersion{
			{Version: 1, ZoneContent: v1, Hash: digest("1"), ReleasedBy: owner + "-official", ReleasedAt: t0.Add(2*time.Hour + 3*micro), Entry: 3,
				Responses: map[string]truce.ZoneResponse{
					"ru": {Kind: truce.ZoneAcknowledged, Member: "ru-official", Time: t0.Add(3*time.Hour + 7*micro), Entry: 4},
					"un": {Kind: truce.ZoneAcknowledged, Member: "un-observer", Time: t0.Add(4*time.Hour + 9*micro), Entry: 5},
				},
				Status: truce.ZoneInForce},
			{Version: 2, ZoneContent: v2, Hash: digest("2"), ReleasedBy: owner + "-official2", ReleasedAt: t0.Add(5 * time.Hour), Entry: 7,
				Responses: map[string]truce.ZoneResponse{
					"ru": {Kind: truce.ZoneDisputedBy, Reason: "covers the rail junction", Member: "ru-official", Time: t0.Add(6*time.Hour + 11*micro), Entry: 8},
				},
				Status: truce.ZoneDisputed},
		},
		CreatedBy: owner + "-official", CreatedAt: t0.Add(13 * micro), UpdatedAt: t0.Add(7*time.Hour + 999999*micro),
		Revealed: []truce.RevealedSite{{
			Record: truce.SiteRecord{Site: "sit_1", Zone: id, Party: owner, Geometry: geoPoint(30.3, 50.4), RadiusM: 50,
				Label: "Field hospital", Salt: "revealed-salt"},
			CommitmentEntry: 2, CommittedAt: t0.Add(90 * time.Minute), Leaf: 5, Leaves: 16,
			Proof: []string{digest("b"), digest("c"), digest("d"), digest("e")}, Member: owner + "-official", Time: t0.Add(8 * time.Hour), Entry: 9,
		}},
		BBox: [4]float64{30.1, 50.2, 30.9, 50.8},
	}
}

// noticeIn is a notice of party over b.
func noticeIn(id, party string, b [4]float64) truce.Notice {
	until := t0.Add(6*time.Hour + 5*micro)
	return truce.Notice{
		ID:       id,
		Check:    truce.Check{Geometry: geoBox(b), BufferM: 100, From: t0.Add(time.Hour), Until: &until},
		Activity: "convoy", Note: "resupply <route 4> & back",
		Deconfliction: truce.Deconfliction{Result: truce.ResultConflict, Conflicts: []truce.Conflict{
			{ZoneID: "zon_a", ZoneName: "Zone A", Owner: "ru", Status: truce.ZoneInForce, Reason: truce.ReasonZone},
			{ZoneID: "zon_b", ZoneName: "Zone B", Owner: "un", Status: truce.ZoneProposed, Reason: truce.ReasonSite},
		}},
		BBox: b, Party: party, Member: party + "-planner", Time: t0.Add(2*time.Hour + 3*micro),
	}
}

func siteOf(id, party, zone, salt string) truce.Site {
	return truce.Site{ID: id, ZoneID: zone, Party: party, Geometry: geoPoint(30.25, 50.5), RadiusM: 25.5,
		Label: "Site " + id, Salt: salt, CreatedBy: party + "-official", CreatedAt: t0.Add(42 * micro)}
}

func probeOf(id, owner string) truce.Probe {
	until := t0.Add(3 * time.Hour)
	return truce.Probe{ID: id, Owner: owner, SiteID: "sit_" + id, ZoneID: "zon_" + id, Party: "ru", Member: "ru-planner",
		Kind: "notice", NoticeID: "not_" + id, Geometry: geoPoint(30.2, 50.1), BufferM: 5, From: t0, Until: &until, Time: t0.Add(time.Second + micro)}
}

// putZone appends an entry of kind by party about z and writes z whole, as
// the fold does after each change; z.Entry becomes the entry's index.
func (m *model) putZone(t testing.TB, tx store.AppendTx, party, kind string, z truce.Zone) (truce.Zone, error) {
	r, hs := m.add(t, party, kind, z.ID, map[string]any{"version": z.Version})
	if err := tx.PutEntries([]store.EntryRow{r}, hs); err != nil {
		return z, err
	}
	z.Entry = r.Index
	if err := tx.PutZone(z); err != nil {
		return z, err
	}
	m.zones[z.ID] = z
	return z, nil
}

// putNotice appends a notice.submit entry by n.Party and writes n.
func (m *model) putNotice(t testing.TB, tx store.AppendTx, n truce.Notice) (truce.Notice, error) {
	r, hs := m.add(t, n.Party, truce.KindNoticeSubmit, n.ID, map[string]any{"activity": n.Activity})
	if err := tx.PutEntries([]store.EntryRow{r}, hs); err != nil {
		return n, err
	}
	n.Entry = r.Index
	if err := tx.PutNotice(n); err != nil {
		return n, err
	}
	m.notices[n.ID] = n
	return n, nil
}

// putCommitment appends a sites.commit entry by party and writes its commitment.
func (m *model) putCommitment(t testing.TB, tx store.AppendTx, id, party string, leaves int64) (truce.SiteCommitment, error) {
	r, hs := m.add(t, party, truce.KindSitesCommit, id, map[string]any{"leaves": leaves})
	if err := tx.PutEntries([]store.EntryRow{r}, hs); err != nil {
		return truce.SiteCommitment{}, err
	}
	c := truce.SiteCommitment{ID: id, Party: party, Root: digest("f"), Leaves: leaves, Time: r.Entry.Time, Entry: r.Index}
	if err := tx.PutSiteCommitment(c); err != nil {
		return c, err
	}
	m.commitments[c.Entry] = c
	return c, nil
}

// zonesMatching is the reference answer of Zones(f) with no paging: the
// model's zones by id whose status read at f.Now is f.Status.
func (m *model) zonesMatching(f store.ZoneFilter) []truce.Zone {
	var out []truce.Zone
	for _, id := range slices.Sorted(maps.Keys(m.zones)) {
		z := m.zones[id]
		switch {
		case f.Status == truce.ZoneDraft:
			continue
		case f.Status != "" && z.StatusAt(f.Now) != f.Status:
			continue
		case f.Owner != "" && z.Owner != f.Owner:
			continue
		case f.BBox != nil && !store.Box(z.BBox).Meets(*f.BBox):
			continue
		}
		out = append(out, z)
	}
	return out
}

// noticesMatching is the reference answer of Notices(f) with no paging.
func (m *model) noticesMatching(f store.NoticeFilter) []truce.Notice {
	var out []truce.Notice
	for _, id := range slices.Sorted(maps.Keys(m.notices)) {
		n := m.notices[id]
		if (f.Party == "" || n.Party == f.Party) && (f.BBox == nil || store.Box(n.BBox).Meets(*f.BBox)) {
			out = append(out, n)
		}
	}
	return out
}

// checkReads reads every item of want by its key and compares it.
func checkReads[K comparable, T any](t *testing.T, name string, want map[K]T, read func(K) (T, error)) {
	t.Helper()
	for k, w := range want {
		got, err := read(k)
		if err != nil {
			t.Errorf("%s(%v): %v", name, k, err)
		} else if diff := cmp.Diff(w, got, strictOpts); diff != "" {
			t.Errorf("%s(%v) (-want +got):\n%s", name, k, diff)
		}
	}
}

// checkZones checks the store's zones, site commitments and notices, read
// one by one and streamed, against the model's.
func checkZones(t *testing.T, ctx context.Context, s store.Store, m *model) {
	t.Helper()
	checkReads(t, "Zone", m.zones, func(id string) (truce.Zone, error) { return s.Zone(ctx, id) })
	checkReads(t, "SiteCommitment", m.commitments, func(e int64) (truce.SiteCommitment, error) { return s.SiteCommitment(ctx, e) })
	checkReads(t, "Notice", m.notices, func(id string) (truce.Notice, error) { return s.Notice(ctx, id) })
	got, err := eachZone(ctx, s)
	if err != nil {
		t.Errorf("EachZone: %v", err)
	}
	if diff := cmp.Diff(m.zonesMatching(store.ZoneFilter{}), got, cmpOpts); diff != "" {
		t.Errorf("EachZone (-want +got):\n%s", diff)
	}
}

func eachZone(ctx context.Context, s store.Store) ([]truce.Zone, error) {
	var out []truce.Zone
	err := s.EachZone(ctx, func(z truce.Zone) error {
		out = append(out, z)
		return nil
	})
	return out, err
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, x := range items {
		out[i] = id(x)
	}
	return out
}

func zoneIDs(zs []truce.Zone) []string {
	return ids(zs, func(z truce.Zone) string { return z.ID })
}

func noticeIDs(ns []truce.Notice) []string {
	return ids(ns, func(n truce.Notice) string { return n.ID })
}

func siteIDs(ss []truce.Site) []string {
	return ids(ss, func(s truce.Site) string { return s.ID })
}

func probeIDs(ps []truce.Probe) []string {
	return ids(ps, func(p truce.Probe) string { return p.ID })
}

func setIDs(ss []truce.SiteSet) []string {
	return ids(ss, func(s truce.SiteSet) string { return s.Commitment })
}

func boxOf(b [4]float64) *store.Box {
	x := store.Box(b)
	return &x
}

// timePtr is t0 + d, for a valid_until.
func timePtr(d time.Duration) *time.Time {
	x := t0.Add(d)
	return &x
}

// pageAll reads every page of list at limit, checking each page's size,
// and returns the items in the order read.
func pageAll[T any](t *testing.T, what string, limit, total int, id func(T) string, list func(store.Page) ([]T, error)) []T {
	t.Helper()
	var got []T
	after := ""
	for pages := 0; ; pages++ {
		if pages > total+1 {
			t.Fatalf("%s, limit %d: paging does not end", what, limit)
		}
		page, err := list(store.Page{Limit: limit, After: after})
		if err != nil {
			t.Fatalf("%s (limit %d, after %q): %v", what, limit, after, err)
		}
		if len(page) > limit {
			t.Errorf("%s (limit %d, after %q) gave %d items", what, limit, after, len(page))
		}
		if len(page) == 0 {
			return got
		}
		if len(page) < limit && len(got)+len(page) < total {
			t.Errorf("%s (limit %d, after %q) gave a short page of %d before the end", what, limit, after, len(page))
		}
		got = append(got, page...)
		after = id(page[len(page)-1])
	}
}

// The boxes of the filter tests: zone 1 and zone 2 share the edge at lon 31,
// zone 5 lies inside zone 1, zone 3 and zone 4 are far away.
var (
	box1 = [4]float64{30, 50, 31, 51}
	box2 = [4]float64{31, 50, 32, 51}
	box3 = [4]float64{10, 10, 11, 11}
	box4 = [4]float64{-1, -1, 1, 1}
	box5 = [4]float64{30.25, 50.25, 30.75, 50.75}
)

// bboxCases are filter boxes and the items of boxes 1 to 5 each must keep.
var bboxCases = []struct {
	name string
	box  [4]float64
	want []int
}{
	{"overlaps", [4]float64{30.5, 50.5, 31.5, 51.5}, []int{1, 2, 5}},
	{"edge", [4]float64{31, 50.2, 31, 50.3}, []int{1, 2}},
	{"corner", [4]float64{32, 51, 33, 52}, []int{2}},
	{"point", [4]float64{0, 0, 0, 0}, []int{4}},
	{"inside one", [4]float64{30.1, 50.1, 30.2, 50.2}, []int{1}},
	{"contains", [4]float64{30.25, 50.25, 30.75, 50.75}, []int{1, 5}},
	{"misses by a hair", [4]float64{32.000001, 50, 33, 51}, nil},
	{"misses below", [4]float64{30, 49, 32, 49.999999}, nil},
	{"world", [4]float64{-180, -90, 180, 90}, []int{1, 2, 3, 4, 5}},
}

func (su *suite) zones(t *testing.T) {
	setup := func(t *testing.T) (context.Context, store.Store, *model) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		return ctx, s, m
	}

	t.Run("RoundTrip", func(t *testing.T) {
		ctx, s, m := setup(t)
		_, err := s.Zone(ctx, "zon_a")
		wantNotFound(t, err, "Zone(zon_a) on a new store")
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			_, err := tx.GetZone("zon_a")
			wantNotFound(t, err, "tx.GetZone(zon_a) before PutZone")
			full, err := c.putZone(t, tx, "us", truce.KindZoneRelease, fullZone("zon_a", "us"))
			if err != nil {
				return err
			}
			// The fold reads what it wrote earlier in the same transaction.
			got, err := tx.GetZone("zon_a")
			if err != nil {
				t.Errorf("tx.GetZone(zon_a) after PutZone: %v", err)
			} else if diff := cmp.Diff(full, got, strictOpts); diff != "" {
				t.Errorf("tx.GetZone(zon_a) (-want +got):\n%s", diff)
			}
			// Open-ended, withdrawn, with nil slices and maps, and one with
			// empty ones: each reads back as it was.
			open := zoneIn("zon_b", "ru", truce.ZoneWithdrawn, box2, nil)
			open.Versions[0].Responses, open.Revealed = nil, nil
			if _, err := c.putZone(t, tx, "ru", truce.KindZoneWithdraw, open); err != nil {
				return err
			}
			_, err = c.putZone(t, tx, "un", truce.KindZoneRelease, zoneIn("zon_c", "un", truce.ZoneProposed, box3, timePtr(time.Hour)))
			return err
		})
		checkOffice(t, ctx, s, m) // strictly, item by item
		if z, _ := s.Zone(ctx, "zon_b"); z.ValidUntil != nil || z.Revealed != nil || z.Versions[0].Responses != nil {
			t.Errorf("Zone(zon_b) = %+v, want nil valid_until, revealed sites and responses", z)
		}
		if z, _ := s.Zone(ctx, "zon_c"); z.Revealed == nil || z.Versions[0].Responses == nil {
			t.Errorf("Zone(zon_c) = %+v, want empty, not nil, revealed sites and responses", z)
		}
		_, err = s.Zone(ctx, "zon_x")
		wantNotFound(t, err, "Zone(zon_x)")
	})

	t.Run("Upsert", func(t *testing.T) {
		ctx, s, m := setup(t)
		far := [4]float64{40, 40, 41, 41}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			_, err := c.putZone(t, tx, "us", truce.KindZoneRelease, zoneIn("zon_a", "us", truce.ZoneProposed, box1, timePtr(time.Hour)))
			return err
		})
		checkOffice(t, ctx, s, m)
		// The fold writes the zone whole after each change: status,
		// validity, box and entry move with it.
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			z := fullZone("zon_a", "us")
			z.Status, z.ValidUntil, z.BBox = truce.ZoneInForce, nil, far
			z, err := c.putZone(t, tx, "ru", truce.KindZoneAcknowledge, z)
			if err != nil {
				return err
			}
			got, err := tx.GetZone("zon_a")
			if err != nil {
				return err
			}
			if diff := cmp.Diff(z, got, strictOpts); diff != "" {
				t.Errorf("tx.GetZone(zon_a) after an update (-want +got):\n%s", diff)
			}
			return nil
		})
		checkOffice(t, ctx, s, m)
		for _, tc := range []struct {
			f    store.ZoneFilter
			want []string
		}{
			{store.ZoneFilter{}, []string{"zon_a"}},
			{store.ZoneFilter{BBox: boxOf(far)}, []string{"zon_a"}},
			{store.ZoneFilter{BBox: boxOf(box1)}, nil},
			// Just inside and just outside each side: every bbox column moved.
			{store.ZoneFilter{BBox: &store.Box{40.5, 40.5, 40.6, 40.6}}, []string{"zon_a"}},
			{store.ZoneFilter{BBox: &store.Box{39, 40.5, 39.9, 40.6}}, nil},
			{store.ZoneFilter{BBox: &store.Box{41.1, 40.5, 42, 40.6}}, nil},
			{store.ZoneFilter{BBox: &store.Box{40.5, 39, 40.6, 39.9}}, nil},
			{store.ZoneFilter{BBox: &store.Box{40.5, 41.1, 40.6, 42}}, nil},
			{store.ZoneFilter{Status: truce.ZoneInForce, Now: t0.Add(48 * time.Hour)}, []string{"zon_a"}},
			{store.ZoneFilter{Status: truce.ZoneProposed, Now: t0}, nil},
			{store.ZoneFilter{Status: truce.ZoneExpired, Now: t0.Add(48 * time.Hour)}, nil},
		} {
			got, err := s.Zones(ctx, tc.f, store.Page{Limit: 10})
			if err != nil || !slices.Equal(zoneIDs(got), tc.want) {
				t.Errorf("Zones(%+v) after an update = %q, %v; want %q", tc.f, zoneIDs(got), err, tc.want)
			}
		}
	})

	t.Run("StatusFilter", func(t *testing.T) {
		ctx, s, m := setup(t)
		zs := []truce.Zone{
			zoneIn("zon_p1", "us", truce.ZoneProposed, box1, timePtr(time.Hour)),
			zoneIn("zon_p2", "ru", truce.ZoneProposed, box2, nil),
			zoneIn("zon_f1", "us", truce.ZoneInForce, box3, timePtr(2*time.Hour)),
			zoneIn("zon_f2", "ru", truce.ZoneInForce, box4, timePtr(-time.Hour)),
			zoneIn("zon_f3", "un", truce.ZoneInForce, box5, nil),
			zoneIn("zon_d1", "us", truce.ZoneDisputed, box1, timePtr(time.Hour)),
			zoneIn("zon_d2", "ru", truce.ZoneDisputed, box2, nil),
			zoneIn("zon_w1", "us", truce.ZoneWithdrawn, box3, timePtr(time.Hour)),
			zoneIn("zon_w2", "ru", truce.ZoneWithdrawn, box4, nil),
			zoneIn("zon_w3", "un", truce.ZoneWithdrawn, box5, timePtr(-time.Hour)),
		}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for _, z := range zs {
				if _, err := c.putZone(t, tx, z.Owner, truce.KindZoneRelease, z); err != nil {
					return err
				}
			}
			return nil
		})
		// Fixed answers, so that the reference cannot drift from the rule:
		// a live zone has expired once now reaches valid_until.
		for _, tc := range []struct {
			now    time.Duration
			status truce.ZoneStatus
			want   []string
		}{
			{0, truce.ZoneExpired, []string{"zon_f2"}},
			{0, truce.ZoneProposed, []string{"zon_p1", "zon_p2"}},
			{0, truce.ZoneInForce, []string{"zon_f1", "zon_f3"}},
			{time.Hour - micro, truce.ZoneDisputed, []string{"zon_d1", "zon_d2"}},
			{time.Hour, truce.ZoneDisputed, []string{"zon_d2"}},
			{time.Hour, truce.ZoneExpired, []string{"zon_d1", "zon_f2", "zon_p1"}},
			{3 * time.Hour, truce.ZoneExpired, []string{"zon_d1", "zon_f1", "zon_f2", "zon_p1"}},
			{-2 * time.Hour, truce.ZoneExpired, nil},
			{-2 * time.Hour, truce.ZoneInForce, []string{"zon_f1", "zon_f2", "zon_f3"}},
			{3 * time.Hour, truce.ZoneWithdrawn, []string{"zon_w1", "zon_w2", "zon_w3"}},
			{0, truce.ZoneDraft, nil},
			{0, "", []string{"zon_d1", "zon_d2", "zon_f1", "zon_f2", "zon_f3", "zon_p1", "zon_p2", "zon_w1", "zon_w2", "zon_w3"}},
		} {
			f := store.ZoneFilter{Status: tc.status, Now: t0.Add(tc.now)}
			if ref := zoneIDs(m.zonesMatching(f)); !slices.Equal(ref, tc.want) {
				t.Fatalf("suite: the reference gives %q for status %q at t0%+v, the table %q", ref, tc.status, tc.now, tc.want)
			}
			got, err := s.Zones(ctx, f, store.Page{Limit: 100})
			if err != nil || !slices.Equal(zoneIDs(got), tc.want) {
				t.Errorf("Zones(status %q, now t0%+v) = %q, %v; want %q", tc.status, tc.now, zoneIDs(got), err, tc.want)
			}
		}
		// Every status at each moment around the ends of validity, with the
		// owner and box filters too.
		statuses := []truce.ZoneStatus{"", truce.ZoneDraft, truce.ZoneProposed, truce.ZoneInForce, truce.ZoneDisputed,
			truce.ZoneWithdrawn, truce.ZoneExpired, "unknown"}
		for _, now := range []time.Duration{-2 * time.Hour, -time.Hour - micro, -time.Hour, 0, time.Hour - micro, time.Hour, time.Hour + micro, 2 * time.Hour, 3 * time.Hour} {
			for _, st := range statuses {
				for _, f := range []store.ZoneFilter{
					{Status: st, Now: t0.Add(now)},
					{Status: st, Now: t0.Add(now), Owner: "us"},
					{Status: st, Now: t0.Add(now), BBox: boxOf(box1)},
				} {
					want := m.zonesMatching(f)
					got, err := s.Zones(ctx, f, store.Page{Limit: 100})
					if err != nil {
						t.Errorf("Zones(%+v): %v", f, err)
					} else if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
						t.Errorf("Zones(status %q, now t0%+v, owner %q, bbox %v) (-want +got):\n%s", st, now, f.Owner, f.BBox, diff)
					}
				}
			}
		}
	})

	t.Run("OwnerAndBBox", func(t *testing.T) {
		ctx, s, m := setup(t)
		boxes := [][4]float64{box1, box2, box3, box4, box5}
		owners := []string{"us", "ru", "us", "ru", "us"}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for i, b := range boxes {
				z := zoneIn(fmt.Sprintf("zon_%d", i+1), owners[i], truce.ZoneInForce, b, nil)
				if _, err := c.putZone(t, tx, z.Owner, truce.KindZoneRelease, z); err != nil {
					return err
				}
			}
			return nil
		})
		for _, tc := range bboxCases {
			var want []string
			for _, i := range tc.want {
				want = append(want, fmt.Sprintf("zon_%d", i))
			}
			f := store.ZoneFilter{BBox: boxOf(tc.box)}
			if ref := zoneIDs(m.zonesMatching(f)); !slices.Equal(ref, want) {
				t.Fatalf("suite: the reference keeps %q for %s, the table %q", ref, tc.name, want)
			}
			got, err := s.Zones(ctx, f, store.Page{Limit: 100})
			if err != nil || !slices.Equal(zoneIDs(got), want) {
				t.Errorf("Zones(bbox %s %v) = %q, %v; want %q", tc.name, tc.box, zoneIDs(got), err, want)
			}
			for _, owner := range []string{"us", "ru", "un", "nobody"} {
				f.Owner = owner
				want := zoneIDs(m.zonesMatching(f))
				got, err := s.Zones(ctx, f, store.Page{Limit: 100})
				if err != nil || !slices.Equal(zoneIDs(got), want) {
					t.Errorf("Zones(owner %q, bbox %s) = %q, %v; want %q", owner, tc.name, zoneIDs(got), err, want)
				}
			}
		}
		for _, owner := range []string{"us", "ru", "un"} {
			f := store.ZoneFilter{Owner: owner}
			got, err := s.Zones(ctx, f, store.Page{Limit: 100})
			if want := zoneIDs(m.zonesMatching(f)); err != nil || !slices.Equal(zoneIDs(got), want) {
				t.Errorf("Zones(owner %q) = %q, %v; want %q", owner, zoneIDs(got), err, want)
			}
		}
	})

	t.Run("Paging", func(t *testing.T) {
		ctx, s, m := setup(t)
		if got, err := s.Zones(ctx, store.ZoneFilter{}, store.Page{Limit: 10}); err != nil || len(got) != 0 {
			t.Errorf("Zones on a new store = %q, %v; want none", zoneIDs(got), err)
		}
		const n = 23
		statuses := []truce.ZoneStatus{truce.ZoneProposed, truce.ZoneInForce, truce.ZoneDisputed, truce.ZoneWithdrawn}
		// Three appends, ids not in id order.
		for b := range 3 {
			mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
				for i := b; i < n; i += 3 {
					z := zoneIn(truce.NewID("zon"), []string{"us", "ru", "un"}[i%3], statuses[i%4], [4]float64{float64(i), 0, float64(i) + 1, 1}, timePtr(time.Duration(i-10)*time.Hour))
					if _, err := c.putZone(t, tx, z.Owner, truce.KindZoneRelease, z); err != nil {
						return err
					}
				}
				return nil
			})
		}
		for _, f := range []store.ZoneFilter{
			{},
			{Owner: "us"},
			{Status: truce.ZoneInForce, Now: t0},
			{BBox: &store.Box{4.5, 0, 15.5, 1}},
		} {
			want := m.zonesMatching(f)
			if len(want) == 0 {
				t.Fatalf("suite: no zone matches %+v", f)
			}
			for _, limit := range []int{1, 2, 5, len(want) - 1, len(want), len(want) + 1, 100} {
				if limit < 1 {
					continue
				}
				got := pageAll(t, fmt.Sprintf("Zones(%+v)", f), limit, len(want), func(z truce.Zone) string { return z.ID },
					func(p store.Page) ([]truce.Zone, error) { return s.Zones(ctx, f, p) })
				if diff := cmp.Diff(zoneIDs(want), zoneIDs(got)); diff != "" {
					t.Errorf("all pages of %d of Zones(%+v) (-want +got):\n%s", limit, f, diff)
				}
			}
			// A negative limit is no limit, as in Actors.
			if got, err := s.Zones(ctx, f, store.Page{Limit: -1}); err != nil || !slices.Equal(zoneIDs(got), zoneIDs(want)) {
				t.Errorf("Zones(%+v, no limit) = %q, %v; want %q", f, zoneIDs(got), err, zoneIDs(want))
			}
		}
		all := m.zonesMatching(store.ZoneFilter{})
		page, err := s.Zones(ctx, store.ZoneFilter{}, store.Page{Limit: 3, After: all[10].ID})
		if err != nil || !slices.Equal(zoneIDs(page), zoneIDs(all[11:14])) {
			t.Errorf("Zones after %q = %q, %v; want %q", all[10].ID, zoneIDs(page), err, zoneIDs(all[11:14]))
		}
		// A cursor that is no zone's id.
		after := all[10].ID + "~"
		page, err = s.Zones(ctx, store.ZoneFilter{}, store.Page{Limit: 3, After: after})
		if err != nil || !slices.Equal(zoneIDs(page), zoneIDs(all[11:14])) {
			t.Errorf("Zones after %q = %q, %v; want %q", after, zoneIDs(page), err, zoneIDs(all[11:14]))
		}
		if page, err := s.Zones(ctx, store.ZoneFilter{}, store.Page{Limit: 3, After: all[n-1].ID}); err != nil || len(page) != 0 {
			t.Errorf("Zones after the last id = %q, %v; want none", zoneIDs(page), err)
		}
	})

	t.Run("EachZone", func(t *testing.T) {
		ctx, s, m := setup(t)
		if got, err := eachZone(ctx, s); err != nil || len(got) != 0 {
			t.Errorf("EachZone on a new store = %q, %v; want none", zoneIDs(got), err)
		}
		// More zones than a backend may read in one page, written as one
		// fold would (the store does not tie a zone to its entry).
		const n = 1003
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for i := range n {
				z := zoneIn(fmt.Sprintf("zon_%05d", (i*389)%n), []string{"us", "ru"}[i%2], truce.ZoneInForce, box1, nil)
				z.Entry = int64(i)
				if err := tx.PutZone(z); err != nil {
					return err
				}
				c.zones[z.ID] = z
			}
			return nil
		})
		got, err := eachZone(ctx, s)
		if err != nil || len(got) != n {
			t.Fatalf("EachZone gave %d zones, %v; want %d", len(got), err, n)
		}
		for i, z := range got {
			if want := fmt.Sprintf("zon_%05d", i); z.ID != want {
				t.Fatalf("EachZone call %d gave %q, want %q: every zone once, in id order", i, z.ID, want)
			}
			// cmp is slow on a thousand zones; compare a few whole.
			if want := m.zones[z.ID]; z.Entry != want.Entry || z.Owner != want.Owner || (i%250 == 0 && !cmp.Equal(want, z, strictOpts)) {
				t.Errorf("EachZone call %d (-want +got):\n%s", i, cmp.Diff(want, z, strictOpts))
			}
		}
		errStop := errors.New("index full")
		var calls int
		err = s.EachZone(ctx, func(truce.Zone) error {
			calls++
			if calls == 3 {
				return errStop
			}
			return nil
		})
		if !errors.Is(err, errStop) || calls != 3 {
			t.Errorf("EachZone whose fn failed on call 3 = %v after %d calls; want the fn's error after 3", err, calls)
		}
	})

	t.Run("Parties", func(t *testing.T) {
		ctx, s, m := setup(t)
		want, err := s.Parties(ctx)
		if err != nil || len(want) != 3 {
			t.Fatalf("Parties = %v, %v", want, err)
		}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			got, err := tx.Parties()
			if err != nil {
				return err
			}
			if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
				t.Errorf("tx.Parties (-want +got):\n%s", diff)
			}
			return nil
		})
	})

	t.Run("Snapshot", func(t *testing.T) {
		ctx, s, m := setup(t)
		snap, err := s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.Zones) != 0 || len(snap.SiteCommitments) != 0 || len(snap.Notices) != 0 {
			t.Errorf("Snapshot of a new store = %+v, want an empty one", snap)
		}
		// Written out of order: ids against id order, commitments against
		// entry order.
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for i, id := range []string{"zon_m", "zon_c", "zon_x", "zon_a"} {
				if _, err := c.putZone(t, tx, "us", truce.KindZoneRelease, zoneIn(id, "us", truce.ZoneProposed, box1, timePtr(time.Duration(i)*time.Hour))); err != nil {
					return err
				}
			}
			for _, id := range []string{"not_q", "not_b", "not_k"} {
				if _, err := c.putNotice(t, tx, noticeIn(id, "ru", box2)); err != nil {
					return err
				}
			}
			var rows []store.EntryRow
			for _, id := range []string{"com_1", "com_2", "com_3"} {
				r, hs := c.add(t, "un", truce.KindSitesCommit, id, map[string]any{"leaves": 8})
				if err := tx.PutEntries([]store.EntryRow{r}, hs); err != nil {
					return err
				}
				rows = append(rows, r)
			}
			for _, i := range []int{2, 0, 1} {
				r := rows[i]
				sc := truce.SiteCommitment{ID: r.Entry.Subject, Party: "un", Root: digest("9"), Leaves: 8, Time: r.Entry.Time, Entry: r.Index}
				if err := tx.PutSiteCommitment(sc); err != nil {
					return err
				}
				c.commitments[sc.Entry] = sc
			}
			return c.putBatch(t, tx, 2, "us")
		})
		checkOffice(t, ctx, s, m)
		snap, err = s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := zoneIDs(snap.Zones); !slices.Equal(got, []string{"zon_a", "zon_c", "zon_m", "zon_x"}) {
			t.Errorf("Snapshot zones in order %q, want by id", got)
		}
		if got := noticeIDs(snap.Notices); !slices.Equal(got, []string{"not_b", "not_k", "not_q"}) {
			t.Errorf("Snapshot notices in order %q, want by id", got)
		}
		if got := ids(snap.SiteCommitments, func(c truce.SiteCommitment) string { return c.ID }); !slices.Equal(got, []string{"com_1", "com_2", "com_3"}) {
			t.Errorf("Snapshot site commitments in order %q, want by entry", got)
		}
		// Exactly as written, nil and empty told apart.
		if diff := cmp.Diff(m.snapshot().Zones, snap.Zones, strictOpts); diff != "" {
			t.Errorf("Snapshot zones (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(m.snapshot().Notices, snap.Notices, strictOpts); diff != "" {
			t.Errorf("Snapshot notices (-want +got):\n%s", diff)
		}
	})
}

func (su *suite) notices(t *testing.T) {
	setup := func(t *testing.T) (context.Context, store.Store, *model) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		return ctx, s, m
	}

	t.Run("RoundTrip", func(t *testing.T) {
		ctx, s, m := setup(t)
		_, err := s.Notice(ctx, "not_a")
		wantNotFound(t, err, "Notice(not_a) on a new store")
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			if _, err := c.putNotice(t, tx, noticeIn("not_a", "us", box1)); err != nil {
				return err
			}
			open := noticeIn("not_b", "ru", box2)
			open.Until, open.Conflicts, open.Result = nil, nil, truce.ResultClear
			if _, err := c.putNotice(t, tx, open); err != nil {
				return err
			}
			empty := noticeIn("not_c", "un", box3)
			empty.Conflicts = []truce.Conflict{}
			_, err := c.putNotice(t, tx, empty)
			return err
		})
		checkOffice(t, ctx, s, m)
		if n, err := s.Notice(ctx, "not_b"); err != nil || n.Until != nil || n.Conflicts != nil {
			t.Errorf("Notice(not_b) = %+v, %v; want nil until and conflicts", n, err)
		}
		if n, err := s.Notice(ctx, "not_c"); err != nil || n.Conflicts == nil {
			t.Errorf("Notice(not_c) = %+v, %v; want empty, not nil, conflicts", n, err)
		}
		_, err = s.Notice(ctx, "not_x")
		wantNotFound(t, err, "Notice(not_x)")
	})

	// A taken id is refused, and the append goes on: the fold refuses that
	// entry and folds the rest of its batch.
	t.Run("Duplicate", func(t *testing.T) {
		ctx, s, m := setup(t)
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			_, err := c.putNotice(t, tx, noticeIn("not_a", "us", box1))
			return err
		})
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			again := noticeIn("not_a", "ru", box3)
			again.Activity = "impostor"
			wantExists(t, tx.PutNotice(again), "tx.PutNotice of a committed id")
			if _, err := c.putNotice(t, tx, noticeIn("not_b", "ru", box2)); err != nil {
				return err
			}
			wantExists(t, tx.PutNotice(noticeIn("not_b", "un", box4)), "tx.PutNotice of an id written in the same append")
			// The transaction still takes writes.
			if _, err := c.putNotice(t, tx, noticeIn("not_c", "un", box4)); err != nil {
				return err
			}
			_, err := c.putZone(t, tx, "us", truce.KindZoneRelease, zoneIn("zon_a", "us", truce.ZoneProposed, box1, nil))
			return err
		})
		checkOffice(t, ctx, s, m)
		got, err := s.Notices(ctx, store.NoticeFilter{}, store.Page{Limit: 10})
		if err != nil || !slices.Equal(noticeIDs(got), []string{"not_a", "not_b", "not_c"}) {
			t.Errorf("Notices = %q, %v", noticeIDs(got), err)
		}
	})

	t.Run("Filter", func(t *testing.T) {
		ctx, s, m := setup(t)
		boxes := [][4]float64{box1, box2, box3, box4, box5}
		parties := []string{"us", "ru", "us", "ru", "us"}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for i, b := range boxes {
				if _, err := c.putNotice(t, tx, noticeIn(fmt.Sprintf("not_%d", i+1), parties[i], b)); err != nil {
					return err
				}
			}
			return nil
		})
		for _, tc := range bboxCases {
			var want []string
			for _, i := range tc.want {
				want = append(want, fmt.Sprintf("not_%d", i))
			}
			f := store.NoticeFilter{BBox: boxOf(tc.box)}
			if ref := noticeIDs(m.noticesMatching(f)); !slices.Equal(ref, want) {
				t.Fatalf("suite: the reference keeps %q for %s, the table %q", ref, tc.name, want)
			}
			got, err := s.Notices(ctx, f, store.Page{Limit: 100})
			if err != nil || !slices.Equal(noticeIDs(got), want) {
				t.Errorf("Notices(bbox %s %v) = %q, %v; want %q", tc.name, tc.box, noticeIDs(got), err, want)
			}
			for _, party := range []string{"us", "ru", "un"} {
				f.Party = party
				want := noticeIDs(m.noticesMatching(f))
				got, err := s.Notices(ctx, f, store.Page{Limit: 100})
				if err != nil || !slices.Equal(noticeIDs(got), want) {
					t.Errorf("Notices(party %q, bbox %s) = %q, %v; want %q", party, tc.name, noticeIDs(got), err, want)
				}
			}
		}
		for _, f := range []store.NoticeFilter{{}, {Party: "us"}, {Party: "un"}} {
			want := m.noticesMatching(f)
			for _, limit := range []int{1, 2, 3, 100} {
				got := pageAll(t, fmt.Sprintf("Notices(%+v)", f), limit, len(want), func(n truce.Notice) string { return n.ID },
					func(p store.Page) ([]truce.Notice, error) { return s.Notices(ctx, f, p) })
				if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
					t.Errorf("all pages of %d of Notices(%+v) (-want +got):\n%s", limit, f, diff)
				}
			}
		}
	})
}

func (su *suite) siteCommitments(t *testing.T) {
	setup := func(t *testing.T) (context.Context, store.Store, *model) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		return ctx, s, m
	}

	t.Run("RoundTrip", func(t *testing.T) {
		ctx, s, m := setup(t)
		_, err := s.SiteCommitment(ctx, 0)
		wantNotFound(t, err, "SiteCommitment(0) on a new store")
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			if err := c.putBatch(t, tx, 3, "us"); err != nil {
				return err
			}
			_, err := tx.GetSiteCommitment(c.size())
			wantNotFound(t, err, "tx.GetSiteCommitment before PutSiteCommitment")
			want, err := c.putCommitment(t, tx, "com_a", "us", 16)
			if err != nil {
				return err
			}
			got, err := tx.GetSiteCommitment(want.Entry)
			if err != nil {
				t.Errorf("tx.GetSiteCommitment(%d) after PutSiteCommitment: %v", want.Entry, err)
			} else if diff := cmp.Diff(want, got, strictOpts); diff != "" {
				t.Errorf("tx.GetSiteCommitment(%d) (-want +got):\n%s", want.Entry, diff)
			}
			_, err = c.putCommitment(t, tx, "com_b", "ru", 1)
			return err
		})
		checkOffice(t, ctx, s, m)
		_, err = s.SiteCommitment(ctx, 0)
		wantNotFound(t, err, "SiteCommitment(0) of an entry that committed nothing")
		_, err = s.SiteCommitment(ctx, m.size())
		wantNotFound(t, err, "SiteCommitment beyond the journal")
		for _, want := range m.commitments {
			got, err := s.SiteCommitmentByID(ctx, want.ID)
			if err != nil {
				t.Errorf("SiteCommitmentByID(%q): %v", want.ID, err)
			} else if diff := cmp.Diff(want, got, strictOpts); diff != "" {
				t.Errorf("SiteCommitmentByID(%q) (-want +got):\n%s", want.ID, diff)
			}
		}
		_, err = s.SiteCommitmentByID(ctx, "com_zz")
		wantNotFound(t, err, "SiteCommitmentByID of an unknown id")
		_, err = s.SiteCommitmentByID(ctx, "com\x00a")
		wantNotFound(t, err, "SiteCommitmentByID of an id no store can hold")
	})

	t.Run("Duplicate", func(t *testing.T) {
		ctx, s, m := setup(t)
		var first truce.SiteCommitment
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			var err error
			first, err = c.putCommitment(t, tx, "com_a", "us", 16)
			return err
		})
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			again := first
			again.ID, again.Party, again.Root = "com_x", "ru", digest("0")
			wantExists(t, tx.PutSiteCommitment(again), "tx.PutSiteCommitment of a committed entry")
			sc, err := c.putCommitment(t, tx, "com_b", "ru", 4)
			if err != nil {
				return err
			}
			again.Entry = sc.Entry
			wantExists(t, tx.PutSiteCommitment(again), "tx.PutSiteCommitment of an entry written in the same append")
			// The transaction still takes writes.
			_, err = c.putCommitment(t, tx, "com_c", "un", 2)
			return err
		})
		checkOffice(t, ctx, s, m)
	})
}

func (su *suite) hq(t *testing.T) {
	setup := func(t *testing.T) (context.Context, store.Store, *model) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		return ctx, s, m
	}
	draft := func(t *testing.T, ctx context.Context, s store.Store, owner string, want truce.Zone) {
		t.Helper()
		got, err := s.Draft(ctx, owner, want.ID)
		if err != nil {
			t.Errorf("Draft(%q, %q): %v", owner, want.ID, err)
		} else if diff := cmp.Diff(want, got, strictOpts); diff != "" {
			t.Errorf("Draft(%q, %q) (-want +got):\n%s", owner, want.ID, diff)
		}
	}
	put := func(t *testing.T, ctx context.Context, s store.Store, zs ...truce.Zone) {
		t.Helper()
		for _, z := range zs {
			if err := s.PutDraft(ctx, z); err != nil {
				t.Fatalf("PutDraft(%q of %q): %v", z.ID, z.Owner, err)
			}
		}
	}

	t.Run("Draft", func(t *testing.T) {
		ctx, s, _ := setup(t)
		a := draftIn("zon_a", "us", box1)
		_, err := s.Draft(ctx, "us", "zon_a")
		wantNotFound(t, err, "Draft(us, zon_a) on a new store")
		put(t, ctx, s, a)
		draft(t, ctx, s, "us", a)
		// A full zone as a draft reads back whole too.
		full := fullZone("zon_f", "us")
		put(t, ctx, s, full)
		draft(t, ctx, s, "us", full)

		// Replacing.
		a.Name, a.ValidUntil, a.BBox, a.UpdatedAt = "Renamed", timePtr(time.Hour), box2, a.UpdatedAt.Add(time.Minute)
		put(t, ctx, s, a)
		draft(t, ctx, s, "us", a)
		if got, err := s.Drafts(ctx, "us", store.ZoneFilter{BBox: boxOf(box3)}, store.Page{Limit: 10}); err != nil || len(got) != 0 {
			t.Errorf("Drafts(us, bbox 3) after the box moved = %q, %v; want none", zoneIDs(got), err)
		}

		// Another party can neither read, replace, nor delete it.
		_, err = s.Draft(ctx, "ru", "zon_a")
		wantNotFound(t, err, "Draft(ru, zon_a) of a us draft")
		theirs := draftIn("zon_a", "ru", box4)
		wantExists(t, s.PutDraft(ctx, theirs), "PutDraft by ru of a us draft's id")
		wantNotFound(t, s.DeleteDraft(ctx, "ru", "zon_a"), "DeleteDraft(ru, zon_a) of a us draft")
		draft(t, ctx, s, "us", a)
		_, err = s.Draft(ctx, "ru", "zon_a")
		wantNotFound(t, err, "Draft(ru, zon_a) after ru's tries")

		wantNotFound(t, s.DeleteDraft(ctx, "us", "zon_x"), "DeleteDraft(us, zon_x) of no draft")
		if err := s.DeleteDraft(ctx, "us", "zon_a"); err != nil {
			t.Fatalf("DeleteDraft(us, zon_a): %v", err)
		}
		_, err = s.Draft(ctx, "us", "zon_a")
		wantNotFound(t, err, "Draft(us, zon_a) after DeleteDraft")
		wantNotFound(t, s.DeleteDraft(ctx, "us", "zon_a"), "DeleteDraft(us, zon_a) again")
		draft(t, ctx, s, "us", full)
		// A draft is not a zone.
		_, err = s.Zone(ctx, "zon_f")
		wantNotFound(t, err, "Zone(zon_f) of a draft")
		if got, err := eachZone(ctx, s); err != nil || len(got) != 0 {
			t.Errorf("EachZone with only drafts = %q, %v; want none", zoneIDs(got), err)
		}
	})

	t.Run("Drafts", func(t *testing.T) {
		ctx, s, _ := setup(t)
		if got, err := s.Drafts(ctx, "us", store.ZoneFilter{}, store.Page{Limit: 10}); err != nil || len(got) != 0 {
			t.Errorf("Drafts(us) on a new store = %q, %v; want none", zoneIDs(got), err)
		}
		boxes := [][4]float64{box1, box2, box3, box4, box5}
		var mine, theirs []truce.Zone
		for i, b := range boxes {
			mine = append(mine, draftIn(fmt.Sprintf("zon_u%d", i+1), "us", b))
			theirs = append(theirs, draftIn(fmt.Sprintf("zon_r%d", i+1), "ru", b))
		}
		put(t, ctx, s, theirs[3], mine[4], mine[0], theirs[0], mine[2], mine[1], mine[3])
		for _, tc := range []struct {
			owner string
			f     store.ZoneFilter
			want  []truce.Zone
		}{
			{"us", store.ZoneFilter{}, mine},
			{"ru", store.ZoneFilter{}, []truce.Zone{theirs[0], theirs[3]}},
			{"un", store.ZoneFilter{}, nil},
			// Status means nothing to drafts.
			{"us", store.ZoneFilter{Status: truce.ZoneWithdrawn, Now: t0}, mine},
			{"us", store.ZoneFilter{Status: truce.ZoneDraft}, mine},
			{"us", store.ZoneFilter{Owner: "us"}, mine},
			{"us", store.ZoneFilter{Owner: "ru"}, nil},
			{"us", store.ZoneFilter{BBox: boxOf(bboxCases[0].box)}, []truce.Zone{mine[0], mine[1], mine[4]}},
			{"ru", store.ZoneFilter{BBox: boxOf(bboxCases[0].box)}, []truce.Zone{theirs[0]}},
			{"us", store.ZoneFilter{BBox: boxOf(bboxCases[2].box)}, []truce.Zone{mine[1]}},
			{"us", store.ZoneFilter{BBox: boxOf(bboxCases[6].box)}, nil},
		} {
			got, err := s.Drafts(ctx, tc.owner, tc.f, store.Page{Limit: 100})
			if err != nil {
				t.Errorf("Drafts(%q, %+v): %v", tc.owner, tc.f, err)
			} else if diff := cmp.Diff(tc.want, got, cmpOpts); diff != "" {
				t.Errorf("Drafts(%q, %+v) (-want +got):\n%s", tc.owner, tc.f, diff)
			}
		}
		for _, limit := range []int{1, 2, 4, 5, 6} {
			got := pageAll(t, "Drafts(us)", limit, len(mine), func(z truce.Zone) string { return z.ID },
				func(p store.Page) ([]truce.Zone, error) { return s.Drafts(ctx, "us", store.ZoneFilter{}, p) })
			if diff := cmp.Diff(zoneIDs(mine), zoneIDs(got)); diff != "" {
				t.Errorf("all pages of %d of Drafts(us) (-want +got):\n%s", limit, diff)
			}
		}
		if got, err := s.Drafts(ctx, "us", store.ZoneFilter{}, store.Page{Limit: -1}); err != nil || len(got) != len(mine) {
			t.Errorf("Drafts(us, no limit) = %q, %v", zoneIDs(got), err)
		}
	})

	// A release writes the zone, then deletes the draft; whatever falls
	// between, a released id is no draft.
	t.Run("DraftReleased", func(t *testing.T) {
		ctx, s, m := setup(t)
		a, b := draftIn("zon_a", "us", box1), draftIn("zon_b", "us", box1)
		put(t, ctx, s, a, b)
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			_, err := tx.GetZone("zon_a")
			wantNotFound(t, err, "tx.GetZone of a draft")
			z := a
			z.Status, z.Version = truce.ZoneProposed, 1
			_, err = c.putZone(t, tx, "us", truce.KindZoneRelease, z)
			return err
		})
		got, err := s.Drafts(ctx, "us", store.ZoneFilter{}, store.Page{Limit: 10})
		if err != nil || !slices.Equal(zoneIDs(got), []string{"zon_b"}) {
			t.Errorf("Drafts(us) after zon_a's release = %q, %v; want [zon_b]", zoneIDs(got), err)
		}
		_, err = s.Draft(ctx, "us", "zon_a")
		wantNotFound(t, err, "Draft(us, zon_a) after its release")
		checkOffice(t, ctx, s, m)
		_, err = s.Zone(ctx, "zon_b")
		wantNotFound(t, err, "Zone(zon_b) of a draft")
		// The release's second half still deletes the row.
		if err := s.DeleteDraft(ctx, "us", "zon_a"); err != nil {
			t.Errorf("DeleteDraft(us, zon_a) after its release: %v", err)
		}
		wantNotFound(t, s.DeleteDraft(ctx, "us", "zon_a"), "DeleteDraft(us, zon_a) twice")
		draft(t, ctx, s, "us", b)
		checkOffice(t, ctx, s, m)
	})

	t.Run("Sites", func(t *testing.T) {
		ctx, s, _ := setup(t)
		s1 := siteOf("sit_1", "us", "zon_a", "salt-of-sit_1-0123456789")
		s2 := siteOf("sit_2", "us", "zon_b", "salt-of-sit_2")
		s3 := siteOf("sit_3", "ru", "zon_a", "salt-of-sit_3")
		s0 := siteOf("sit_0", "us", "zon_a", "salt-of-sit_0")
		_, err := s.Site(ctx, "us", "sit_1")
		wantNotFound(t, err, "Site(us, sit_1) on a new store")
		for _, x := range []truce.Site{s2, s1, s3, s0} {
			if err := s.CreateSite(ctx, x); err != nil {
				t.Fatalf("CreateSite(%q): %v", x.ID, err)
			}
		}
		site := func(party string, want truce.Site) {
			t.Helper()
			got, err := s.Site(ctx, party, want.ID)
			if err != nil {
				t.Errorf("Site(%q, %q): %v", party, want.ID, err)
			} else if diff := cmp.Diff(want, got, strictOpts); diff != "" {
				t.Errorf("Site(%q, %q) (-want +got):\n%s", party, want.ID, diff)
			}
		}
		site("us", s1)
		site("ru", s3)
		_, err = s.Site(ctx, "ru", "sit_1")
		wantNotFound(t, err, "Site(ru, sit_1) of a us site")
		_, err = s.Site(ctx, "us", "sit_3")
		wantNotFound(t, err, "Site(us, sit_3) of a ru site")

		// Taken ids, by the owner or another party; the first site stays.
		again := s1
		again.Salt, again.Label = "another salt", "impostor"
		wantExists(t, s.CreateSite(ctx, again), "CreateSite of an existing id")
		again.Party = "ru"
		wantExists(t, s.CreateSite(ctx, again), "CreateSite by ru of a us site's id")
		site("us", s1)
		_, err = s.Site(ctx, "ru", "sit_1")
		wantNotFound(t, err, "Site(ru, sit_1) after ru's try")

		for _, tc := range []struct {
			party, zone string
			want        []truce.Site
		}{
			{"us", "", []truce.Site{s0, s1, s2}},
			{"us", "zon_a", []truce.Site{s0, s1}},
			{"us", "zon_b", []truce.Site{s2}},
			{"us", "zon_c", nil},
			{"ru", "", []truce.Site{s3}},
			{"ru", "zon_b", nil},
			{"un", "", nil},
		} {
			got, err := s.Sites(ctx, tc.party, tc.zone)
			if err != nil {
				t.Errorf("Sites(%q, %q): %v", tc.party, tc.zone, err)
			} else if diff := cmp.Diff(tc.want, got, cmpOpts); diff != "" {
				t.Errorf("Sites(%q, %q) (-want +got):\n%s", tc.party, tc.zone, diff)
			}
		}

		// Revealing: only the owner, only an existing site.
		wantNotFound(t, s.SetSiteRevealed(ctx, "ru", "sit_1", 42), "SetSiteRevealed(ru, sit_1) of a us site")
		wantNotFound(t, s.SetSiteRevealed(ctx, "us", "sit_9", 42), "SetSiteRevealed(us, sit_9) of no site")
		site("us", s1)
		if err := s.SetSiteRevealed(ctx, "us", "sit_1", 42); err != nil {
			t.Fatalf("SetSiteRevealed(us, sit_1): %v", err)
		}
		s1.Revealed = 42
		site("us", s1)
		site("us", s2)
		if got, err := s.Sites(ctx, "us", "zon_a"); err != nil || !cmp.Equal([]truce.Site{s0, s1}, got, strictOpts) {
			t.Errorf("Sites(us, zon_a) after a reveal (-want +got):\n%s", cmp.Diff([]truce.Site{s0, s1}, got, strictOpts))
		}
		all, err := eachSite(ctx, s)
		if err != nil || !cmp.Equal([]truce.Site{s0, s1, s2, s3}, all, strictOpts) {
			t.Errorf("EachSite after a reveal = %v (-want +got):\n%s", err, cmp.Diff([]truce.Site{s0, s1, s2, s3}, all, strictOpts))
		}
	})

	t.Run("EachSite", func(t *testing.T) {
		ctx, s, _ := setup(t)
		if got, err := eachSite(ctx, s); err != nil || len(got) != 0 {
			t.Errorf("EachSite on a new store = %q, %v; want none", siteIDs(got), err)
		}
		var want []truce.Site
		for i := range 12 {
			party := []string{"us", "ru", "un"}[i%3]
			x := siteOf(fmt.Sprintf("sit_%02d", (i*5)%12), party, "zon_"+party, fmt.Sprintf("salt %d of %s", i, party))
			if err := s.CreateSite(ctx, x); err != nil {
				t.Fatal(err)
			}
			want = append(want, x)
		}
		got, err := eachSite(ctx, s)
		if err != nil {
			t.Fatalf("EachSite: %v", err)
		}
		// Every site of every party once, salt included.
		slices.SortFunc(got, func(a, b truce.Site) int { return strings.Compare(a.ID, b.ID) })
		slices.SortFunc(want, func(a, b truce.Site) int { return strings.Compare(a.ID, b.ID) })
		if diff := cmp.Diff(want, got, strictOpts); diff != "" {
			t.Errorf("EachSite (-want +got):\n%s", diff)
		}
		errStop := errors.New("index full")
		var calls int
		err = s.EachSite(ctx, func(truce.Site) error {
			calls++
			return errStop
		})
		if !errors.Is(err, errStop) || calls != 1 {
			t.Errorf("EachSite whose fn failed = %v after %d calls; want the fn's error after 1", err, calls)
		}
	})

	t.Run("SiteSets", func(t *testing.T) {
		ctx, s, _ := setup(t)
		set := func(id, party string, entry int64, seed string) truce.SiteSet {
			return truce.SiteSet{Commitment: id, Party: party, Entry: entry, Seed: seed,
				Sites: []string{"sit_b", "sit_a"}, Time: t0.Add(time.Duration(entry) * time.Second)}
		}
		c1, c2, c3 := set("com_1", "us", 7, "seed-of-com_1"), set("com_2", "us", 3, "seed-of-com_2"), set("com_3", "ru", 5, "seed-of-com_3")
		c2.Sites = nil
		c4 := set("com_4", "us", 11, "seed-of-com_4")
		c4.Sites = []string{}
		for _, x := range []truce.SiteSet{c1, c2, c3, c4} {
			if err := s.PutSiteSet(ctx, x); err != nil {
				t.Fatalf("PutSiteSet(%q): %v", x.Commitment, err)
			}
		}
		again := c1
		again.Seed, again.Sites = "another seed", []string{"sit_x"}
		wantExists(t, s.PutSiteSet(ctx, again), "PutSiteSet of an existing commitment")
		again.Party = "ru"
		wantExists(t, s.PutSiteSet(ctx, again), "PutSiteSet by ru of a us commitment")
		for _, tc := range []struct {
			party string
			want  []truce.SiteSet
		}{
			{"us", []truce.SiteSet{c2, c1, c4}},
			{"ru", []truce.SiteSet{c3}},
			{"un", nil},
		} {
			got, err := s.SiteSets(ctx, tc.party)
			switch {
			case err != nil:
				t.Errorf("SiteSets(%q): %v", tc.party, err)
			case len(tc.want) == 0:
				if len(got) != 0 {
					t.Errorf("SiteSets(%q) = %q, want none", tc.party, setIDs(got))
				}
			default:
				// Strictly: a nil list of sites stays nil, an empty one empty.
				if diff := cmp.Diff(tc.want, got, strictOpts); diff != "" {
					t.Errorf("SiteSets(%q) (-want +got):\n%s", tc.party, diff)
				}
			}
		}
	})

	t.Run("Probes", func(t *testing.T) {
		ctx, s, _ := setup(t)
		var mine []truce.Probe
		for i := range 5 {
			p := probeOf(fmt.Sprintf("prb_%d", (i*3)%5), "us")
			if i == 2 {
				p.Until, p.NoticeID, p.Kind = nil, "", "check"
			}
			if err := s.AddProbe(ctx, p); err != nil {
				t.Fatalf("AddProbe(%q): %v", p.ID, err)
			}
			mine = append(mine, p)
		}
		theirs := probeOf("prb_r", "ru")
		if err := s.AddProbe(ctx, theirs); err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(mine, func(a, b truce.Probe) int { return strings.Compare(a.ID, b.ID) })
		for _, p := range mine {
			got, err := s.Probe(ctx, "us", p.ID)
			if err != nil {
				t.Errorf("Probe(us, %q): %v", p.ID, err)
			} else if diff := cmp.Diff(p, got, strictOpts); diff != "" {
				t.Errorf("Probe(us, %q) (-want +got):\n%s", p.ID, diff)
			}
			_, err = s.Probe(ctx, "ru", p.ID)
			wantNotFound(t, err, fmt.Sprintf("Probe(ru, %q) of a us probe", p.ID))
		}
		_, err := s.Probe(ctx, "us", "prb_r")
		wantNotFound(t, err, "Probe(us, prb_r) of a ru probe")
		again := mine[0]
		again.Member = "impostor"
		wantExists(t, s.AddProbe(ctx, again), "AddProbe of an existing id")
		again.Owner = "ru"
		wantExists(t, s.AddProbe(ctx, again), "AddProbe by ru of a us probe's id")
		for _, limit := range []int{1, 2, 5, 6} {
			got := pageAll(t, "Probes(us)", limit, len(mine), func(p truce.Probe) string { return p.ID },
				func(p store.Page) ([]truce.Probe, error) { return s.Probes(ctx, "us", p) })
			if diff := cmp.Diff(mine, got, strictOpts); diff != "" {
				t.Errorf("all pages of %d of Probes(us) (-want +got):\n%s", limit, diff)
			}
		}
		if got, err := s.Probes(ctx, "ru", store.Page{Limit: 10}); err != nil || !slices.Equal(probeIDs(got), []string{"prb_r"}) {
			t.Errorf("Probes(ru) = %q, %v; want [prb_r]", probeIDs(got), err)
		}
		if got, err := s.Probes(ctx, "un", store.Page{Limit: 10}); err != nil || len(got) != 0 {
			t.Errorf("Probes(un) = %q, %v; want none", probeIDs(got), err)
		}
	})
}

func eachSite(ctx context.Context, s store.Store) ([]truce.Site, error) {
	var out []truce.Site
	err := s.EachSite(ctx, func(x truce.Site) error {
		out = append(out, x)
		return nil
	})
	return out, err
}
