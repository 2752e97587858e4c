package journal

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"golang.org/x/mod/sumdb/note"
)

// Fixed test keys, so that signed test data (fuzz seeds, golden files) stay
// valid. Never use them outside tests.
const testOrigin = "truce.example.org/demo"

var testKeys = map[string][2]string{ // role: signer key, verifier key
	"office": {"PRIVATE+KEY+truce.example.org/demo+49a97f43+AeiW42wTlnsdwfVZDFHuQ+z6tIN0xPUG81RNrPD2xHKC", "truce.example.org/demo+49a97f43+Ae3aq+5ndvP4rsseuMhv8vtKeKrbus/S2JgYSuqzoglx"},
	"us":     {"PRIVATE+KEY+truce.example.org/demo/us+5018c379+ATLIKQLRfsupuvYHtgEKrY7h9dU4kNaZq9/GQA7i7nwd", "truce.example.org/demo/us+5018c379+AXulT+1QsTb8g6N36qOXlYYDMTlM6rsf8jYBHWJWTDvC"},
	"ru":     {"PRIVATE+KEY+truce.example.org/demo/ru+689b21b3+AZndF3R9IT6P4oHqtk3AOc3lutDEpf0DUU3y6DBOJhRc", "truce.example.org/demo/ru+689b21b3+AYcTZBnfdK6wgn2kY5Sp9+OXNOwK3wab8Wqk4LwYSCBX"},
	"mon":    {"PRIVATE+KEY+truce.example.org/demo/mon+e7c886ae+AZpw5HWTgt2qMv3OK2vwK08glTizipi7pMEgT/whj4tm", "truce.example.org/demo/mon+e7c886ae+Aefo/jv6sb19JL3GtUbW+sYSCjywTRZYKCHUc7r0bP+J"},
	// Another key named like us's: a forger's.
	"us-other": {"PRIVATE+KEY+truce.example.org/demo/us+3ed80871+ASI41yPn8YGSDR2DL0L0k1QOdXbXJiM/dEOTV69nGNPj", "truce.example.org/demo/us+3ed80871+AVuk47wNKk7lMIlFAyqHgx/JL16gS+SYFB5RnBKo3gQE"},
}

var testParties = []string{"us", "ru", "mon"}

// fixture is a journal's keys for tests.
type fixture struct {
	keys    *Keys
	signers map[string]note.Signer
	vkeys   map[string]string // party keys, by party
}

var (
	fixtureOnce sync.Once
	theFixture  *fixture
)

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	fixtureOnce.Do(func() {
		f := &fixture{signers: make(map[string]note.Signer), vkeys: make(map[string]string)}
		for role, k := range testKeys {
			s, err := NewSigner(k[0])
			if err != nil {
				panic(err)
			}
			f.signers[role] = s
		}
		for _, p := range testParties {
			f.vkeys[p] = testKeys[p][1]
		}
		keys, err := NewKeys(testOrigin, testKeys["office"][1], f.vkeys)
		if err != nil {
			panic(err)
		}
		f.keys = keys
		theFixture = f
	})
	return theFixture
}

var testTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testEntry returns the i-th test entry, by party with party_seq seq.
func testEntry(i int, party string, seq int64) truce.Entry {
	return truce.Entry{
		V:        truce.EntryVersion,
		ID:       fmt.Sprintf("e-%06d", i),
		Party:    party,
		Member:   party + "-official",
		Kind:     "zone.release",
		Subject:  fmt.Sprintf("zone-%d", i%97),
		Time:     testTime.Add(time.Duration(i) * time.Second),
		PartySeq: seq,
		Body:     json.RawMessage(fmt.Sprintf(`{"name":"Zone %d","note":"illustrative"}`, i)),
	}
}

// MustSignEntry signs e with the key of role.
func MustSignEntry(tb testing.TB, f *fixture, e truce.Entry, role string) []byte {
	tb.Helper()
	msg, err := SignEntry(e, f.signers[role])
	if err != nil {
		tb.Fatal(err)
	}
	return msg
}

// MustJournal returns n entries by the test parties in turn, signed in
// parallel.
func MustJournal(tb testing.TB, f *fixture, n int) [][]byte {
	tb.Helper()
	notes := make([][]byte, n)
	entries := make([]truce.Entry, n)
	seq := make(map[string]int64)
	for i := range n {
		p := testParties[i%len(testParties)]
		seq[p]++
		entries[i] = testEntry(i, p, seq[p])
	}
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				msg, err := SignEntry(entries[i], f.signers[entries[i].Party])
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
				notes[i] = msg
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		tb.Fatal(err)
	default:
	}
	return notes
}

// MustCheckpoint returns the checkpoint of notes signed by the key of role.
func MustCheckpoint(tb testing.TB, f *fixture, notes [][]byte, role string) []byte {
	tb.Helper()
	var m MemoryHashes
	for _, n := range notes {
		if _, err := m.Append(n); err != nil {
			tb.Fatal(err)
		}
	}
	root, err := m.Root()
	if err != nil {
		tb.Fatal(err)
	}
	cp, err := SignCheckpoint(Checkpoint{Origin: testOrigin, Size: m.Size(), Hash: root}, f.signers[role])
	if err != nil {
		tb.Fatal(err)
	}
	return cp
}

// mustSignText signs arbitrary text with the keys of roles, bypassing every
// check of this package.
func mustSignText(tb testing.TB, f *fixture, text string, roles ...string) []byte {
	tb.Helper()
	var signers []note.Signer
	for _, r := range roles {
		signers = append(signers, f.signers[r])
	}
	msg, err := note.Sign(&note.Note{Text: text}, signers...)
	if err != nil {
		tb.Fatal(err)
	}
	return msg
}
