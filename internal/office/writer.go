package office

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
	"golang.org/x/sync/errgroup"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/journal"
	"github.com/truce-org/truce/internal/store"
)

// Signers gives the writer the keys it signs with.
type Signers interface {
	Office() (note.Signer, error)
	Party(party string) (note.Signer, error)
}

// Observer is told about each committed batch (metrics).
type Observer interface {
	ObserveAppend(entries int, took time.Duration, size int64)
}

// Request asks for one journal entry. Body is marshalled to JSON.
type Request struct {
	Party   string
	Member  string
	Kind    string
	Subject string
	Body    any
}

// Appended is a durable journal entry.
type Appended struct {
	Index int64
	Entry truce.Entry
	Note  []byte
}

type pending struct {
	req  Request
	body json.RawMessage
	prep *preparedImport // an incident.import's body prepared (prepareImport), else nil
	done chan result
}

type result struct {
	app Appended
	err error
}

// Writer owns the journal's tail. Concurrent Appends are group-committed:
// whatever arrives while one batch commits goes into the next, one
// transaction each, and no caller is answered before its batch is durable.
type Writer struct {
	store    store.Store
	signers  Signers
	origin   string
	log      *slog.Logger
	observer Observer
	now      func() time.Time
	maxBatch int

	reqs chan []*pending // a group of requests goes into one batch

	mu         sync.Mutex
	listeners  []func([]Appended)
	committing []func([]Appended)
	undo       []func([]Appended)
}

// WriterConfig configures a Writer.
type WriterConfig struct {
	Origin   string
	MaxBatch int // default 1024
	Now      func() time.Time
	Observer Observer
	Logger   *slog.Logger
}

