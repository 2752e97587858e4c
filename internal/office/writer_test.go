package office_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/cli"
	"github.com/truce-org/truce/internal/journal"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/testenv"
)

type countingObserver struct {
	batches, entries atomic.Int64
}

func (o *countingObserver) ObserveAppend(n int, _ time.Duration, _ int64) {
	o.batches.Add(1)
	o.entries.Add(int64(n))
}

func firstActor(t testing.TB, e *testenv.Env) string {
	t.Helper()
	as, err := e.App.Storage.Store.Actors(context.Background(), storePage(1))
	if err != nil || len(as) == 0 {
		t.Fatalf("no actor: %v", err)
	}
	return as[0].ID
}

// TestGroupCommit: 64 concurrent writers, each answered only once its entry
// is durable, batched into fewer transactions than entries, and a rejected
// request in a batch consumes no index and no party_seq.
func TestGroupCommit(t *testing.T) {
	e := testenv.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	obs := &countingObserver{}
	w := office.NewWriter(e.App.Storage.Store, e.App.Storage.Ring, office.WriterConfig{Origin: e.App.Arrangement.Origin, Observer: obs})
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	actor := firstActor(t, e)
	before := e.JournalSize(t)

	const writers, each = 64, 10
	var wg sync.WaitGroup
	var rejected atomic.Int64
	indexes := make(chan int64, writers*each)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			party := []string{"us", "ru"}[g%2]
			for i := range each {
				subject := actor
				if i == 3 {
					subject = "act_nonexistent" // rejected by the fold
				}
				app, err := w.Append(ctx, office.Request{Party: party, Member: party + "-official", Kind: truce.KindDesignationSet,
					Subject: subject, Body: office.DesignationSetBody{Party: party, Designation: truce.DesignationExcluded, Note: fmt.Sprint(g, i)}})
				if subject != actor {
					if truce.ErrorCode(err) != truce.ENotFound {
						t.Errorf("rejected append: got %v, want not found", err)
					}
					rejected.Add(1)
					continue
				}
				if err != nil {
					t.Errorf("append: %v", err)
					return
				}
				indexes <- app.Index
			}
		}()
	}
	wg.Wait()
	close(indexes)
	seen := map[int64]bool{}
	for i := range indexes {
		if seen[i] {
			t.Fatalf("index %d given twice", i)
		}
		seen[i] = true
	}
	want := int64(writers * (each - 1))
	if int64(len(seen)) != want || rejected.Load() != writers {
		t.Fatalf("%d appended, %d rejected; want %d and %d", len(seen), rejected.Load(), want, writers)
	}
	if got := e.JournalSize(t) - before; got != want {
		t.Fatalf("journal grew by %d, want %d", got, want)
	}
	for i := before; i < before+want; i++ {
		if !seen[i] {
			t.Fatalf("index %d missing: indexes are not contiguous", i)
		}
	}
	if obs.entries.Load() != want {
		t.Errorf("observer saw %d entries, want %d", obs.entries.Load(), want)
	}
	if obs.batches.Load() >= want {
		t.Errorf("%d batches for %d entries: appends were not grouped", obs.batches.Load(), want)
	}
	t.Logf("%d entries in %d batches", want, obs.batches.Load())

	// Durable and visible to a fresh connection; party_seq has no gap.
	other, err := cli.OpenStorage(context.Background(), e.DB, e.Keys)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if n, _ := other.Store.JournalSize(context.Background()); n != before+want {
		t.Fatalf("a fresh connection sees %d entries, want %d", n, before+want)
	}
	if _, err := office.VerifyStore(context.Background(), e.App.Storage.Store, office.VerifyOptions{}); err != nil {
		t.Fatalf("verify after concurrent appends: %v", err)
	}
	cancel()
	<-done
}

