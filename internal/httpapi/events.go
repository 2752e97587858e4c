package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/journal"
	"github.com/truce-org/truce/internal/office"
)

// eventStream serves GET /api/v1/events: Server-Sent Events of what reaches
// the office, each with its journal index as id. Every journal entry is an
// office item every member may see. A client resumes with Last-Event-ID
// (or ?last_event_id=): events after it are replayed from the journal, then
// the stream goes live (unless ?follow=false, which ends the stream after
// the replay). A client that falls behind is dropped rather than slowing
// the server, and resumes the same way.
func (s *Server) eventStream(w http.ResponseWriter, r *http.Request) error {
	follow := true
	if v := r.URL.Query().Get("follow"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return truce.Invalid("follow", "follow must be true or false")
		}
		follow = b
	}
	from := int64(-1) // the first index to send; -1: only new events
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("last_event_id")
	}
	if last != "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < -1 {
			return truce.Invalid("Last-Event-ID", "Last-Event-ID must be a journal index this server sent")
		}
		from = n + 1
	}
	sub, published := s.events.Subscribe()
	defer sub.Cancel()
	if from < 0 {
		from = published + 1
	}

	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": truce events\n\n")
	if err := rc.Flush(); err != nil {
		return nil
	}
	send := func(ev office.Event) error {
		// Events of reports the caller may not read, and of requests it is
		// not party to, are withheld whole (ids skip them).
		if ok, err := s.office.EventVisible(r.Context(), ev); err != nil || !ok {
			return err
		}
		data, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.Index, ev.Kind, data); err != nil {
			return err
		}
		return nil
	}

	// Replay what the journal holds after from, up to what was published
	// when the subscription began; live events carry on from there.
	next := from
	if next <= published {
		if err := s.store.Entries(r.Context(), next, published+1, func(index int64, note []byte) error {
			e, err := journal.ParseEntry(note)
			if err != nil {
				return err
			}
			next = index + 1
			return send(office.EventOf(index, e))
		}); err != nil {
			s.log.Warn("event stream replay", "err", err)
			return nil
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
	if !follow {
		return nil
	}
	beat := time.NewTicker(s.cfg.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return nil
			}
		case ev, ok := <-sub.C:
			if !ok {
				// Dropped for falling behind: the client resumes by id.
				fmt.Fprint(w, "event: dropped\ndata: {}\n\n")
				rc.Flush()
				return nil
			}
			if ev.Index < next {
				continue
			}
			if err := send(ev); err != nil {
				return nil
			}
			next = ev.Index + 1
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}
