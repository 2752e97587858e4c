package httpapi_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/truce-org/truce/internal/httpapi"
	"github.com/truce-org/truce/internal/testenv"
)

// TestHQEvents: a party's HQ changes reach its own members' streams (sites
// only the roles that see sites) and nobody else's, and resuming with any
// event's id, composite of the journal index and the HQ sequence, replays
// exactly the office and HQ events that followed it.
func TestHQEvents(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	streams := map[string]*sse{}
	for _, u := range []string{"us-analyst", "us-observer", "ru-official", "admin"} {
		streams[u] = openEvents(t, e, u, "")
	}
	draft := newZone(t, e, "us", false)
	zone := newZone(t, e, "us", true) // a draft, then its release
	site := newSite(t, e, zone)
	report := newReport(t, e, "us", "TLP:GREEN", nil, false)
	sentinel := newStep(t, e)

	subjects := func(evs []sseEvent, prefix string) []string {
		var out []string
		for _, ev := range evs {
			if strings.HasPrefix(ev.event, prefix) {
				out = append(out, ev.event)
			}
		}
		return out
	}
	want := map[string][]string{
		"us-analyst":  {"hq.zone", "hq.zone", "hq.site", "hq.report"},
		"us-observer": {"hq.zone", "hq.zone", "hq.report"},
		"ru-official": nil,
		"admin":       nil,
	}
	heard := map[string][]sseEvent{}
	for u, s := range streams {
		evs, _ := untilSentinel(s, sentinel.ID)
		heard[u] = evs
		if got := subjects(evs, "hq."); !slices.Equal(got, want[u]) {
			t.Errorf("%s heard HQ events %v, want %v", u, got, want[u])
		}
		if got := subjects(evs, "zone.release"); len(got) != 1 {
			t.Errorf("%s heard %d zone releases, want 1", u, len(got))
		}
		for _, ev := range evs {
			if u != "us-analyst" && strings.Contains(ev.data, site.ID) {
				t.Errorf("%s heard of the site: %+v", u, ev)
			}
		}
	}
	// HQ changes come in their order; office events interleave with them
	// as each stream catches up (a site's sites.commit may follow the next
	// HQ change), so only the HQ events' order is fixed.
	all := heard["us-analyst"]
	var hq []sseEvent
	for _, ev := range all {
		if strings.HasPrefix(ev.event, "hq.") {
			hq = append(hq, ev)
		}
	}
	if len(hq) == 0 || !strings.Contains(hq[0].data, draft.ID) || !strings.Contains(hq[len(hq)-1].data, report.ID) {
		t.Fatalf("us-analyst heard %+v", all)
	}
	// Resume after each event: the replay (journal after J, then HQ after
	// H) holds exactly the events heard after it, the sentinel included.
	for k, ev := range all {
		r := send(t, e, request{method: "GET", path: "/api/v1/events?follow=false", token: e.Token(t, "us-analyst"),
			header: http.Header{"Last-Event-Id": {ev.id}}})
		mustStatus(t, r, http.StatusOK, "resume")
		var got []string
		for _, line := range strings.Split(string(r.Body), "\n") {
			if d, ok := strings.CutPrefix(line, "data: "); ok {
				got = append(got, d)
			}
		}
		var rest []string
		for _, x := range all[k+1:] {
			rest = append(rest, x.data)
		}
		slices.Sort(got)
		// the sentinel is the one replayed event not heard before it
		if i := slices.IndexFunc(got, func(d string) bool { return strings.Contains(d, sentinel.ID) }); i >= 0 {
			got = slices.Delete(got, i, i+1)
		} else {
			t.Errorf("resuming after %s: the sentinel is missing", ev.id)
		}
		slices.Sort(rest)
		if !slices.Equal(got, rest) {
			t.Errorf("resuming after %s:\n got %v\nwant %v", ev.id, got, rest)
		}
	}
	// A malformed composite id is the contract's 400.
	for _, bad := range []string{"1.", ".1", "1.-1", "1.2.3", "01.2", "1.x"} {
		r := send(t, e, request{method: "GET", path: "/api/v1/events?follow=false", token: e.Token(t, "us-analyst"),
			header: http.Header{"Last-Event-Id": {bad}}})
		mustStatus(t, r, http.StatusBadRequest, "Last-Event-ID "+bad)
		errorOf(t, r)
	}
}

// FuzzParseEventID: the Last-Event-ID parser never panics and accepts
// only the ids the stream writes, "J.H" or "J", in canonical form.
func FuzzParseEventID(f *testing.F) {
	for _, s := range []string{"12.3", "-1", "-1.0", "0.0", "1.", ".1", "01.2", "1.2.3", "9223372036854775807.1", "+1.2", " 1.2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		j, h, err := httpapi.ParseEventID(s)
		if err != nil {
			return
		}
		back := strconv.FormatInt(j, 10)
		if h >= 0 {
			back += "." + strconv.FormatInt(h, 10)
		}
		if back != s || j < -1 || h < -1 {
			t.Fatalf("ParseEventID(%q) = %d, %d: writes back as %q", s, j, h, back)
		}
	})
}
