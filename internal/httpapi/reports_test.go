package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/httpapi"
	"github.com/truce-org/truce/internal/journal"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/testenv"
)

// newReport drafts a report of party (by its analyst) with the given
// label and recipients; released releases it (by its official).
func newReport(tb testing.TB, e *testenv.Env, party string, h truce.Handling, to []string, released bool) truce.Report {
	tb.Helper()
	r, err := e.App.Office.CreateReport(as(party+"-analyst"), office.ReportInput{
		Text: "table report (illustrative) " + truce.NewSalt(), Reliability: "C", Credibility: 3, Handling: h, To: to,
	})
	if err != nil {
		tb.Fatal(err)
	}
	if released {
		if r, err = e.App.Office.ReleaseReport(as(party+"-official"), r.ID); err != nil {
			tb.Fatal(err)
		}
	}
	return r
}

// newRFI has ru ask us a question.
func newRFI(tb testing.TB, e *testenv.Env) truce.RFI {
	tb.Helper()
	due := time.Now().Add(48 * time.Hour)
	q, err := e.App.Office.CreateRFI(as("ru-analyst"), office.RFIInput{To: "us", Question: "table question (illustrative)", Due: &due})
	if err != nil {
		tb.Fatal(err)
	}
	return q
}

// entryAt reads the entry at index as username, from the API.
func entryAt(tb testing.TB, e *testenv.Env, username string, index int64) (truce.Entry, string) {
	tb.Helper()
	r := get(tb, e, username, fmt.Sprintf("/api/v1/journal/entries?start=%d&end=%d", index, index+1))
	mustStatus(tb, r, http.StatusOK, "journal entry")
	var line struct {
		Index int64  `json:"index"`
		Note  string `json:"note"`
	}
	if err := json.Unmarshal(r.Body, &line); err != nil || line.Index != index {
		tb.Fatalf("journal entry %d: %v %s", index, err, r.Body)
	}
	en, err := journal.ParseEntry([]byte(line.Note))
	if err != nil {
		tb.Fatal(err)
	}
	return en, line.Note
}

// sealedLines is the recipe of docs/journal.md written out by hand, as a
// reader with sha256sum would: salt, handling, recipients, grading,
// subjects, geometry, text, joined by newlines.
func sealedLines(r httpapi.ReportOut) string {
	geom := ""
	if string(r.Geometry) != "null" {
		geom = string(r.Geometry)
	}
	return strings.Join([]string{r.Salt, string(r.Handling), strings.Join(r.To, ","),
		string(r.Reliability) + strconv.Itoa(int(r.Credibility)), strings.Join(r.Subjects, ","), geom, r.Text}, "\n")
}

// untilSentinel reads a stream up to the event whose data holds sentinel
// and returns the events before it, and the sentinel's.
func untilSentinel(s *sse, sentinel string) ([]sseEvent, sseEvent) {
	s.t.Helper()
	var out []sseEvent
	for {
		ev := s.nextEvent(10 * time.Second)
		if strings.Contains(ev.data, sentinel) {
			return out, ev
		}
		out = append(out, ev)
	}
}

