package journal_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/journal"
)

var updateVectors = flag.Bool("update-vectors", false, "rewrite web/testdata/verify-vectors.json")

// The web UI's verifier (web/src/verify.js) is tested by node against what
// this Go code signs and hashes: web/test/verify.test.mjs reads the vectors
// this test writes. They are checked in; the test fails when they differ
// from what the journal package makes now (run with -update-vectors).
const vectorsPath = "../../web/testdata/verify-vectors.json"

type jsProof struct {
	Index int64    `json:"index"`
	Size  int64    `json:"size"`
	Proof []string `json:"proof"`
}

type jsVectors struct {
	Comment    string            `json:"comment"`
	Journal    map[string]any    `json:"journal"` // as GET /api/v1/journal gives it
	Entries    []string          `json:"entries"`
	LeafHashes []string          `json:"leaf_hashes"`
	Roots      map[string]string `json:"roots"` // tree size -> root
	Proofs     []jsProof         `json:"proofs"`
	Checkpoint string            `json:"checkpoint"` // of the whole tree
	// CosignedCheckpoint is Checkpoint with a party's cosignature/v1
	// line after the office's signature, as GET .../checkpoint serves it.
	CosignedCheckpoint string            `json:"cosigned_checkpoint"`
	CosignerKey        string            `json:"cosigner_key"` // its cosigner's verifier key
	Bad                map[string]string `json:"bad"`          // notes a verifier must refuse, by why
	BadKeys            []string          `json:"bad_keys"`     // verifier keys that must not load
}

// seeded is a fixed Ed25519 seed, so that the vectors do not change.
func seeded(name string, b byte) (note.Signer, string) {
	skey, vkey, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{b}, 32)), name)
	if err != nil {
		panic(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		panic(err)
	}
	return s, vkey
}

func makeJSVectors(t *testing.T) []byte {
	const origin = "truce.example/vectors"
	office, officeKey := seeded(origin, 1)
	us, usKey := seeded(journal.KeyName(origin, "us"), 2)
	ru, ruKey := seeded(journal.KeyName(origin, "ru"), 3)
	impostor, _ := seeded(journal.KeyName(origin, "us"), 4) // us's name, another key
	v := jsVectors{
		Comment: "written by internal/journal's TestJSVerifierVectors; read by web/test/verify.test.mjs",
		Journal: map[string]any{"origin": origin, "office_key": officeKey, "party_keys": map[string]string{"us": usKey, "ru": ruKey}},
		Roots:   map[string]string{}, Bad: map[string]string{},
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	entry := func(i int, party string) truce.Entry {
		return truce.Entry{V: truce.EntryVersion, ID: fmt.Sprintf("ent_%04d", i), Party: party, Member: party + "-official",
			Kind: truce.KindDesignationSet, Subject: "act_vectors", Time: at.Add(time.Duration(i) * time.Minute), PartySeq: int64(i/2 + 1),
			Body: json.RawMessage(fmt.Sprintf(`{"party":%q,"designation":"excluded","note":"vector %d — ünïcode"}`, party, i))}
	}
	var hashes []tlog.Hash
	for i := range 13 {
		party, signer := "us", us
		if i%2 == 1 {
			party, signer = "ru", ru
		}
		msg, err := journal.SignEntry(entry(i, party), signer)
		if err != nil {
			t.Fatal(err)
		}
		v.Entries = append(v.Entries, string(msg))
		h := tlog.RecordHash(msg)
		v.LeafHashes = append(v.LeafHashes, hex.EncodeToString(h[:]))
		stored, err := tlog.StoredHashes(int64(i), msg, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(idx))
			for k, x := range idx {
				out[k] = hashes[x]
			}
			return out, nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, stored...)
	}
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for k, x := range idx {
			out[k] = hashes[x]
		}
		return out, nil
	})
	for size := int64(1); size <= 13; size++ {
		root, err := tlog.TreeHash(size, reader)
		if err != nil {
			t.Fatal(err)
		}
		v.Roots[fmt.Sprint(size)] = hex.EncodeToString(root[:])
		if size == 1 || size == 2 || size == 3 || size == 5 || size == 8 || size == 13 {
			for index := range size {
				proof, err := tlog.ProveRecord(size, index, reader)
				if err != nil {
					t.Fatal(err)
				}
				p := jsProof{Index: index, Size: size, Proof: []string{}}
				for _, h := range proof {
					p.Proof = append(p.Proof, hex.EncodeToString(h[:]))
				}
				v.Proofs = append(v.Proofs, p)
			}
		}
	}
	root, _ := tlog.TreeHash(13, reader)
	cp, err := journal.SignCheckpoint(journal.Checkpoint{Origin: origin, Size: 13, Hash: root}, office)
	if err != nil {
		t.Fatal(err)
	}
	v.Checkpoint = string(cp)
	v.CosignedCheckpoint, v.CosignerKey = cosigned(t, v.Checkpoint)

	tampered := strings.Replace(v.Entries[0], "vector 0", "vector 9", 1)
	v.Bad["does not verify"] = tampered
	forged, err := journal.SignEntry(entry(0, "us"), impostor)
	if err != nil {
		t.Fatal(err)
	}
	v.Bad["another key"] = string(forged)
	e := entry(2, "us")
	e.Party = "ru" // us's key, signing as ru
	if msg, err := note.Sign(&note.Note{Text: mustLine(t, e)}, us); err == nil {
		v.Bad["no signature by "+journal.KeyName(origin, "ru")] = string(msg)
	} else {
		t.Fatal(err)
	}
	v.Bad["no published key for party xx"] = strings.Replace(v.Entries[0], `"party":"us"`, `"party":"xx"`, 1)
	v.Bad["no blank line"] = strings.Replace(v.Entries[0], "\n\n", "\n", 1)
	// The body holds an em dash too: change the signature line's.
	sigLine := strings.LastIndex(v.Entries[0], "\n\u2014 ") + 1
	v.Bad["malformed signature line"] = v.Entries[0][:sigLine] + "- " + v.Entries[0][sigLine+len("\u2014 "):]
	text, _, _ := strings.Cut(v.Checkpoint, "\n\n")
	other, err := note.Sign(&note.Note{Text: strings.Replace(text, origin, "truce.example/other", 1) + "\n"}, office)
	if err != nil {
		t.Fatal(err)
	}
	v.Bad["checkpoint origin"] = string(other)
	v.BadKeys = []string{
		"no-plus-signs",
		strings.Replace(usKey, "+", "+0", 1),            // hash not 8 hex digits
		usKey[:strings.LastIndex(usKey, "+")] + "+AQ==", // not 32 bytes
		strings.Replace(usKey, journal.KeyName(origin, "us"), journal.KeyName(origin, "uz"), 1), // hash of another name
	}
	out, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

