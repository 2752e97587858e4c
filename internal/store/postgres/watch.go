package postgres

import (
	"context"
	"time"

	"github.com/truce-org/truce/internal/store"
)

// The LISTEN/NOTIFY channels: appends to the journal, and HQ events (the
// payload names the party). They are the same for every schema of a
// database: a wake-up for another schema costs a needless read, nothing
// more.
const (
	notifyChannel = "truce_journal"
	hqChannel     = "truce_hq"
)

var (
	_ store.Watcher   = (*DB)(nil)
	_ store.HQWatcher = (*DB)(nil)
)

// WatchAppends implements store.Watcher with LISTEN on a connection of its
// own, re-established after a loss.
func (db *DB) WatchAppends(ctx context.Context) (<-chan struct{}, error) {
	ch := make(chan struct{}, 1)
	wake := func(string) {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	go db.watch(ctx, notifyChannel, wake)
	return ch, nil
}

// WatchHQ implements store.HQWatcher like WatchAppends, on a connection of
// its own: it sends the party of each HQ event any process adds, and ""
// (every party) whenever it (re)starts listening, for what it may have
// missed.
func (db *DB) WatchHQ(ctx context.Context) (<-chan string, error) {
	ch := make(chan string, 64)
	send := func(party string) {
		select {
		case ch <- party:
		case <-ctx.Done():
		}
	}
	go db.watch(ctx, hqChannel, send)
	return ch, nil
}

// watch listens on channel until ctx ends, calling got with each
// notification's payload, and with "" when it starts listening and after
// a lost connection: anything may have been missed while not listening.
func (db *DB) watch(ctx context.Context, channel string, got func(payload string)) {
	for backoff := 100 * time.Millisecond; ctx.Err() == nil; {
		if err := db.listen(ctx, channel, got); err != nil && ctx.Err() == nil {
			got("")
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}
}

func (db *DB) listen(ctx context.Context, channel string, got func(string)) error {
	pooled, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A listening connection is never handed back to the pool.
	conn := pooled.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	got("") // catch up on what happened before LISTEN took effect
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		got(n.Payload)
	}
}