// TestReportScenario is the "done means": us releases a TLP:RED
// report to ru only; ru's official reads it, ru's analyst and the monitor
// get 404 on the item, the list and the events; the journal entry holds a
// hash that matches the text and salt; ru asks us, us answers with a
// report, the RFI reads answered; the event streams follow each step, and
// resuming with Last-Event-ID misses nothing.
func TestReportScenario(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	start := strconv.FormatInt(e.JournalSize(t)-1, 10)
	streams := map[string]*sse{}
	for _, u := range []string{"ru-official", "ru-analyst", "mon-official", "us-observer"} {
		streams[u] = openEvents(t, e, u, start)
	}

	// us's analyst drafts a TLP:RED report for ru; us's official releases it.
	text := "Illustrative: group X moved two vehicles north at dawn Rq8V"
	r := e.Do(t, "us-analyst", "POST", "/api/v1/reports", map[string]any{
		"text": text, "subjects": []string{actorNamed(t, e, "River Towns Alliance").ID},
		"reliability": "B", "credibility": 2, "handling": "TLP:RED", "to": []string{"ru"},
	})
	mustStatus(t, r, http.StatusCreated, "create report")
	var draft httpapi.ReportOut
	r.JSON(t, &draft)
	if draft.Status != truce.ReportDraft || draft.ReliabilityMeaning != "usually reliable" || draft.CredibilityMeaning != "probably true" {
		t.Fatalf("draft: %+v", draft)
	}
	// A draft is us's: ru's official does not find it.
	mustStatus(t, get(t, e, "ru-official", "/api/v1/reports/"+draft.ID), http.StatusNotFound, "ru reads us's draft")
	before := e.JournalSize(t)
	r = e.Do(t, "us-official", "POST", "/api/v1/reports/"+draft.ID+"/release", nil)
	mustStatus(t, r, http.StatusOK, "release report")
	var released httpapi.ReportOut
	r.JSON(t, &released)
	if released.Status != truce.ReportReleased || released.Entry != before {
		t.Fatalf("released: %+v (journal was %d)", released, before)
	}

	// Who reads it.
	for user, want := range map[string]int{
		"ru-official": 200, "us-official": 200, "us-analyst": 200, // the author
		"ru-analyst": 404, "ru-observer": 404, "mon-official": 404, "us-observer": 404, "us-planner": 404, "admin": 404,
	} {
		r := get(t, e, user, "/api/v1/reports/"+draft.ID)
		mustStatus(t, r, want, "GET report as "+user)
		if want == 404 {
			errorOf(t, r)
			if strings.Contains(string(r.Body), text) {
				t.Fatalf("404 to %s holds the text", user)
			}
		}
		l := get(t, e, user, "/api/v1/reports")
		mustStatus(t, l, http.StatusOK, "list reports as "+user)
		if got := strings.Contains(string(l.Body), draft.ID); got != (want == 200) {
			t.Errorf("list as %s holds the report: %v, want %v", user, got, want == 200)
		}
	}
	var read httpapi.ReportOut
	get(t, e, "ru-official", "/api/v1/reports/"+draft.ID).JSON(t, &read)
	if read.Text != text || read.Handling != truce.TLPRed || !slices.Equal(read.To, []string{"ru"}) {
		t.Fatalf("ru reads %+v", read)
	}

	// The journal entry, as anyone (the monitor) reads it, holds the hash
	// of the salted content and nothing of it; ru recomputes the hash
	// from what it reads, by the documented recipe.
	en, note := entryAt(t, e, "mon-official", before)
	if en.Kind != truce.KindReportRelease || en.Subject != draft.ID || en.Party != "us" {
		t.Fatalf("entry: %+v", en)
	}
	var body struct {
		Hash string `json:"hash"`
	}
	if err := json.Unmarshal(en.Body, &body); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(sealedLines(read)))
	if hex.EncodeToString(sum[:]) != body.Hash || read.Hash != body.Hash {
		t.Fatalf("journal hash %s, recomputed %x, report says %s", body.Hash, sum, read.Hash)
	}
	for _, secret := range []string{text, "Rq8V", read.Salt, `"ru"`, "TLP:RED"} {
		if strings.Contains(note, secret) {
			t.Fatalf("the journal entry holds %q: %s", secret, note)
		}
	}

	// ru asks us; us answers with a new report released to ru as part of
	// answering; the request reads answered.
	due := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	r = e.Do(t, "ru-official", "POST", "/api/v1/rfis", map[string]any{"to": "us", "question": "Illustrative: where did the vehicles go?", "due": due})
	mustStatus(t, r, http.StatusCreated, "create rfi")
	var rfi httpapi.RFIOut
	r.JSON(t, &rfi)
	if rfi.Status != truce.RFIOpen || rfi.From != "ru" || rfi.To != "us" || rfi.Overdue {
		t.Fatalf("rfi: %+v", rfi)
	}
	mustStatus(t, get(t, e, "mon-official", "/api/v1/rfis/"+rfi.ID), http.StatusNotFound, "monitor reads the rfi")
	mustStatus(t, get(t, e, "us-observer", "/api/v1/rfis/"+rfi.ID), http.StatusOK, "us reads the rfi")
	r = e.Do(t, "us-analyst", "POST", "/api/v1/reports", map[string]any{
		"text": "Illustrative answer: they went to the river crossing", "reliability": "C", "credibility": 3,
		"handling": "TLP:AMBER", "to": []string{"ru"},
	})
	mustStatus(t, r, http.StatusCreated, "draft answer")
	var answer httpapi.ReportOut
	r.JSON(t, &answer)
	r = e.Do(t, "us-official", "POST", "/api/v1/rfis/"+rfi.ID+"/answer", map[string]any{"report_id": answer.ID})
	mustStatus(t, r, http.StatusOK, "answer rfi")
	r = get(t, e, "ru-analyst", "/api/v1/rfis/"+rfi.ID)
	mustStatus(t, r, http.StatusOK, "ru reads the rfi")
	r.JSON(t, &rfi)
	if rfi.Status != truce.RFIAnswered || rfi.ReportID == nil || *rfi.ReportID != answer.ID {
		t.Fatalf("answered rfi: %+v", rfi)
	}
	mustStatus(t, get(t, e, "ru-analyst", "/api/v1/reports/"+answer.ID), http.StatusOK, "ru analyst reads the AMBER answer")

	// A public sentinel closes the scenario on every stream. Each stream
	// heard the office events it may see, in journal order, and its own
	// party's HQ changes (us drafted two reports); nobody else heard of
	// the TLP:RED report.
	sentinel := newStep(t, e)
	wantKinds := map[string][]string{
		"ru-official":  {"report.release", "rfi.create", "report.release", "rfi.answer"},
		"ru-analyst":   {"rfi.create", "report.release", "rfi.answer"},
		"mon-official": {},
		"us-observer":  {"rfi.create", "report.release", "rfi.answer"},
	}
	// The TLP:RED draft's HQ change, like its release, is not for us's
	// observer: only its author and us's officials read it.
	wantHQ := map[string][]string{"us-observer": {answer.ID}}
	got := map[string][]sseEvent{}
	var last sseEvent
	for u, s := range streams {
		evs, sent := untilSentinel(s, sentinel.ID)
		got[u] = evs
		if u == "ru-official" {
			last = sent
		}
		var kinds, hq []string
		for _, ev := range evs {
			if strings.HasPrefix(ev.event, "hq.") {
				var h truce.HQEvent
				if err := json.Unmarshal([]byte(ev.data), &h); err != nil || h.Party != u[:strings.Index(u, "-")] {
					t.Errorf("%s heard an HQ event of another party: %+v", u, ev)
				}
				hq = append(hq, h.Subject)
				continue
			}
			kinds = append(kinds, ev.event)
			if strings.Contains(ev.data, draft.ID) && u != "ru-official" {
				t.Errorf("%s hears of the TLP:RED report: %+v", u, ev)
			}
		}
		if !slices.Equal(kinds, wantKinds[u]) {
			t.Errorf("%s heard %v, want %v", u, kinds, wantKinds[u])
		}
		if !slices.Equal(hq, wantHQ[u]) {
			t.Errorf("%s heard HQ changes of %v, want %v", u, hq, wantHQ[u])
		}
	}

	// Resuming after each event ru's official heard replays exactly what
	// followed it, up to the sentinel.
	heard := got["ru-official"]
	for k, ev := range heard {
		r := send(t, e, request{method: "GET", path: "/api/v1/events?follow=false", token: e.Token(t, "ru-official"),
			header: http.Header{"Last-Event-Id": {ev.id}}})
		mustStatus(t, r, http.StatusOK, "resume")
		var ids []string
		for _, line := range strings.Split(string(r.Body), "\n") {
			if id, ok := strings.CutPrefix(line, "id: "); ok {
				ids = append(ids, id)
			}
		}
		var want []string
		for _, x := range heard[k+1:] {
			want = append(want, x.id)
		}
		want = append(want, last.id) // the sentinel
		if !slices.Equal(ids, want) {
			t.Errorf("resuming after %s: ids %v, want %v", ev.id, ids, want)
		}
	}
}

