package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/testenv"
)

// TestReportBadInput: bad reports, handling changes and requests (unknown
// labels and grades, recipients that do not exist, answers to requests
// addressed elsewhere, widening by a non-originator, narrowing, wrong
// states) get the contract's error and change nothing: not the journal,
// not any report or request as any party reads it.
func TestReportBadInput(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	actor := actorNamed(t, e, "River Towns Alliance")
	draft := newReport(t, e, "us", truce.TLPGreen, nil, false)
	amber := newReport(t, e, "us", truce.TLPAmber, []string{"ru"}, true)
	toMon := newReport(t, e, "us", truce.TLPRed, []string{"mon"}, true)
	toMonDraft := newReport(t, e, "us", truce.TLPAmber, []string{"mon"}, false)
	ruReport := newReport(t, e, "ru", truce.TLPClear, nil, true)
	open := newRFI(t, e)
	answered := newRFI(t, e)
	mustStatus(t, e.Do(t, "us-official", "POST", "/api/v1/rfis/"+answered.ID+"/answer", map[string]any{"report_id": amber.ID}), 200, "answer")
	declined := newRFI(t, e)
	mustStatus(t, e.Do(t, "us-official", "POST", "/api/v1/rfis/"+declined.ID+"/decline", map[string]any{"reason": "no"}), 200, "decline")

	report := func(f func(map[string]any)) map[string]any {
		b := map[string]any{"text": "bad input (illustrative)", "subjects": []string{actor.ID}, "reliability": "B",
			"credibility": 2, "handling": "TLP:AMBER", "to": []string{"ru"}}
		f(b)
		return b
	}
	rfi := func(f func(map[string]any)) map[string]any {
		b := map[string]any{"to": "us", "question": "bad input (illustrative)", "due": "2030-01-01T00:00:00Z"}
		f(b)
		return b
	}
	reports, rfis := "/api/v1/reports", "/api/v1/rfis"
	handling := reports + "/" + amber.ID + "/handling"
	answer := func(id string) string { return rfis + "/" + id + "/answer" }
	cases := []struct {
		name, user, method, path string
		body                     any
		status                   int
		field                    string
	}{
		{"unknown label", "us-analyst", "POST", reports, report(func(b map[string]any) { b["handling"] = "TLP:WHITE" }), 400, "handling"},
		{"label in lower case", "us-analyst", "POST", reports, report(func(b map[string]any) { b["handling"] = "tlp:amber" }), 400, "handling"},
		{"label missing", "us-analyst", "POST", reports, report(func(b map[string]any) { delete(b, "handling") }), 400, "handling"},
		{"reliability G", "us-analyst", "POST", reports, report(func(b map[string]any) { b["reliability"] = "G" }), 400, "reliability"},
		{"reliability lower case", "us-analyst", "POST", reports, report(func(b map[string]any) { b["reliability"] = "b" }), 400, "reliability"},
		{"credibility 7", "us-analyst", "POST", reports, report(func(b map[string]any) { b["credibility"] = 7 }), 400, "credibility"},
		{"credibility 0", "us-analyst", "POST", reports, report(func(b map[string]any) { b["credibility"] = 0 }), 400, "credibility"},
		{"credibility B2", "us-analyst", "POST", reports, report(func(b map[string]any) { b["credibility"] = "B2" }), 400, "credibility"},
		{"no text", "us-analyst", "POST", reports, report(func(b map[string]any) { b["text"] = " " }), 400, "text"},
		{"TLP:RED to everyone", "us-analyst", "POST", reports, report(func(b map[string]any) { b["handling"] = "TLP:RED"; b["to"] = []string{} }), 400, "to"},
		{"recipient that does not exist", "us-analyst", "POST", reports, report(func(b map[string]any) { b["to"] = []string{"ru", "xx"} }), 400, "to[1]"},
		{"recipient is the owner", "us-analyst", "POST", reports, report(func(b map[string]any) { b["to"] = []string{"us"} }), 400, "to[0]"},
		{"recipient twice", "us-analyst", "POST", reports, report(func(b map[string]any) { b["to"] = []string{"ru", "ru"} }), 400, "to[1]"},
		{"unknown subject", "us-analyst", "POST", reports, report(func(b map[string]any) { b["subjects"] = []string{"act_nosuch"} }), 400, "subjects[0]"},
		{"bad geometry", "us-analyst", "POST", reports, report(func(b map[string]any) {
			b["geometry"] = map[string]any{"type": "Point", "coordinates": []float64{200, 10}}
		}), 400, "geometry.coordinates"},
		{"unknown field", "us-analyst", "POST", reports, report(func(b map[string]any) { b["source"] = "x" }), 400, "source"},
		{"observer writes", "us-observer", "POST", reports, report(func(map[string]any) {}), 403, ""},

		{"release again", "us-official", "POST", reports + "/" + amber.ID + "/release", nil, 409, ""},
		{"release another party's draft", "ru-official", "POST", reports + "/" + draft.ID + "/release", nil, 404, ""},
		{"release by an analyst", "us-analyst", "POST", reports + "/" + draft.ID + "/release", nil, 403, ""},

		{"widening by a recipient", "ru-official", "POST", handling, map[string]any{"handling": "TLP:AMBER", "to": []string{"ru", "mon"}}, 403, ""},
		{"widening by a non-recipient", "mon-official", "POST", handling, map[string]any{"handling": "TLP:GREEN"}, 404, ""},
		{"narrowing the label", "us-official", "POST", handling, map[string]any{"handling": "TLP:AMBER+STRICT", "to": []string{"ru"}}, 409, ""},
		{"narrowing the audience", "us-official", "POST", reports + "/" + toMon.ID + "/handling", map[string]any{"handling": "TLP:RED", "to": []string{"ru"}}, 409, ""},
		{"everyone to some", "us-official", "POST", reports + "/" + ruReport.ID + "/handling", map[string]any{"handling": "TLP:CLEAR", "to": []string{"us"}}, 403, ""},
		{"no change", "us-official", "POST", handling, map[string]any{"handling": "TLP:AMBER", "to": []string{"ru"}}, 409, ""},
		{"unknown label in a change", "us-official", "POST", handling, map[string]any{"handling": "TLP:PINK", "to": []string{"ru"}}, 400, "handling"},
		{"unknown recipient in a change", "us-official", "POST", handling, map[string]any{"handling": "TLP:AMBER", "to": []string{"ru", "zz"}}, 400, "to[1]"},
		{"change by an analyst", "us-analyst", "POST", handling, map[string]any{"handling": "TLP:GREEN", "to": []string{"ru"}}, 403, ""},

		{"rfi to nobody", "ru-analyst", "POST", rfis, rfi(func(b map[string]any) { b["to"] = "xx" }), 400, "to"},
		{"rfi to itself", "ru-analyst", "POST", rfis, rfi(func(b map[string]any) { b["to"] = "ru" }), 400, "to"},
		{"rfi without question", "ru-analyst", "POST", rfis, rfi(func(b map[string]any) { delete(b, "question") }), 400, "question"},
		{"rfi without due", "ru-analyst", "POST", rfis, rfi(func(b map[string]any) { delete(b, "due") }), 400, "due"},
		{"rfi due in 3000", "ru-analyst", "POST", rfis, rfi(func(b map[string]any) { b["due"] = "3000-01-01T00:00:00Z" }), 400, "due"},
		{"rfi unknown subject", "ru-analyst", "POST", rfis, rfi(func(b map[string]any) { b["subjects"] = []string{"nosuch"} }), 400, "subjects[0]"},
		{"rfi by an observer", "ru-observer", "POST", rfis, rfi(func(map[string]any) {}), 403, ""},

		{"answer addressed elsewhere, by the monitor", "mon-official", "POST", answer(open.ID), map[string]any{"report_id": amber.ID}, 404, ""},
		{"answer addressed elsewhere, by the asker", "ru-official", "POST", answer(open.ID), map[string]any{"report_id": ruReport.ID}, 403, ""},
		{"answer by an analyst", "us-analyst", "POST", answer(open.ID), map[string]any{"report_id": amber.ID}, 403, ""},
		{"answer twice", "us-official", "POST", answer(answered.ID), map[string]any{"report_id": amber.ID}, 409, ""},
		{"answer a declined rfi", "us-official", "POST", answer(declined.ID), map[string]any{"report_id": amber.ID}, 409, ""},
		{"answer without report", "us-official", "POST", answer(open.ID), map[string]any{}, 400, "report_id"},
		{"answer with no such report", "us-official", "POST", answer(open.ID), map[string]any{"report_id": "rep_nosuch"}, 400, "report_id"},
		{"answer with another party's report", "us-official", "POST", answer(open.ID), map[string]any{"report_id": ruReport.ID}, 400, "report_id"},
		{"answer with a report not for the asker", "us-official", "POST", answer(open.ID), map[string]any{"report_id": toMon.ID}, 400, "report_id"},
		{"answer with a draft not for the asker", "us-official", "POST", answer(open.ID), map[string]any{"report_id": toMonDraft.ID}, 400, "report_id"},
		{"decline without reason", "us-official", "POST", rfis + "/" + open.ID + "/decline", map[string]any{"reason": ""}, 400, "reason"},
		{"decline an answered rfi", "us-official", "POST", rfis + "/" + answered.ID + "/decline", map[string]any{"reason": "late"}, 409, ""},
		{"decline addressed elsewhere", "mon-official", "POST", rfis + "/" + open.ID + "/decline", map[string]any{"reason": "x"}, 404, ""},
	}

	// The state a bad request must leave as it was: the journal, and every
	// report and request as each party's official and analyst reads them.
	state := func(t *testing.T) any {
		t.Helper()
		s := map[string]string{}
		for _, u := range []string{"us-official", "us-analyst", "ru-official", "ru-analyst", "mon-official"} {
			for _, p := range []string{"/api/v1/reports?limit=10000", "/api/v1/rfis?limit=10000"} {
				r := get(t, e, u, p)
				mustStatus(t, r, http.StatusOK, p)
				s[u+" "+p] = string(r.Body)
			}
		}
		return struct {
			Journal int64
			Lists   map[string]string
		}{e.JournalSize(t), s}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := state(t)
			r := e.Do(t, c.user, c.method, c.path, c.body)
			mustStatus(t, r, c.status, c.name)
			code, msg, field := errorOf(t, r)
			if code != codeOfStatus[c.status] {
				t.Errorf("code %q, want %q", code, codeOfStatus[c.status])
			}
			if c.status == 400 && field != c.field {
				t.Errorf("field %q, want %q (message %q)", field, c.field, msg)
			}
			if c.status == 404 && strings.Contains(msg, "bad input") {
				t.Errorf("404 message tells of the item: %q", msg)
			}
			if diff := cmp.Diff(before, state(t)); diff != "" {
				t.Errorf("the bad request changed the state (-before +after):\n%s", diff)
			}
		})
	}
}
