package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Seed corpora are in testdata/fuzz/<FuzzName>/; f.Add adds a few more from
// the fixed test keys.

func FuzzParseEntry(f *testing.F) {
	fx := newFixture(f)
	f.Add(MustSignEntry(f, fx, testEntry(1, "us", 1), "us"))
	f.Add(mustSignText(f, fx, `{"v":1,"id":"x","party":"us","member":"m","kind":"k","time":"2026-01-01T00:00:00Z","party_seq":1,"body":{},"PARTY":1}`+"\n", "us"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		e, err := ParseEntry(msg)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if err := checkEntry(&e); err != nil {
			t.Fatalf("ParseEntry returned an invalid entry: %v", err)
		}
		// What was read can be written and read back the same.
		line, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		e2, err := parseEntryText(append(line, '\n'))
		if err != nil {
			t.Fatalf("re-encoded entry does not parse: %v\n%s", err, line)
		}
		line2, err := json.Marshal(e2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(line, line2) {
			t.Fatalf("re-encoding is not stable:\n%s\n%s", line, line2)
		}
		// The body is compacted; the rest is kept.
		e.Body, e2.Body = nil, nil
		if diff := cmp.Diff(e, e2); diff != "" {
			t.Fatalf("re-encoded entry differs:\n%s", diff)
		}
	})
}

func FuzzOpenEntry(f *testing.F) {
	fx := newFixture(f)
	f.Add(MustSignEntry(f, fx, testEntry(1, "us", 1), "us"))
	f.Add(mustSignText(f, fx, string(MustSignEntry(f, fx, testEntry(2, "ru", 1), "ru")), "mon"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		e, err := OpenEntry(msg, fx.keys)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrSignature) {
				t.Fatalf("error %v wraps neither ErrMalformed nor ErrSignature", err)
			}
			return
		}
		// A note that opens also parses, to the same entry.
		e2, err := ParseEntry(msg)
		if err != nil {
			t.Fatalf("OpenEntry accepted what ParseEntry refuses: %v", err)
		}
		if diff := cmp.Diff(e, e2); diff != "" {
			t.Fatalf("OpenEntry and ParseEntry differ:\n%s", diff)
		}
		if _, ok := fx.keys.Parties[e.Party]; !ok {
			t.Fatalf("opened an entry of unknown party %q", e.Party)
		}
	})
}

func FuzzOpenCheckpoint(f *testing.F) {
	fx := newFixture(f)
	f.Add(MustCheckpoint(f, fx, nil, "office"))
	f.Add(MustCheckpoint(f, fx, MustJournal(f, fx, 3), "office"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		c, n, err := OpenCheckpoint(msg, testOrigin, fx.keys.Office)
		if err != nil {
			return
		}
		if c.Origin != testOrigin || c.Size < 0 || n == nil || len(n.Sigs) == 0 {
			t.Fatalf("OpenCheckpoint = %+v, %+v", c, n)
		}
		// The three lines we read are the three lines the office signs.
		again, err := SignCheckpoint(c, fx.signers["office"])
		if err != nil {
			t.Fatal(err)
		}
		text := again[:bytes.Index(again, []byte("\n\n"))+1]
		if !bytes.HasPrefix([]byte(n.Text), text) {
			t.Fatalf("checkpoint text %q does not start with %q", n.Text, text)
		}
	})
}

func FuzzReadBundle(f *testing.F) {
	fx := newFixture(f)
	f.Add(MustBundle(f, fx, nil))
	f.Add(MustBundle(f, fx, MustJournal(f, fx, 4)))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, src, err := ReadBundle(bytes.NewReader(b))
		if err != nil {
			return
		}
		keys, err := h.Keys()
		if err != nil {
			t.Fatalf("ReadBundle accepted keys that Keys refuses: %v", err)
		}
		rep, err := (&Verifier{Keys: keys, Workers: 2}).Verify(t.Context(), src, h.Checkpoint, nil)
		if err != nil {
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("a bundle failed without a VerifyError: %v", err)
			}
			return
		}
		if rep.Size != rep.Checkpoint.Size {
			t.Fatalf("verified %d entries against a checkpoint of %d", rep.Size, rep.Checkpoint.Size)
		}
	})
}