// NewWriter returns a writer; Run must be running for Append to proceed.
func NewWriter(st store.Store, signers Signers, cfg WriterConfig) *Writer {
	w := &Writer{
		store: st, signers: signers, origin: cfg.Origin, log: cfg.Logger,
		observer: cfg.Observer, now: cfg.Now, maxBatch: cfg.MaxBatch,
		reqs: make(chan []*pending, 4096),
	}
	if w.now == nil {
		w.now = time.Now
	}
	if w.maxBatch <= 0 {
		w.maxBatch = 1024
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	return w
}

// OnAppend registers fn to be called, from the writer's goroutine, with each
// committed batch in index order, before the batch's callers are answered.
// fn must be quick: the next batch waits for it.
func (w *Writer) OnAppend(fn func([]Appended)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.listeners = append(w.listeners, fn)
}

// OnCommitting registers fn to be called, from the writer's goroutine, with
// each batch about to be committed, in index order, and undo with the same
// batch if its commit then fails. A reader of the store may see a batch
// before OnAppend's listeners run (the commit is visible once durable, and
// the commit call still checkpoints): the follower, told here, takes the
// batch's events from memory rather than reading it back.
func (w *Writer) OnCommitting(fn, undo func([]Appended)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.committing = append(w.committing, fn)
	w.undo = append(w.undo, undo)
}

// Group commit lingers this long for more requests when the last batch had
// at least lingerAbove entries.
const (
	linger      = 300 * time.Microsecond
	lingerAbove = 8
)

var errStopped = &truce.Error{Code: truce.EUnavailable, Message: "the journal writer is stopping"}

// Append submits r and waits until its entry is durable, or rejected.
func (w *Writer) Append(ctx context.Context, r Request) (Appended, error) {
	wait, err := w.Submit(ctx, r)
	if err != nil {
		return Appended{}, err
	}
	return wait(ctx)
}

// Submit encodes r's body (and prepares an incident.import's) on the
// caller's goroutine, queues r for the journal and returns without waiting
// for it: wait returns when the entry is durable, or rejected. A caller
// with many entries to write keeps its preparing to one goroutine this way
// while they wait, instead of many goroutines competing for the cores with
// the writer's one.
func (w *Writer) Submit(ctx context.Context, r Request) (wait func(context.Context) (Appended, error), err error) {
	waits, err := w.SubmitGroup(ctx, []Request{r})
	if err != nil {
		return nil, err
	}
	return waits[0], nil
}

// SubmitGroup is Submit for requests the writer takes together into one
// batch, so one transaction: a bulk import's way of committing many
// entries at once (each entry is still folded, and may be refused, on its
// own). Others' appends wait for the group's commit.
func (w *Writer) SubmitGroup(ctx context.Context, rs []Request) (waits []func(context.Context) (Appended, error), err error) {
	group := make([]*pending, len(rs))
	for k, r := range rs {
		body, err := json.Marshal(r.Body)
		if err != nil {
			return nil, fmt.Errorf("office: marshal %s body: %w", r.Kind, err)
		}
		p := &pending{req: r, body: body, done: make(chan result, 1)}
		if r.Kind == truce.KindIncidentImport {
			// Checked as far as the state is not read here, on the caller's
			// goroutine, as the entry's bytes read.
			if b, ok := r.Body.(IncidentImportBody); ok {
				p.prep = prepareImportBody(b, body)
			} else {
				p.prep = prepareImport(body)
			}
		}
		group[k] = p
	}
	select {
	case w.reqs <- group:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	waits = make([]func(context.Context) (Appended, error), len(group))
	for k, p := range group {
		waits[k] = func(ctx context.Context) (Appended, error) {
			select {
			case res := <-p.done:
				return res.app, res.err
			case <-ctx.Done():
				return Appended{}, ctx.Err()
			}
		}
	}
	return waits, nil
}

// Run commits batches until ctx is done; requests still queued then are refused.
func (w *Writer) Run(ctx context.Context) {
	batch := make([]*pending, 0, w.maxBatch)
	last := 0
	for {
		batch = batch[:0]
		select {
		case g := <-w.reqs:
			batch = append(batch, g...)
		case <-ctx.Done():
			for {
				select {
				case g := <-w.reqs:
					for _, p := range g {
						p.done <- result{err: errStopped}
					}
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < w.maxBatch {
			select {
			case g := <-w.reqs:
				batch = append(batch, g...)
			default:
				break fill
			}
		}
		// Under load, the writers answered by the last commit come back
		// within microseconds: wait briefly for them so that one commit
		// serves them too. A lone request is never held.
		if last >= lingerAbove && len(batch) < w.maxBatch {
			timer := time.NewTimer(linger)
		linger:
			for len(batch) < w.maxBatch {
				select {
				case g := <-w.reqs:
					batch = append(batch, g...)
				case <-timer.C:
					break linger
				}
			}
			timer.Stop()
		}
		last = len(batch)
		w.commit(ctx, batch)
	}
}

// batchSigner signs a batch's entries on other goroutines while the fold
// goes on with the next ones, so signing costs little of the writer's time.
type batchSigner struct {
	signers Signers
	jobs    chan int
	rows    []store.EntryRow // preallocated: the fold only appends within capacity
	g       errgroup.Group
	closed  sync.Once
}

func (w *Writer) startSigning(rows []store.EntryRow) *batchSigner {
	b := &batchSigner{signers: w.signers, jobs: make(chan int, cap(rows)), rows: rows[:cap(rows)]}
	for range max(1, runtime.GOMAXPROCS(0)) {
		b.g.Go(func() error {
			var first error
			for k := range b.jobs {
				if first != nil {
					continue
				}
				r := &b.rows[k]
				signer, err := b.signers.Party(r.Entry.Party)
				if err != nil {
					first = fmt.Errorf("office: signer of %q: %w", r.Entry.Party, err)
					continue
				}
				if r.Note, err = journal.SignEncodedEntry(r.Entry, signer); err != nil {
					first = fmt.Errorf("office: sign entry %d: %w", r.Index, err)
				}
			}
			return first
		})
	}
	return b
}

// sign queues rows[k]; rows[k] must not change afterwards.
func (b *batchSigner) sign(k int) { b.jobs <- k }

// wait returns when every queued row is signed.
func (b *batchSigner) wait() error {
	b.closed.Do(func() { close(b.jobs) })
	return b.g.Wait()
}

// hashOverlay reads stored hashes from the batch being written, then the store.
type hashOverlay struct {
	tx     store.AppendTx
	hashes map[int64]tlog.Hash
}

func (o *hashOverlay) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var missing []int64
	var at []int
	for i, idx := range indexes {
		if h, ok := o.hashes[idx]; ok {
			out[i] = h
		} else {
			missing = append(missing, idx)
			at = append(at, i)
		}
	}
	if len(missing) > 0 {
		got, err := o.tx.ReadHashes(missing)
		if err != nil {
			return nil, err
		}
		for j, i := range at {
			out[i] = got[j]
		}
	}
	return out, nil
}

// appendBatch folds, signs and writes a batch inside one transaction and
// sets each request's result; it returns the entries written and the new
// size. It may run more than once (a backend retries on serialization
// failures), so it starts from a clean slate.
func (w *Writer) appendBatch(tx store.AppendTx, batch []*pending, results []result) ([]Appended, int64, error) {
	var written []Appended
	for i := range results {
		results[i] = result{}
	}
	size, err := tx.Size()
	if err != nil {
		return nil, 0, err
	}
	overlay := &hashOverlay{tx: tx, hashes: map[int64]tlog.Hash{}}
	seqs := map[string]int64{}
	rows := make([]store.EntryRow, 0, len(batch))
	owner := make([]int, 0, len(batch)) // rows[k] answers batch[owner[k]]
	signing := w.startSigning(rows)
	defer signing.wait()
	now := w.now().UTC().Truncate(time.Microsecond)
	// Fold first, in order: an entry the fold rejects takes no index
	// and no party_seq.
	for i, p := range batch {
		seq, ok := seqs[p.req.Party]
		if !ok {
			if seq, err = tx.LastPartySeq(p.req.Party); err != nil {
				return nil, 0, err
			}
		}
		index := size + int64(len(rows))
		e := truce.Entry{
			V: truce.EntryVersion, ID: truce.NewID("ent"), Party: p.req.Party, Member: p.req.Member,
			Kind: p.req.Kind, Subject: p.req.Subject, Time: now, PartySeq: seq + 1, Body: p.body,
		}
		apply := Apply
		if p.prep != nil {
			apply = func(tx store.Projection, index int64, e truce.Entry) error {
				return applyPreparedImport(tx, index, e, p.prep)
			}
		}
		if err := apply(tx, index, e); err != nil {
			var te *truce.Error
			if errors.As(err, &te) {
				results[i].err = err
				continue
			}
			return nil, 0, fmt.Errorf("office: apply %s: %w", e.Kind, err)
		}
		seqs[e.Party] = e.PartySeq
		rows = append(rows, store.EntryRow{Index: index, Entry: e})
		owner = append(owner, i)
		signing.sign(len(rows) - 1)
	}
	if err := signing.wait(); err != nil {
		return nil, 0, err
	}
	rows = signing.rows[:len(rows)]
	hashRows := make([]store.HashRow, 0, 2*len(rows))
	for k, r := range rows {
		hashes, err := tlog.StoredHashes(r.Index, r.Note, overlay)
		if err != nil {
			return nil, 0, fmt.Errorf("office: tree hashes of entry %d: %w", r.Index, err)
		}
		base := tlog.StoredHashIndex(0, r.Index)
		for j, h := range hashes {
			overlay.hashes[base+int64(j)] = h
			hashRows = append(hashRows, store.HashRow{Index: base + int64(j), Hash: h})
		}
		results[owner[k]].app = Appended{Index: r.Index, Entry: r.Entry, Note: r.Note}
		written = append(written, results[owner[k]].app)
	}
	if len(rows) == 0 {
		return nil, size, nil
	}
	if err := tx.PutEntries(rows, hashRows); err != nil {
		return nil, 0, err
	}
	size += int64(len(rows))
	root, err := tlog.TreeHash(size, overlay)
	if err != nil {
		return nil, 0, fmt.Errorf("office: tree hash at %d: %w", size, err)
	}
	office, err := w.signers.Office()
	if err != nil {
		return nil, 0, fmt.Errorf("office: office signer: %w", err)
	}
	cp, err := journal.SignCheckpoint(journal.Checkpoint{Origin: w.origin, Size: size, Hash: root}, office)
	if err != nil {
		return nil, 0, fmt.Errorf("office: sign checkpoint %d: %w", size, err)
	}
	if err := tx.PutCheckpoint(size, cp); err != nil {
		return nil, 0, err
	}
	return written, size, nil
}

func (w *Writer) commit(ctx context.Context, batch []*pending) {
	start := time.Now()
	results := make([]result, len(batch))
	var written []Appended
	var size int64
	w.mu.Lock()
	committing, undo := w.committing, w.undo
	w.mu.Unlock()
	told := false
	err := w.store.Append(context.WithoutCancel(ctx), func(tx store.AppendTx) error {
		var err error
		written, size, err = w.appendBatch(tx, batch, results)
		if err == nil && len(written) > 0 {
			for _, fn := range committing {
				fn(written)
			}
			told = true
		}
		return err
	})
	if err != nil && told {
		for _, fn := range undo {
			fn(written)
		}
	}
	if err != nil {
		w.log.Error("journal append failed", "entries", len(batch), "err", err)
		fail := &truce.Error{Code: truce.EUnavailable, Message: "the journal could not be written; try again"}
		for _, p := range batch {
			p.done <- result{err: fail}
		}
		return
	}
	if len(written) > 0 && w.observer != nil {
		w.observer.ObserveAppend(len(written), time.Since(start), size)
	}
	// Listeners run before anyone is answered, so what a caller just did is
	// in the in-memory indexes by the time it hears of it.
	if len(written) > 0 {
		w.mu.Lock()
		ls := w.listeners
		w.mu.Unlock()
		for _, fn := range ls {
			fn(written)
		}
	}
	for i, p := range batch {
		p.done <- results[i]
	}
}
