package ogc_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/truce-org/truce/internal/ogc"
	"github.com/truce-org/truce/internal/testenv"
)

// timeProp reads a time property ("" or null: nil).
func timeProp(t testing.TB, f feature, key string) *time.Time {
	t.Helper()
	s, _ := f.Properties[key].(string)
	if s == "" {
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("feature %s: %s %q: %v", f.ID, key, s, err)
	}
	return &v
}

// spanKeys are each collection's time properties: start, end ("" for an
// instant).
var spanKeys = map[string][2]string{
	"zones":     {"valid_from", "valid_until"},
	"incidents": {"occurred_at", ""},
	"notices":   {"from", "until"},
}

// span is a feature's time span [start, end) (end nil: open; an instant
// has end == start).
func spanOf(t testing.TB, collection string, f feature) (start time.Time, end *time.Time) {
	k := spanKeys[collection]
	start = *timeProp(t, f, k[0])
	if k[1] == "" {
		return start, &start
	}
	return start, timeProp(t, f, k[1])
}

// TestCollections: /ogc/collections lists zones, incidents and notices with
// links, and extents that are exactly the bounds of what the caller sees
// through the API; /ogc/collections/{id} answers the same description.
func TestCollections(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	for _, user := range members {
		r := get(t, e, user, "/ogc/collections")
		mustStatus(t, r, http.StatusOK, "GET /ogc/collections as "+user)
		if ct := r.Header.Get("Content-Type"); ct != ogc.TypeJSON {
			t.Errorf("Content-Type %q", ct)
		}
		var cs ogc.Collections
		r.JSON(t, &cs)
		var got []string
		for _, c := range cs.Collections {
			got = append(got, c.ID)
		}
		if !slices.Equal(got, collections) {
			t.Fatalf("as %s: collections %v, want %v", user, got, collections)
		}
		for _, c := range cs.Collections {
			one := get(t, e, user, "/ogc/collections/"+c.ID)
			mustStatus(t, one, http.StatusOK, "GET /ogc/collections/"+c.ID)
			var single ogc.Collection
			one.JSON(t, &single)
			if diff := cmp.Diff(c, single); diff != "" {
				t.Errorf("as %s: /ogc/collections/%s differs from its entry in /ogc/collections (-list +one):\n%s", user, c.ID, diff)
			}
			rels := map[string]string{}
			for _, l := range c.Links {
				rels[l.Rel] = l.Type
			}
			if rels["self"] != ogc.TypeJSON || rels["items"] != ogc.TypeGeoJSON {
				t.Errorf("as %s: %s links %v", user, c.ID, c.Links)
			}
			if c.ItemType != "feature" || !slices.Equal(c.CRS, []string{ogc.CRS84}) {
				t.Errorf("as %s: %s itemType %q crs %v", user, c.ID, c.ItemType, c.CRS)
			}
			checkExtent(t, e, user, c)
		}
	}
}

// checkExtent compares a collection's extent with the features the API
// lists for user: every feature inside the box, the box reached on each
// side by one (zones' boxes include their buffers), the interval exactly
// from the earliest start to the latest end (open when one is).
func checkExtent(t *testing.T, e *testenv.Env, user string, c ogc.Collection) {
	t.Helper()
	fs := apiFeatures(t, e, user, c.ID, "")
	if len(fs) == 0 {
		if c.Extent != nil {
			t.Errorf("as %s: %s has an extent %+v but no features", user, c.ID, c.Extent)
		}
		return
	}
	if c.Extent == nil || c.Extent.Temporal == nil || len(c.Extent.Spatial.BBox) != 1 || len(c.Extent.Temporal.Interval) != 1 {
		t.Fatalf("as %s: %s extent %+v", user, c.ID, c.Extent)
	}
	box := c.Extent.Spatial.BBox[0]
	for _, f := range fs {
		b := f.BBox
		if len(b) != 4 {
			continue
		}
		if b[0] < box[0] || b[1] < box[1] || b[2] > box[2] || b[3] > box[3] {
			t.Errorf("as %s: %s %s box %v outside the extent %v", user, c.ID, f.ID, b, box)
		}
	}
	if c.ID == "incidents" { // an incident's box is its geometry's: exact
		want := [4]float64{180, 90, -180, -90}
		for _, f := range fs {
			want = [4]float64{min(want[0], f.BBox[0]), min(want[1], f.BBox[1]), max(want[2], f.BBox[2]), max(want[3], f.BBox[3])}
		}
		if box != want {
			t.Errorf("as %s: incidents extent %v, want %v", user, box, want)
		}
	}
	var start time.Time
	var end *time.Time
	open := false
	for i, f := range fs {
		s, en := spanOf(t, c.ID, f)
		if i == 0 || s.Before(start) {
			start = s
		}
		if en == nil {
			open = true
		} else if end == nil || en.After(*end) {
			end = en
		}
	}
	if open {
		end = nil
	}
	iv := c.Extent.Temporal.Interval[0]
	if iv[0] == nil || !iv[0].Equal(start) || (end == nil) != (iv[1] == nil) || (end != nil && !iv[1].Equal(*end)) {
		t.Errorf("as %s: %s interval %v, want %v..%v", user, c.ID, iv, start, end)
	}
}