func mustLine(t *testing.T, e truce.Entry) string {
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

func TestJSVerifierVectors(t *testing.T) {
	want := makeJSVectors(t)
	if *updateVectors {
		if err := os.MkdirAll(filepath.Dir(vectorsPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(vectorsPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("%v (go test ./internal/journal -run TestJSVerifierVectors -update-vectors writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not what the journal package signs now: rewrite it with -update-vectors and run the web tests", vectorsPath)
	}
	// The Go side accepts what the vectors call good and refuses the rest.
	var v jsVectors
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatal(err)
	}
	keys, err := journal.NewKeys(v.Journal["origin"].(string), v.Journal["office_key"].(string),
		map[string]string{"us": v.Journal["party_keys"].(map[string]any)["us"].(string), "ru": v.Journal["party_keys"].(map[string]any)["ru"].(string)})
	if err != nil {
		t.Fatal(err)
	}
	for i, msg := range v.Entries {
		if _, err := journal.OpenEntry([]byte(msg), keys); err != nil {
			t.Errorf("entry %d: %v", i, err)
		}
	}
	for why, msg := range v.Bad {
		if strings.HasPrefix(why, "checkpoint") {
			continue
		}
		if _, err := journal.OpenEntry([]byte(msg), keys); err == nil {
			t.Errorf("bad entry (%s) opens", why)
		}
	}
}

// cosigned adds to cp a cosignature/v1 line by a fixed key at a fixed time
// (the library's signer takes the time from the clock, which would make
// the vectors change), and checks it with the library's verifier.
func cosigned(t *testing.T, cp string) (cosignedNote, vkey string) {
	t.Helper()
	const name, ts = "verifier.us.example/truce", 1_790_000_000
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	pub := append([]byte{0x04}, key.Public().(ed25519.PublicKey)...)
	h := sha256.Sum256(append([]byte(name+"\n"), pub...))
	hash := binary.BigEndian.Uint32(h[:4])
	text, _, _ := strings.Cut(cp, "\n\n")
	msg := fmt.Sprintf("cosignature/v1\ntime %d\n%s\n", ts, text)
	sig := binary.BigEndian.AppendUint32(nil, hash)
	sig = binary.BigEndian.AppendUint64(sig, ts)
	sig = append(sig, ed25519.Sign(key, []byte(msg))...)
	out := cp + "\u2014 " + name + " " + base64.StdEncoding.EncodeToString(sig) + "\n"
	vkey = fmt.Sprintf("%s+%08x+%s", name, hash, base64.StdEncoding.EncodeToString(pub))
	v, err := fnote.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := note.Open([]byte(out), note.VerifierList(v)); err != nil || len(n.Sigs) != 1 {
		t.Fatalf("the hand-made cosignature does not verify: %v", err)
	}
	return out, vkey
}
