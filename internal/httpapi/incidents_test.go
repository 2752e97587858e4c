package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/testenv"
)

type incidentOut struct {
	ID         string `json:"id"`
	Properties struct {
		Status              string                        `json:"status"`
		Violations          []truce.Violation             `json:"violations"`
		AnswerableParty     *string                       `json:"answerable_party"`
		Overdue             bool                          `json:"overdue"`
		AttributionDisputed bool                          `json:"attribution_disputed"`
		Verifications       map[string]truce.Verification `json:"verifications"`
	} `json:"properties"`
}

func weekCount(tb testing.TB, e *testenv.Env, by, key string, week time.Time) int64 {
	tb.Helper()
	r := get(tb, e, "mon-observer", "/api/v1/stats/violations?by="+by+"&interval=week")
	mustStatus(tb, r, http.StatusOK, "stats")
	s := decode[struct {
		By     string          `json:"by"`
		Series []office.Series `json:"series"`
	}](tb, r)
	for _, sr := range s.Series {
		if sr.Key != key {
			continue
		}
		for _, c := range sr.Counts {
			if c.Start.Equal(truce.WeekStart(week)) {
				return c.Count
			}
		}
	}
	return 0
}

// TestIncidentScenario walks issue 4's "done means" on the demo.
func TestIncidentScenario(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	gfe := actorNamed(t, e, "Government Forces") // answerable to ru

	// A us zone in force, and ru's accepted pledge not to strike it.
	z := newZone(t, e, "us", true)
	before := time.Now().UTC().Add(-time.Minute) // before the zone came into force
	time.Sleep(2 * time.Millisecond)
	mustStatus(t, e.Do(t, "ru-official", "POST", "/api/v1/zones/"+z.ID+"/acknowledge", nil), http.StatusOK, "acknowledge")
	r := e.Do(t, "ru-analyst", "POST", "/api/v1/commitments", map[string]any{"to": "us", "text": "Not to strike it (illustrative)", "zone_ids": []string{z.ID}})
	mustStatus(t, r, http.StatusCreated, "draft pledge")
	pledge := decode[truce.Commitment](t, r)
	mustStatus(t, e.Do(t, "ru-official", "POST", "/api/v1/commitments/"+pledge.ID+"/release", nil), http.StatusOK, "release pledge")
	r = e.Do(t, "us-official", "POST", "/api/v1/commitments/"+pledge.ID+"/accept", nil)
	mustStatus(t, r, http.StatusOK, "accept pledge")
	if c := decode[truce.Commitment](t, r); c.Status != truce.CommitmentAccepted {
		t.Fatalf("accepted pledge: %+v", c)
	}
	time.Sleep(2 * time.Millisecond)
	now := time.Now().UTC()
	countBefore := weekCount(t, e, "answerable_party", "ru", now)

	// A us analyst reports an air strike in the zone by forces answerable to
	// ru; an official releases it: one violation, breaching the pledge.
	r = e.Do(t, "us-analyst", "POST", "/api/v1/incidents", incidentFeatureIn("air_strike", 20.005, 20.005, gfe.ID, now))
	mustStatus(t, r, http.StatusCreated, "report")
	inc := decode[incidentOut](t, r)
	if inc.Properties.Status != "draft" {
		t.Fatalf("draft: %s", r.Body)
	}
	mustStatus(t, get(t, e, "ru-official", "/api/v1/incidents/"+inc.ID), http.StatusNotFound, "ru reads us's draft")
	r = e.Do(t, "us-official", "POST", "/api/v1/incidents/"+inc.ID+"/release", nil)
	mustStatus(t, r, http.StatusOK, "release")
	inc = decode[incidentOut](t, r)
	v := inc.Properties.Violations
	if inc.Properties.Status != "reported" || len(v) != 1 || v[0].ZoneID != z.ID || v[0].AnswerableParty == nil || *v[0].AnswerableParty != "ru" ||
		v[0].CommitmentID == nil || *v[0].CommitmentID != pledge.ID {
		t.Fatalf("released: %s", r.Body)
	}
	c := decode[truce.Commitment](t, get(t, e, "us-observer", "/api/v1/commitments/"+pledge.ID))
	if c.Breaches != 1 || c.Status != truce.CommitmentBreached {
		t.Fatalf("pledge after the strike: %+v", c)
	}
	if got := weekCount(t, e, "answerable_party", "ru", now); got != countBefore+1 {
		t.Fatalf("ru's weekly count went from %d to %d, want +1", countBefore, got)
	}

	// ru disputes it; the monitor confirms it.
	mustStatus(t, e.Do(t, "us-official", "POST", "/api/v1/incidents/"+inc.ID+"/responses", map[string]string{"kind": "accept"}), http.StatusForbidden, "us answers for ru")
	r = e.Do(t, "ru-analyst", "POST", "/api/v1/incidents/"+inc.ID+"/responses", map[string]string{"kind": "dispute", "text": "Our aircraft were grounded.", "evidence": "flight logs"})
	mustStatus(t, r, http.StatusOK, "dispute")
	if s := decode[incidentOut](t, r).Properties.Status; s != "disputed" {
		t.Fatalf("after dispute: %s", s)
	}
	mustStatus(t, e.Do(t, "ru-official", "POST", "/api/v1/incidents/"+inc.ID+"/verification", map[string]string{"outcome": "refuted"}), http.StatusForbidden, "ru verifies")
	r = e.Do(t, "mon-official", "POST", "/api/v1/incidents/"+inc.ID+"/verification", map[string]string{"outcome": "confirmed", "note": "crater seen"})
	mustStatus(t, r, http.StatusOK, "verify")
	if s := decode[incidentOut](t, r).Properties.Status; s != "verified" {
		t.Fatalf("after verification: %s", s)
	}
	// Each party's attribution, side by side.
	mustStatus(t, e.Do(t, "us-official", "PUT", "/api/v1/incidents/"+inc.ID+"/attributions/us", map[string]string{"actor": gfe.ID}), http.StatusOK, "us attributes")
	r = e.Do(t, "ru-official", "PUT", "/api/v1/incidents/"+inc.ID+"/attributions/ru", map[string]string{"actor": actorNamed(t, e, "Northern Crescent").ID})
	mustStatus(t, r, http.StatusOK, "ru attributes")
	if !decode[incidentOut](t, r).Properties.AttributionDisputed {
		t.Fatalf("differing attributions not disputed: %s", r.Body)
	}

	// Not violations: a movement in the zone, a strike outside it, a strike
	// before the zone came into force.
	for _, tc := range []struct {
		name     string
		typ      string
		lon, lat float64
		at       time.Time
	}{
		{"movement in the zone", "movement", 20.005, 20.005, now},
		{"strike outside the zone", "air_strike", 21, 21, now},
		{"strike before the zone was in force", "air_strike", 20.005, 20.005, before},
	} {
		r := e.Do(t, "us-analyst", "POST", "/api/v1/incidents", incidentFeatureIn(tc.typ, tc.lon, tc.lat, gfe.ID, tc.at))
		mustStatus(t, r, http.StatusCreated, tc.name)
		id := decode[incidentOut](t, r).ID
		r = e.Do(t, "us-official", "POST", "/api/v1/incidents/"+id+"/release", nil)
		mustStatus(t, r, http.StatusOK, "release "+tc.name)
		if vs := decode[incidentOut](t, r).Properties.Violations; len(vs) != 0 {
			t.Errorf("%s: violations %+v", tc.name, vs)
		}
	}
	if got := weekCount(t, e, "answerable_party", "ru", now); got != countBefore+1 {
		t.Fatalf("after the non-violations ru's weekly count is %d, want %d", got, countBefore+1)
	}

	// Withdrawing the zone now changes nothing about what happened then.
	mustStatus(t, e.Do(t, "us-official", "POST", "/api/v1/zones/"+z.ID+"/withdraw", nil), http.StatusOK, "withdraw")
	if vs := decode[incidentOut](t, get(t, e, "ru-observer", "/api/v1/incidents/"+inc.ID)).Properties.Violations; len(vs) != 1 {
		t.Fatalf("violations after the zone's withdrawal: %+v", vs)
	}

	statsAgreeWithList(t, e)
	if _, err := office.VerifyStore(t.Context(), e.App.Storage.Store, office.VerifyOptions{}); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

// statsAgreeWithList checks that, for every perpetrator, the weekly counts
// sum to the number of incidents the list shows with a violation.
func statsAgreeWithList(t *testing.T, e *testenv.Env) {
	t.Helper()
	s := decode[struct {
		Series []office.Series `json:"series"`
	}](t, get(t, e, "us-official", "/api/v1/stats/violations?by=perpetrator"))
	if len(s.Series) == 0 {
		t.Fatal("no violations counted at all")
	}
	for _, sr := range s.Series {
		var sum int64
		for _, c := range sr.Counts {
			sum += c.Count
		}
		listed, cursor := 0, ""
		for {
			path := fmt.Sprintf("/api/v1/incidents?violation=true&perpetrator=%s&limit=2", sr.Key)
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			fc := decode[struct {
				Features   []struct{ ID string } `json:"features"`
				NextCursor string                `json:"next_cursor"`
			}](t, get(t, e, "us-official", path))
			listed += len(fc.Features)
			if cursor = fc.NextCursor; cursor == "" {
				break
			}
		}
		if int64(listed) != sum {
			t.Errorf("perpetrator %s (%s): stats count %d, the list shows %d", sr.Key, sr.Label, sum, listed)
		}
	}
}

func TestDemoIncidents(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	fc := decode[struct {
		Features []incidentOut `json:"features"`
	}](t, get(t, e, "mon-observer", "/api/v1/incidents?limit=1000"))
	var violations, overdue, verified int
	for _, f := range fc.Features {
		if len(f.Properties.Violations) > 0 {
			violations++
		}
		if f.Properties.Overdue {
			overdue++
		}
		if f.Properties.Status == "verified" {
			verified++
		}
	}
	if len(fc.Features) < 6 || violations < 2 || violations == len(fc.Features) || overdue < 1 || verified < 1 {
		t.Fatalf("demo incidents: %d, with violations %d, overdue %d, verified %d", len(fc.Features), violations, overdue, verified)
	}
	var breached int
	for _, c := range decode[List[truce.Commitment]](t, get(t, e, "mon-observer", "/api/v1/commitments")).Items {
		if c.Status == truce.CommitmentBreached {
			breached++
		}
	}
	if breached != 1 {
		t.Fatalf("breached demo commitments: %d, want 1", breached)
	}
	var overdueSteps int
	for _, s := range decode[List[truce.Step]](t, get(t, e, "mon-observer", "/api/v1/steps")).Items {
		if s.Status == truce.StepOverdue {
			overdueSteps++
		}
	}
	if overdueSteps != 1 {
		t.Fatalf("overdue demo steps: %d, want 1", overdueSteps)
	}
	statsAgreeWithList(t, e)
}

// List mirrors the API's list shape for decoding.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func TestIncidentBadInput(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	gfe := actorNamed(t, e, "Government Forces").ID
	draft := newIncident(t, e, false)
	released := newIncident(t, e, true)
	now := time.Now()
	feature := func(f func(p map[string]any)) map[string]any {
		in := incidentFeatureIn("air_strike", 10, 10, gfe, now.Add(-time.Hour))
		f(in["properties"].(map[string]any))
		return in
	}
	cases := []struct {
		name, user, method, path string
		body                     any
		status                   int
		field                    string
	}{
		{"unknown type", "us-analyst", "POST", "/api/v1/incidents", feature(func(p map[string]any) { p["type"] = "massacre" }), 400, "type"},
		{"unknown perpetrator", "us-analyst", "POST", "/api/v1/incidents", feature(func(p map[string]any) { p["perpetrator"] = "act_nobody" }), 400, "perpetrator"},
		{"unknown target", "us-analyst", "POST", "/api/v1/incidents", feature(func(p map[string]any) { p["target"] = "act_nobody" }), 400, "target"},
		{"negative fatalities", "us-analyst", "POST", "/api/v1/incidents", feature(func(p map[string]any) { p["fatalities"] = -1 }), 400, "fatalities"},
		{"time out of range", "us-analyst", "POST", "/api/v1/incidents", feature(func(p map[string]any) { p["occurred_at"] = "1800-01-01T00:00:00Z" }), 400, "occurred_at"},
		{"no time", "us-analyst", "POST", "/api/v1/incidents", feature(func(p map[string]any) { delete(p, "occurred_at") }), 400, "occurred_at"},
		{"unknown property", "us-analyst", "POST", "/api/v1/incidents", feature(func(p map[string]any) { p["weapon"] = "x" }), 400, "properties.weapon"},
		{"bad geometry", "us-analyst", "POST", "/api/v1/incidents", func() any {
			f := feature(func(map[string]any) {})
			f["geometry"] = map[string]any{"type": "Point", "coordinates": []float64{200, 0}}
			return f
		}(), 400, "geometry"},
		{"release twice", "us-official", "POST", "/api/v1/incidents/" + released.ID + "/release", nil, 409, ""},
		{"edit a released incident", "us-analyst", "PATCH", "/api/v1/incidents/" + released.ID, feature(func(map[string]any) {}), 409, ""},
		{"answer a draft", "ru-official", "POST", "/api/v1/incidents/" + draft.ID + "/responses", map[string]string{"kind": "accept"}, 404, ""},
		{"answer of an unknown kind", "ru-official", "POST", "/api/v1/incidents/" + released.ID + "/responses", map[string]string{"kind": "deny"}, 400, "kind"},
		{"dispute without text", "ru-official", "POST", "/api/v1/incidents/" + released.ID + "/responses", map[string]string{"kind": "dispute"}, 400, "text"},
		{"unknown outcome", "mon-official", "POST", "/api/v1/incidents/" + released.ID + "/verification", map[string]string{"outcome": "maybe"}, 400, "outcome"},
		{"attribute to nobody", "us-official", "PUT", "/api/v1/incidents/" + released.ID + "/attributions/us", map[string]string{"actor": "act_nobody"}, 400, "actor"},
		{"attribute for another party", "us-official", "PUT", "/api/v1/incidents/" + released.ID + "/attributions/ru", map[string]string{"actor": gfe}, 403, ""},
		{"bad window", "us-official", "GET", "/api/v1/incidents?from=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", nil, 400, "until"},
		{"bad violation filter", "us-official", "GET", "/api/v1/incidents?violation=maybe", nil, 400, "violation"},
		{"bad stats key", "us-official", "GET", "/api/v1/stats/violations?by=weapon", nil, 400, "by"},
		{"bad stats interval", "us-official", "GET", "/api/v1/stats/violations?interval=day", nil, 400, "interval"},
		{"pledge to oneself", "us-analyst", "POST", "/api/v1/commitments", map[string]any{"to": "us", "text": "x", "zone_ids": []string{}}, 400, "to"},
		{"pledge over no zone", "us-analyst", "POST", "/api/v1/commitments", map[string]any{"to": "ru", "text": "x", "zone_ids": []string{"zone_nothing"}}, 400, "zone_ids[0]"},
		{"step without due", "us-official", "POST", "/api/v1/steps", map[string]any{"title": "x", "responsible_party": "us"}, 400, "due"},
		{"step for nobody", "us-official", "POST", "/api/v1/steps", map[string]any{"title": "x", "responsible_party": "zz", "due": "2030-01-01T00:00:00Z"}, 400, "responsible_party"},
		{"step overdue by hand", "us-official", "PATCH", "/api/v1/steps/" + newStep(t, e).ID, map[string]any{"status": "overdue"}, 400, "status"},
	}
	state := func() string {
		var b strings.Builder
		for _, u := range []string{"us-official", "ru-official"} {
			b.Write(get(t, e, u, "/api/v1/incidents?limit=10000").Body)
			b.Write(get(t, e, u, "/api/v1/commitments?limit=10000").Body)
			b.Write(get(t, e, u, "/api/v1/steps?limit=10000").Body)
		}
		return b.String()
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			journal, seen := e.JournalSize(t), state()
			r := e.Do(t, tc.user, tc.method, tc.path, tc.body)
			mustStatus(t, r, tc.status, tc.name)
			_, message, field := errorOf(t, r)
			if !strings.HasPrefix(field, tc.field) || (tc.field == "" && tc.status == 400) {
				t.Errorf("field %q, want %q (message %q)", field, tc.field, message)
			}
			if e.JournalSize(t) != journal {
				t.Error("the journal grew")
			}
			if state() != seen {
				t.Error("what the parties see changed")
			}
		})
	}
}
