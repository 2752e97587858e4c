package webui_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// pageTimes are the browser's own timings of one full load of the UI on the
// map, in milliseconds from the start of the navigation.
type pageTimes struct {
	HTML     float64 // the page's HTML received (responseEnd): the bare page
	DOMReady float64 // DOMContentLoaded done (scripts and styles loaded)
	MapReady float64 // the map usable: borders and the office's data drawn
}

// loadMap reloads the UI on #/map (the session is in sessionStorage; the
// hashed assets come from the browser's cache, as on a return visit) and
// returns the timings.
func loadMap(tb testing.TB, b *Browser) pageTimes {
	tb.Helper()
	b.Eval(`void (location.hash = '#/map')`, nil)
	b.Run(chromedp.Reload())
	b.WaitFor(`document.querySelector('#map[data-ready]') && performance.getEntriesByName('truce-map-ready').length`)
	var pt pageTimes
	b.Eval(`(() => { const n = performance.getEntriesByType('navigation')[0];
		return {HTML: n.responseEnd, DOMReady: n.domContentLoadedEventEnd, MapReady: performance.getEntriesByName('truce-map-ready')[0].startTime}; })()`, &pt)
	return pt
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// TestBrowserFirstUsable logs how long the map takes to be usable with the
// demo data, beside the bare HTML load, in this browser on loopback (the
// figures of docs/benchmarks.md come from BenchmarkBrowserFirstUsable).
func TestBrowserFirstUsable(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn("us-official", "demo")
	b.WaitFor(`document.querySelector('#map[data-ready]')`)
	var html, ready []float64
	for range 5 {
		pt := loadMap(t, b)
		html = append(html, pt.HTML)
		ready = append(ready, pt.MapReady)
	}
	t.Logf("first usable map (median of 5 loads): HTML %.0f ms, map ready %.0f ms (%.1fx)", median(html), median(ready), median(ready)/median(html))
	if median(ready) <= median(html) {
		t.Errorf("the map was ready (%.0f ms) before its HTML arrived (%.0f ms): the marks are wrong", median(ready), median(html))
	}
}

// BenchmarkBrowserFirstUsable: one full load of the UI on the map with the
// demo data per iteration, with the browser's cache (a return visit) and
// without it (a first visit: the 0.75 MB of borders and the bundles
// downloaded again); reports the HTML alone and the map usable.
//
//	go test -run '^$' -bench BrowserFirstUsable -benchtime 20x ./internal/webui/
func BenchmarkBrowserFirstUsable(bm *testing.B) {
	for _, cache := range []bool{true, false} {
		bm.Run(fmt.Sprintf("cache=%v", cache), func(bm *testing.B) {
			b := NewBrowser(bm)
			b.SignIn("us-official", "demo")
			b.WaitFor(`document.querySelector('#map[data-ready]')`)
			if _, err := chromedp.Call(b.Ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: !cache}); err != nil {
				bm.Fatal(err)
			}
			var html, dom, ready []float64
			for bm.Loop() {
				pt := loadMap(bm, b)
				html, dom, ready = append(html, pt.HTML), append(dom, pt.DOMReady), append(ready, pt.MapReady)
			}
			bm.ReportMetric(median(html), "ms-html")
			bm.ReportMetric(median(dom), "ms-domready")
			bm.ReportMetric(median(ready), "ms-map-ready")
			bm.ReportMetric(median(ready)/median(html), "ready/html")
		})
	}
}

// syntheticIncidents is a FeatureCollection of n released incidents spread
// over the demo's area, every tenth a violation.
func syntheticIncidents(n int) []byte {
	types := []string{"armed_clash", "air_strike", "shelling", "attack_on_civilians", "property_destruction", "overflight", "movement"}
	r := rand.New(rand.NewPCG(1, 2))
	fs := make([]map[string]any, n)
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range fs {
		var viol []map[string]any
		if i%10 == 0 {
			viol = []map[string]any{{"zone_id": "zone_x", "zone_name": "Synthetic zone", "answerable_party": "ru", "commitment_id": nil}}
		}
		id := fmt.Sprintf("inc_synthetic%06d", i)
		fs[i] = map[string]any{"type": "Feature", "id": id,
			"geometry": map[string]any{"type": "Point", "coordinates": []float64{35.9 + r.Float64()*1.1, 35.6 + r.Float64()*0.8}},
			"properties": map[string]any{"id": id, "status": "reported", "type": types[i%len(types)], "occurred_at": t0.Add(time.Duration(i) * time.Hour).Format(time.RFC3339),
				"perpetrator": nil, "fatalities": i % 3, "violations": viol, "description": "synthetic"}}
	}
	out, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": fs})
	return out
}

// mapResponse measures, in the page, a pan and a zoom of the map and a
// click that opens an incident's popup, each until the next frame is drawn.
const mapResponse = `(async () => {
	const m = document.querySelector('#map').truceMap;
	const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
	let layer = null;
	m.eachLayer(l => { if (!layer && l.feature === undefined && l.getLatLng && l.getPopup && l.getPopup() && m.getBounds().contains(l.getLatLng())) layer = l; });
	let t = performance.now();
	if (layer) layer.openPopup();
	await frame();
	const popup = layer && document.querySelector('.leaflet-popup') ? performance.now() - t : -1;
	m.closePopup();
	await frame();
	t = performance.now();
	m.panBy([240, 120], {animate: false});
	await frame();
	const pan = performance.now() - t;
	t = performance.now();
	m.setZoom(m.getZoom() + 1, {animate: false});
	await frame();
	const zoom = performance.now() - t;
	return {Pan: pan, Zoom: zoom, Popup: popup};
})()`

type mapTimes struct{ Pan, Zoom, Popup float64 }

// BenchmarkBrowserMap10kIncidents: the map with 10,000 incidents (answered
// by the test in place of the server, so the figure is the UI's), beside the
// demo's few: load to usable, then a pan, a zoom and a popup, each until the
// next frame.
//
//	go test -run '^$' -bench BrowserMap10k -benchtime 5x ./internal/webui/
func BenchmarkBrowserMap10kIncidents(bm *testing.B) {
	for _, n := range []int{0, 10000} {
		bm.Run(fmt.Sprintf("incidents=%d", n), func(bm *testing.B) {
			b := NewBrowser(bm)
			if n > 0 {
				body := syntheticIncidents(n)
				b.Intercept("*/api/v1/incidents?*", func(string) (int, string, []byte) { return 200, "application/json", body })
			}
			b.SignIn("us-official", "demo")
			b.WaitFor(`document.querySelector('#map[data-ready]')`)
			var ready, pan, zoom, popup []float64
			for bm.Loop() {
				pt := loadMap(bm, b)
				if n > 0 {
					if got := mapCount(b, "incidents"); got != n {
						bm.Fatalf("map draws %d incidents, want %d", got, n)
					}
				}
				var mt mapTimes
				b.Eval(mapResponse, &mt)
				if mt.Popup < 0 {
					bm.Fatal("no incident popup opened")
				}
				ready, pan, zoom, popup = append(ready, pt.MapReady), append(pan, mt.Pan), append(zoom, mt.Zoom), append(popup, mt.Popup)
			}
			bm.ReportMetric(median(ready), "ms-map-ready")
			bm.ReportMetric(median(pan), "ms-pan")
			bm.ReportMetric(median(zoom), "ms-zoom")
			bm.ReportMetric(median(popup), "ms-popup")
		})
	}
}
