package ogc_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/ogc"
	"github.com/truce-org/truce/internal/testenv"
)

// TestPagingStable: features added while a client pages through a
// collection (released by another party, or drafts of the caller's own;
// random ids, so falling before and after the cursor) cause no repeat and
// no skip: every feature there at the start comes exactly once, an added
// one comes exactly when its id is after the cursor it was added behind
// (keyset paging), and the last page's numberMatched counts what exists
// then.
func TestPagingStable(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	user := "us-observer"
	for _, c := range []string{"incidents", "zones"} {
		start := idsOf(apiFeatures(t, e, user, c, ""))
		after := map[string]bool{} // added id: added after the cursor
		seen, matched := walk(t, e, user, "/ogc/collections/"+c+"/items?limit=2", func(n int, last string) {
			for k := range 3 {
				lon, lat := 36.1+0.01*float64(n), 35.9+0.01*float64(k)
				var id string
				if c == "incidents" {
					// ru's released, us's released, us's own draft (seen
					// by us), and a draft of ru's that us never sees.
					party := []string{"ru", "us", "us"}[k]
					id = newIncident(t, e, party, lon, lat, time.Now().Add(-time.Hour), k != 2).ID
					if k == 2 {
						newIncident(t, e, "ru", lon, lat, time.Now().Add(-time.Hour), false)
					}
				} else {
					id = newDraftZone(t, e, "us", fmt.Sprintf("Paging zone %d-%d (illustrative)", n, k), lon, lat).ID
				}
				after[id] = id > last
			}
		})
		counts := map[string]int{}
		for _, id := range seen {
			counts[id]++
			if counts[id] == 2 {
				t.Errorf("%s: %s came twice", c, id)
			}
		}
		for _, id := range start {
			if counts[id] != 1 {
				t.Errorf("%s: %s, there at the start, came %d times", c, id, counts[id])
			}
		}
		if len(after) < 3 {
			t.Fatalf("%s: only %d added: too few pages", c, len(after))
		}
		for id, behind := range after {
			if want := map[bool]int{true: 1, false: 0}[behind]; counts[id] != want {
				t.Errorf("%s: %s, added %s the cursor, came %d times", c, id, map[bool]string{true: "after", false: "before"}[behind], counts[id])
			}
		}
		for id := range counts {
			if _, added := after[id]; !added && !slices.Contains(start, id) {
				t.Errorf("%s: %s came, neither there at the start nor added", c, id)
			}
		}
		now := idsOf(apiFeatures(t, e, user, c, ""))
		if len(now) != len(start)+len(after) || matched != int64(len(now)) {
			t.Errorf("%s: numberMatched %d at the end, the API lists %d (%d + %d added)", c, matched, len(now), len(start), len(after))
		}
		if !slices.IsSorted(seen) {
			t.Errorf("%s: pages not in id order: %v", c, seen)
		}
	}
}

// TestVisibility: another party's drafts and every party's private sites are
// never features: 404 on items/{id} in every collection, absent from
// pages, counts (numberMatched) and extents, whatever the filters; the
// owner party sees its drafts as the API shows them.
func TestVisibility(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	// Far from the demo's area, so that extents tell.
	draftZone := newDraftZone(t, e, "us", "Secret OGC draft (illustrative)", 100.5, 10.5)
	draftIncident := newIncident(t, e, "us", 100.2, 10.2, time.Now().Add(-time.Hour), false)
	zone := apiFeatures(t, e, "us-official", "zones", "&owner=us")[0]
	center := fmt.Sprintf(`{"type":"Point","coordinates":[%g,%g]}`, (zone.BBox[0]+zone.BBox[2])/2, (zone.BBox[1]+zone.BBox[3])/2)
	site, err := e.App.Office.CreateSite(as("us-official"), zone.ID, office.SiteInput{
		Geometry: json.RawMessage(center), RadiusM: 50, Label: "Secret OGC site"})
	if err != nil {
		t.Fatal(err)
	}
	private := []string{draftZone.ID, draftIncident.ID, site.ID}
	far := "&bbox=100,10,102,12"

	for _, user := range members {
		own := strings.HasPrefix(user, "us-")
		for _, c := range collections {
			apiAll := idsOf(apiFeatures(t, e, user, c, ""))
			ids, matched := walk(t, e, user, "/ogc/collections/"+c+"/items?limit=1000", nil)
			if !slices.Equal(ids, apiAll) || matched != int64(len(apiAll)) {
				t.Errorf("as %s, %s: %v (%d), the API lists %v", user, c, ids, matched, apiAll)
			}
			farIDs, farMatched := walk(t, e, user, "/ogc/collections/"+c+"/items?limit=5"+far, nil)
			var want []string
			switch {
			case own && c == "zones":
				want = []string{draftZone.ID}
			case own && c == "incidents":
				want = []string{draftIncident.ID}
			}
			if !slices.Equal(farIDs, want) || farMatched != int64(len(want)) {
				t.Errorf("as %s, %s in the drafts' box: %v (%d matched), want %v", user, c, farIDs, farMatched, want)
			}
			for _, id := range private {
				r := get(t, e, user, "/ogc/collections/"+c+"/items/"+id)
				visible := own && ((c == "zones" && id == draftZone.ID) || (c == "incidents" && id == draftIncident.ID))
				if visible {
					mustStatus(t, r, http.StatusOK, "own draft "+id)
					continue
				}
				mustStatus(t, r, http.StatusNotFound, fmt.Sprintf("as %s, %s item %s", user, c, id))
				var body struct {
					Error struct{ Code, Message string } `json:"error"`
				}
				r.JSON(t, &body)
				if body.Error.Code != "not_found" || strings.Contains(string(r.Body), id) && strings.Contains(string(r.Body), "Secret") {
					t.Errorf("as %s: 404 body %s", user, r.Body)
				}
			}
		}
		// Extents reach the drafts' box only for their owner.
		var cs ogc.Collections
		get(t, e, user, "/ogc/collections").JSON(t, &cs)
		for _, c := range cs.Collections {
			reaches := c.Extent != nil && c.Extent.Spatial.BBox[0][2] > 100
			if want := own && c.ID != "notices"; reaches != want {
				t.Errorf("as %s: %s extent %v reaches the drafts: %v, want %v", user, c.ID, c.Extent.Spatial.BBox, reaches, want)
			}
		}
	}

	// Once released, the incident is everyone's: in counts and pages.
	if _, err := e.App.Office.ReleaseIncident(as("us-official"), draftIncident.ID); err != nil {
		t.Fatal(err)
	}
	for _, user := range members {
		ids, n := walk(t, e, user, "/ogc/collections/incidents/items?limit=5"+far, nil)
		if !slices.Equal(ids, []string{draftIncident.ID}) || n != 1 {
			t.Errorf("as %s, after release: %v (%d)", user, ids, n)
		}
	}
}
