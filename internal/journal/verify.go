package journal

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/truce-org/truce"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// EntrySource yields a journal's entries in index order, calling yield once
// per entry, one call at a time, until yield returns false or the entries
// end, and returns any error met while reading. yield copies note, so the
// source may reuse its buffer when yield returns.
//
// A source that reads a database captures its context and streams rows;
// an error that is about the content (an index out of order, a malformed
// line) should be a [*VerifyError] naming the index, as [ReadBundle]'s is.
type EntrySource func(yield func(index int64, note []byte) bool) error

// SliceSource returns a source that yields notes with indexes 0, 1, 2, ….
func SliceSource(notes [][]byte) EntrySource {
	return func(yield func(int64, []byte) bool) error {
		for i, n := range notes {
			if !yield(int64(i), n) {
				return nil
			}
		}
		return nil
	}
}

// Verifier verifies journals of one origin.
type Verifier struct {
	// Keys are the journal's verifier keys.
	Keys *Keys
	// Workers is the number of goroutines that check signatures;
	// runtime.GOMAXPROCS(0) when zero or less.
	Workers int
}

// Report describes a journal that verified.
type Report struct {
	// Size is the number of entries and Root the tree hash over them; they
	// equal the checkpoint's.
	Size int64
	Root tlog.Hash
	// Parties counts the entries of each party, which is also its last
	// party_seq.
	Parties map[string]int64
	// Checkpoint is the verified checkpoint and CheckpointNote its note, whose
	// UnverifiedSigs are the cosignatures.
	Checkpoint     Checkpoint
	CheckpointNote *note.Note
	// Hashes is the tree recomputed from the entries, to compare with stored
	// hashes or to prove from.
	Hashes *MemoryHashes
}

// batchSize is the number of entries handed to a worker at once: large
// enough that channel operations cost nothing per entry, small enough that
// the batches in flight stay small.
const batchSize = 128

// batch is a run of consecutive entries on their way through Verify. Batches
// are recycled, so their buffers are allocated once.
type batch struct {
	start   int64
	buf     []byte // the notes, back to back
	ends    []int  // ends[i] is the end of note i in buf
	entries []truce.Entry
	hashes  []tlog.Hash
	reasons []string
	errs    []error
	last    bool  // no batch follows
	err     error // after the entries, the error that ended the source
	done    chan struct{}
}

func (b *batch) reset(start int64) {
	b.start = start
	b.buf = b.buf[:0]
	b.ends = b.ends[:0]
	b.last, b.err = false, nil
	b.done = make(chan struct{})
}

func (b *batch) add(note []byte) {
	b.buf = append(b.buf, note...)
	b.ends = append(b.ends, len(b.buf))
}

func (b *batch) note(i int) []byte {
	start := 0
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.buf[start:b.ends[i]:b.ends[i]]
}

