package httpapi_test

import (
	"testing"
	"time"

	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/testenv"
)

// TestOpenAPIReports: the answers of the report and request routes,
// successes and errors, match the document, as do their requests.
func TestOpenAPIReports(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	e := testenv.New(t)
	actor := actorNamed(t, e, "River Towns Alliance")
	red := newReport(t, e, "us", truce.TLPRed, []string{"ru"}, true)
	amber := newReport(t, e, "us", truce.TLPAmber, []string{"ru"}, true)
	draft := newReport(t, e, "us", truce.TLPGreen, nil, false)
	answer := newReport(t, e, "us", truce.TLPGreen, []string{"ru"}, false)
	ask, decline := newRFI(t, e), newRFI(t, e)
	due := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	calls := []apiCall{
		{name: "reports", user: "ru-official", method: "GET", path: "/api/v1/reports?limit=2", status: 200},
		{name: "report", user: "ru-official", method: "GET", path: "/api/v1/reports/" + red.ID, status: 200},
		{name: "report not visible", user: "ru-analyst", method: "GET", path: "/api/v1/reports/" + red.ID, status: 404},
		{name: "create report", user: "us-analyst", method: "POST", path: "/api/v1/reports", body: map[string]any{
			"text": "OpenAPI report (illustrative)", "subjects": []string{actor.ID}, "reliability": "A", "credibility": "1",
			"handling": "TLP:AMBER+STRICT", "to": []string{"ru", "mon"},
			"geometry": map[string]any{"type": "Point", "coordinates": []float64{36.1, 36.2}}}, status: 201},
		{name: "create report bad label", user: "us-analyst", method: "POST", path: "/api/v1/reports", body: map[string]any{
			"text": "x", "reliability": "A", "credibility": 1, "handling": "TLP:WHITE"}, status: 400, req: reqInvalid},
		{name: "release report", user: "us-official", method: "POST", path: "/api/v1/reports/" + draft.ID + "/release", status: 200},
		{name: "release report again", user: "us-official", method: "POST", path: "/api/v1/reports/" + draft.ID + "/release", status: 409},
		{name: "lower label", user: "us-official", method: "POST", path: "/api/v1/reports/" + amber.ID + "/handling",
			body: map[string]any{"handling": "TLP:GREEN", "to": []string{"ru", "mon"}}, status: 200},
		{name: "narrow", user: "us-official", method: "POST", path: "/api/v1/reports/" + amber.ID + "/handling",
			body: map[string]any{"handling": "TLP:RED", "to": []string{"ru"}}, status: 409},
		{name: "rfis", user: "us-observer", method: "GET", path: "/api/v1/rfis", status: 200},
		{name: "rfi", user: "ru-observer", method: "GET", path: "/api/v1/rfis/" + ask.ID, status: 200},
		{name: "create rfi", user: "mon-official", method: "POST", path: "/api/v1/rfis",
			body: map[string]any{"to": "us", "question": "OpenAPI question (illustrative)", "subjects": []string{actor.ID}, "due": due}, status: 201},
		{name: "answer rfi", user: "us-official", method: "POST", path: "/api/v1/rfis/" + ask.ID + "/answer",
			body: map[string]any{"report_id": answer.ID}, status: 200},
		{name: "answer rfi again", user: "us-official", method: "POST", path: "/api/v1/rfis/" + ask.ID + "/answer",
			body: map[string]any{"report_id": answer.ID}, status: 409},
		{name: "decline rfi", user: "us-official", method: "POST", path: "/api/v1/rfis/" + decline.ID + "/decline",
			body: map[string]any{"reason": "OpenAPI reason"}, status: 200},
		{name: "events with HQ changes", user: "us-analyst", method: "GET", path: "/api/v1/events?last_event_id=-1.0&follow=false", status: 200},
		{name: "decline not asked", user: "ru-official", method: "POST", path: "/api/v1/rfis/" + decline.ID + "/decline",
			body: map[string]any{"reason": "OpenAPI reason"}, status: 403},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) { checkCall(t, e, doc, router, c) })
	}
}
