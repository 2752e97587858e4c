package httpapi_test

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/testenv"
)

func polygon(rings ...[][]float64) map[string]any {
	return map[string]any{"type": "Polygon", "coordinates": rings}
}

func zoneWith(geometry any, props map[string]any) map[string]any {
	f := zoneFeatureIn("Bad input zone (illustrative)")
	if geometry != nil {
		f["geometry"] = geometry
	}
	for k, v := range props {
		f["properties"].(map[string]any)[k] = v
	}
	return f
}

// circle is a closed ring of n distinct positions.
func circle(n int) [][]float64 {
	ring := make([][]float64, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		ring = append(ring, []float64{10 + 0.1*math.Cos(a), 10 + 0.1*math.Sin(a)})
	}
	return append(ring, ring[0])
}

// TestZoneBadInput: every rejection of zones, sites, checks and notices has
// the contract's shape and field, and changes neither the journal nor what
// the owner and the other party see.
func TestZoneBadInput(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	hill := zoneNamed(t, e, "Hill villages")
	draft := newZone(t, e, "us", false)
	released := newZone(t, e, "us", true)
	withdrawn := newZone(t, e, "us", true)
	mustStatus(t, e.Do(t, "us-official", "POST", "/api/v1/zones/"+withdrawn.ID+"/withdraw", nil), http.StatusOK, "withdraw")
	square := [][]float64{{10, 10}, {10.01, 10}, {10.01, 10.01}, {10, 10.01}, {10, 10}}
	point := func(lon, lat float64) map[string]any {
		return map[string]any{"type": "Point", "coordinates": []float64{lon, lat}}
	}
	check := func(f func(map[string]any)) map[string]any {
		c := checkIn(10, 10)
		f(c)
		return c
	}
	notice := func(f func(map[string]any)) map[string]any {
		c := checkIn(10, 10)
		c["activity"] = "convoy (illustrative)"
		f(c)
		return c
	}
	zones := "/api/v1/zones"
	sites := zones + "/" + hill.ID + "/sites"
	cases := []struct {
		name, user, method, path string
		body                     any
		status                   int
		field                    string // prefix of the error's field
		message                  string // part of the message
	}{
		{"not a Feature", "us-analyst", "POST", zones, map[string]any{"type": "FeatureCollection", "features": []any{}}, 400, "features", ""},
		{"type not Feature", "us-analyst", "POST", zones, func() any { f := zoneWith(nil, nil); f["type"] = "Polygon"; return f }(), 400, "type", ""},
		{"unknown property", "us-analyst", "POST", zones, zoneWith(nil, map[string]any{"colour": "red"}), 400, "properties.colour", ""},
		{"buffer of the wrong type", "us-analyst", "POST", zones, zoneWith(nil, map[string]any{"buffer_m": "wide"}), 400, "properties.buffer_m", ""},
		{"no geometry", "us-analyst", "POST", zones, func() any { f := zoneWith(nil, nil); delete(f, "geometry"); return f }(), 400, "geometry", "required"},
		{"unclosed ring", "us-analyst", "POST", zones, zoneWith(polygon(square[:4]), nil), 400, "geometry.coordinates[0]", ""},
		{"ring of three positions", "us-analyst", "POST", zones, zoneWith(polygon([][]float64{{10, 10}, {10.01, 10}, {10, 10}}), nil), 400, "geometry.coordinates[0]", ""},
		{"self-intersecting ring", "us-analyst", "POST", zones, zoneWith(polygon([][]float64{{10, 10}, {10.01, 10.01}, {10.01, 10}, {10, 10.01}, {10, 10}}), nil), 400, "geometry", "itself"},
		{"hole outside its shell", "us-analyst", "POST", zones, zoneWith(polygon(square, [][]float64{{11, 11}, {11.001, 11}, {11.001, 11.001}, {11, 11}}), nil), 400, "geometry", ""},
		{"latitude out of range", "us-analyst", "POST", zones, zoneWith(polygon([][]float64{{10, 10}, {10.01, 10}, {10.01, 95}, {10, 10}}), nil), 400, "geometry.coordinates[0][2]", ""},
		{"empty polygon", "us-analyst", "POST", zones, zoneWith(polygon(), nil), 400, "geometry", ""},
		{"too many vertices", "us-analyst", "POST", zones, zoneWith(polygon(circle(10_000)), nil), 400, "geometry", "10000"},
		{"crosses the antimeridian", "us-analyst", "POST", zones, zoneWith(polygon([][]float64{{179.9, 10}, {-179.9, 10}, {-179.9, 10.1}, {179.9, 10}}), nil), 400, "geometry", "split"},
		{"a point is no zone", "us-analyst", "POST", zones, zoneWith(point(10, 10), nil), 400, "geometry", "Polygon"},
		{"no name", "us-analyst", "POST", zones, zoneWith(nil, map[string]any{"name": " "}), 400, "name", ""},
		{"unknown category", "us-analyst", "POST", zones, zoneWith(nil, map[string]any{"category": "target"}), 400, "category", ""},
		{"negative buffer", "us-analyst", "POST", zones, zoneWith(nil, map[string]any{"buffer_m": -5}), 400, "buffer_m", ""},
		{"until before from", "us-analyst", "POST", zones, zoneWith(nil, map[string]any{"valid_from": "2026-05-01T00:00:00Z", "valid_until": "2026-04-01T00:00:00Z"}), 400, "valid_until", ""},
		{"not a time", "us-analyst", "POST", zones, zoneWith(nil, map[string]any{"valid_from": "yesterday"}), 400, "properties.valid_from", ""},
		{"body too large", "us-analyst", "POST", zones, strings.Repeat(" ", 2<<20) + "{}", 413, "", ""},
		{"edit a draft badly", "us-analyst", "PATCH", zones + "/" + draft.ID, zoneWith(polygon(square[:4]), nil), 400, "geometry", ""},
		{"release twice", "us-official", "POST", zones + "/" + released.ID + "/release", nil, 409, "", ""},
		{"acknowledge own zone", "us-official", "POST", zones + "/" + released.ID + "/acknowledge", nil, 403, "", ""},
		{"acknowledge a withdrawn zone", "ru-official", "POST", zones + "/" + withdrawn.ID + "/acknowledge", nil, 409, "", ""},
		{"acknowledge another hash", "ru-official", "POST", zones + "/" + released.ID + "/acknowledge", map[string]any{"zone_hash": "sha256:00"}, 409, "", ""},
		{"acknowledge an unknown version", "ru-official", "POST", zones + "/" + released.ID + "/acknowledge", map[string]any{"version": 9}, 409, "", ""},
		{"acknowledge with a reason", "ru-official", "POST", zones + "/" + released.ID + "/acknowledge", map[string]any{"reason": "why not"}, 400, "reason", ""},
		{"acknowledge with an unknown field", "ru-official", "POST", zones + "/" + released.ID + "/acknowledge", map[string]any{"pledge": true}, 400, "pledge", ""},
		{"dispute without a reason", "ru-official", "POST", zones + "/" + released.ID + "/dispute", map[string]any{"reason": ""}, 400, "reason", ""},
		{"withdraw a draft", "us-official", "POST", zones + "/" + draft.ID + "/withdraw", nil, 409, "", ""},
		{"withdraw twice", "us-official", "POST", zones + "/" + withdrawn.ID + "/withdraw", nil, 409, "", ""},
		{"site outside its zone", "us-official", "POST", sites, map[string]any{"geometry": point(10, 10), "radius_m": 10}, 400, "geometry", "inside"},
		{"site not a point", "us-official", "POST", sites, map[string]any{"geometry": polygon(square), "radius_m": 10}, 400, "geometry", ""},
		{"site radius negative", "us-official", "POST", sites, map[string]any{"geometry": point(36.40, 36.05), "radius_m": -1}, 400, "radius_m", ""},
		{"site radius huge", "us-official", "POST", sites, map[string]any{"geometry": point(36.40, 36.05), "radius_m": 1e9}, 400, "radius_m", ""},
		{"site label with a control character", "us-official", "POST", sites, map[string]any{"geometry": point(36.40, 36.05), "radius_m": 1, "label": "a\u0007b"}, 400, "label", ""},
		{"site unknown field", "us-official", "POST", sites, map[string]any{"geometry": point(36.40, 36.05), "radius_m": 1, "position": "secret"}, 400, "position", ""},
		{"site in a withdrawn zone", "us-official", "POST", zones + "/" + withdrawn.ID + "/sites", map[string]any{"geometry": point(20.005, 20.005), "radius_m": 1}, 409, "", ""},
		{"check without from", "ru-planner", "POST", "/api/v1/deconflict", check(func(c map[string]any) { delete(c, "from") }), 400, "from", ""},
		{"check until before from", "ru-planner", "POST", "/api/v1/deconflict", check(func(c map[string]any) { c["until"] = "2020-01-01T00:00:00Z" }), 400, "until", ""},
		{"check with a bad geometry", "ru-planner", "POST", "/api/v1/deconflict", check(func(c map[string]any) { c["geometry"] = polygon(square[:4]) }), 400, "geometry", ""},
		{"check buffer too large", "ru-planner", "POST", "/api/v1/deconflict", check(func(c map[string]any) { c["buffer_m"] = 1e7 }), 400, "buffer_m", ""},
		{"check unknown field", "ru-planner", "POST", "/api/v1/deconflict", check(func(c map[string]any) { c["target"] = "x" }), 400, "target", ""},
		{"notice without activity", "ru-planner", "POST", "/api/v1/notices", notice(func(c map[string]any) { delete(c, "activity") }), 400, "activity", ""},
		{"notice with a bad geometry", "ru-planner", "POST", "/api/v1/notices", notice(func(c map[string]any) { c["geometry"] = map[string]any{"type": "Circle"} }), 400, "geometry", ""},
		{"notice with a long note", "ru-planner", "POST", "/api/v1/notices", notice(func(c map[string]any) { c["note"] = strings.Repeat("n", 5000) }), 400, "note", ""},
		{"bbox of three numbers", "ru-planner", "GET", zones + "?bbox=1,2,3", nil, 400, "bbox", ""},
		{"bbox upside down", "ru-planner", "GET", zones + "?bbox=10,10,9,9", nil, 400, "bbox", ""},
		{"unknown status", "ru-planner", "GET", zones + "?status=active", nil, 400, "status", ""},
	}
	state := func() string {
		var b strings.Builder
		for _, u := range []string{"us-official", "ru-official"} {
			b.Write(get(t, e, u, "/api/v1/zones?limit=10000").Body)
			b.Write(get(t, e, u, "/api/v1/notices?limit=10000").Body)
			b.Write(get(t, e, u, "/api/v1/probes?limit=10000").Body)
		}
		b.Write(get(t, e, "us-official", sites).Body)
		return b.String()
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, seen := e.JournalSize(t), state()
			r := e.Do(t, tc.user, tc.method, tc.path, tc.body)
			mustStatus(t, r, tc.status, tc.name)
			_, message, field := errorOf(t, r)
			if !strings.HasPrefix(field, tc.field) || (tc.field == "" && tc.status == 400) {
				t.Errorf("field %q, want %q (message %q)", field, tc.field, message)
			}
			if !strings.Contains(message, tc.message) {
				t.Errorf("message %q does not say %q", message, tc.message)
			}
			if after := e.JournalSize(t); after != before {
				t.Errorf("the journal grew from %d to %d", before, after)
			}
			if state() != seen {
				t.Error("what the parties see changed")
			}
		})
	}
	_ = fmt.Sprint
	_ = truce.EInvalid
}