// TestItemsMatchAPI: paging through each collection brings exactly what the
// API lists for the caller, in the same order, with an exact numberMatched.
func TestItemsMatchAPI(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	newIncident(t, e, "us", 36.3, 35.9, time.Now().Add(-time.Hour), false) // a draft us sees
	newDraftZone(t, e, "ru", "OGC draft of ru (illustrative)", 36.4, 36.0)
	for _, user := range members {
		for _, c := range collections {
			want := idsOf(apiFeatures(t, e, user, c, ""))
			for _, limit := range []int{1, 3, 1000} {
				got, matched := walk(t, e, user, fmt.Sprintf("/ogc/collections/%s/items?limit=%d", c, limit), nil)
				if !slices.Equal(got, want) {
					t.Errorf("as %s, %s by %d: ids %v, want %v", user, c, limit, got, want)
				}
				if matched != int64(len(want)) {
					t.Errorf("as %s, %s by %d: numberMatched %d, want %d", user, c, limit, matched, len(want))
				}
			}
			// The default page is 10.
			p := getPage(t, e, user, "/ogc/collections/"+c+"/items")
			if len(p.Features) != min(len(want), ogc.DefaultLimit) || (p.link("next") != nil) != (len(want) > ogc.DefaultLimit) {
				t.Errorf("as %s, %s: default page of %d with next %v, of %d", user, c, len(p.Features), p.link("next"), len(want))
			}
			// Each feature reads alone, with self and collection links.
			for _, id := range want[:min(len(want), 2)] {
				r := get(t, e, user, "/ogc/collections/"+c+"/items/"+id)
				mustStatus(t, r, http.StatusOK, "GET item "+id)
				if ct := r.Header.Get("Content-Type"); ct != ogc.TypeGeoJSON {
					t.Errorf("item Content-Type %q", ct)
				}
				var f feature
				r.JSON(t, &f)
				if f.ID != id || len(f.Links) != 2 || f.Links[0].Rel != "self" || f.Links[1].Rel != "collection" {
					t.Errorf("item %s: %+v", id, f)
				}
			}
		}
	}
	// f=json answers the same as plain JSON (the alternate link's type).
	for _, path := range []string{"/ogc/collections/zones/items?f=json", "/ogc/collections/zones/items/" + idsOf(apiFeatures(t, e, "us-observer", "zones", ""))[0] + "?f=json"} {
		r := get(t, e, "us-observer", path)
		mustStatus(t, r, http.StatusOK, "GET "+path)
		if ct := r.Header.Get("Content-Type"); ct != ogc.TypeJSON {
			t.Errorf("GET %s: Content-Type %q, want %s", path, ct, ogc.TypeJSON)
		}
	}
	// Paths the OGC API does not have are the contract's 404, for anyone.
	for _, user := range []string{"", "us-observer"} {
		for _, path := range []string{"/ogc/nosuch", "/ogc/collections/zones/items/x/y", "/ogc/collections/nosuch/items", "/ogc/collections/nosuch"} {
			r := get(t, e, user, path)
			want := http.StatusNotFound
			if user == "" && strings.HasPrefix(path, "/ogc/collections/") && !strings.HasSuffix(path, "/x/y") {
				want = http.StatusUnauthorized
			}
			mustStatus(t, r, want, "GET "+path+" as "+user)
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("GET %s: Content-Type %q", path, ct)
			}
		}
	}
	// The server's metrics count OGC requests by route, as the API's.
	m := get(t, e, "", "/metrics")
	mustStatus(t, m, http.StatusOK, "GET /metrics")
	for _, want := range []string{`{code="200",route="GET /ogc/collections/{collectionId}/items"}`, `{code="404",route="GET /ogc/{path...}"}`} {
		if !strings.Contains(string(m.Body), want) {
			t.Errorf("/metrics has no truce_http_requests_total%s", want)
		}
	}
	// An item of one collection is not an item of another.
	inc := apiFeatures(t, e, "us-observer", "incidents", "")[0].ID
	r := get(t, e, "us-observer", "/ogc/collections/zones/items/"+inc)
	mustStatus(t, r, http.StatusNotFound, "an incident as a zone")
}

