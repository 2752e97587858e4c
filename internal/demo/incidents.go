package demo

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/store"
)

type incidentSeed struct {
	day         int // days after the scenario's start
	reporter    string
	typ         truce.IncidentType
	perpetrator string // actor name prefix, or ""
	lon, lat    float64
	fatalities  int
	description string
	response    string // the accused party's answer: accept, dispute, comment, or ""
	verify      string // the monitor's outcome, or ""
	attribute   map[string]string
}

var incidents = []incidentSeed{
	{day: 20, reporter: "us", typ: truce.IncidentAirStrike, perpetrator: "Government Forces", lon: 36.40, lat: 36.04, fatalities: 3,
		description: "Air strike on the market street of the hill villages (illustrative).", response: "dispute", verify: "confirmed",
		attribute: map[string]string{"us": "Government Forces", "ru": "Northern Crescent Front"}},
	{day: 35, reporter: "us", typ: truce.IncidentShelling, perpetrator: "Government Forces", lon: 36.43, lat: 36.08, fatalities: 0,
		description: "Shelling of the northern edge of the hill villages (illustrative).", response: "accept"},
	{day: 41, reporter: "ru", typ: truce.IncidentArmedClash, perpetrator: "Free Hills Brigades", lon: 36.20, lat: 35.80, fatalities: 2,
		description: "Clash at a checkpoint south of the coastal road, outside every zone (illustrative).", response: "comment", verify: "unconfirmed"},
	{day: 50, reporter: "us", typ: truce.IncidentMovement, perpetrator: "Government Forces", lon: 36.40, lat: 36.05,
		description: "Armoured column moving through the hill villages (illustrative)."},
	{day: 55, reporter: "us", typ: truce.IncidentAirStrike, perpetrator: "Northern Crescent Front", lon: 36.63, lat: 35.87, fatalities: 1,
		description: "Drone strike in the valley, zone not in force (illustrative)."},
	{day: 62, reporter: "ru", typ: truce.IncidentAttackOnCivilians, perpetrator: "River Towns Alliance", lon: 36.30, lat: 36.25, fatalities: 4,
		description: "Attack on a bus at the border crossing (illustrative).", verify: "confirmed"},
	{day: 80, reporter: "us", typ: truce.IncidentShelling, perpetrator: "Government Forces", lon: 36.64, lat: 35.89,
		description: "Shelling in the valley, which is still only proposed (illustrative).", response: "dispute"},
	{day: 96, reporter: "ru", typ: truce.IncidentGrenade, perpetrator: "Free Hills Brigades", lon: 36.37, lat: 36.06, fatalities: 0,
		description: "Grenade thrown in the hill villages by a force answerable to us (illustrative); not yet answered."},
}

// background is the routine of the months between the named incidents:
// a fixed pseudo-random spread (the same on every run) of lesser incidents
// every two to four days. Most fall outside every zone; some are shelling
// by Government Forces in the hill villages (violations of ru's pledge,
// already breached) and some are attacks by the excluded Ash Valley
// Network on the coastal road (violations no party answers for). The
// accused party answers each one, so the named grenade stays the one
// overdue answer.
func background() []incidentSeed {
	r := rand.New(rand.NewPCG(2026, 7))
	outside := []truce.IncidentType{truce.IncidentArmedClash, truce.IncidentShelling, truce.IncidentMovement,
		truce.IncidentOverflight, truce.IncidentPropertyDestruction, truce.IncidentAbduction}
	perpetrators := []string{"Government Forces", "Northern Crescent Front", "Ash Valley Network",
		"Free Hills Brigades", "Coastal Defence Council", "River Towns Alliance"}
	places := []string{"on the ridge road", "near the river towns", "south of the coastal road", "in the olive groves",
		"at the old quarry", "on the plain west of the valley"}
	answers := []string{"accept", "dispute", "comment"}
	var out []incidentSeed
	for day := 4; day <= 94; day += 2 + r.IntN(3) {
		in := incidentSeed{day: day, reporter: []string{"us", "ru"}[r.IntN(2)], fatalities: r.IntN(3)}
		switch k := r.IntN(6); {
		case k == 0 && day > 4:
			in.typ, in.perpetrator = truce.IncidentShelling, "Government Forces"
			in.lon, in.lat = jitter(r, 36.40, 36.05, 3)
			in.description = "Shelling reported in the hill villages (illustrative)."
		case k == 1:
			in.typ, in.perpetrator = truce.IncidentAttackOnCivilians, "Ash Valley Network"
			in.lon, in.lat = jitter(r, 36.05, 35.95, 2)
			in.description = "Attack on a convoy on the coastal road by an excluded group (illustrative)."
		default:
			in.typ, in.perpetrator = outside[r.IntN(len(outside))], perpetrators[r.IntN(len(perpetrators))]
			in.lon, in.lat = awayFromZones(r)
			in.description = fmt.Sprintf("Routine report: %s %s (illustrative).",
				strings.ReplaceAll(string(in.typ), "_", " "), places[r.IntN(len(places))])
		}
		if in.typ.Hostile() {
			in.response = answers[r.IntN(len(answers))]
		}
		out = append(out, in)
	}
	return out
}

