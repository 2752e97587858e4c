package journal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/truce-org/truce"
	"golang.org/x/mod/sumdb/tlog"
)

func TestVerify(t *testing.T) {
	f := newFixture(t)
	for _, n := range []int{0, 1, 2, 127, 128, 129, 1000} {
		notes := MustJournal(t, f, n)
		cp := MustCheckpoint(t, f, notes, "office")
		for _, workers := range []int{0, 1, 3, 16} {
			t.Run(fmt.Sprintf("%d entries, %d workers", n, workers), func(t *testing.T) {
				v := &Verifier{Keys: f.keys, Workers: workers}
				var folded []int64
				rep, err := v.Verify(t.Context(), SliceSource(notes), cp, func(i int64, e truce.Entry, note []byte) error {
					if !bytes.Equal(note, notes[i]) {
						return fmt.Errorf("fold got another note")
					}
					if want := fmt.Sprintf("e-%06d", i); e.ID != want {
						return fmt.Errorf("fold got entry %s, want %s", e.ID, want)
					}
					folded = append(folded, i)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Size != int64(n) || len(folded) != n || (n > 0 && folded[n-1] != int64(n-1)) {
					t.Errorf("size %d, folded %d entries", rep.Size, len(folded))
				}
				if !slices.IsSorted(folded) {
					t.Error("fold was not called in index order")
				}
				want := map[string]int64{}
				for i := range n {
					want[testParties[i%3]]++
				}
				if diff := cmp.Diff(want, rep.Parties); diff != "" {
					t.Errorf("party counts (-want +got):\n%s", diff)
				}
				root, err := rep.Hashes.Root()
				if err != nil || root != rep.Root || rep.Checkpoint.Hash != root || rep.Checkpoint.Size != int64(n) {
					t.Errorf("report root %v, hashes root %v (%v), checkpoint %+v", rep.Root, root, err, rep.Checkpoint)
				}
				if rep.CheckpointNote == nil || len(rep.CheckpointNote.Sigs) != 1 {
					t.Errorf("checkpoint note %+v", rep.CheckpointNote)
				}
			})
		}
	}
}

// gappySource yields notes with the indexes given.
func gappySource(notes [][]byte, indexes []int64) EntrySource {
	return func(yield func(int64, []byte) bool) error {
		for i, n := range notes {
			if !yield(indexes[i], n) {
				return nil
			}
		}
		return nil
	}
}

func seq(n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = int64(i)
	}
	return s
}

func TestVerifyDetects(t *testing.T) {
	f := newFixture(t)
	const n = 600
	notes := MustJournal(t, f, n)
	cp := MustCheckpoint(t, f, notes, "office")
	clone := func() [][]byte { return slices.Clone(notes) }

	// entries of us are 0, 3, 6, …; of ru 1, 4, 7, …; of mon 2, 5, 8, ….
	type tc struct {
		name   string
		notes  [][]byte
		index  []int64 // the indexes the source yields; 0, 1, 2, … when nil
		cp     []byte  // the checkpoint; of the original journal when nil
		fold   func(int64, truce.Entry, []byte) error
		want   int64
		reason string
	}
	var cases []tc
	add := func(c tc) { cases = append(cases, c) }

	{ // An edited byte of the entry text.
		ns := clone()
		ns[301] = bytes.Replace(ns[301], []byte(`"Zone 301"`), []byte(`"Zone 302"`), 1)
		add(tc{name: "edited text", notes: ns, want: 301, reason: ReasonSignature})
	}
	{ // An edited byte of a signature.
		ns := clone()
		ns[302] = flipSignature(t, ns[302])
		add(tc{name: "edited signature", notes: ns, want: 302, reason: ReasonSignature})
	}
	{ // An edited byte that breaks the note.
		ns := clone()
		ns[303] = bytes.Replace(ns[303], []byte("\n\n"), []byte("\n"), 1)
		add(tc{name: "broken note", notes: ns, want: 303, reason: ReasonEntry})
	}
	{ // A deleted entry, renumbered: ru's next entry shows the gap.
		ns := slices.Delete(clone(), 301, 302)
		add(tc{name: "deleted entry", notes: ns, want: 303, reason: ReasonSequence})
	}
	{ // A deleted entry, not renumbered.
		ns := slices.Delete(clone(), 301, 302)
		idx := slices.Delete(seq(n), 301, 302)
		add(tc{name: "deleted index", notes: ns, index: idx, want: 301, reason: ReasonIndex})
	}
	{ // The last entry deleted: only the checkpoint tells.
		add(tc{name: "deleted last entry", notes: clone()[:n-1], want: -1, reason: ReasonCheckpoint})
	}
	{ // A repeated entry.
		ns := slices.Insert(clone(), 301, notes[300])
		add(tc{name: "repeated entry", notes: ns, want: 301, reason: ReasonSequence})
	}
	{ // A repeated index.
		idx := seq(n)
		idx[301] = 300
		add(tc{name: "repeated index", notes: clone(), index: idx, want: 301, reason: ReasonIndex})
	}
	{ // Indexes not from 0.
		idx := seq(n)
		for i := range idx {
			idx[i]++
		}
		add(tc{name: "first index 1", notes: clone(), index: idx, want: 0, reason: ReasonIndex})
	}
	{ // Two entries of one party swapped.
		ns := clone()
		ns[300], ns[303] = ns[303], ns[300]
		add(tc{name: "swapped entries of a party", notes: ns, want: 300, reason: ReasonSequence})
	}
	{ // Two entries of two parties swapped: every party's sequence holds;
		// the tree does not.
		ns := clone()
		ns[300], ns[301] = ns[301], ns[300]
		add(tc{name: "swapped entries of two parties", notes: ns, want: -1, reason: ReasonCheckpoint})
	}
	{ // A foreign entry inserted: an unknown party's.
		e := testEntry(9999, "xx", 1)
		line := mustSignText(t, f, string(mustJSON(t, e))+"\n", "us")
		ns := slices.Insert(clone(), 200, line)
		add(tc{name: "entry of an unknown party", notes: ns, want: 200, reason: ReasonSignature})
	}
	{ // A foreign entry inserted: us's next entry, signed by a forger's key
		// of the same name.
		e := testEntry(9999, "us", 201/3+1)
		ns := slices.Insert(clone(), 201, MustSignEntry(t, f, e, "us-other"))
		add(tc{name: "entry by a key named like the party's", notes: ns, want: 201, reason: ReasonSignature})
	}
	{ // An entry of us signed by ru.
		e := testEntry(300, "us", 101)
		ns := clone()
		ns[300] = mustSignText(t, f, string(mustJSON(t, e))+"\n", "ru")
		add(tc{name: "entry signed by another party", notes: ns, want: 300, reason: ReasonSignature})
	}
	{ // A party_seq gap, validly signed: ru skips a number from entry 301.
		ns := clone()
		for i := 301; i < n; i += 3 {
			ns[i] = MustSignEntry(t, f, testEntry(i, "ru", int64(i/3+2)), "ru")
		}
		add(tc{name: "party_seq gap", notes: ns, want: 301, reason: ReasonSequence})
	}
	{ // Two failures: the first is named.
		ns := clone()
		ns[500] = flipSignature(t, ns[500])
		ns[100] = flipSignature(t, ns[100])
		add(tc{name: "first of two failures", notes: ns, want: 100, reason: ReasonSignature})
	}
	{ // The checkpoint: wrong root, wrong size, wrong key, another origin.
		other := MustJournal(t, f, n)
		other[n-1] = MustSignEntry(t, f, testEntry(n-1, "us", 200), "us")
		add(tc{name: "checkpoint with another root", notes: clone(), cp: MustCheckpoint(t, f, other, "office"), want: -1, reason: ReasonCheckpoint})
		add(tc{name: "checkpoint of a prefix", notes: clone(), cp: MustCheckpoint(t, f, notes[:n-1], "office"), want: -1, reason: ReasonCheckpoint})
		add(tc{name: "checkpoint by a party", notes: clone(), cp: mustSignText(t, f, string(cp[:bytes.Index(cp, []byte("\n\n"))+1]), "us"), want: -1, reason: ReasonCheckpoint})
		add(tc{name: "checkpoint edited", notes: clone(), cp: bytes.Replace(cp, []byte("\n600\n"), []byte("\n599\n"), 1), want: -1, reason: ReasonCheckpoint})
		add(tc{name: "checkpoint of another origin", notes: clone(), cp: mustSignText(t, f, "truce.example.org/x"+string(cp[len(testOrigin):bytes.Index(cp, []byte("\n\n"))+1]), "office"), want: -1, reason: ReasonCheckpoint})
		add(tc{name: "no checkpoint", notes: clone(), cp: []byte{}, want: -1, reason: ReasonCheckpoint})
	}
	add(tc{name: "fold error", notes: clone(), fold: func(i int64, _ truce.Entry, _ []byte) error {
		if i == 444 {
			return errors.New("zone not found")
		}
		return nil
	}, want: 444, reason: ReasonFold})

	for _, c := range cases {
		for _, workers := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s/%d workers", c.name, workers), func(t *testing.T) {
				idx := c.index
				if idx == nil {
					idx = seq(len(c.notes))
				}
				cp := c.cp
				if cp == nil {
					cp = MustCheckpoint(t, f, notes, "office")
				}
				v := &Verifier{Keys: f.keys, Workers: workers}
				rep, err := v.Verify(t.Context(), gappySource(c.notes, idx), cp, c.fold)
				var ve *VerifyError
				if !errors.As(err, &ve) {
					t.Fatalf("Verify = %+v, %v; want a VerifyError", rep, err)
				}
				if ve.Index != c.want || ve.Reason != c.reason {
					t.Errorf("VerifyError at %d, reason %q, want %d, %q: %v", ve.Index, ve.Reason, c.want, c.reason, err)
				}
				t.Log(err)
			})
		}
	}
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestVerifySourceErrorsAndCancel(t *testing.T) {
	f := newFixture(t)
	notes := MustJournal(t, f, 1000)
	cp := MustCheckpoint(t, f, notes, "office")
	v := &Verifier{Keys: f.keys, Workers: 2}

	// A source that fails: not a VerifyError, but the source's error.
	errDisk := errors.New("disk on fire")
	_, err := v.Verify(t.Context(), func(yield func(int64, []byte) bool) error {
		for i := range 500 {
			if !yield(int64(i), notes[i]) {
				return nil
			}
		}
		return errDisk
	}, cp, nil)
	var ve *VerifyError
	if !errors.Is(err, errDisk) || errors.As(err, &ve) {
		t.Errorf("failing source: %v", err)
	}

	// A source that fails with a VerifyError keeps it.
	_, err = v.Verify(t.Context(), func(yield func(int64, []byte) bool) error {
		yield(0, notes[0])
		return &VerifyError{Index: 1, Reason: ReasonRead, Err: errors.New("bad line")}
	}, cp, nil)
	if !errors.As(err, &ve) || ve.Index != 1 || ve.Reason != ReasonRead {
		t.Errorf("source VerifyError: %v", err)
	}

	// Cancelled midway: the context's error, and the source has returned
	// and is not called again once Verify returns.
	ctx, cancel := context.WithCancel(t.Context())
	returned := false
	_, err = v.Verify(ctx, func(yield func(int64, []byte) bool) error {
		defer func() { returned = true }()
		for i, n := range notes {
			if i == 300 {
				cancel()
			}
			if !yield(int64(i), n) {
				return nil
			}
		}
		return nil
	}, cp, nil)
	if !errors.Is(err, context.Canceled) || errors.As(err, &ve) {
		t.Errorf("cancelled: %v", err)
	}
	if !returned {
		t.Error("Verify returned before the source did")
	}

	// A source that keeps calling yield after it said stop is harmless.
	_, err = v.Verify(t.Context(), func(yield func(int64, []byte) bool) error {
		for i, n := range notes {
			idx := int64(i)
			if i == 10 {
				idx = 99
			}
			yield(idx, n)
		}
		return nil
	}, cp, nil)
	if !errors.As(err, &ve) || ve.Index != 10 || ve.Reason != ReasonIndex {
		t.Errorf("stubborn source: %v", err)
	}

	if _, err := (&Verifier{}).Verify(t.Context(), SliceSource(notes), cp, nil); err == nil {
		t.Error("Verify without keys succeeded")
	}
}

func TestVerifyReportHashes(t *testing.T) {
	f := newFixture(t)
	notes := MustJournal(t, f, 300)
	cp := MustCheckpoint(t, f, notes, "office")
	rep, err := (&Verifier{Keys: f.keys}).Verify(t.Context(), SliceSource(notes), cp, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The stored hashes are the ones a store computes with tlog.
	var stored []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, n := range notes {
		hs, err := tlog.StoredHashes(int64(i), n, r)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, hs...)
	}
	got, err := rep.Hashes.ReadHashes(seq(len(stored)))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stored, got); diff != "" {
		t.Errorf("stored hashes differ (-tlog +report):\n%s", diff)
	}
}