// TestItemsFilters: bbox and datetime select what the standard says, against
// each collection's time: instants, closed intervals (both ends included)
// and intervals open at either end.
func TestItemsFilters(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	user := "us-official"
	for _, c := range collections {
		all := apiFeatures(t, e, user, c, "")
		if len(all) < 2 {
			t.Fatalf("%s: the demo has %d", c, len(all))
		}
		// bbox: the same as the API's box filter (boxes that meet), and
		// six numbers are the same as four.
		b := all[0].BBox
		if len(b) == 4 {
			box := fmt.Sprintf("%g,%g,%g,%g", b[0]-0.01, b[1]-0.01, b[2]+0.01, b[3]+0.01)
			want := idsOf(apiFeatures(t, e, user, c, "&bbox="+box))
			got, n := walk(t, e, user, "/ogc/collections/"+c+"/items?limit=2&bbox="+box, nil)
			if !slices.Equal(got, want) || n != int64(len(want)) || len(want) == 0 {
				t.Errorf("%s bbox=%s: %v (%d matched), want %v", c, box, got, n, want)
			}
			box6 := fmt.Sprintf("%g,%g,-100,%g,%g,100", b[0]-0.01, b[1]-0.01, b[2]+0.01, b[3]+0.01)
			if got6, _ := walk(t, e, user, "/ogc/collections/"+c+"/items?bbox="+box6, nil); !slices.Equal(got6, want) {
				t.Errorf("%s bbox=%s: %v, want %v", c, box6, got6, want)
			}
		}
		empty, n := walk(t, e, user, "/ogc/collections/"+c+"/items?bbox=-10,-10,-9,-9", nil)
		if len(empty) != 0 || n != 0 {
			t.Errorf("%s: far bbox brings %v (%d)", c, empty, n)
		}

		// datetime, against a reference over the features' spans.
		s0, e0 := spanOf(t, c, all[0])
		s1, _ := spanOf(t, c, all[len(all)-1])
		lo, hi := s0, s1
		if hi.Before(lo) {
			lo, hi = hi, lo
		}
		if hi.Equal(lo) {
			hi = lo.Add(time.Hour)
		}
		f := func(tm time.Time) string { return tm.UTC().Format(time.RFC3339Nano) }
		type window struct {
			from, until *time.Time // closed, nil open
		}
		cases := map[string]window{
			f(s0):                    {&s0, &s0},
			f(lo) + "/" + f(hi):      {&lo, &hi},
			f(lo) + "/..":            {&lo, nil},
			"../" + f(hi):            {nil, &hi},
			f(lo) + "/":              {&lo, nil},
			"/" + f(hi):              {nil, &hi},
			"../..":                  {nil, nil},
			lo.Format(time.DateOnly): {ptr(lo.Truncate(24 * time.Hour)), ptr(lo.Truncate(24 * time.Hour).Add(24*time.Hour - time.Microsecond))},
			f(lo.Add(-24*time.Hour*3650)) + "/" + f(lo.Add(-24*time.Hour*3000)): {ptr(lo.Add(-24 * time.Hour * 3650)), ptr(lo.Add(-24 * time.Hour * 3000))},
		}
		if e0 != nil && !e0.Equal(s0) {
			cases[f(*e0)] = window{e0, e0} // a span's end is not in it
		}
		for dt, w := range cases {
			var want []string
			for _, ft := range all {
				s, en := spanOf(t, c, ft)
				instant := en != nil && en.Equal(s)
				var in bool
				if instant {
					in = (w.from == nil || !s.Before(*w.from)) && (w.until == nil || !s.After(*w.until))
				} else {
					in = (w.until == nil || !s.After(*w.until)) && (w.from == nil || en == nil || en.After(*w.from))
				}
				if in {
					want = append(want, ft.ID)
				}
			}
			got, n := walk(t, e, user, "/ogc/collections/"+c+"/items?limit=3&datetime="+url.QueryEscape(dt), nil)
			if !slices.Equal(got, want) || n != int64(len(want)) {
				t.Errorf("%s datetime=%s: %v (%d matched), want %v", c, dt, got, n, want)
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestInvalidParameters: every unknown or invalid parameter is a 400 in the
// contract's error shape naming the parameter, and changes nothing.
func TestInvalidParameters(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	items := "/ogc/collections/zones/items"
	first := getPage(t, e, "us-observer", items+"?limit=1")
	cursor := func(href string) string {
		u, err := url.Parse(href)
		if err != nil {
			t.Fatal(err)
		}
		return u.Query().Get("cursor")
	}
	zonesCursor := cursor(first.link("next").Href)
	bboxPage := getPage(t, e, "us-observer", items+"?limit=1&bbox=35,35,37,37")
	bboxCursor := cursor(bboxPage.link("next").Href)
	cases := []struct{ path, field string }{
		{items + "?foo=1", "foo"},
		{items + "?limit=0", "limit"},
		{items + "?limit=-1", "limit"},
		{items + "?limit=abc", "limit"},
		{items + "?limit=1.5", "limit"},
		{items + "?limit=", "limit"},
		{items + "?limit=1&limit=2", "limit"},
		{items + "?bbox=1,2,3", "bbox"},
		{items + "?bbox=1,2,3,4,5", "bbox"},
		{items + "?bbox=1,2,3,4,5,6,7", "bbox"},
		{items + "?bbox=a,b,c,d", "bbox"},
		{items + "?bbox=", "bbox"},
		{items + "?bbox=1,2,3,NaN", "bbox"},
		{items + "?bbox=1,2,3,Inf", "bbox"},
		{items + "?bbox=1,95,2,96", "bbox"},
		{items + "?bbox=200,0,201,1", "bbox"},
		{items + "?bbox=1,5,2,4", "bbox"},
		{items + "?bbox=170,0,-170,1", "bbox"},
		{items + "?bbox=1,2,10,3,4,5", "bbox"},
		{items + "?bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326", "bbox-crs"},
		{items + "?datetime=yesterday", "datetime"},
		{items + "?datetime=", "datetime"},
		{items + "?datetime=2026-13-01T00:00:00Z", "datetime"},
		{items + "?datetime=2026-01-01T00:00:00", "datetime"},
		{items + "?datetime=2026-02-01T00:00:00Z/2026-01-01T00:00:00Z", "datetime"},
		{items + "?datetime=2026-01-01T00:00:00Z/2026-02-01T00:00:00Z/2026-03-01T00:00:00Z", "datetime"},
		{items + "?datetime=../x", "datetime"},
		{items + "?cursor=garbage!", "cursor"},
		{items + "?cursor=", "cursor"},
		{items + "?cursor=" + url.QueryEscape(zonesCursor) + "&bbox=35,35,37,37", "cursor"},
		{items + "?cursor=" + url.QueryEscape(bboxCursor), "cursor"},
		{"/ogc/collections/incidents/items?cursor=" + url.QueryEscape(zonesCursor), "cursor"},
		{items + "?f=html", "f"},
		{items + "?f=json&f=json", "f"},
		{"/ogc?limit=5", "limit"},
		{"/ogc/?x=1", "x"},
		{"/ogc/conformance?bbox=1,2,3,4", "bbox"},
		{"/ogc/api?f=yaml", "f"},
		{"/ogc/collections?limit=5", "limit"},
		{"/ogc/collections/zones?datetime=2026-01-01T00:00:00Z", "datetime"},
		{items + "/" + first.Features[0].ID + "?limit=1", "limit"},
	}
	before := e.JournalSize(t)
	zonesBefore := idsOf(apiFeatures(t, e, "us-observer", "zones", ""))
	for _, tc := range cases {
		user := "us-observer"
		if strings.HasPrefix(tc.path, "/ogc?") || strings.HasPrefix(tc.path, "/ogc/?") || strings.HasPrefix(tc.path, "/ogc/conformance") || strings.HasPrefix(tc.path, "/ogc/api") {
			user = "" // public routes check parameters for anyone
		}
		r := get(t, e, user, tc.path)
		if r.Status != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400; %s", tc.path, r.Status, r.Body)
			continue
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("GET %s: Content-Type %q", tc.path, ct)
		}
		var body struct {
			Error *struct {
				Code    string  `json:"code"`
				Message string  `json:"message"`
				Field   *string `json:"field"`
			} `json:"error"`
		}
		r.JSON(t, &body)
		if body.Error == nil || body.Error.Code != "invalid" || body.Error.Message == "" || body.Error.Field == nil || *body.Error.Field != tc.field {
			t.Errorf("GET %s: body %s, want code invalid, field %q", tc.path, r.Body, tc.field)
		}
	}
	if after := e.JournalSize(t); after != before {
		t.Errorf("the journal grew from %d to %d", before, after)
	}
	if after := idsOf(apiFeatures(t, e, "us-observer", "zones", "")); !slices.Equal(after, zonesBefore) {
		t.Errorf("zones changed: %v, then %v", zonesBefore, after)
	}

	// Valid edges: a limit above the maximum is served as the maximum (the
	// standard: not an error), the CRS84 bbox-crs is accepted.
	p := getPage(t, e, "us-observer", items+"?limit=100000&bbox-crs="+url.QueryEscape(ogc.CRS84))
	if len(p.Features) != len(zonesBefore) {
		t.Errorf("limit=100000: %d features, want %d", len(p.Features), len(zonesBefore))
	}
	p = getPage(t, e, "us-observer", items+"?limit=100000&bbox=-180,-90,180,90")
	if self := p.link("self"); self == nil || !strings.Contains(self.Href, "limit=100000") {
		t.Errorf("self link %v does not repeat the request", self)
	}
}
