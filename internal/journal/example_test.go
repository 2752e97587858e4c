package journal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"strconv"
	"strings"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/journal"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// exampleJournal plays the office: it makes keys, three entries and a
// checkpoint, and returns what GET /api/v1/journal, /entries and /checkpoint
// would.
func exampleJournal() (officeVKey string, partyVKeys map[string]string, entries [][]byte, checkpoint []byte) {
	const origin = "truce.example.org/demo"
	officeSKey, officeVKey, err := journal.GenerateKey(origin)
	if err != nil {
		log.Fatal(err)
	}
	partyVKeys = map[string]string{}
	signers := map[string]note.Signer{}
	for _, p := range []string{"us", "ru"} {
		skey, vkey, err := journal.GenerateKey(journal.KeyName(origin, p))
		if err != nil {
			log.Fatal(err)
		}
		partyVKeys[p] = vkey
		if signers[p], err = journal.NewSigner(skey); err != nil {
			log.Fatal(err)
		}
	}
	var tree journal.MemoryHashes
	for i, p := range []string{"us", "ru", "us"} {
		e := truce.Entry{
			V: 1, ID: fmt.Sprintf("e%d", i), Party: p, Member: p + "-official", Kind: "zone.release",
			Subject: "z1", Time: time.Date(2026, 3, 1, 12, i, 0, 0, time.UTC), PartySeq: int64(i/2 + 1),
			Body: json.RawMessage(`{"note":"illustrative"}`),
		}
		msg, err := journal.SignEntry(e, signers[p])
		if err != nil {
			log.Fatal(err)
		}
		if _, err := tree.Append(msg); err != nil {
			log.Fatal(err)
		}
		entries = append(entries, msg)
	}
	root, err := tree.Root()
	if err != nil {
		log.Fatal(err)
	}
	office, err := journal.NewSigner(officeSKey)
	if err != nil {
		log.Fatal(err)
	}
	checkpoint, err = journal.SignCheckpoint(journal.Checkpoint{Origin: origin, Size: tree.Size(), Hash: root}, office)
	if err != nil {
		log.Fatal(err)
	}
	return officeVKey, partyVKeys, entries, checkpoint
}

// An outside verifier needs only golang.org/x/mod: the keys, the entries and
// the checkpoint.
func Example() {
	officeVKey, partyVKeys, entries, checkpoint := exampleJournal()

	// Each entry is signed by the party it names.
	for i, msg := range entries {
		text := msg[:bytes.LastIndex(msg, []byte("\n\n"))+1]
		var e struct {
			Party string `json:"party"`
			Kind  string `json:"kind"`
		}
		if err := json.Unmarshal(text, &e); err != nil {
			log.Fatal(err)
		}
		v, err := note.NewVerifier(partyVKeys[e.Party])
		if err != nil {
			log.Fatal(err)
		}
		if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
			log.Fatalf("entry %d: %v", i, err)
		}
		fmt.Printf("entry %d: %s by %s, signed by %s\n", i, e.Kind, e.Party, v.Name())
	}

	// The checkpoint is signed by the office and names the tree.
	officeV, err := note.NewVerifier(officeVKey)
	if err != nil {
		log.Fatal(err)
	}
	n, err := note.Open(checkpoint, note.VerifierList(officeV))
	if err != nil {
		log.Fatal(err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		log.Fatal(err)
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		log.Fatal(err)
	}

	// The tree over the entries' exact bytes has the checkpoint's root.
	var stored []tlog.Hash
	hashes := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, msg := range entries {
		hs, err := tlog.StoredHashes(int64(i), msg, hashes)
		if err != nil {
			log.Fatal(err)
		}
		stored = append(stored, hs...)
	}
	got, err := tlog.TreeHash(int64(len(entries)), hashes)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("checkpoint of %s: size %d matches: %v, root matches: %v\n", lines[0], size, size == int64(len(entries)), got == root)

	// So does an inclusion proof for entry 1, as the API serves it.
	proof, err := tlog.ProveRecord(size, 1, hashes)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("entry 1 included:", tlog.CheckRecord(proof, size, root, 1, tlog.RecordHash(entries[1])) == nil)

	// Output:
	// entry 0: zone.release by us, signed by truce.example.org/demo/us
	// entry 1: zone.release by ru, signed by truce.example.org/demo/ru
	// entry 2: zone.release by us, signed by truce.example.org/demo/us
	// checkpoint of truce.example.org/demo: size 3 matches: true, root matches: true
	// entry 1 included: true
}

// A party verifies an exported bundle offline and rebuilds state from it.
func ExampleVerifier_Verify() {
	officeVKey, partyVKeys, entries, checkpoint := exampleJournal()
	var bundle bytes.Buffer
	h := &journal.BundleHeader{Origin: "truce.example.org/demo", OfficeKey: officeVKey, PartyKeys: partyVKeys, Checkpoint: checkpoint}
	if err := journal.WriteBundle(&bundle, h, journal.SliceSource(entries)); err != nil {
		log.Fatal(err)
	}

	h, src, err := journal.ReadBundle(&bundle)
	if err != nil {
		log.Fatal(err)
	}
	keys, err := h.Keys()
	if err != nil {
		log.Fatal(err)
	}
	v := &journal.Verifier{Keys: keys}
	released := map[string]int{}
	rep, err := v.Verify(context.Background(), src, h.Checkpoint, func(i int64, e truce.Entry, _ []byte) error {
		if e.Kind == "zone.release" {
			released[e.Subject]++
		}
		return nil
	})
	if err != nil {
		log.Fatal(err) // a *journal.VerifyError names the first entry at fault
	}
	fmt.Println("entries:", rep.Size, "us:", rep.Parties["us"], "ru:", rep.Parties["ru"], "releases of z1:", released["z1"])
	// Output:
	// entries: 3 us: 2 ru: 1 releases of z1: 3
}
