package webui_test

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// apiCount counts the features a member sees at path (following next_cursor).
func apiCount(t *testing.T, b *Browser, username, path string, keep func(props map[string]any) bool) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		u := path + sep + "limit=10000"
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		var fc struct {
			Features []struct {
				Properties map[string]any `json:"properties"`
			} `json:"features"`
			NextCursor string `json:"next_cursor"`
		}
		res := b.Env.Do(t, username, "GET", u, nil)
		if res.Status != 200 {
			t.Fatalf("GET %s: %d %s", u, res.Status, res.Body)
		}
		res.JSON(t, &fc)
		for _, f := range fc.Features {
			if keep == nil || keep(f.Properties) {
				n++
			}
		}
		if fc.NextCursor == "" {
			return n
		}
		cursor = fc.NextCursor
	}
}

// mapCount reads one of the counts the map page keeps on #map (data-zones...).
func mapCount(b *Browser, what string) int {
	b.T.Helper()
	var s string
	b.Eval(`document.querySelector('#map').dataset.`+what+` || ''`, &s)
	n, err := strconv.Atoi(s)
	if err != nil {
		b.T.Fatalf("#map data-%s = %q", what, s)
	}
	return n
}

// TestBrowserMap: after sign-in the map is the landing page; it draws every
// zone, incident and notice the API gives the member, the member's own
// party's private sites (and none for a planner or another party), and its
// features open a popup linking to their detail page.
func TestBrowserMap(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn("us-official", "demo")
	b.WaitFor(`location.hash === '#/map' && document.querySelector('#map[data-ready]')`)
	b.Screenshot("map")
	zones := apiCount(t, b, "us-official", "/api/v1/zones", nil)
	incidents := apiCount(t, b, "us-official", "/api/v1/incidents", nil)
	notices := apiCount(t, b, "us-official", "/api/v1/notices", nil)
	if zones < 5 || incidents < 5 || notices < 1 {
		t.Fatalf("the demo gives us-official %d zones, %d incidents, %d notices: too few to test the map", zones, incidents, notices)
	}
	for what, want := range map[string]int{"zones": zones, "incidents": incidents, "notices": notices} {
		if got := mapCount(b, what); got != want {
			t.Errorf("map draws %d %s, the API gives %d", got, what, want)
		}
	}
	if got := mapCount(b, "sites"); got < 1 {
		t.Errorf("us-official's map draws %d private sites, want the demo's us sites", got)
	}
	// The features are drawn on the canvas: count the canvas layers Leaflet holds.
	var drawn int
	b.Eval(`(() => { const m = document.querySelector('#map').truceMap; let n = 0;
		m.eachLayer(l => { if (l instanceof Object && l.feature && l.feature.properties && String(l.feature.properties.id || '').startsWith('zone_')) n++; });
		return n; })()`, &drawn)
	if drawn < zones {
		t.Errorf("Leaflet holds %d zone shapes, want %d", drawn, zones)
	}
	// A click on a zone opens its popup, whose link opens the zone's page.
	var at struct{ X, Y float64 }
	b.Eval(`(() => { const m = document.querySelector('#map').truceMap; let c = null;
		m.eachLayer(l => { if (!c && l.feature && /Market town/.test(l.feature.properties.name || '')) c = l.getBounds().getCenter(); });
		const p = m.latLngToContainerPoint(c), r = document.querySelector('#map').getBoundingClientRect();
		return {X: r.left + p.x, Y: r.top + p.y}; })()`, &at)
	b.Run(chromedp.MouseClickXY(at.X, at.Y))
	b.WaitFor(`document.querySelector('.leaflet-popup a[data-link^="/zones/"]')`)
	if got := b.Text(`.leaflet-popup h3`); !strings.Contains(got, "Market town") {
		t.Errorf("popup title %q", got)
	}
	b.Screenshot("map-popup")
	b.Run(chromedp.Click(chromedp.CSS(`.leaflet-popup a[data-link]`)))
	b.WaitFor(`document.querySelector('main[data-page="/zones/:id"] #zone-status [data-status=draft]')`)
	b.Go("#/map", "/map")
	b.WaitFor(`document.querySelector('#map[data-ready]')`)

	// Only in_force zones: the filter hides the rest.
	b.Eval(`(() => { for (const c of document.querySelectorAll('input[name=zone-status]')) { c.checked = c.value === 'in_force'; c.dispatchEvent(new Event('change')); } })()`, nil)
	inForce := apiCount(t, b, "us-official", "/api/v1/zones", func(p map[string]any) bool { return p["status"] == "in_force" })
	if got := mapCount(b, "zones"); got != inForce || inForce == 0 {
		t.Errorf("with the in_force filter the map draws %d zones, the API has %d in force", got, inForce)
	}
	b.Screenshot("map-in-force")

	// The time window asks the API for the incidents since then.
	b.Eval(`(() => { const s = document.querySelector('select[name=window]'); s.value = '30'; s.dispatchEvent(new Event('change')); })()`, nil)
	b.WaitFor(`document.querySelector('#map').dataset.from`)
	var from string
	b.Eval(`document.querySelector('#map').dataset.from`, &from)
	recent := apiCount(t, b, "us-official", "/api/v1/incidents?from="+url.QueryEscape(from), nil)
	b.WaitFor(fmt.Sprintf(`document.querySelector('#map').dataset.incidents === '%d'`, recent))
	if recent >= incidents {
		t.Logf("every demo incident is within 30 days (%d): the window filter is not told apart here", recent)
	}

	// Another party's planner sees no us site (the API gives none).
	b.SignOut()
	b.SignIn("ru-planner", "demo")
	b.WaitFor(`document.querySelector('#map[data-ready]')`)
	if got := mapCount(b, "sites"); got != 0 {
		t.Errorf("ru-planner's map draws %d private sites", got)
	}
	if got, want := mapCount(b, "zones"), apiCount(t, b, "ru-planner", "/api/v1/zones", nil); got != want {
		t.Errorf("ru-planner: map draws %d zones, API gives %d", got, want)
	}
}

