package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce/internal/cli"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/testenv"
)

// sse reads one event stream.
type sse struct {
	t    *testing.T
	sc   *bufio.Scanner
	body interface{ Close() error }
}

type sseEvent struct {
	id, event, data string
	comment         bool
}

func openEvents(t *testing.T, e *testenv.Env, username, lastID string) *sse {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", e.Server.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+e.Token(t, username))
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := e.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	t.Cleanup(func() { resp.Body.Close() })
	return &sse{t: t, sc: bufio.NewScanner(resp.Body), body: resp.Body}
}

// next reads the next event or comment, failing after d.
func (s *sse) next(d time.Duration) sseEvent {
	s.t.Helper()
	done := make(chan sseEvent, 1)
	go func() {
		var ev sseEvent
		for s.sc.Scan() {
			line := s.sc.Text()
			switch {
			case line == "":
				if ev != (sseEvent{}) {
					done <- ev
					return
				}
			case strings.HasPrefix(line, ":"):
				done <- sseEvent{comment: true, data: line}
				return
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
		close(done)
	}()
	select {
	case ev, ok := <-done:
		if !ok {
			s.t.Fatal("the event stream ended")
		}
		return ev
	case <-time.After(d):
		s.t.Fatalf("no event within %v", d)
	}
	return sseEvent{}
}

// nextEvent skips comments.
func (s *sse) nextEvent(d time.Duration) sseEvent {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for {
		ev := s.next(time.Until(deadline))
		if !ev.comment {
			return ev
		}
	}
}

// journalPart is the journal index of an event id "J.H".
func journalPart(id string) string {
	j, _, _ := strings.Cut(id, ".")
	return j
}

func TestEvents(t *testing.T) {
	t.Parallel()
	e := testenv.New(t, func(o *cli.Options) { o.Heartbeat = 50 * time.Millisecond })
	size := e.JournalSize(t)

	// Resuming after size-3 replays the last two entries, in order.
	s := openEvents(t, e, "ru-observer", strconv.FormatInt(size-3, 10))
	for want := size - 2; want < size; want++ {
		ev := s.nextEvent(5 * time.Second)
		if journalPart(ev.id) != strconv.FormatInt(want, 10) {
			t.Fatalf("replayed event id %q, want %d", ev.id, want)
		}
		var body office.Event
		if err := json.Unmarshal([]byte(ev.data), &body); err != nil || body.Index != want || body.Kind != ev.event {
			t.Fatalf("event %q %s: %v", ev.event, ev.data, err)
		}
	}
	// Then live: us releases a zone, ru's stream hears of it.
	z := newZone(t, e, "us", true)
	ev := s.nextEvent(5 * time.Second)
	if journalPart(ev.id) != strconv.FormatInt(size, 10) || ev.event != "zone.release" || !strings.Contains(ev.data, z.ID) {
		t.Fatalf("live event: %+v", ev)
	}
	// Idle streams hear heartbeats.
	if hb := s.next(2 * time.Second); !hb.comment {
		t.Fatalf("expected a heartbeat, got %+v", hb)
	}

	// A draft is the owner's HQ's, not an office event: nothing is sent.
	newZone(t, e, "us", false)
	newZone(t, e, "us", true)
	ev = s.nextEvent(5 * time.Second)
	if journalPart(ev.id) != strconv.FormatInt(size+1, 10) {
		t.Fatalf("after a draft and a release, event %+v, want id %d", ev, size+1)
	}

	// A bad Last-Event-ID is the contract's 400.
	r := send(t, e, request{method: "GET", path: "/api/v1/events", token: e.Token(t, "us-official"), header: http.Header{"Last-Event-Id": {"yesterday"}}})
	mustStatus(t, r, http.StatusBadRequest, "bad Last-Event-ID")
	errorOf(t, r)
}