// jitter returns a point within km of lon, lat.
func jitter(r *rand.Rand, lon, lat, km float64) (float64, float64) {
	d, a := km*math.Sqrt(r.Float64()), 2*math.Pi*r.Float64()
	return round6(lon + d*math.Cos(a)/(111.32*math.Cos(lat*math.Pi/180))), round6(lat + d*math.Sin(a)/110.57)
}

// awayFromZones returns a point of the demo's area at least 12 km from the
// centre of every demo zone (the largest reaches 8 km and 1 km of buffer).
func awayFromZones(r *rand.Rand) (float64, float64) {
	for {
		lon, lat := round6(35.95+r.Float64()), round6(35.60+0.8*r.Float64())
		if !slices.ContainsFunc(zones, func(z zoneSeed) bool {
			dx := (lon - z.lon) * 111.32 * math.Cos(lat*math.Pi/180)
			dy := (lat - z.lat) * 110.57
			return math.Hypot(dx, dy) < 12
		}) {
			return lon, lat
		}
	}
}

// allIncidents is the named incidents and the background, by day (the
// demo's clock only moves forward).
func allIncidents() []incidentSeed {
	all := append(slices.Clone(incidents), background()...)
	slices.SortStableFunc(all, func(a, b incidentSeed) int { return cmp.Compare(a.day, b.day) })
	return all
}

var steps = []struct {
	day         int // due, days after the start
	updated     int // when its status changed, days after the start
	title       string
	responsible string
	status      truce.StepStatus
	evidence    string
}{
	{10, 8, "Establish each party's headquarters (illustrative)", "us", truce.StepDone, "HQs opened on day 8 (illustrative)."},
	{14, 12, "Staff the joint coordination office (illustrative)", "ru", truce.StepDone, "Officials named on day 12 (illustrative)."},
	{120, 58, "Share intelligence on excluded groups (illustrative)", "us", truce.StepInProgress, "First two reports shared (illustrative)."},
	{70, 0, "Ground flights over designated areas (illustrative)", "ru", truce.StepPlanned, ""},
	{130, 0, "Open humanitarian access to the valley (illustrative)", "ru", truce.StepPlanned, ""},
}

func byPrefix(m map[string]string, prefix string) string {
	for name, id := range m {
		if strings.HasPrefix(name, prefix) {
			return id
		}
	}
	return ""
}