// check opens every entry of b and hashes its note. It runs on a worker.
func (b *batch) check(keys *Keys) {
	n := len(b.ends)
	b.entries = grow(b.entries, n)
	b.hashes = grow(b.hashes, n)
	b.reasons = grow(b.reasons, n)
	b.errs = grow(b.errs, n)
	for i := range n {
		msg := b.note(i)
		b.hashes[i] = tlog.RecordHash(msg)
		b.entries[i], b.reasons[i], b.errs[i] = openEntry(msg, keys)
	}
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// Verify verifies the journal that src yields against checkpoint (a signed
// note) and returns what it found. It checks that:
//
//   - indexes run 0, 1, 2, … without gaps or repeats;
//   - every entry is well formed and signed by its own party's key;
//   - every party's party_seq runs 1, 2, 3, …, a gap being reported at the
//     entry where it shows;
//   - the checkpoint is signed by the office key for the origin, and its size
//     and root hash are those of the tree over the entries' notes.
//
// Signatures are checked by Workers goroutines at once; the rest runs in
// index order, and so does fold, when not nil, which is called with every
// entry and its note (valid only during the call) so that the caller can
// rebuild the state the journal describes.
//
// Verification stops at the first failure, returned as a [*VerifyError]
// naming the entry (or -1 for the checkpoint). Other errors are the source's
// or the context's.
func (v *Verifier) Verify(ctx context.Context, src EntrySource, checkpoint []byte, fold func(index int64, e truce.Entry, note []byte) error) (*Report, error) {
	if v.Keys == nil {
		return nil, errors.New("journal: verify: no keys")
	}
	cp, cpNote, err := openCheckpoint(checkpoint, v.Keys.Origin, v.Keys.Office)
	if err != nil {
		return nil, &VerifyError{Index: -1, Reason: ReasonCheckpoint, Err: err}
	}
	workers := v.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		// Return only once the source and the workers are done with our
		// buffers and the source is no longer called.
		cancel()
		wg.Wait()
	}()

	// There are never more than nbatch batches, so sends on ordered and
	// jobs never block; taking a free batch is what holds the reader back.
	nbatch := 2*workers + 2
	free := make(chan *batch, nbatch)
	for range nbatch {
		free <- &batch{}
	}
	ordered := make(chan *batch, nbatch) // to the consumer, in index order
	jobs := make(chan *batch, nbatch)    // to any worker

	for range workers {
		wg.Go(func() {
			for b := range jobs {
				if ctx.Err() == nil {
					b.check(v.Keys)
				}
				close(b.done)
			}
		})
	}
	wg.Go(func() {
		defer close(jobs)
		defer close(ordered)
		produce(ctx, src, free, ordered, jobs)
	})

	hashes := &MemoryHashes{}
	parties := make(map[string]int64)
	for {
		var b *batch
		select {
		case b = <-ordered:
		case <-ctx.Done():
		}
		if b == nil {
			return nil, fmt.Errorf("journal: verify: %w", context.Cause(ctx))
		}
		select {
		case <-b.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("journal: verify: %w", context.Cause(ctx))
		}
		if ctx.Err() != nil {
			// The workers skip batches once ctx is done.
			return nil, fmt.Errorf("journal: verify: %w", context.Cause(ctx))
		}
		for i := range b.ends {
			index := b.start + int64(i)
			if err := b.errs[i]; err != nil {
				return nil, &VerifyError{Index: index, Reason: b.reasons[i], Err: err}
			}
			e := &b.entries[i]
			if want := parties[e.Party] + 1; e.PartySeq != want {
				return nil, &VerifyError{Index: index, Reason: ReasonSequence,
					Err: fmt.Errorf("party %q entry %q has party_seq %d, want %d", e.Party, e.ID, e.PartySeq, want)}
			}
			parties[e.Party] = e.PartySeq
			if _, err := hashes.AppendRecordHash(b.hashes[i]); err != nil {
				return nil, err
			}
			if fold != nil {
				if err := fold(index, *e, b.note(i)); err != nil {
					return nil, &VerifyError{Index: index, Reason: ReasonFold, Err: err}
				}
			}
			*e = truce.Entry{} // let the entry's strings go
		}
		if b.last {
			if b.err != nil {
				return nil, b.err
			}
			break
		}
		free <- b
	}

	size := hashes.Size()
	root, err := hashes.Root()
	if err != nil {
		return nil, err
	}
	if cp.Size != size {
		return nil, &VerifyError{Index: -1, Reason: ReasonCheckpoint,
			Err: fmt.Errorf("checkpoint size %d, journal has %d entries", cp.Size, size)}
	}
	if cp.Hash != root {
		return nil, &VerifyError{Index: -1, Reason: ReasonCheckpoint,
			Err: fmt.Errorf("checkpoint root %v, entries give %v", cp.Hash, root)}
	}
	return &Report{
		Size:           size,
		Root:           root,
		Parties:        parties,
		Checkpoint:     cp,
		CheckpointNote: cpNote,
		Hashes:         hashes,
	}, nil
}

// produce reads src into batches, sending each to the consumer and to the
// workers, and ends with a batch marked last that carries why the source
// ended. It returns early, without a last batch, when ctx is done.
func produce(ctx context.Context, src EntrySource, free <-chan *batch, ordered, jobs chan<- *batch) {
	var (
		next    int64
		cur     *batch
		stopErr error
		stopped bool
	)
	take := func() bool {
		if ctx.Err() != nil {
			return false
		}
		select {
		case cur = <-free:
			cur.reset(next)
			return true
		case <-ctx.Done():
			return false
		}
	}
	send := func() {
		ordered <- cur
		jobs <- cur
		cur = nil
	}
	srcErr := src(func(index int64, note []byte) bool {
		if stopped {
			return false
		}
		if index != next {
			stopErr = &VerifyError{Index: next, Reason: ReasonIndex,
				Err: fmt.Errorf("entry %d is followed by entry %d", next-1, index)}
			if next == 0 {
				stopErr = &VerifyError{Index: 0, Reason: ReasonIndex, Err: fmt.Errorf("first entry has index %d", index)}
			}
			stopped = true
			return false
		}
		if cur == nil && !take() {
			stopped = true
			return false
		}
		cur.add(note)
		next++
		if len(cur.ends) == batchSize {
			send()
		}
		return true
	})
	if cur == nil && !take() {
		return
	}
	cur.last = true
	switch {
	case stopErr != nil:
		cur.err = stopErr
	case srcErr != nil:
		var ve *VerifyError
		if errors.As(srcErr, &ve) {
			cur.err = srcErr
		} else {
			cur.err = fmt.Errorf("journal: verify: read entry %d: %w", next, srcErr)
		}
	}
	send()
}
