package auth

import (
	"container/list"
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a set of token buckets, one per key (a username, a remote
// address, a party), each refilled with one token per interval up to a
// burst. It keeps at most a fixed number of keys. It is safe for concurrent
// use.
//
// Buckets that have refilled completely are dropped, since a new bucket is
// the same as a full one. When the limiter is at capacity and every bucket is
// still in use, the least recently used one is dropped, which forgives that
// key; so choose maxKeys above the number of keys expected to be active
// within one full refill (interval × burst), or an attacker cycling through
// more keys than that can reset others' limits.
type Limiter struct {
	every   time.Duration
	limit   rate.Limit
	burst   int
	maxKeys int

	mu   sync.Mutex
	keys map[string]*list.Element
	lru  list.List // of *bucket, most recently used first
}

type bucket struct {
	key string
	lim *rate.Limiter
}

// sweepPerCall bounds how many full buckets one Allow drops, so that the
// cost of cleaning up is spread over calls.
const sweepPerCall = 2

// NewLimiter returns a Limiter that allows burst events at once per key and
// one more every interval, for at most maxKeys keys. It panics unless all
// three are positive: a zero interval would silently mean no limit at all.
func NewLimiter(every time.Duration, burst int, maxKeys int) *Limiter {
	if every <= 0 || burst < 1 || maxKeys < 1 {
		panic("auth: NewLimiter: interval, burst and maxKeys must be positive")
	}
	return &Limiter{
		every:   every,
		limit:   rate.Every(every),
		burst:   burst,
		maxKeys: maxKeys,
		keys:    make(map[string]*list.Element),
	}
}

// Allow takes one token from key's bucket at time now and reports whether
// there was one. When there was not, retryAfter is how long until there will
// be, rounded up to whole seconds and at least one second, as an HTTP
// Retry-After header wants it. now is a parameter so that tests need not
// sleep; pass time.Now() otherwise.
func (l *Limiter) Allow(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)

	var lim *rate.Limiter
	if e, found := l.keys[key]; found {
		l.lru.MoveToFront(e)
		lim = e.Value.(*bucket).lim
	} else {
		if len(l.keys) >= l.maxKeys {
			l.remove(l.lru.Back())
		}
		lim = rate.NewLimiter(l.limit, l.burst)
		l.keys[key] = l.lru.PushFront(&bucket{key: key, lim: lim})
	}

	if lim.AllowN(now, 1) {
		return true, 0
	}
	// AllowN leaves the bucket untouched when it refuses, so the missing
	// fraction of a token is all there is to wait for.
	wait := time.Duration((1 - lim.TokensAt(now)) * float64(l.every))
	secs := max(math.Ceil(wait.Seconds()), 1)
	return false, time.Duration(secs) * time.Second
}

// RateLimiter takes one event of key at now, or refuses it and says how
// long to wait. A [Limiter] is one in a process's memory; a store shared by
// several nodes may offer one kept in the database, so that a limit holds
// across all of them rather than per node.
type RateLimiter interface {
	Take(ctx context.Context, key string, now time.Time) (ok bool, retryAfter time.Duration, err error)
}

// Limiters makes the rate limiter of one kind of event (scope): burst
// events at once per key and one more every interval.
type Limiters func(scope string, every time.Duration, burst int) RateLimiter

// InMemory is Limiters of [Limiter]s, each holding at most maxKeys keys.
func InMemory(maxKeys int) Limiters {
	return func(_ string, every time.Duration, burst int) RateLimiter {
		return NewLimiter(every, burst, maxKeys)
	}
}

// Take is Allow as a [RateLimiter]: it never fails.
func (l *Limiter) Take(_ context.Context, key string, now time.Time) (bool, time.Duration, error) {
	ok, after := l.Allow(key, now)
	return ok, after, nil
}

// Len returns the number of keys held, for metrics.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// sweep drops least recently used buckets that are full again at now.
func (l *Limiter) sweep(now time.Time) {
	for range sweepPerCall {
		e := l.lru.Back()
		if e == nil || e.Value.(*bucket).lim.TokensAt(now) < float64(l.burst) {
			return
		}
		l.remove(e)
	}
}

func (l *Limiter) remove(e *list.Element) {
	delete(l.keys, e.Value.(*bucket).key)
	l.lru.Remove(e)
}
