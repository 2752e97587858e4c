package demo

import (
	"sync"
	"time"
)

// Clock is the demo's clock: the scenario is seeded over a few past months
// by setting it forward, then it follows real time.
type Clock struct {
	mu   sync.Mutex
	at   time.Time
	real bool
}

// NewClock returns a clock stopped at start.
func NewClock(start time.Time) *Clock { return &Clock{at: start} }

// RealClock returns a clock that follows real time from the start.
func RealClock() *Clock { return &Clock{real: true} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.real {
		return time.Now()
	}
	return c.at
}

// Set moves the clock to t; it never moves back.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.at) {
		c.at = t
	}
}

// Release makes the clock follow real time.
func (c *Clock) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.real = true
}

// Days is how far back the scenario starts.
const Days = 100

// Start is when the scenario begins, Days before now.
func Start() time.Time { return time.Now().UTC().Add(-Days * 24 * time.Hour).Truncate(time.Hour) }
