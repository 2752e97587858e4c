package postgres

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce/internal/auth"
	"github.com/truce-org/truce/internal/store/postgres/pgtest"
)

var _ auth.RateLimiter = (*RateLimiter)(nil)

// TestRateLimiter runs the same events through the shared limiter, on two
// pools of one database as two nodes would, and through auth.Limiter:
// their answers must be the same, and the two pools must count as one.
func TestRateLimiter(t *testing.T) {
	url := pgtest.URL(t)
	a, b := mustOpen(t, url), mustOpen(t, url)
	ctx := context.Background()
	const every, burst = 10 * time.Second, 3
	nodes := []*RateLimiter{a.RateLimiter("checks", every, burst), b.RateLimiter("checks", every, burst)}
	mem := auth.NewLimiter(every, burst, 100)
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	steps := []struct {
		key string
		at  time.Duration
	}{
		{"us", 0}, {"us", 0}, {"us", time.Second}, // the burst, over both nodes
		{"us", 2 * time.Second},  // refused: 8 s to wait
		{"ru", 2 * time.Second},  // another key
		{"us", 10 * time.Second}, // one interval after the first: one more
		{"us", 10 * time.Second}, // refused again
		{"us", 45 * time.Second}, // refilled to the burst
		{"us", 45 * time.Second}, {"us", 45 * time.Second}, {"us", 45 * time.Second},
		{strings.Repeat("\x00é", 300), 45 * time.Second}, // any bytes make a key
	}
	allowed := 0
	for k, s := range steps {
		now := t0.Add(s.at)
		ok, after, err := nodes[k%2].Take(ctx, s.key, now)
		if err != nil {
			t.Fatalf("step %d: %v", k, err)
		}
		wantOK, wantAfter := mem.Allow(s.key, now)
		// auth.Limiter rounds its wait up to whole seconds.
		if ok != wantOK || (!ok && (after <= wantAfter-time.Second || after > wantAfter)) {
			t.Errorf("step %d (%q at %v): shared says %v, %v; in memory %v, %v", k, s.key, s.at, ok, after, wantOK, wantAfter)
		}
		if ok {
			allowed++
		}
	}
	if allowed != 9 {
		t.Errorf("%d events allowed, want 9", allowed)
	}

	// Another scope counts apart.
	if ok, _, err := a.RateLimiter("sign-in", every, 1).Take(ctx, "us", t0.Add(2*time.Second)); err != nil || !ok {
		t.Fatalf("another scope: %v, %v", ok, err)
	}

	// Keys idle at now are swept; a key still limited is not.
	n, err := a.DeleteIdleRateLimits(ctx, t0.Add(50*time.Second))
	if err != nil || n != 2 {
		t.Fatalf("swept %d (%v), want ru and sign-in's us", n, err)
	}
	if ok, after, err := nodes[0].Take(ctx, "us", t0.Add(50*time.Second)); err != nil || ok || after <= 0 {
		t.Fatalf("us after the sweep: %v, %v, %v; want still refused", ok, after, err)
	}

	// A cancelled context is an error, not an answer.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := nodes[0].Take(cctx, "us", t0); err == nil {
		t.Fatal("Take on a cancelled context succeeded")
	}
}

// TestRateLimiterConcurrent takes events from many goroutines on two pools
// at one instant: exactly the burst is allowed.
func TestRateLimiterConcurrent(t *testing.T) {
	url := pgtest.URL(t)
	pools := []*DB{mustOpen(t, url), mustOpen(t, url)}
	const burst = 25
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	results := make(chan bool, 100)
	for k := range cap(results) {
		l := pools[k%2].RateLimiter("checks", time.Hour, burst)
		go func() {
			ok, _, err := l.Take(context.Background(), "party", now)
			if err != nil {
				t.Error(err)
			}
			results <- ok
		}()
	}
	allowed := 0
	for range cap(results) {
		if <-results {
			allowed++
		}
	}
	if allowed != burst {
		t.Fatalf("%d of %d concurrent events allowed, want the burst of %d", allowed, cap(results), burst)
	}
}

// BenchmarkRateLimiter takes events of many keys through the shared
// limiter beside the in-memory one (the baseline, same process): what a
// deconfliction check or sign-in pays for counting across nodes.
func BenchmarkRateLimiter(b *testing.B) {
	db := mustOpen(b, pgtest.URL(b))
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		l    auth.RateLimiter
	}{
		{"in-memory", auth.NewLimiter(time.Nanosecond, 1<<30, 100_000)},
		{"postgres", db.RateLimiter("bench", time.Nanosecond, 1<<30)},
	} {
		b.Run(c.name, func(b *testing.B) {
			k := 0
			for b.Loop() {
				k++
				if ok, _, err := c.l.Take(ctx, "party-"+strconv.Itoa(k%64), now); err != nil || !ok {
					b.Fatalf("take: %v, %v", ok, err)
				}
			}
		})
	}
}