// TestBrowserPlaceIncidentByKeyboard: an analyst places a draft incident
// without the mouse: the button by keyboard, the position typed in; a
// position out of range is refused by the API and shown beside the field.
func TestBrowserPlaceIncidentByKeyboard(t *testing.T) {
	b := NewBrowser(t)
	b.AllowConsole("status of 400")
	b.SignIn("ru-analyst", "demo")
	b.WaitFor(`document.querySelector('#map[data-ready]')`)
	before := apiCount(t, b, "ru-analyst", "/api/v1/incidents", func(p map[string]any) bool { return p["status"] == "draft" })
	b.Run(
		chromedp.Focus(chromedp.CSS(`button[data-action=place-incident]`)),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`form.draw-form input[name=geometry]`)),
	)
	var focused string
	b.Eval(`document.activeElement.name`, &focused)
	if focused != "geometry" {
		t.Errorf("after choosing to place an incident the focus is on %q, want the position field", focused)
	}
	b.Run(
		chromedp.SendKeys(chromedp.CSS(`form.draw-form input[name=geometry]`), "200, 36.1"),
		chromedp.SetValue(chromedp.CSS(`form.draw-form select[name=type]`), "shelling"),
		chromedp.SetValue(chromedp.CSS(`form.draw-form textarea[name=description]`), "Typed in (browser test)."),
		chromedp.Click(chromedp.CSS(`button[data-action=save-incident]`)),
	)
	b.WaitFor(`document.querySelector('.field-error[data-field^=geometry]')`)
	b.Screenshot("incident-position-refused")
	if got := apiCount(t, b, "ru-analyst", "/api/v1/incidents", func(p map[string]any) bool { return p["status"] == "draft" }); got != before {
		t.Fatalf("a refused incident changed the drafts: %d -> %d", before, got)
	}
	b.Run(
		chromedp.SetValue(chromedp.CSS(`form.draw-form input[name=geometry]`), "36.52, 35.91"),
		chromedp.Click(chromedp.CSS(`button[data-action=save-incident]`)),
	)
	b.WaitFor(`document.querySelector('#draw-saved')`)
	found := apiCount(t, b, "ru-analyst", "/api/v1/incidents", func(p map[string]any) bool {
		return p["status"] == "draft" && p["type"] == "shelling" && p["description"] == "Typed in (browser test)."
	})
	if found != 1 {
		t.Errorf("the typed incident is not a draft in the API (%d found)", found)
	}
	// The new draft is drawn (the map reloads after saving).
	want := apiCount(t, b, "ru-analyst", "/api/v1/incidents", nil)
	b.WaitFor(fmt.Sprintf(`document.querySelector('#map').dataset.incidents === '%d'`, want))
}
