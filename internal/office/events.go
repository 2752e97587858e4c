package office

import (
	"sync"
	"time"

	"github.com/truce-org/truce"
)

// Event is one change the office announces: a journal entry, by index.
type Event struct {
	Index   int64     `json:"index"`
	Kind    string    `json:"kind"`
	Subject string    `json:"subject"`
	Party   string    `json:"party"`
	Member  string    `json:"member"`
	Time    time.Time `json:"time"`
}

// EventOf is the event an entry at index makes.
func EventOf(index int64, e truce.Entry) Event {
	return Event{Index: index, Kind: e.Kind, Subject: e.Subject, Party: e.Party, Member: e.Member, Time: e.Time}
}

// Hub fans the journal's entries out to live subscribers, in index order.
// A subscriber that falls behind by more than its buffer is dropped (its
// channel closed) rather than slowing anyone: it resumes by index.
type Hub struct {
	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	last   int64 // index of the last event published, -1 before any
	buffer int
}

// Subscription receives events until it is dropped or cancelled.
type Subscription struct {
	C   <-chan Event
	c   chan Event
	hub *Hub
}

// NewHub returns a hub whose subscribers buffer up to buffer events.
func NewHub(buffer int) *Hub {
	if buffer <= 0 {
		buffer = 256
	}
	return &Hub{subs: map[*Subscription]struct{}{}, last: -1, buffer: buffer}
}

// Subscribe starts a subscription and says the last index published before
// it, so the subscriber can replay older events from the journal first.
func (h *Hub) Subscribe() (*Subscription, int64) {
	c := make(chan Event, h.buffer)
	s := &Subscription{C: c, c: c, hub: h}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs[s] = struct{}{}
	return s, h.last
}

// Cancel ends s.
func (s *Subscription) Cancel() {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.c)
	}
}

// Publish sends events (in index order) to every subscriber; events at or
// before the last one published are ignored.
func (h *Hub) Publish(events []Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ev := range events {
		if ev.Index <= h.last {
			continue
		}
		h.last = ev.Index
		for s := range h.subs {
			select {
			case s.c <- ev:
			default:
				delete(h.subs, s)
				close(s.c)
			}
		}
	}
}

// Started tells the hub the journal's size when following began, so the
// first subscribers know where live events start.
func (h *Hub) Started(size int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if size-1 > h.last {
		h.last = size - 1
	}
}