// tableReport is a released us report every party reads, with which the
// authorization table answers requests.
var tableReport string

// The authorization table's rows for reports and requests, merged into
// expectations (authz_test.go) before any test runs.
var _ = func() bool {
	maps.Copy(expectations, map[string]access{
		"GET /api/v1/reports": readable(""),
		"POST /api/v1/reports": {
			body: func() any {
				return map[string]any{"text": "table report (illustrative)", "reliability": "F", "credibility": "6", "handling": "TLP:CLEAR"}
			},
			anon: http.StatusUnauthorized, member: http.StatusForbidden,
			by: map[string]int{
				"us-official": http.StatusCreated, "us-analyst": http.StatusCreated,
				"ru-official": http.StatusCreated, "ru-analyst": http.StatusCreated, "mon-official": http.StatusCreated,
			},
		},
		// A TLP:RED report of us to ru: us's officials and its author (an
		// analyst), ru's officials; nobody else finds it.
		"GET /api/v1/reports/{id}": {
			anon: http.StatusUnauthorized, member: http.StatusNotFound,
			by: map[string]int{"us-official": http.StatusOK, "us-analyst": http.StatusOK, "ru-official": http.StatusOK},
		},
		"POST /api/v1/reports/{id}/release": {
			paths: freshReport(truce.TLPAmber, []string{"ru"}, false), appends: true,
			anon: http.StatusUnauthorized, member: http.StatusNotFound,
			by: map[string]int{
				"us-official": http.StatusOK, "us-analyst": http.StatusForbidden,
				"us-planner": http.StatusForbidden, "us-observer": http.StatusForbidden,
			},
		},
		// Lowering a released TLP:AMBER report to ru: its originator's
		// official; ru's members read it but may not change it; the
		// monitor, not a recipient, does not find it.
		"POST /api/v1/reports/{id}/handling": {
			body:  func() any { return map[string]any{"handling": "TLP:GREEN", "to": []string{"ru"}} },
			paths: freshReport(truce.TLPAmber, []string{"ru"}, true), appends: true,
			anon: http.StatusUnauthorized, member: http.StatusNotFound,
			by: map[string]int{
				"us-official": http.StatusOK, "us-analyst": http.StatusForbidden,
				"us-planner": http.StatusForbidden, "us-observer": http.StatusForbidden,
				"ru-official": http.StatusForbidden, "ru-analyst": http.StatusForbidden,
				"ru-planner": http.StatusForbidden, "ru-observer": http.StatusForbidden,
			},
		},
		"GET /api/v1/rfis": readable(""),
		"POST /api/v1/rfis": {
			body: func() any {
				return map[string]any{"to": "us", "question": "table question (illustrative)", "due": "2030-01-01T00:00:00Z"}
			},
			anon: http.StatusUnauthorized, member: http.StatusForbidden, appends: true,
			by: map[string]int{
				"us-official": http.StatusBadRequest, "us-analyst": http.StatusBadRequest, // us does not ask itself
				"ru-official": http.StatusCreated, "ru-analyst": http.StatusCreated, "mon-official": http.StatusCreated,
			},
		},
		// A request of ru to us: the two parties' members read it.
		"GET /api/v1/rfis/{id}": {
			anon: http.StatusUnauthorized, member: http.StatusOK,
			by: map[string]int{"mon-official": http.StatusNotFound, "mon-observer": http.StatusNotFound, "admin": http.StatusNotFound},
		},
		"POST /api/v1/rfis/{id}/answer":  rfiStep(func() any { return map[string]string{"report_id": tableReport} }),
		"POST /api/v1/rfis/{id}/decline": rfiStep(func() any { return map[string]string{"reason": "declined by the table"} }),
	})
	return true
}()

