package office_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/journal"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/testenv"
)

func verify(t *testing.T, e *testenv.Env) (*office.VerifyResult, error) {
	t.Helper()
	return office.VerifyStore(context.Background(), e.App.Storage.Store, office.VerifyOptions{})
}

func exec(t *testing.T, e *testenv.Env, q string, args ...any) {
	t.Helper()
	if err := e.App.Storage.SQLite.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestVerifyCleanJournal(t *testing.T) {
	e := testenv.New(t)
	res, err := verify(t, e)
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != e.JournalSize(t) || res.Size == 0 {
		t.Errorf("verified %d entries, journal has %d", res.Size, e.JournalSize(t))
	}
	if !res.StateChecked {
		t.Error("state was not compared")
	}
	if res.Parties["us"] == 0 || res.Parties["ru"] == 0 {
		t.Errorf("party counts %v", res.Parties)
	}
}

// wantEntry asserts that err is a verification failure naming entry index.
func wantEntry(t *testing.T, err error, index int64) {
	t.Helper()
	var ve *journal.VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a failure naming entry %d", err, index)
	}
	if ve.Index != index {
		t.Fatalf("failure names entry %d (%v), want %d", ve.Index, err, index)
	}
}

// wantItem asserts that err is a state mismatch naming item.
func wantItem(t *testing.T, err error, item string) {
	t.Helper()
	var se *office.StateError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a state mismatch of %s", err, item)
	}
	if se.Item != item {
		t.Fatalf("state mismatch names %q, want %q", se.Item, item)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	ctx := context.Background()
	// designation.set entries of the demo, to edit projected rows.
	firstDesignation := func(t *testing.T, e *testenv.Env) (int64, string) {
		var idx int64 = -1
		var actor string
		e.App.Storage.Store.Entries(ctx, 0, e.JournalSize(t), func(i int64, note []byte) error {
			en, err := journal.ParseEntry(note)
			if err != nil {
				t.Fatal(err)
			}
			if idx < 0 && en.Kind == truce.KindDesignationSet {
				idx, actor = i, en.Subject
			}
			return nil
		})
		return idx, actor
	}
	cases := []struct {
		name   string
		break_ func(t *testing.T, e *testenv.Env)
		check  func(t *testing.T, e *testenv.Env, err error)
	}{
		{"edit one byte of an entry", func(t *testing.T, e *testenv.Env) {
			exec(t, e, "UPDATE journal_entries SET note = CAST(replace(CAST(note AS TEXT), '\"party_seq\"', '\"party_seq\" ') AS BLOB) WHERE idx = 5")
		}, func(t *testing.T, e *testenv.Env, err error) { wantEntry(t, err, 5) }},
		{"edit an entry's body and keep its signature", func(t *testing.T, e *testenv.Env) {
			exec(t, e, `UPDATE journal_entries SET note = CAST(replace(CAST(note AS TEXT), '"member":"', '"member":"x') AS BLOB) WHERE idx = 2`)
		}, func(t *testing.T, e *testenv.Env, err error) { wantEntry(t, err, 2) }},
		{"delete an entry", func(t *testing.T, e *testenv.Env) {
			exec(t, e, "DELETE FROM journal_entries WHERE idx = 7")
		}, func(t *testing.T, e *testenv.Env, err error) { wantEntry(t, err, 7) }},
		{"delete the last entry", func(t *testing.T, e *testenv.Env) {
			exec(t, e, "DELETE FROM journal_entries WHERE idx = (SELECT MAX(idx) FROM journal_entries)")
		}, func(t *testing.T, e *testenv.Env, err error) {
			if err == nil || !strings.Contains(err.Error(), "checkpoint") && !strings.Contains(err.Error(), "missing") {
				t.Fatalf("got %v, want a missing entry against the checkpoint", err)
			}
		}},
		{"swap two entries of different parties", func(t *testing.T, e *testenv.Env) {
			swapWithOtherParty(t, e, 3)
		}, func(t *testing.T, e *testenv.Env, err error) { wantEntry(t, err, 3) }},
		{"insert a validly signed entry past the checkpoint", func(t *testing.T, e *testenv.Env) {
			insertForged(t, e)
		}, func(t *testing.T, e *testenv.Env, err error) { wantEntry(t, err, e.JournalSize(t)-1) }},
		{"edit a stored tree hash", func(t *testing.T, e *testenv.Env) {
			exec(t, e, "UPDATE journal_hashes SET hash = zeroblob(32) WHERE idx = 4")
		}, func(t *testing.T, e *testenv.Env, err error) {
			var ve *journal.VerifyError
			if !errors.As(err, &ve) || ve.Index < 0 {
				t.Fatalf("got %v, want a stored hash failure naming an entry", err)
			}
		}},
		{"edit the checkpoint", func(t *testing.T, e *testenv.Env) {
			exec(t, e, "UPDATE journal_checkpoints SET note = CAST(replace(CAST(note AS TEXT), 'office', 'offlce') AS BLOB) WHERE size = (SELECT MAX(size) FROM journal_checkpoints)")
		}, func(t *testing.T, e *testenv.Env, err error) {
			if err == nil || !strings.Contains(err.Error(), "checkpoint") {
				t.Fatalf("got %v, want a checkpoint failure", err)
			}
		}},
		{"edit a projected designation", func(t *testing.T, e *testenv.Env) {
			idx, _ := firstDesignation(t, e)
			exec(t, e, "UPDATE designation_history SET designation = 'undetermined' WHERE entry = ? AND designation != 'undetermined'", idx)
		}, func(t *testing.T, e *testenv.Env, err error) {
			idx, _ := firstDesignation(t, e)
			wantItem(t, err, fmt.Sprintf("actor %s", mustActorOf(t, e, idx)))
		}},
		{"edit a projected actor", func(t *testing.T, e *testenv.Env) {
			_, actor := firstDesignation(t, e)
			exec(t, e, "UPDATE actors SET name = 'Someone else' WHERE id = ?", actor)
		}, func(t *testing.T, e *testenv.Env, err error) {
			_, actor := firstDesignation(t, e)
			wantItem(t, err, "actor "+actor)
		}},
		{"delete a projected actor's designation", func(t *testing.T, e *testenv.Env) {
			_, actor := firstDesignation(t, e)
			exec(t, e, "DELETE FROM designations WHERE actor_id = ?", actor)
		}, func(t *testing.T, e *testenv.Env, err error) {
			_, actor := firstDesignation(t, e)
			wantItem(t, err, "actor "+actor)
		}},
		{"insert a projected row the journal never made", func(t *testing.T, e *testenv.Env) {
			exec(t, e, "INSERT INTO actors(id, name, aliases, answerable_party, created_by, created_at, entry) VALUES ('act_forged', 'Forged', '[]', NULL, 'us', '2026-01-01T00:00:00Z', 0)")
		}, func(t *testing.T, e *testenv.Env, err error) { wantItem(t, err, "actor act_forged") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := testenv.NewSQLite(t)
			if _, err := verify(t, e); err != nil {
				t.Fatalf("clean journal fails: %v", err)
			}
			tc.break_(t, e)
			_, err := verify(t, e)
			if err == nil {
				t.Fatal("tampering not detected")
			}
			tc.check(t, e, err)
		})
	}
}

