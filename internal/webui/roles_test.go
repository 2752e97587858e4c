package webui_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/truce-org/truce/internal/demo"
)

// TestBrowserEveryMember: every demo sign-in (each role of each party, and
// the administrator) lands on the map, sees exactly the zones, incidents and
// notices the API gives it, private sites only for its own party's officials
// and analysts, the drawing tools only if its role may draft, and reaches
// the journal verified; no page logs an error.
func TestBrowserEveryMember(t *testing.T) {
	b := NewBrowser(t)
	for _, u := range demo.Usernames() {
		b.SignIn(u, demo.Password)
		b.WaitFor(`location.hash === '#/map' && document.querySelector('#map[data-ready]')`)
		for what, path := range map[string]string{"zones": "/api/v1/zones", "incidents": "/api/v1/incidents", "notices": "/api/v1/notices"} {
			if got, want := mapCount(b, what), apiCount(t, b, u, path, nil); got != want {
				t.Errorf("%s: the map draws %d %s, the API gives %d", u, got, what, want)
			}
		}
		drafts := u != "admin" && (strings.HasSuffix(u, "-official") || strings.HasSuffix(u, "-analyst"))
		if got := mapCount(b, "sites"); (got > 0) != (drafts && (u[:2] == "us")) {
			t.Errorf("%s: the map draws %d private sites", u, got)
		}
		if got := countSel(b, `button[data-action=draw-zone]`); (got == 1) != drafts {
			t.Errorf("%s: %d draw buttons", u, got)
		}
		b.Go("#/journal", "/journal")
		if state, text := waitVerify(b); state != "verified" {
			t.Errorf("%s: journal %s: %s", u, state, text)
		}
		b.Run(chromedp.Click(chromedp.CSS(`button[data-action=signout]`)), chromedp.WaitVisible(chromedp.CSS(`form.signin`)))
	}
}