// rfiStep: a fresh request of ru to us, closed by us's official; ru's
// members see it but may not; the monitor and the admin do not find it.
func rfiStep(body func() any) access {
	return access{
		body: body, appends: true,
		paths: func(tb testing.TB, e *testenv.Env) map[string]string {
			return map[string]string{"rfis/{id}": newRFI(tb, e).ID}
		},
		anon: http.StatusUnauthorized, member: http.StatusForbidden,
		by: map[string]int{"us-official": http.StatusOK, "mon-official": http.StatusNotFound,
			"mon-observer": http.StatusNotFound, "admin": http.StatusNotFound},
	}
}

func freshReport(h truce.Handling, to []string, released bool) func(testing.TB, *testenv.Env) map[string]string {
	return func(tb testing.TB, e *testenv.Env) map[string]string {
		return map[string]string{"reports/{id}": newReport(tb, e, "us", h, to, released).ID}
	}
}

// TestDemoReports: the demo holds a report of each TLP label, graded,
// the TLP:RED one read by ru's officials only, one request answered with
// a report and one open.
func TestDemoReports(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	labels := map[truce.Handling]int{}
	for _, r := range decode[List[httpapi.ReportOut]](t, get(t, e, "us-official", "/api/v1/reports")).Items {
		labels[r.Handling]++
		if r.ReliabilityMeaning == "" || r.CredibilityMeaning == "" || !strings.Contains(r.Text, "Illustrative") {
			t.Errorf("demo report %+v", r)
		}
	}
	for _, h := range truce.Handlings {
		if labels[h] == 0 {
			t.Errorf("no demo report labelled %s (labels %v)", h, labels)
		}
	}
	count := func(user string, h truce.Handling) int {
		n := 0
		for _, r := range decode[List[httpapi.ReportOut]](t, get(t, e, user, "/api/v1/reports")).Items {
			if r.Handling == h {
				n++
			}
		}
		return n
	}
	if count("ru-official", truce.TLPRed) != 1 || count("ru-analyst", truce.TLPRed) != 0 || count("mon-official", truce.TLPRed) != 0 {
		t.Errorf("the demo's TLP:RED report: ru-official %d, ru-analyst %d, mon-official %d; want 1, 0, 0",
			count("ru-official", truce.TLPRed), count("ru-analyst", truce.TLPRed), count("mon-official", truce.TLPRed))
	}
	statuses := map[truce.RFIStatus]int{}
	for _, q := range decode[List[httpapi.RFIOut]](t, get(t, e, "ru-observer", "/api/v1/rfis")).Items {
		statuses[q.Status]++
		if q.Status == truce.RFIAnswered {
			mustStatus(t, get(t, e, "ru-observer", "/api/v1/reports/"+*q.ReportID), http.StatusOK, "the answer, as ru")
		}
	}
	if statuses[truce.RFIAnswered] != 1 || statuses[truce.RFIOpen] != 1 {
		t.Errorf("demo rfis: %v, want one answered and one open", statuses)
	}
	if n := len(decode[List[httpapi.RFIOut]](t, get(t, e, "mon-official", "/api/v1/rfis")).Items); n != 0 {
		t.Errorf("the monitor sees %d requests between us and ru", n)
	}
}