func seedIncidents(ctx context.Context, svc *office.Service, as func(string, truce.Role) context.Context, clk *Clock, t0 time.Time, zones map[string]string) error {
	actors := map[string]string{}
	list, err := svc.Actors(as("us", truce.RoleObserver), store.Page{Limit: 1000})
	if err != nil {
		return err
	}
	for _, a := range list {
		actors[a.Name] = a.ID
	}
	day := func(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }

	// Pledges: ru to us over the hill villages and the valley, accepted;
	// us to ru over the coastal road, accepted; us to ru over the
	// corridor, still proposed.
	clk.Set(day(2))
	pledges := []struct {
		by, to, text string
		zones        []string
		accept       bool
	}{
		{"ru", "us", "Not to strike the hill villages or the valley (illustrative).", []string{"Hill villages", "Valley"}, true},
		{"us", "ru", "Not to shell the coastal road depot area (illustrative).", []string{"Coastal road"}, true},
		{"us", "ru", "To keep the border crossing corridor free of operations (illustrative).", []string{"Border crossing"}, false},
	}
	for _, p := range pledges {
		var ids []string
		for _, prefix := range p.zones {
			ids = append(ids, byPrefix(zones, prefix))
		}
		from := day(2)
		c, err := svc.CreateCommitment(as(p.by, truce.RoleAnalyst), office.CommitmentInput{To: p.to, Text: p.text, ZoneIDs: ids, EffectiveFrom: &from})
		if err != nil {
			return fmt.Errorf("demo: commitment %q: %w", p.text, err)
		}
		if _, err := svc.ReleaseCommitment(as(p.by, truce.RoleOfficial), c.ID); err != nil {
			return fmt.Errorf("demo: release commitment %q: %w", p.text, err)
		}
		if p.accept {
			if _, err := svc.AcceptCommitment(as(p.to, truce.RoleOfficial), c.ID); err != nil {
				return fmt.Errorf("demo: accept commitment %q: %w", p.text, err)
			}
		}
	}
	// Step updates happen on their days, between the incidents: the clock
	// only moves forward.
	type update struct {
		day int
		run func() error
	}
	var updates []update
	clk.Set(day(3))
	for _, s := range steps {
		due := day(s.day)
		st, err := svc.CreateStep(as("us", truce.RoleOfficial), office.StepInput{Title: s.title, ResponsibleParty: s.responsible, Due: &due})
		if err != nil {
			return fmt.Errorf("demo: step %q: %w", s.title, err)
		}
		if s.status != truce.StepPlanned {
			updates = append(updates, update{s.updated, func() error {
				_, err := svc.UpdateStep(as(s.responsible, truce.RoleOfficial), st.ID, office.StepUpdateBody{Status: s.status, Evidence: s.evidence})
				if err != nil {
					return fmt.Errorf("demo: update step %q: %w", s.title, err)
				}
				return nil
			}})
		}
	}
	runUpdates := func(until int) error {
		for len(updates) > 0 && updates[0].day <= until {
			clk.Set(day(updates[0].day))
			if err := updates[0].run(); err != nil {
				return err
			}
			updates = updates[1:]
		}
		return nil
	}
	for _, in := range allIncidents() {
		if err := runUpdates(in.day); err != nil {
			return err
		}
		at := day(in.day)
		clk.Set(at.Add(2 * time.Hour))
		typ, desc := in.typ, in.description
		var perp *string
		if in.perpetrator != "" {
			id := byPrefix(actors, in.perpetrator)
			perp = &id
		}
		fat := in.fatalities
		i, err := svc.CreateIncident(as(in.reporter, truce.RoleAnalyst), office.IncidentInput{
			Geometry: point(in.lon, in.lat), OccurredAt: &at, Type: &typ, Perpetrator: perp, Fatalities: &fat,
			Description: &desc, Sources: []string{"Field report (illustrative)"},
		})
		if err != nil {
			return fmt.Errorf("demo: incident %q: %w", desc, err)
		}
		clk.Set(at.Add(20 * time.Hour))
		if i, err = svc.ReleaseIncident(as(in.reporter, truce.RoleOfficial), i.ID); err != nil {
			return fmt.Errorf("demo: release incident %q: %w", desc, err)
		}
		clk.Set(at.Add(40 * time.Hour))
		if in.response != "" && i.Accused != nil {
			text := "Answer of the accused party (illustrative)."
			if _, err := svc.Respond(as(*i.Accused, truce.RoleOfficial), i.ID, office.IncidentResponseBody{Kind: in.response, Text: text}); err != nil {
				return fmt.Errorf("demo: respond to %q: %w", desc, err)
			}
		}
		for _, party := range []string{"us", "ru"} {
			if name, ok := in.attribute[party]; ok {
				if _, err := svc.Attribute(as(party, truce.RoleOfficial), i.ID, party, office.AttributionInput{Actor: byPrefix(actors, name), Note: "Our assessment (illustrative)."}); err != nil {
					return fmt.Errorf("demo: attribute %q: %w", desc, err)
				}
			}
		}
		if in.verify != "" {
			clk.Set(at.Add(60 * time.Hour))
			if _, err := svc.Verify(as("mon", truce.RoleOfficial), i.ID, office.VerificationBody{Outcome: in.verify, Note: "Monitors' site visit (illustrative)."}); err != nil {
				return fmt.Errorf("demo: verify %q: %w", desc, err)
			}
		}
	}
	return runUpdates(Days)
}
