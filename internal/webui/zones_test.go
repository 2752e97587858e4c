package webui_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserZoneLifecycle draws a zone on the map with the mouse (terra-draw),
// saves it as a draft, releases it as us-official, then signs in as
// ru-official, acknowledges it, and sees it turn in_force, on the page and in
// the API.
func TestBrowserZoneLifecycle(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn("us-official", "demo")
	b.WaitFor(`document.querySelector('#map[data-ready]')`)
	b.Run(chromedp.Click(chromedp.CSS(`button[data-action=draw-zone]`)))
	b.WaitFor(`document.querySelector('textarea[name=geometry]')`)

	// Four corners in an empty part of the map, then the first again to close.
	var origin struct{ X, Y float64 }
	b.Eval(`(() => { const r = document.querySelector('#map').getBoundingClientRect(); return {X: r.left, Y: r.top}; })()`, &origin)
	px := [][2]float64{{640, 420}, {780, 420}, {780, 520}, {640, 520}}
	var steps []chromedp.Action[chromedp.Void]
	for _, p := range append(px, px[0]) {
		x, y := origin.X+p[0], origin.Y+p[1]
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x, y), chromedp.MouseClickXY(x, y), chromedp.Sleep(80e6))
	}
	b.Run(steps...)
	b.WaitFor(`document.querySelector('#draw-status').textContent.includes('Boundary drawn')`)
	b.Screenshot("zone-drawn")
	var coords string
	b.Eval(`document.querySelector('textarea[name=geometry]').value`, &coords)
	lines := strings.Split(strings.TrimSpace(coords), "\n")
	if len(lines) != 4 {
		t.Fatalf("the drawn boundary has %d corners, want 4:\n%s", len(lines), coords)
	}
	// The first corner is where the mouse clicked.
	var want struct{ Lng, Lat float64 }
	b.Eval(fmt.Sprintf(`(() => { const ll = document.querySelector('#map').truceMap.containerPointToLatLng([%v, %v]); return {Lng: ll.lng, Lat: ll.lat}; })()`, px[0][0], px[0][1]), &want)
	var lon, lat float64
	if _, err := fmt.Sscanf(lines[0], "%g, %g", &lon, &lat); err != nil || math.Abs(lon-want.Lng) > 0.01 || math.Abs(lat-want.Lat) > 0.01 {
		t.Errorf("first corner %q, want near %.4f, %.4f (%v)", lines[0], want.Lng, want.Lat, err)
	}

	// A missing name is refused by the API; the error shows beside the field.
	b.AllowConsole("status of 400")
	b.Run(chromedp.Click(chromedp.CSS(`button[data-action=save-zone]`)))
	b.WaitFor(`document.querySelector('.field-error[data-field=name]')`)
	if got := b.Text(`.field-error[data-field=name]`); !strings.Contains(got, "name") {
		t.Errorf("error beside the name field: %q", got)
	}
	b.Screenshot("zone-form-error")
	b.Run(
		chromedp.SetValue(chromedp.CSS(`input[name=name]`), "Orchard villages (browser test)"),
		chromedp.Click(chromedp.CSS(`button[data-action=save-zone]`)),
	)
	b.WaitFor(`document.querySelector('#draw-saved a[data-zone]')`)
	var id string
	b.Eval(`document.querySelector('#draw-saved a[data-zone]').dataset.zone`, &id)
	var z struct {
		Geometry struct {
			Coordinates [][][2]float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties map[string]any `json:"properties"`
	}
	b.Env.Do(t, "us-official", "GET", "/api/v1/zones/"+id, nil).JSON(t, &z)
	if z.Properties["status"] != "draft" || len(z.Geometry.Coordinates) != 1 || len(z.Geometry.Coordinates[0]) != 5 {
		t.Fatalf("saved zone: %v", z)
	}

	// Release it from its page.
	b.Run(chromedp.Click(chromedp.CSS(`#draw-saved a[data-zone]`)))
	b.WaitFor(`document.querySelector('[data-status=draft]') && document.querySelector('button[data-action=release]')`)
	if n := countSel(b, `button[data-action=acknowledge], button[data-action=dispute]`); n != 0 {
		t.Errorf("the owner sees %d acknowledge/dispute buttons on its own zone", n)
	}
	b.Run(chromedp.Click(chromedp.CSS(`button[data-action=release]`)))
	b.WaitFor(`document.querySelector('#zone-status [data-status=proposed]')`)
	b.Screenshot("zone-proposed")

	// The other party's analyst may not answer: no buttons.
	b.SignOut()
	b.SignIn("ru-analyst", "demo")
	b.Go("#/zones/"+id, "/zones/:id")
	b.WaitFor(`document.querySelector('#zone-status [data-status=proposed]')`)
	if n := countSel(b, `button[data-action]:not([data-action=signout])`); n != 0 {
		t.Errorf("ru-analyst sees %d action buttons on a proposed us zone", n)
	}
	if n := countSel(b, `form.site-form`); n != 0 {
		t.Errorf("ru-analyst sees the site form of a us zone")
	}

	// The other party's official acknowledges: in force.
	b.SignOut()
	b.SignIn("ru-official", "demo")
	b.Go("#/zones/"+id, "/zones/:id")
	b.WaitFor(`document.querySelector('button[data-action=acknowledge]')`)
	if n := countSel(b, `button[data-action=release], button[data-action=withdraw]`); n != 0 {
		t.Errorf("ru-official sees release/withdraw on a us zone")
	}
	b.Run(chromedp.Click(chromedp.CSS(`button[data-action=acknowledge]`)))
	b.WaitFor(`document.querySelector('#zone-status [data-status=in_force]')`)
	b.Screenshot("zone-in-force")
	b.Env.Do(t, "us-official", "GET", "/api/v1/zones/"+id, nil).JSON(t, &z)
	if z.Properties["status"] != "in_force" {
		t.Errorf("after the acknowledgement the API says %v", z.Properties["status"])
	}
}

