package journal

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// TestCheckpointGolden pins the checkpoint format: C2SP tlog-checkpoint
// signed by the office key.
func TestCheckpointGolden(t *testing.T) {
	f := newFixture(t)
	notes := MustJournal(t, f, 10)
	msg := MustCheckpoint(t, f, notes, "office")
	golden := filepath.Join("testdata", "checkpoint.golden")
	if *update {
		if err := os.WriteFile(golden, msg, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(msg)); diff != "" {
		t.Errorf("checkpoint differs from %s (-want +got); rerun with -update if intended:\n%s", golden, diff)
	}
	if !strings.HasPrefix(string(msg), testOrigin+"\n10\n") {
		t.Errorf("checkpoint text:\n%s", msg)
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	f := newFixture(t)
	for _, size := range []int64{0, 1, 9, 1 << 40} {
		c := Checkpoint{Origin: testOrigin, Size: size, Hash: tlog.RecordHash([]byte{byte(size)})}
		msg, err := SignCheckpoint(c, f.signers["office"])
		if err != nil {
			t.Fatal(err)
		}
		got, n, err := OpenCheckpoint(msg, testOrigin, f.keys.Office)
		if err != nil {
			t.Fatal(err)
		}
		if got != c {
			t.Errorf("OpenCheckpoint = %+v, want %+v", got, c)
		}
		if len(n.Sigs) != 1 || n.Sigs[0].Name != testOrigin {
			t.Errorf("signatures %+v", n.Sigs)
		}

		// Cosignatures (here plain note signatures by parties) are left to
		// the caller.
		cosigned, err := note.Sign(n, f.signers["us"], f.signers["ru"])
		if err != nil {
			t.Fatal(err)
		}
		got, n, err = OpenCheckpoint(cosigned, testOrigin, f.keys.Office)
		if err != nil {
			t.Fatal(err)
		}
		if got != c || len(n.UnverifiedSigs) != 2 {
			t.Errorf("cosigned: %+v, unverified %+v", got, n.UnverifiedSigs)
		}
	}
}

func TestSignCheckpointRefuses(t *testing.T) {
	f := newFixture(t)
	for name, tc := range map[string]struct {
		c    Checkpoint
		role string
	}{
		"party key":      {Checkpoint{Origin: testOrigin, Size: 1}, "us"},
		"negative size":  {Checkpoint{Origin: testOrigin, Size: -1}, "office"},
		"bad origin":     {Checkpoint{Origin: "https://" + testOrigin, Size: 1}, "office"},
		"other origin":   {Checkpoint{Origin: "truce.example.org/other", Size: 1}, "office"},
		"newline origin": {Checkpoint{Origin: testOrigin + "\n2", Size: 1}, "office"},
	} {
		if msg, err := SignCheckpoint(tc.c, f.signers[tc.role]); err == nil {
			t.Errorf("%s: SignCheckpoint succeeded:\n%s", name, msg)
		}
	}
}

func TestOpenCheckpointRefuses(t *testing.T) {
	f := newFixture(t)
	c := Checkpoint{Origin: testOrigin, Size: 12, Hash: tlog.RecordHash([]byte("x"))}
	good, err := SignCheckpoint(c, f.signers["office"])
	if err != nil {
		t.Fatal(err)
	}
	text := string(good[:bytes.Index(good, []byte("\n\n"))+1])
	lines := strings.SplitAfter(text, "\n")
	hash := strings.TrimSuffix(lines[2], "\n")
	for _, tc := range []struct {
		name    string
		msg     []byte
		wantErr error
	}{
		{"party key", mustSignText(t, f, text, "us"), ErrSignature},
		{"edited size", bytes.Replace(good, []byte("\n12\n"), []byte("\n13\n"), 1), ErrSignature},
		{"flipped signature", flipSignature(t, good), ErrSignature},
		{"other origin", mustSignText(t, f, strings.Replace(text, testOrigin, "truce.example.org/other", 1), "office"), ErrMalformed},
		{"leading zero", mustSignText(t, f, strings.Replace(text, "\n12\n", "\n012\n", 1), "office"), ErrMalformed},
		{"plus sign", mustSignText(t, f, strings.Replace(text, "\n12\n", "\n+12\n", 1), "office"), ErrMalformed},
		{"negative", mustSignText(t, f, strings.Replace(text, "\n12\n", "\n-12\n", 1), "office"), ErrMalformed},
		{"too large", mustSignText(t, f, strings.Replace(text, "\n12\n", "\n9223372036854775808\n", 1), "office"), ErrMalformed},
		{"beyond MaxSize", mustSignText(t, f, strings.Replace(text, "\n12\n", "\n281474976710657\n", 1), "office"), ErrMalformed},
		{"fits int64 but tlog hangs", mustSignText(t, f, strings.Replace(text, "\n12\n", "\n4611686018427387905\n", 1), "office"), ErrMalformed},
		{"short hash", mustSignText(t, f, strings.Replace(text, hash, "AAAA", 1), "office"), ErrMalformed},
		{"bad base64", mustSignText(t, f, strings.Replace(text, hash, hash[:len(hash)-1]+"!", 1), "office"), ErrMalformed},
		{"two lines", mustSignText(t, f, testOrigin+"\n12\n", "office"), ErrMalformed},
		{"empty extension line", mustSignText(t, f, text+"\next\n", "office"), ErrMalformed},
		{"not a note", []byte(text), ErrMalformed},
		{"empty", nil, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := OpenCheckpoint(tc.msg, testOrigin, f.keys.Office)
			if err == nil {
				t.Fatalf("OpenCheckpoint = %+v", got)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v, want %v", err, tc.wantErr)
			}
		})
	}
	// An extension line is allowed.
	if _, _, err := OpenCheckpoint(mustSignText(t, f, text+"ext\n", "office"), testOrigin, f.keys.Office); err != nil {
		t.Errorf("extension line: %v", err)
	}
	// The office key must be named for the origin.
	if _, _, err := OpenCheckpoint(good, testOrigin, f.keys.Parties["us"]); err == nil {
		t.Error("OpenCheckpoint with a party key succeeded")
	}
	if _, _, err := OpenCheckpoint(good, "truce.example.org/other", f.keys.Office); err == nil {
		t.Error("OpenCheckpoint for another origin succeeded")
	}
	if _, _, err := OpenCheckpoint(good, testOrigin, nil); err == nil {
		t.Error("OpenCheckpoint without a key succeeded")
	}
}
