package journal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// MustBundle returns the bundle of notes with their checkpoint.
func MustBundle(tb testing.TB, f *fixture, notes [][]byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	h := &BundleHeader{Origin: testOrigin, OfficeKey: testKeys["office"][1], PartyKeys: f.vkeys, Checkpoint: MustCheckpoint(tb, f, notes, "office")}
	if err := WriteBundle(&buf, h, SliceSource(notes)); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// readAll reads a whole bundle.
func readAll(r io.Reader) (*BundleHeader, [][]byte, error) {
	h, src, err := ReadBundle(r)
	if err != nil {
		return nil, nil, err
	}
	var notes [][]byte
	err = src(func(i int64, n []byte) bool {
		notes = append(notes, bytes.Clone(n))
		return true
	})
	return h, notes, err
}

func TestBundleRoundTrip(t *testing.T) {
	f := newFixture(t)
	for _, n := range []int{0, 1, 50} {
		notes := MustJournal(t, f, n)
		b := MustBundle(t, f, notes)
		lines := strings.Split(string(b), "\n")
		if len(lines) != n+2 || lines[n+1] != "" {
			t.Fatalf("bundle of %d entries has %d lines", n, len(lines))
		}
		if !strings.HasPrefix(lines[0], `{"truce_bundle":1,"origin":"truce.example.org/demo","office_key":"truce.example.org/demo+49a97f43+`) {
			t.Errorf("header line: %s", lines[0])
		}
		if n > 0 && !strings.HasPrefix(lines[1], `{"index":0,"note":"{\"v\":1,`) {
			t.Errorf("first entry line: %s", lines[1])
		}

		h, got, err := readAll(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		want := &BundleHeader{Origin: testOrigin, OfficeKey: testKeys["office"][1], PartyKeys: f.vkeys, Checkpoint: MustCheckpoint(t, f, notes, "office")}
		if diff := cmp.Diff(want, h); diff != "" {
			t.Errorf("header (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(notes, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("notes (-want +got):\n%s", diff)
		}

		// Offline verification from the bundle alone.
		h, src, err := ReadBundle(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		keys, err := h.Keys()
		if err != nil {
			t.Fatal(err)
		}
		rep, err := (&Verifier{Keys: keys}).Verify(t.Context(), src, h.Checkpoint, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Size != int64(n) {
			t.Errorf("verified %d entries, want %d", rep.Size, n)
		}
		if err := src(func(int64, []byte) bool { return true }); err == nil {
			t.Error("a bundle's entries could be read twice")
		}
	}
}

func TestReadBundleRefuses(t *testing.T) {
	f := newFixture(t)
	notes := MustJournal(t, f, 5)
	good := string(MustBundle(t, f, notes))
	lines := strings.SplitAfter(good, "\n")
	header, entries := lines[0], lines[1:6]
	join := func(ls ...string) string { return strings.Join(ls, "") }
	entry := func(i int) string { return entries[i] }

	// Refused while reading the header.
	for name, b := range map[string]string{
		"empty":           "",
		"not JSON":        "hello\n",
		"not a bundle":    `{"origin":"x"}` + "\n",
		"version 2":       strings.Replace(header, `"truce_bundle":1`, `"truce_bundle":2`, 1),
		"unknown field":   strings.Replace(header, `{"truce_bundle":1,`, `{"truce_bundle":1,"x":1,`, 1),
		"bad office key":  strings.Replace(header, testKeys["office"][1], testKeys["us"][1], 1),
		"bad party key":   strings.Replace(header, testKeys["ru"][1], testKeys["us"][1], 1),
		"bad origin":      strings.Replace(header, `"origin":"truce.example.org/demo"`, `"origin":"https://x"`, 1),
		"no checkpoint":   strings.Replace(header, `"checkpoint":"`, `"checkpoint":"","x":"`, 1),
		"two objects":     strings.Replace(header, "}\n", "}{}\n", 1),
		"header too long": `{"origin":"` + strings.Repeat("a", MaxBundleLine) + `"}` + "\n",
	} {
		if _, _, err := ReadBundle(strings.NewReader(b)); err == nil {
			t.Errorf("%s: ReadBundle succeeded", name)
		}
	}

	// Refused while reading entries, naming the index expected.
	for _, tc := range []struct {
		name   string
		b      string
		index  int64
		reason string
	}{
		{"garbage line", join(header, entry(0), "garbage\n", entry(2)), 1, ReasonRead},
		{"empty line", join(header, entry(0), "\n", entry(1)), 1, ReasonRead},
		{"missing index", join(header, entry(0), entry(2), entry(3)), 1, ReasonIndex},
		{"repeated line", join(header, entry(0), entry(1), entry(1)), 2, ReasonIndex},
		{"swapped lines", join(header, entry(0), entry(2), entry(1)), 1, ReasonIndex},
		{"first index 1", join(header, entry(1)), 0, ReasonIndex},
		{"unknown field", join(header, entry(0), strings.Replace(entry(1), `{"index":1,`, `{"index":1,"x":1,`, 1)), 1, ReasonRead},
		{"index missing", join(header, entry(0), `{"note":"x"}`+"\n"), 1, ReasonRead},
		{"note missing", join(header, entry(0), `{"index":1}`+"\n"), 1, ReasonRead},
		{"trailing garbage", join(header, entry(0), entry(1), "}\n"), 2, ReasonRead},
		{"line too long", join(header, entry(0), `{"index":1,"note":"`+strings.Repeat("a", MaxBundleLine)+`"}`+"\n"), 1, ReasonRead},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll(strings.NewReader(tc.b))
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Index != tc.index || ve.Reason != tc.reason {
				t.Fatalf("error %v, want a VerifyError at %d, %q", err, tc.index, tc.reason)
			}
			if !strings.Contains(err.Error(), "line ") {
				t.Errorf("error %q does not name the line", err)
			}
		})
	}

	// Verified from a bundle: a missing line is named.
	b := join(header, entry(0), entry(1), entry(3), entry(4))
	h, src, err := ReadBundle(strings.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&Verifier{Keys: f.keys}).Verify(t.Context(), src, h.Checkpoint, nil)
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.Index != 2 || ve.Reason != ReasonIndex {
		t.Errorf("Verify of a bundle without entry 2: %v", err)
	}

	// Tolerated: CRLF line ends and a last line without its newline.
	crlf := strings.ReplaceAll(good, "\n", "\r\n")
	if _, got, err := readAll(strings.NewReader(crlf)); err != nil || len(got) != 5 {
		t.Errorf("CRLF: %d notes, %v", len(got), err)
	}
	if _, got, err := readAll(strings.NewReader(strings.TrimSuffix(good, "\n"))); err != nil || len(got) != 5 {
		t.Errorf("no final newline: %d notes, %v", len(got), err)
	}
}

func TestReadBundleReadError(t *testing.T) {
	f := newFixture(t)
	b := MustBundle(t, f, MustJournal(t, f, 3))
	errDisk := errors.New("disk on fire")
	r := io.MultiReader(bytes.NewReader(b[:len(b)-10]), iotestErrReader{errDisk})
	_, _, err := readAll(r)
	var ve *VerifyError
	if !errors.Is(err, errDisk) || errors.As(err, &ve) {
		t.Errorf("read error: %v", err)
	}
}

type iotestErrReader struct{ err error }

func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

func TestWriteBundleRefuses(t *testing.T) {
	f := newFixture(t)
	notes := MustJournal(t, f, 3)
	h := &BundleHeader{Origin: testOrigin, OfficeKey: testKeys["office"][1], PartyKeys: f.vkeys, Checkpoint: MustCheckpoint(t, f, notes, "office")}
	for name, src := range map[string]EntrySource{
		"gap": gappySource(notes, []int64{0, 2, 3}),
		"error": func(yield func(int64, []byte) bool) error {
			yield(0, notes[0])
			return fmt.Errorf("disk on fire")
		},
		"not UTF-8": SliceSource([][]byte{{0xff}}),
	} {
		if err := WriteBundle(io.Discard, h, src); err == nil {
			t.Errorf("%s: WriteBundle succeeded", name)
		}
	}
	bad := *h
	bad.OfficeKey = testKeys["us"][1]
	if err := WriteBundle(io.Discard, &bad, SliceSource(notes)); err == nil {
		t.Error("WriteBundle with a bad office key succeeded")
	}
}

func TestReadEntryLines(t *testing.T) {
	f := newFixture(t)
	notes := MustJournal(t, f, 6)
	var api bytes.Buffer
	for i, n := range notes[2:] {
		fmt.Fprintf(&api, `{"index":%d,"note":%s,"kind":"zone.release"}`+"\n", i+2, mustJSON(t, string(n)))
	}
	var got [][]byte
	err := ReadEntryLines(bytes.NewReader(api.Bytes()), 2)(func(i int64, n []byte) bool {
		got = append(got, bytes.Clone(n))
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(notes[2:], got); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}

	// Verified straight from the API's shape.
	api.Reset()
	for i, n := range notes {
		fmt.Fprintf(&api, `{"index":%d,"note":%s,"kind":"x"}`+"\n", i, mustJSON(t, string(n)))
	}
	if _, err := (&Verifier{Keys: f.keys}).Verify(t.Context(), ReadEntryLines(&api, 0), MustCheckpoint(t, f, notes, "office"), nil); err != nil {
		t.Fatal(err)
	}

	err = ReadEntryLines(strings.NewReader(`{"index":0,"note":"x"}`+"\n"+`{"index":2,"note":"x"}`+"\n"), 0)(func(int64, []byte) bool { return true })
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.Index != 1 || ve.Reason != ReasonIndex || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("gap: %v", err)
	}
}