// TestBrowserZoneSitesAndList: the zones list shows what the API lists;
// the owner's analyst adds a private site from the zone page (a bad radius
// is shown beside its field first).
func TestBrowserZoneSitesAndList(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn("us-analyst", "demo")
	b.Go("#/zones", "/zones")
	b.WaitFor(`document.querySelector('table.list caption')`)
	b.Screenshot("zones")
	want := apiCount(t, b, "us-analyst", "/api/v1/zones", nil)
	if got := countSel(b, `table.list tbody tr[data-id]`); got != want {
		t.Errorf("zones list shows %d rows, the API %d", got, want)
	}
	var zs struct {
		Features []struct {
			Properties struct{ ID, Owner, Status string } `json:"properties"`
		} `json:"features"`
	}
	b.Env.Do(t, "us-analyst", "GET", "/api/v1/zones?owner=us&status=in_force", nil).JSON(t, &zs)
	if len(zs.Features) == 0 {
		t.Fatal("no us zone in force in the demo")
	}
	id := zs.Features[0].Properties.ID
	before := apiCount(t, b, "us-analyst", "/api/v1/zones/"+id+"/sites", nil)
	b.Go("#/zones/"+id, "/zones/:id")
	b.WaitFor(`document.querySelector('form.site-form')`)
	b.AllowConsole("status of 400")
	b.Run(
		chromedp.SetValue(chromedp.CSS(`form.site-form input[name=lon]`), "36.42"),
		chromedp.SetValue(chromedp.CSS(`form.site-form input[name=lat]`), "36.05"),
		chromedp.SetValue(chromedp.CSS(`form.site-form input[name=radius_m]`), "20000"),
		chromedp.SetValue(chromedp.CSS(`form.site-form input[name=label]`), "Clinic (browser test)"),
		chromedp.Click(chromedp.CSS(`button[data-action=add-site]`)),
	)
	b.WaitFor(`document.querySelector('.field-error[data-field=radius_m]')`)
	if got := apiCount(t, b, "us-analyst", "/api/v1/zones/"+id+"/sites", nil); got != before {
		t.Errorf("a refused site changed the sites: %d -> %d", before, got)
	}
	b.Run(
		chromedp.SetValue(chromedp.CSS(`form.site-form input[name=radius_m]`), "120"),
		chromedp.Click(chromedp.CSS(`button[data-action=add-site]`)),
	)
	b.WaitFor(fmt.Sprintf(`document.querySelectorAll('section[aria-label="Private sites"] tbody tr').length === %d`, before+1))
	b.Screenshot("zone-sites")
	if got := apiCount(t, b, "us-analyst", "/api/v1/zones/"+id+"/sites", nil); got != before+1 {
		t.Errorf("sites after adding one: %d, want %d", got, before+1)
	}
}

// countSel counts the elements matching a CSS selector.
func countSel(b *Browser, sel string) int {
	b.T.Helper()
	var n int
	b.Eval(fmt.Sprintf(`document.querySelectorAll(%q).length`, sel), &n)
	return n
}
