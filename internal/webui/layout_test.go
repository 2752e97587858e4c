package webui_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// unlabelled lists the page's form controls that have no label (a <label
// for>, a wrapping <label>, aria-label or aria-labelledby), by name.
const unlabelled = `[...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
	.filter(e => !e.closest('.leaflet-control-container'))
	.filter(e => e.tagName === 'BUTTON' ? !(e.textContent.trim() || e.getAttribute('aria-label')) :
		!(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
	.map(e => e.name || e.outerHTML.slice(0, 80))`

// TestBrowserTabletAndLabels: at a tablet's width (768 px) the shell and the
// map, zones, zone and journal pages fit without sideways scrolling, and
// every control on them (and at 1280x800) has a label.
func TestBrowserTabletAndLabels(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn("us-official", "demo")
	b.WaitFor(`document.querySelector('#map[data-ready]')`)
	b.Run(chromedp.Click(chromedp.CSS(`button[data-action=draw-zone]`))) // the drawing form too
	check := func(page string) {
		t.Helper()
		var missing []string
		b.Eval(unlabelled, &missing)
		if len(missing) > 0 {
			t.Errorf("%s: controls without a label: %v", page, missing)
		}
	}
	check("map (1280x800)")
	var zone string
	b.Eval(`document.querySelector('#map').truceMap && ''`, &zone)
	var zs struct {
		Features []struct {
			Properties struct{ ID string } `json:"properties"`
		} `json:"features"`
	}
	b.Env.Do(t, "us-official", "GET", "/api/v1/zones?owner=us&status=in_force", nil).JSON(t, &zs)
	zone = zs.Features[0].Properties.ID

	b.Run(chromedp.EmulateViewport(768, 1024))
	for _, p := range []struct{ hash, pattern, ready, name string }{
		{"#/map", "/map", `document.querySelector('#map[data-ready]')`, "map"},
		{"#/zones", "/zones", `document.querySelector('table.list caption')`, "zones"},
		{"#/zones/" + zone, "/zones/:id", `document.querySelector('form.site-form')`, "zone"},
		{"#/journal", "/journal", `document.querySelector('#verify-state[data-state=verified]')`, "journal"},
	} {
		b.Go(p.hash, p.pattern)
		b.WaitFor(p.ready)
		var overflow int
		b.Eval(`document.documentElement.scrollWidth - window.innerWidth`, &overflow)
		if overflow > 0 {
			t.Errorf("%s at 768 px: %d px wider than the window", p.name, overflow)
		}
		check(p.name + " (768 px)")
		b.Screenshot(p.name + "-tablet")
	}
}