func mustActorOf(t *testing.T, e *testenv.Env, idx int64) string {
	t.Helper()
	var subject string
	e.App.Storage.Store.Entries(context.Background(), idx, idx+1, func(_ int64, note []byte) error {
		en, err := journal.ParseEntry(note)
		if err != nil {
			t.Fatal(err)
		}
		subject = en.Subject
		return nil
	})
	return subject
}

// swapWithOtherParty swaps entry i with the next entry of another party, so
// every party's own sequence stays in order.
func swapWithOtherParty(t *testing.T, e *testenv.Env, i int64) {
	t.Helper()
	ctx := context.Background()
	var notes [][]byte
	var parties []string
	e.App.Storage.Store.Entries(ctx, 0, e.JournalSize(t), func(_ int64, note []byte) error {
		en, _ := journal.ParseEntry(note)
		notes = append(notes, append([]byte(nil), note...))
		parties = append(parties, en.Party)
		return nil
	})
	j := i + 1
	for ; int(j) < len(notes) && parties[j] == parties[i]; j++ {
	}
	if int(j) >= len(notes) || j != i+1 {
		t.Fatalf("entries %d and %d are of the same party; pick another index", i, i+1)
	}
	exec(t, e, "UPDATE journal_entries SET note = ? WHERE idx = ?", notes[j], i)
	exec(t, e, "UPDATE journal_entries SET note = ? WHERE idx = ?", notes[i], j)
}

// insertForged appends a row signed with the right party key and the next
// party_seq, as an operator holding the keys could, but without a checkpoint.
func insertForged(t *testing.T, e *testenv.Env) {
	t.Helper()
	ctx := context.Background()
	size := e.JournalSize(t)
	var last int64
	e.App.Storage.Store.Entries(ctx, 0, size, func(_ int64, note []byte) error {
		en, _ := journal.ParseEntry(note)
		if en.Party == "us" {
			last = en.PartySeq
		}
		return nil
	})
	signer, err := e.App.Storage.Ring.Party("us")
	if err != nil {
		t.Fatal(err)
	}
	en := truce.Entry{V: 1, ID: "ent_forged", Party: "us", Member: "us-official", Kind: truce.KindActorCreate,
		Subject: "act_forged", PartySeq: last + 1, Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Body: []byte(`{"name":"Forged","aliases":[],"answerable_party":null}`)}
	note, err := journal.SignEntry(en, signer)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, e, "INSERT INTO journal_entries(idx, id, party, party_seq, kind, subject, time, note) VALUES (?, 'ent_forged', 'us', ?, 'actor.create', 'act_forged', '2026-01-01T00:00:00Z', ?)", size, last+1, note)
}
