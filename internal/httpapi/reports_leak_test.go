package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/testenv"
)

// TestNoReportLeaks plants a TLP:RED report of us to ru, a draft report
// in us's HQ and a request of ru to us, then asks every route of the
// router, with their ids, as every member who may not read each of them:
// no answer (success or error, the event stream's replay included) holds
// the text, the salt or the question.
func TestNoReportLeaks(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	red, err := e.App.Office.CreateReport(as("us-analyst"), office.ReportInput{
		Text: "Secret red text Lm3P~mark", Reliability: "A", Credibility: 1, Handling: truce.TLPRed, To: []string{"ru"},
		Geometry: []byte(`{"type":"Point","coordinates":[44.4444321,33.3]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if red, err = e.App.Office.ReleaseReport(as("us-official"), red.ID); err != nil {
		t.Fatal(err)
	}
	// A TLP:RED draft is its author's and us's officials' alone, as the
	// released TLP:RED report is.
	redDraft, err := e.App.Office.CreateReport(as("us-analyst"), office.ReportInput{
		Text: "Secret red draft Rd6Y~mark", Reliability: "C", Credibility: 3, Handling: truce.TLPRed, To: []string{"ru"},
	})
	if err != nil {
		t.Fatal(err)
	}
	draft, err := e.App.Office.CreateReport(as("us-analyst"), office.ReportInput{
		Text: "Secret draft report Jc5N~mark", Reliability: "B", Credibility: 2, Handling: truce.TLPGreen,
	})
	if err != nil {
		t.Fatal(err)
	}
	due := time.Now().Add(time.Hour)
	rfi, err := e.App.Office.CreateRFI(as("ru-analyst"), office.RFIInput{To: "us", Question: "Secret question Vd8F~mark", Due: &due})
	if err != nil {
		t.Fatal(err)
	}
	redSecrets := []string{"Lm3P~mark", "44.4444321", red.Salt, "Rd6Y~mark", redDraft.Salt}
	draftSecrets := []string{"Jc5N~mark", draft.Salt}
	rfiSecrets := []string{"Vd8F~mark", rfi.Salt}
	forbidden := map[string][]string{
		"us-planner": redSecrets, "us-observer": redSecrets,
		"ru-official": draftSecrets,
		"ru-analyst":  append(append([]string{}, redSecrets...), draftSecrets...),
		"ru-observer": append(append([]string{}, redSecrets...), draftSecrets...),
	}
	for _, u := range []string{"mon-official", "mon-observer", "admin"} {
		forbidden[u] = append(append(append([]string{}, redSecrets...), draftSecrets...), rfiSecrets...)
	}

	ids := map[string][]string{
		"id":      {red.ID, redDraft.ID, draft.ID, rfi.ID, "us", "ru"},
		"site":    {"nosuch"},
		"party":   {"us", "ru"},
		"version": {"1"},
	}
	asked := 0
	for _, rt := range e.App.API.Routes() {
		for _, path := range expand(rt.Pattern, ids) {
			for who, secrets := range forbidden {
				var r *testenv.Response
				switch rt.Method {
				case http.MethodGet:
					q := "?limit=10000"
					if strings.HasSuffix(rt.Pattern, "/events") {
						q = "?last_event_id=-1.0&follow=false"
					}
					if strings.HasSuffix(rt.Pattern, "/entries") {
						q = ""
					}
					r = get(t, e, who, path+q)
				case http.MethodPost, http.MethodPatch, http.MethodPut:
					if !strings.Contains(rt.Pattern, "{") {
						continue
					}
					r = e.Do(t, who, rt.Method, path, map[string]any{})
				default:
					continue
				}
				asked++
				for _, s := range secrets {
					if strings.Contains(string(r.Body), s) {
						t.Errorf("%s: %s %s answered %d holding %q: %.300s", who, rt.Method, path, r.Status, s, r.Body)
					}
				}
			}
		}
	}
	if asked < 500 {
		t.Fatalf("only %d requests asked", asked)
	}
	t.Logf("%d requests, none leaked", asked)
	// Those who may read them do (else the test passes vacuously).
	for _, c := range []struct{ who, path, want string }{
		{"ru-official", "/api/v1/reports/" + red.ID, "Lm3P~mark"},
		{"us-analyst", "/api/v1/reports/" + draft.ID, "Jc5N~mark"},
		{"us-analyst", "/api/v1/reports/" + redDraft.ID, "Rd6Y~mark"},
		{"us-official", "/api/v1/reports/" + redDraft.ID, "Rd6Y~mark"},
		{"us-official", "/api/v1/reports?limit=10000", "Rd6Y~mark"},
		{"us-observer", "/api/v1/rfis/" + rfi.ID, "Vd8F~mark"},
	} {
		if r := get(t, e, c.who, c.path); !strings.Contains(string(r.Body), c.want) {
			t.Fatalf("%s does not read %s: %s", c.who, c.path, r.Body)
		}
	}
	// Its HQ event is heard by those who may read it, and no one else of us.
	for who, hears := range map[string]bool{"us-official": true, "us-analyst": true, "us-planner": false, "us-observer": false} {
		r := get(t, e, who, "/api/v1/events?last_event_id=-1.0&follow=false")
		if got := strings.Contains(string(r.Body), redDraft.ID); got != hears {
			t.Errorf("%s's events mention the TLP:RED draft: %v, want %v", who, got, hears)
		}
	}
}
