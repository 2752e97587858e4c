package auth

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// allow calls l.Allow and fails the test unless the answer is want (and, when
// refused, the wait is wantRetry).
func allow(tb testing.TB, l *Limiter, key string, now time.Time, want bool, wantRetry time.Duration) {
	tb.Helper()
	ok, retry := l.Allow(key, now)
	if ok != want || retry != wantRetry {
		tb.Fatalf("Allow(%q, t0+%v) = %v, %v; want %v, %v", key, now.Sub(t0), ok, retry, want, wantRetry)
	}
}

func TestLimiterBurstThenRefuse(t *testing.T) {
	l := NewLimiter(10*time.Second, 3, 100)
	for range 3 {
		allow(t, l, "alice", t0, true, 0)
	}
	allow(t, l, "alice", t0, false, 10*time.Second)
	// Refusals take nothing: the wait shrinks with time, not with attempts.
	allow(t, l, "alice", t0.Add(4*time.Second), false, 6*time.Second)
	allow(t, l, "alice", t0.Add(4*time.Second), false, 6*time.Second)
	// A fraction of a second still left is rounded up.
	allow(t, l, "alice", t0.Add(9500*time.Millisecond), false, time.Second)
	allow(t, l, "alice", t0.Add(10*time.Second), true, 0)
	allow(t, l, "alice", t0.Add(10*time.Second), false, 10*time.Second)
}

func TestLimiterRetryAfterRounding(t *testing.T) {
	for _, tc := range []struct {
		every, want time.Duration
	}{
		{100 * time.Millisecond, time.Second}, // at least one second
		{1500 * time.Millisecond, 2 * time.Second},
		{time.Minute, time.Minute},
		{time.Hour + time.Millisecond, time.Hour + time.Second},
	} {
		l := NewLimiter(tc.every, 1, 10)
		allow(t, l, "k", t0, true, 0)
		allow(t, l, "k", t0, false, tc.want)
	}
}

func TestLimiterRefills(t *testing.T) {
	l := NewLimiter(time.Second, 5, 100)
	for range 5 {
		allow(t, l, "k", t0, true, 0)
	}
	allow(t, l, "k", t0, false, time.Second)
	// After a long idle spell the bucket is full again, but no fuller.
	later := t0.Add(time.Hour)
	for range 5 {
		allow(t, l, "k", later, true, 0)
	}
	allow(t, l, "k", later, false, time.Second)
	// Steady use at the refill rate is always allowed.
	for i := range 20 {
		allow(t, l, "k", later.Add(time.Duration(i+1)*time.Second), true, 0)
	}
}

func TestLimiterKeysIndependent(t *testing.T) {
	l := NewLimiter(time.Minute, 2, 100)
	allow(t, l, "alice", t0, true, 0)
	allow(t, l, "alice", t0, true, 0)
	allow(t, l, "alice", t0, false, time.Minute)
	allow(t, l, "bob", t0, true, 0)
	allow(t, l, "bob", t0, true, 0)
	allow(t, l, "bob", t0, false, time.Minute)
	allow(t, l, "alice", t0, false, time.Minute)
}

func TestLimiterEvictionBoundsKeys(t *testing.T) {
	const maxKeys = 5
	l := NewLimiter(time.Minute, 1, maxKeys)
	// Exhaust "victim", then fill the limiter with other keys while
	// touching "victim" between them: being recently used, it must keep
	// its state while least recently used keys go.
	allow(t, l, "victim", t0, true, 0)
	for i := range 100 {
		allow(t, l, fmt.Sprint("k", i), t0, true, 0)
		if n := l.Len(); n > maxKeys {
			t.Fatalf("Len = %d after %d keys, want at most %d", n, i+2, maxKeys)
		}
		allow(t, l, "victim", t0, false, time.Minute)
	}
	// k99 is still held and exhausted; k0 was evicted and starts afresh.
	allow(t, l, "k99", t0, false, time.Minute)
	allow(t, l, "k0", t0, true, 0)
}

func TestLimiterDropsFullBuckets(t *testing.T) {
	l := NewLimiter(time.Second, 2, 1000)
	for i := range 100 {
		l.Allow(fmt.Sprint("k", i), t0)
	}
	if n := l.Len(); n != 100 {
		t.Fatalf("Len = %d, want 100", n)
	}
	// Once everyone has refilled, ordinary traffic sweeps the idle keys
	// away without any of them reaching capacity.
	later := t0.Add(time.Minute)
	for range 100 {
		l.Allow("active", later)
		later = later.Add(time.Second)
	}
	if n := l.Len(); n != 1 {
		t.Errorf("Len = %d after idle keys refilled, want 1", n)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	const workers, calls = 8, 500
	l := NewLimiter(time.Hour, 10, 50)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for w := range workers {
		wg.Go(func() {
			n := 0
			for i := range calls {
				// Half the calls share one key, the rest churn through many.
				key := "shared"
				if i%2 == 1 {
					key = fmt.Sprint("w", w, "-", i)
				}
				if ok, _ := l.Allow(key, t0); ok && key == "shared" {
					n++
				}
			}
			mu.Lock()
			allowed += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if allowed > 10 {
		t.Errorf("shared key allowed %d times, burst is 10", allowed)
	}
	if n := l.Len(); n > 50 {
		t.Errorf("Len = %d, want at most 50", n)
	}
}

func TestNewLimiterPanics(t *testing.T) {
	for _, args := range [][3]int{{0, 1, 1}, {1, 0, 1}, {1, 1, 0}, {-1, 1, 1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewLimiter%v did not panic", args)
				}
			}()
			NewLimiter(time.Duration(args[0])*time.Second, args[1], args[2])
		}()
	}
}

func TestInMemoryLimiters(t *testing.T) {
	mk := InMemory(10)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, b := mk("checks", time.Minute, 2), mk("checks", time.Minute, 2)
	for k, want := range []bool{true, true, false} {
		ok, after, err := a.Take(context.Background(), "us", t0)
		if err != nil || ok != want || (!ok && after != time.Minute) {
			t.Fatalf("take %d: %v, %v, %v; want %v", k, ok, after, err, want)
		}
	}
	// Each call makes a limiter of its own: in memory, nothing is shared.
	if ok, _, _ := b.Take(context.Background(), "us", t0); !ok {
		t.Fatal("a second in-memory limiter shares the first one's counts")
	}
}
