package office

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/journal"
	"github.com/truce-org/truce/internal/store"
)

// VerifyResult describes a journal (and, from a database, an office state)
// that verified.
type VerifyResult struct {
	Size    int64
	Root    tlog.Hash
	Parties map[string]int64
	// StateChecked is true when the stored office state was compared with
	// the state rebuilt from the journal (verification from a database).
	StateChecked bool
	// CosignedBy are the parties whose cosignatures of the checkpoint were
	// found and checked (verification from a server).
	CosignedBy []string
	// Cosigned is the party this verification cosigned the checkpoint as,
	// if it did.
	Cosigned string
	// Consistent names the parties (and sizes) whose latest cosigned
	// checkpoints were found consistent with the one verified.
	Consistent []string
}

// storeSource streams a store's entries in [start, end) for the verifier.
func storeSource(ctx context.Context, st store.Journal, start, end int64) journal.EntrySource {
	return func(yield func(int64, []byte) bool) error {
		stop := errors.New("stop")
		err := st.Entries(ctx, start, end, func(i int64, note []byte) error {
			if !yield(i, note) {
				return stop
			}
			return nil
		})
		if errors.Is(err, stop) {
			return nil
		}
		return err
	}
}

// KeysOf returns the verifier keys on record in st.
func KeysOf(ctx context.Context, st store.Store) (*journal.Keys, []truce.Party, error) {
	arr, err := LoadArrangement(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	parties, err := st.Parties(ctx)
	if err != nil {
		return nil, nil, err
	}
	pk := make(map[string]string, len(parties))
	for _, p := range parties {
		pk[p.ID] = p.VerifierKey
	}
	keys, err := journal.NewKeys(arr.Origin, arr.OfficeKey, pk)
	return keys, parties, err
}

// VerifyOptions tune verification.
type VerifyOptions struct {
	// Workers check signatures in parallel; all cores when zero.
	Workers int
	// Progress, if set, is called after each entry is folded, in order.
	Progress func(index int64)
}

func (o VerifyOptions) fold(mem *MemState) func(int64, truce.Entry, []byte) error {
	return func(index int64, e truce.Entry, _ []byte) error {
		if err := Apply(mem, index, e); err != nil {
			return err
		}
		if o.Progress != nil {
			o.Progress(index)
		}
		return nil
	}
}

// VerifyStore checks a database's journal (every signature, every party's
// sequence, the tree against the latest checkpoint and the stored tree
// hashes), then that its office state equals the state rebuilt from the
// journal. The error names the first entry or item that fails.
func VerifyStore(ctx context.Context, st store.Store, opt VerifyOptions) (*VerifyResult, error) {
	keys, parties, err := KeysOf(ctx, st)
	if err != nil {
		return nil, err
	}
	cp, err := st.Checkpoint(ctx)
	if errors.Is(err, store.ErrNotFound) {
		size, err := st.JournalSize(ctx)
		if err != nil {
			return nil, err
		}
		if size > 0 {
			return nil, fmt.Errorf("verify: %d entries but no checkpoint", size)
		}
		return emptyState(ctx, st, parties)
	}
	if err != nil {
		return nil, err
	}
	mem := NewMemState(parties)
	v := &journal.Verifier{Keys: keys, Workers: opt.Workers}
	rep, err := v.Verify(ctx, storeSource(ctx, st, 0, math.MaxInt64), cp, opt.fold(mem))
	if err != nil {
		var ve *journal.VerifyError
		if errors.As(err, &ve) && ve.Index < 0 {
			if d := diagnose(ctx, st, keys); d != nil {
				return nil, d
			}
		}
		return nil, err
	}
	if err := compareStoredHashes(ctx, st, rep.Hashes); err != nil {
		return nil, err
	}
	stored, err := st.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if err := CompareState(stored, mem.Snapshot()); err != nil {
		return nil, err
	}
	if err := VerifySealed(ctx, st, stored); err != nil {
		return nil, err
	}
	if err := VerifyCosignatures(ctx, st, mem.DeclaredCosigners()); err != nil {
		return nil, err
	}
	return &VerifyResult{Size: rep.Size, Root: rep.Root, Parties: rep.Parties, StateChecked: true}, nil
}

func emptyState(ctx context.Context, st store.Store, parties []truce.Party) (*VerifyResult, error) {
	stored, err := st.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if err := CompareState(stored, NewMemState(parties).Snapshot()); err != nil {
		return nil, err
	}
	if err := VerifyCosignatures(ctx, st, nil); err != nil {
		return nil, err
	}
	return &VerifyResult{Parties: map[string]int64{}, StateChecked: true}, nil
}

// diagnose names the first entry whose leaf hash differs from the stored one,
// or the first checkpoint whose root the entries no longer produce, after the
// tree failed to match the latest checkpoint.
func diagnose(ctx context.Context, st store.Store, keys *journal.Keys) error {
	mh := &journal.MemoryHashes{}
	var found error
	var expect int64
	err := st.Entries(ctx, 0, math.MaxInt64, func(i int64, note []byte) error {
		if i != expect {
			found = &journal.VerifyError{Index: expect, Reason: "entry missing", Err: fmt.Errorf("next stored entry is %d", i)}
			return found
		}
		expect++
		if _, err := mh.Append(note); err != nil {
			return err
		}
		stored, err := st.ReadHashes(ctx, []int64{tlog.StoredHashIndex(0, i)})
		if errors.Is(err, store.ErrNotFound) {
			found = &journal.VerifyError{Index: i, Reason: "entry was not written by an append: it has no tree hash and no checkpoint covers it", Err: err}
			return found
		}
		if err == nil && stored[0] != tlog.RecordHash(note) {
			found = &journal.VerifyError{Index: i, Reason: "entry differs from the one the tree was built over", Err: errors.New("leaf hash mismatch")}
			return found
		}
		return nil
	})
	if found != nil {
		return found
	}
	if err != nil {
		return nil
	}
	prev := int64(0)
	st.Checkpoints(ctx, func(size int64, msg []byte) error {
		c, _, err := journal.OpenCheckpoint(msg, keys.Origin, keys.Office)
		if err != nil {
			return nil
		}
		if size > mh.Size() {
			found = &journal.VerifyError{Index: mh.Size(), Reason: "entry missing", Err: fmt.Errorf("checkpoint of size %d signed, %d entries stored", size, mh.Size())}
			return found
		}
		root, err := tlog.TreeHash(size, mh)
		if err != nil {
			return nil
		}
		if root != c.Hash {
			found = &journal.VerifyError{Index: prev, Reason: fmt.Sprintf("entries %d to %d differ from what checkpoint %d signed", prev, size-1, size), Err: errors.New("root mismatch")}
			return found
		}
		prev = size
		return nil
	})
	return found
}

// compareStoredHashes checks the stored tree hashes (from which proofs are
// served) against the tree recomputed from the entries.
func compareStoredHashes(ctx context.Context, st store.Journal, mh *journal.MemoryHashes) error {
	n := tlog.StoredHashCount(mh.Size())
	const chunk = 4096
	idx := make([]int64, 0, chunk)
	for start := int64(0); start < n; start += chunk {
		idx = idx[:0]
		for i := start; i < min(start+chunk, n); i++ {
			idx = append(idx, i)
		}
		want, err := mh.ReadHashes(idx)
		if err != nil {
			return err
		}
		got, err := st.ReadHashes(ctx, idx)
		if err != nil {
			return fmt.Errorf("verify: stored tree hashes from %d: %w", start, err)
		}
		for k := range idx {
			if got[k] != want[k] {
				level, at := tlog.SplitStoredHashIndex(idx[k])
				return &journal.VerifyError{Index: at << level, Reason: fmt.Sprintf("stored tree hash %d (level %d) differs from the recomputed tree", idx[k], level), Err: errors.New("stored hash mismatch")}
			}
		}
	}
	return nil
}

// StateError names the first item whose stored state differs from the state
// rebuilt from the journal.
type StateError struct {
	Item   string
	Stored any
	Built  any
}

func (e *StateError) Error() string {
	return fmt.Sprintf("office state: %s differs from the journal: stored %+v, journal implies %+v", e.Item, e.Stored, e.Built)
}

// CompareState compares a stored snapshot with one rebuilt from the journal.
func CompareState(stored, built *store.Snapshot) error {
	if err := compareByKey("actor", stored.Actors, built.Actors, func(a truce.Actor) string { return a.ID }); err != nil {
		return err
	}
	if err := compareByKey("designation record", stored.Designations, built.Designations,
		func(r truce.DesignationRecord) string { return fmt.Sprintf("of entry %d", r.Entry) }); err != nil {
		return err
	}
	if err := compareByKey("zone", stored.Zones, built.Zones, func(z truce.Zone) string { return z.ID }); err != nil {
		return err
	}
	if err := compareByKey("site commitment", stored.SiteCommitments, built.SiteCommitments,
		func(c truce.SiteCommitment) string { return fmt.Sprintf("of entry %d", c.Entry) }); err != nil {
		return err
	}
	if err := compareByKey("notice", stored.Notices, built.Notices, func(n truce.Notice) string { return n.ID }); err != nil {
		return err
	}
	if err := compareByKey("incident", stored.Incidents, built.Incidents, func(i truce.Incident) string { return i.ID }); err != nil {
		return err
	}
	if err := compareByKey("commitment", stored.Commitments, built.Commitments, func(c truce.Commitment) string { return c.ID }); err != nil {
		return err
	}
	if err := compareByKey("step", stored.Steps, built.Steps, func(s truce.Step) string { return s.ID }); err != nil {
		return err
	}
	if err := compareByKey("report", stored.Reports, built.Reports, func(r truce.ReportRecord) string { return r.ID }); err != nil {
		return err
	}
	if err := compareByKey("rfi", stored.RFIs, built.RFIs, func(r truce.RFIRecord) string { return r.ID }); err != nil {
		return err
	}
	return compareByKey("cosigner", stored.Cosigners, built.Cosigners, func(c truce.Cosigner) string { return c.Party })
}

// compareByKey reports the first item of stored that the journal does not
// imply, or differs, then the first item the journal implies that is not stored.
func compareByKey[T any](what string, stored, built []T, key func(T) string) error {
	byKey := make(map[string]T, len(built))
	for _, b := range built {
		byKey[key(b)] = b
	}
	for _, s := range stored {
		b, ok := byKey[key(s)]
		if !ok {
			return &StateError{Item: what + " " + key(s), Stored: s, Built: "nothing"}
		}
		if !equalItems(s, b) {
			return &StateError{Item: what + " " + key(s), Stored: s, Built: b}
		}
		delete(byKey, key(s))
	}
	for _, b := range built {
		if _, ok := byKey[key(b)]; ok {
			return &StateError{Item: what + " " + key(b), Stored: "nothing", Built: b}
		}
	}
	return nil
}

func equalItems[T any](a, b T) bool {
	return reflect.DeepEqual(normalize(a), normalize(b))
}

// normalize makes times comparable by instant and empty slices equal to nil.
func normalize(v any) any {
	switch x := v.(type) {
	case truce.Actor:
		x.CreatedAt = x.CreatedAt.UTC()
		if len(x.Aliases) == 0 {
			x.Aliases = nil
		}
		if len(x.Designations) == 0 {
			x.Designations = nil
		}
		return x
	case truce.DesignationRecord:
		x.Time = x.Time.UTC()
		return x
	case truce.Zone, truce.SiteCommitment, truce.Notice, truce.Incident, truce.Commitment, truce.Step, truce.ReportRecord, truce.RFIRecord:
		// Nested times and maps: compare the canonical JSON.
		b, err := json.Marshal(x)
		if err != nil {
			return err.Error()
		}
		return string(b)
	}
	return v
}

// VerifyBundle checks an exported bundle offline: every signature, every
// party's sequence, the tree against the bundle's checkpoint, and that the
// entries fold into a valid office state.
func VerifyBundle(ctx context.Context, r io.Reader, opt VerifyOptions) (*VerifyResult, error) {
	h, src, err := journal.ReadBundle(r)
	if err != nil {
		return nil, err
	}
	return VerifyJournal(ctx, h, src, opt)
}

// VerifyJournal checks entries from src against the keys and checkpoint of
// h, and that they fold into a valid office state.
func VerifyJournal(ctx context.Context, h *journal.BundleHeader, src journal.EntrySource, opt VerifyOptions) (*VerifyResult, error) {
	keys, err := h.Keys()
	if err != nil {
		return nil, err
	}
	var parties []truce.Party
	for id := range h.PartyKeys {
		// A bundle names parties, not their kinds: treat each as a party
		// (the fold only asks whether an answerable party is a monitor).
		parties = append(parties, truce.Party{ID: id, Kind: truce.KindParty})
	}
	mem := NewMemState(parties)
	v := &journal.Verifier{Keys: keys, Workers: opt.Workers}
	rep, err := v.Verify(ctx, src, h.Checkpoint, opt.fold(mem))
	if err != nil {
		return nil, err
	}
	return &VerifyResult{Size: rep.Size, Root: rep.Root, Parties: rep.Parties}, nil
}

// ExportBundle writes a bundle of st's journal up to its latest checkpoint.
func ExportBundle(ctx context.Context, st store.Store, w io.Writer) (int64, error) {
	arr, err := LoadArrangement(ctx, st)
	if err != nil {
		return 0, err
	}
	keys, parties, err := KeysOf(ctx, st)
	if err != nil {
		return 0, err
	}
	cp, err := st.Checkpoint(ctx)
	if err != nil {
		return 0, mapStore(err, "checkpoint")
	}
	c, _, err := journal.OpenCheckpoint(cp, arr.Origin, keys.Office)
	if err != nil {
		return 0, err
	}
	pk := make(map[string]string, len(parties))
	for _, p := range parties {
		pk[p.ID] = p.VerifierKey
	}
	h := &journal.BundleHeader{Origin: arr.Origin, OfficeKey: arr.OfficeKey, PartyKeys: pk, Checkpoint: cp}
	return c.Size, journal.WriteBundle(w, h, storeSource(ctx, st, 0, c.Size))
}
