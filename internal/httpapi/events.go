package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/journal"
	"github.com/truce-org/truce/internal/office"
)

// eventStream serves GET /api/v1/events: Server-Sent Events of what the
// caller may see: every journal entry (office events) except those of
// reports and requests for information it may not read, which are
// withheld (see office.EventVisible), and the changes of its own party's
// HQ (drafts, sites for the roles that see them, probes). Each event's id
// is "J.H": the journal index and the party's HQ sequence number the
// stream has reached, so one Last-Event-ID (or ?last_event_id=) resumes
// both: journal entries after J and HQ changes after H are replayed, then
// the stream goes live (unless ?follow=false, which ends the stream after
// the replay). A plain "J" resumes the journal and starts the HQ changes
// from now. A client that falls behind is dropped rather than slowing the
// server, and resumes the same way.
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
	hqFrom := int64(-1)
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("last_event_id")
	}
	if last != "" {
		j, h, err := ParseEventID(last)
		if err != nil {
			return err
		}
		from, hqFrom = j+1, h
	}
	ctx := r.Context()
	m := truce.CallerFrom(ctx)
	var wake <-chan struct{}
	if m != nil && !m.Admin && m.Party != "" {
		c, cancel := s.office.HQWake().Subscribe(m.Party)
		defer cancel()
		wake = c
	}
	sub, published := s.events.Subscribe()
	defer sub.Cancel()
	if from < 0 {
		from = published + 1
	}
	hq := hqFrom // the last HQ sequence number passed
	if hq < 0 {
		var err error
		if hq, err = s.office.HQSeq(ctx); err != nil {
			return err
		}
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
	next := from // the next journal index to send
	send := func(ev office.Event) error {
		next = ev.Index + 1
		// Events of reports the caller may not read, and of requests it is
		// not party to, are withheld whole (ids skip them).
		if ok, err := s.office.EventVisible(ctx, ev); err != nil || !ok {
			return err
		}
		data, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "id: %d.%d\nevent: %s\ndata: %s\n\n", ev.Index, hq, ev.Kind, data)
		return err
	}
	// sendHQ sends the caller's party's HQ changes after hq.
	sendHQ := func() error {
		for {
			evs, lastSeq, err := s.office.HQEvents(ctx, hq, 500)
			if err != nil || lastSeq == hq {
				return err
			}
			for _, e := range evs {
				data, err := json.Marshal(e)
				if err != nil {
					return err
				}
				if _, err := fmt.Fprintf(w, "id: %d.%d\nevent: %s\ndata: %s\n\n", next-1, e.Seq, e.Kind, data); err != nil {
					return err
				}
			}
			hq = lastSeq
		}
	}

	// Replay what the journal holds after from, up to what was published
	// when the subscription began, then the HQ changes; live events carry
	// on from there.
	if next <= published {
		if err := s.store.Entries(ctx, next, published+1, func(index int64, note []byte) error {
			e, err := journal.ParseEntry(note)
			if err != nil {
				return err
			}
			return send(office.EventOf(index, e))
		}); err != nil {
			s.log.Warn("event stream replay", "err", err)
			return nil
		}
	}
	if err := sendHQ(); err != nil {
		s.log.Warn("event stream hq replay", "err", err)
		return nil
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	if !follow {
		return nil
	}
	beat := time.NewTicker(s.cfg.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return nil
			}
			// HQ changes made through another node wake no one here.
			if wake != nil {
				if err := sendHQ(); err != nil {
					return nil
				}
			}
		case <-wake:
			if err := sendHQ(); err != nil {
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
			// An HQ change whose wake-up is pending was made before this
			// entry was published: it goes first, whichever case select
			// happened to pick.
			select {
			case <-wake:
				if err := sendHQ(); err != nil {
					return nil
				}
			default:
			}
			if err := send(ev); err != nil {
				return nil
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

// ParseEventID reads a Last-Event-ID: "J.H" as the event stream writes
// it (journal index J ≥ -1, HQ sequence H ≥ 0), or a plain "J", for which
// H is -1 (HQ changes from now on).
func ParseEventID(s string) (j, h int64, err error) {
	bad := truce.Invalid("Last-Event-ID", "Last-Event-ID must be an event id this server sent (J.H or J)")
	js, hs, composite := strings.Cut(s, ".")
	j, err = strconv.ParseInt(js, 10, 64)
	if err != nil || j < -1 || (js != "-1" && js != strconv.FormatInt(j, 10)) {
		return 0, 0, bad
	}
	if !composite {
		return j, -1, nil
	}
	h, err = strconv.ParseInt(hs, 10, 64)
	if err != nil || h < 0 || hs != strconv.FormatInt(h, 10) {
		return 0, 0, bad
	}
	return j, h, nil
}