// TestSubmitGroup: a group's entries are committed in one batch, in order,
// each folded on its own: one refused takes no index and the others are
// written; callers wait for each apart.
func TestSubmitGroup(t *testing.T) {
	e := testenv.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	obs := &countingObserver{}
	w := office.NewWriter(e.App.Storage.Store, e.App.Storage.Ring, office.WriterConfig{Origin: e.App.Arrangement.Origin, Observer: obs})
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	actor := firstActor(t, e)
	before := e.JournalSize(t)
	var reqs []office.Request
	for k, subject := range []string{actor, "act_nonexistent", actor, actor} {
		reqs = append(reqs, office.Request{Party: "us", Member: "us-official", Kind: truce.KindDesignationSet,
			Subject: subject, Body: office.DesignationSetBody{Party: "us", Designation: truce.DesignationExcluded, Note: fmt.Sprint(k)}})
	}
	waits, err := w.SubmitGroup(ctx, reqs)
	if err != nil || len(waits) != len(reqs) {
		t.Fatalf("submit group: %d waits, %v", len(waits), err)
	}
	var got []int64
	for k, wait := range waits {
		app, err := wait(ctx)
		if k == 1 {
			if truce.ErrorCode(err) != truce.ENotFound {
				t.Errorf("refused entry of the group: %v, want not found", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("entry %d of the group: %v", k, err)
		}
		got = append(got, app.Index)
	}
	if want := []int64{before, before + 1, before + 2}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("indexes %v, want %v", got, want)
	}
	if obs.batches.Load() != 1 || obs.entries.Load() != 3 {
		t.Errorf("%d batches of %d entries in all, want one of 3", obs.batches.Load(), obs.entries.Load())
	}
	// A group refused before it is queued (its body does not encode) writes nothing.
	if _, err := w.SubmitGroup(ctx, []office.Request{reqs[0], {Party: "us", Member: "us-official", Kind: truce.KindDesignationSet,
		Subject: actor, Body: func() {}}}); err == nil {
		t.Error("a group with a body that does not encode was queued")
	}
	cancel()
	<-done
	if n := e.JournalSize(t); n != before+3 {
		t.Errorf("journal size %d, want %d", n, before+3)
	}
}

func TestWriterStopsCleanly(t *testing.T) {
	e := testenv.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	w := office.NewWriter(e.App.Storage.Store, e.App.Storage.Ring, office.WriterConfig{Origin: e.App.Arrangement.Origin})
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	cancel()
	<-done
	actx, acancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer acancel()
	_, err := w.Append(actx, office.Request{Party: "us", Member: "us-official", Kind: truce.KindActorCreate, Subject: "act_x", Body: office.ActorCreateBody{Name: "x"}})
	if err == nil {
		t.Fatal("append after stop succeeded")
	}
	if !errors.Is(err, context.DeadlineExceeded) && truce.ErrorCode(err) != truce.EUnavailable {
		t.Fatalf("append after stop: %v", err)
	}
}

func TestEntriesAreSignedByTheActingParty(t *testing.T) {
	e := testenv.New(t)
	keys, _, err := office.KeysOf(context.Background(), e.App.Storage.Store)
	if err != nil {
		t.Fatal(err)
	}
	seqs := map[string]int64{}
	err = e.App.Storage.Store.Entries(context.Background(), 0, e.JournalSize(t), func(i int64, note []byte) error {
		en, err := journal.OpenEntry(note, keys)
		if err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		seqs[en.Party]++
		if en.PartySeq != seqs[en.Party] {
			return fmt.Errorf("entry %d: party_seq %d, want %d", i, en.PartySeq, seqs[en.Party])
		}
		if en.Member == "" || en.Time.IsZero() || en.V != 1 {
			return fmt.Errorf("entry %d incomplete: %+v", i, en)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// failingCommits is a store whose appends run and are then rolled back, as
// when the commit fails.
type failingCommits struct{ store.Store }

var errCommit = errors.New("commit failed")

func (f failingCommits) Append(ctx context.Context, fn func(store.AppendTx) error) error {
	err := f.Store.Append(ctx, func(tx store.AppendTx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errCommit
	})
	if errors.Is(err, errCommit) {
		return err
	}
	return fmt.Errorf("append ran through: %v", err)
}

// TestCommittingUndone: the OnCommitting listeners hear of a batch before
// its commit, and of its undoing when the commit fails; OnAppend's hear
// only of what was committed.
func TestCommittingUndone(t *testing.T) {
	e := testenv.New(t)
	size := e.JournalSize(t)
	var committing, undone, appended []int64
	for _, st := range []store.Store{failingCommits{e.App.Storage.Store}, e.App.Storage.Store} {
		w := office.NewWriter(st, e.App.Storage.Ring, office.WriterConfig{Origin: e.App.Arrangement.Origin})
		w.OnCommitting(func(apps []office.Appended) {
			for _, a := range apps {
				committing = append(committing, a.Index)
			}
		}, func(apps []office.Appended) {
			for _, a := range apps {
				undone = append(undone, a.Index)
			}
		})
		w.OnAppend(func(apps []office.Appended) {
			for _, a := range apps {
				appended = append(appended, a.Index)
			}
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { w.Run(ctx); close(done) }()
		_, err := w.Append(ctx, office.Request{Party: "us", Member: "us-official", Kind: truce.KindActorCreate,
			Subject: truce.NewID("act"), Body: office.ActorCreateBody{Name: "x " + truce.NewID("n")}})
		cancel()
		<-done
		if st == e.App.Storage.Store && err != nil {
			t.Fatal(err)
		}
		if st != e.App.Storage.Store && truce.ErrorCode(err) != truce.EUnavailable {
			t.Fatalf("append whose commit fails: %v", err)
		}
	}
	if fmt.Sprint(committing) != fmt.Sprint([]int64{size, size}) || fmt.Sprint(undone) != fmt.Sprint([]int64{size}) ||
		fmt.Sprint(appended) != fmt.Sprint([]int64{size}) {
		t.Fatalf("committing %v, undone %v, appended %v; want [%d %d], [%d], [%d]", committing, undone, appended, size, size, size, size)
	}
}
