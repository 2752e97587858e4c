package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
)

// hexagon returns a GeoJSON Polygon: a regular hexagon of the given radius
// around lon, lat, counter-clockwise. Demo shapes are plainly synthetic.
func hexagon(lon, lat, radiusKm float64) json.RawMessage {
	ring := make([][2]float64, 7)
	for i := range 6 {
		a := float64(i) * math.Pi / 3
		dLat := radiusKm * math.Sin(a) / 110.574
		dLon := radiusKm * math.Cos(a) / (111.320 * math.Cos(lat*math.Pi/180))
		ring[i] = [2]float64{round6(lon + dLon), round6(lat + dLat)}
	}
	ring[6] = ring[0]
	b, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{ring[:]}})
	return b
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

func point(lon, lat float64) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"type": "Point", "coordinates": []float64{lon, lat}})
	return b
}

type zoneSeed struct {
	owner    string
	name     string
	category truce.ZoneCategory
	lon, lat float64
	radiusKm float64
	bufferM  float64
	// what happens after the owner's official releases it
	release bool
	answer  string // "acknowledge" or "dispute" by the other party
	sites   []siteSeed
}

type siteSeed struct {
	label    string
	lon, lat float64
	radiusM  float64
}

// The demo's zones lie in an illustrative north-west area; every name says so.
var zones = []zoneSeed{
	{owner: "us", name: "Hill villages civilian area (illustrative)", category: truce.CategoryCivilian,
		lon: 36.40, lat: 36.05, radiusKm: 6, bufferM: 500, release: true, answer: "acknowledge",
		sites: []siteSeed{{label: "School used as a shelter (illustrative)", lon: 36.41, lat: 36.06, radiusM: 150}}},
	{owner: "us", name: "Valley opposition area (illustrative)", category: truce.CategoryOpposition,
		lon: 36.62, lat: 35.88, radiusKm: 8, bufferM: 1000, release: true,
		sites: []siteSeed{{label: "Field hospital (illustrative)", lon: 36.60, lat: 35.90, radiusM: 200}}},
	{owner: "ru", name: "Border crossing corridor (illustrative)", category: truce.CategoryHumanitarian,
		lon: 36.30, lat: 36.25, radiusKm: 3, bufferM: 300, release: true, answer: "dispute"},
	{owner: "ru", name: "Coastal road depot area (illustrative)", category: truce.CategoryCivilian,
		lon: 36.05, lat: 35.95, radiusKm: 4, bufferM: 250, release: true, answer: "acknowledge"},
	{owner: "us", name: "Market town civilian area, draft (illustrative)", category: truce.CategoryCivilian,
		lon: 36.85, lat: 36.15, radiusKm: 4, bufferM: 300},
}

// seedZones creates the zones and returns their ids by name prefix.
func seedZones(ctx context.Context, svc *office.Service, as func(string, truce.Role) context.Context, now time.Time) (map[string]string, error) {
	ids := map[string]string{}
	from := now.Add(-60 * 24 * time.Hour).Truncate(time.Hour).UTC()
	for _, zs := range zones {
		name, cat, buf := zs.name, zs.category, zs.bufferM
		z, err := svc.CreateZone(as(zs.owner, truce.RoleAnalyst), office.ZoneInput{
			Geometry: hexagon(zs.lon, zs.lat, zs.radiusKm), Name: &name, Category: &cat, ValidFrom: &from, BufferM: &buf,
		})
		if err != nil {
			return nil, fmt.Errorf("demo: zone %q: %w", zs.name, err)
		}
		ids[zs.name] = z.ID
		for _, s := range zs.sites {
			if _, err := svc.CreateSite(as(zs.owner, truce.RoleOfficial), z.ID, office.SiteInput{
				Geometry: point(s.lon, s.lat), RadiusM: s.radiusM, Label: s.label,
			}); err != nil {
				return nil, fmt.Errorf("demo: site %q: %w", s.label, err)
			}
		}
		if !zs.release {
			continue
		}
		if _, err := svc.ReleaseZone(as(zs.owner, truce.RoleOfficial), z.ID); err != nil {
			return nil, fmt.Errorf("demo: release %q: %w", zs.name, err)
		}
		other := map[string]string{"us": "ru", "ru": "us"}[zs.owner]
		switch zs.answer {
		case "acknowledge":
			_, err = svc.AnswerZone(as(other, truce.RoleOfficial), z.ID, truce.ZoneAcknowledged, office.ZoneAnswer{})
		case "dispute":
			_, err = svc.AnswerZone(as(other, truce.RoleOfficial), z.ID, truce.ZoneDisputedBy, office.ZoneAnswer{
				Reason: "The corridor's eastern edge covers a supply route (illustrative)."})
		}
		if err != nil {
			return nil, fmt.Errorf("demo: %s %q: %w", zs.answer, zs.name, err)
		}
	}
	return ids, nil
}

// seedNotices declares a few planned activities for tomorrow.
func seedNotices(ctx context.Context, svc *office.Service, as func(string, truce.Role) context.Context, now time.Time) error {
	start := now.Add(24 * time.Hour).Truncate(time.Hour).UTC()
	end := start.Add(6 * time.Hour)
	notices := []struct {
		party    string
		geometry json.RawMessage
		buffer   float64
		activity string
	}{
		{"ru", point(36.47, 36.05), 500, "Convoy resupply along the hill road (illustrative)"},
		{"ru", point(37.40, 36.60), 1000, "Reconnaissance flight far to the east (illustrative)"},
		{"us", point(36.30, 36.25), 200, "Humanitarian convoy through the border crossing (illustrative)"},
	}
	for _, n := range notices {
		if _, err := svc.SubmitNotice(as(n.party, truce.RolePlanner), office.NoticeInput{
			Check:    truce.Check{Geometry: n.geometry, BufferM: n.buffer, From: start, Until: &end},
			Activity: n.activity, Note: "Demo notice (illustrative).",
		}); err != nil {
			return fmt.Errorf("demo: notice %q: %w", n.activity, err)
		}
	}
	return nil
}
