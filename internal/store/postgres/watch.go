package postgres

import (
	"context"
	"time"

	"github.com/truce-org/truce/internal/store"
)

// notifyChannel is the LISTEN/NOTIFY channel appends notify on. It is the
// same for every schema of a database: a wake-up for another schema's
// append costs a follower one needless poll, nothing more.
const notifyChannel = "truce_journal"

var _ store.Watcher = (*DB)(nil)

// WatchAppends implements store.Watcher with LISTEN on a connection of its
// own, re-established after a loss.
func (db *DB) WatchAppends(ctx context.Context) (<-chan struct{}, error) {
	ch := make(chan struct{}, 1)
	wake := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	go func() {
		for backoff := 100 * time.Millisecond; ctx.Err() == nil; {
			if err := db.listen(ctx, wake); err != nil && ctx.Err() == nil {
				// Anything may have been missed while not listening.
				wake()
				select {
				case <-ctx.Done():
				case <-time.After(backoff):
				}
				backoff = min(2*backoff, 5*time.Second)
			}
		}
	}()
	return ch, nil
}

func (db *DB) listen(ctx context.Context, wake func()) error {
	pooled, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A listening connection is never handed back to the pool.
	conn := pooled.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	wake() // catch up on what happened before LISTEN took effect
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}
