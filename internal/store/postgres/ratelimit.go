package postgres

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
)

// RateLimiter allows burst events at once per key and one more every
// interval, counting in the database (the generic cell rate algorithm on
// rate_limits), so that every node sharing it enforces one limit: a party
// spreading its deconfliction checks over N nodes gets the rate once, not N
// times. Its answers are those of auth.Limiter, the in-memory one. Times
// come from the caller, as they do for auth.Limiter; nodes whose clocks
// differ by d let a key at most d's worth of extra events.
type RateLimiter struct {
	db        *DB
	scope     string
	every     int64 // the emission interval, in nanoseconds
	tolerance int64 // how far ahead of now the arrival time may run: (burst-1) intervals
}

// RateLimiter returns the limiter of scope (one kind of event).
func (db *DB) RateLimiter(scope string, every time.Duration, burst int) *RateLimiter {
	if every <= 0 || burst < 1 {
		panic("postgres: RateLimiter: interval and burst must be positive")
	}
	tol := int64(math.MaxInt64 / 4)
	if int64(burst-1) < tol/int64(every) {
		tol = int64(burst-1) * int64(every)
	}
	return &RateLimiter{db: db, scope: scope, every: int64(every), tolerance: tol}
}

// qTake moves key's arrival time one interval on, from now if it lies in
// the past, unless that would put it beyond the tolerance; it returns a row
// only when the event is allowed.
const qTake = `INSERT INTO rate_limits AS r (scope, key, tat) VALUES ($1, $2, $3::bigint + $4::bigint)
	ON CONFLICT (scope, key) DO UPDATE SET tat = GREATEST(r.tat, $3::bigint) + $4::bigint
	WHERE GREATEST(r.tat, $3::bigint) - $3::bigint <= $5::bigint
	RETURNING tat`

// Take takes one event of key at now, or says how long until one is allowed.
func (l *RateLimiter) Take(ctx context.Context, key string, now time.Time) (bool, time.Duration, error) {
	h := sha256.Sum256([]byte(key))
	at := now.UnixNano()
	var tat int64
	err := l.db.pool.QueryRow(ctx, qTake, l.scope, h[:], at, l.every, l.tolerance).Scan(&tat)
	if err == nil {
		return true, 0, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return false, 0, fmt.Errorf("postgres: rate limit %s: %w", l.scope, err)
	}
	if err := l.db.pool.QueryRow(ctx, "SELECT tat FROM rate_limits WHERE scope = $1 AND key = $2", l.scope, h[:]).Scan(&tat); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			// Swept between the two statements: allowed again.
			return false, time.Nanosecond, nil
		}
		return false, 0, fmt.Errorf("postgres: rate limit %s: %w", l.scope, err)
	}
	return false, time.Duration(max(tat-at-l.tolerance, 1)), nil
}

// DeleteIdleRateLimits removes the rate limits whose keys are as free at
// now as keys never seen, and says how many.
func (db *DB) DeleteIdleRateLimits(ctx context.Context, now time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, "DELETE FROM rate_limits WHERE tat <= $1", now.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("postgres: delete idle rate limits: %w", err)
	}
	return tag.RowsAffected(), nil
}
