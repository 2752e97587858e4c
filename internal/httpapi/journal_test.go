package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-org/truce/internal/testenv"
)

// journalInfo is GET /api/v1/journal.
type journalInfo struct {
	Origin    string            `json:"origin"`
	Size      int64             `json:"size"`
	OfficeKey string            `json:"office_key"`
	PartyKeys map[string]string `json:"party_keys"`
}

// checkpoint is a parsed checkpoint note.
type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

// getCheckpoint fetches the checkpoint, checks the office's signature and
// parses its text by hand, as an outside verifier would.
func getCheckpoint(tb testing.TB, e *testenv.Env, office note.Verifier) checkpoint {
	tb.Helper()
	r := get(tb, e, "mon-observer", "/api/v1/journal/checkpoint")
	mustStatus(tb, r, http.StatusOK, "checkpoint")
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		tb.Errorf("checkpoint Content-Type %q, want text/plain", ct)
	}
	n, err := note.Open(r.Body, note.VerifierList(office))
	if err != nil {
		tb.Fatalf("checkpoint does not open with the office key: %v\n%s", err, r.Body)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		tb.Fatalf("checkpoint text %q: want origin, size, root hash lines", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		tb.Fatalf("checkpoint size line %q", lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		tb.Fatalf("checkpoint root line %q: %v", lines[2], err)
	}
	return checkpoint{origin: lines[0], size: size, root: tlog.Hash(raw)}
}

// entryLine is one line of GET /api/v1/journal/entries.
type entryLine struct {
	Index int64  `json:"index"`
	Note  string `json:"note"`
}

// getEntries fetches entries [start, end) and checks the lines' format.
func getEntries(tb testing.TB, e *testenv.Env, query string) []entryLine {
	tb.Helper()
	r := get(tb, e, "ru-planner", "/api/v1/journal/entries"+query)
	mustStatus(tb, r, http.StatusOK, "entries"+query)
	if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, "json") {
		tb.Errorf("entries Content-Type %q", ct)
	}
	var out []entryLine
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			tb.Fatalf("entries line %q is not one JSON object: %v", sc.Bytes(), err)
		}
		if _, ok := raw["index"]; !ok {
			tb.Fatalf("entries line without index: %s", sc.Bytes())
		}
		if _, ok := raw["note"]; !ok {
			tb.Fatalf("entries line without note: %s", sc.Bytes())
		}
		var l entryLine
		json.Unmarshal(sc.Bytes(), &l)
		out = append(out, l)
	}
	if len(r.Body) > 0 && r.Body[len(r.Body)-1] != '\n' {
		tb.Errorf("entries do not end with a newline")
	}
	return out
}

// memHashes is a tree built in memory from the entries.
type memHashes map[int64]tlog.Hash

func (m memHashes) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		h, ok := m[x]
		if !ok {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = h
	}
	return out, nil
}

// build adds the notes to the tree and returns its root hash after each:
// roots[n] is the hash of the tree of size n.
func (m memHashes) build(tb testing.TB, notes []entryLine) []tlog.Hash {
	tb.Helper()
	roots := []tlog.Hash{{}}
	for i, l := range notes {
		hs, err := tlog.StoredHashes(int64(i), []byte(l.Note), m)
		if err != nil {
			tb.Fatal(err)
		}
		base := tlog.StoredHashIndex(0, int64(i))
		for k, h := range hs {
			m[base+int64(k)] = h
		}
		root, err := tlog.TreeHash(int64(i+1), m)
		if err != nil {
			tb.Fatal(err)
		}
		roots = append(roots, root)
	}
	return roots
}

// proofOf fetches a proof and checks that it is base64 hashes.
func proofOf(tb testing.TB, e *testenv.Env, path string) []tlog.Hash {
	tb.Helper()
	r := get(tb, e, "us-observer", path)
	mustStatus(tb, r, http.StatusOK, path)
	var raw map[string][]string
	r.JSON(tb, &raw)
	if keys := sortedKeys(raw); !slices.Equal(keys, []string{"hashes"}) {
		tb.Fatalf("%s: keys %q, want hashes", path, keys)
	}
	var out []tlog.Hash
	for _, s := range raw["hashes"] {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			tb.Fatalf("%s: hash %q is not base64 of %d bytes", path, s, tlog.HashSize)
		}
		out = append(out, tlog.Hash(b))
	}
	return out
}

func hashBytes(p []tlog.Hash) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = p[i][:]
	}
	return out
}

func TestJournal(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)

	r := get(t, e, "us-analyst", "/api/v1/journal")
	mustStatus(t, r, http.StatusOK, "journal")
	var raw map[string]json.RawMessage
	r.JSON(t, &raw)
	if keys := sortedKeys(raw); !slices.Equal(keys, []string{"cosigned", "cosigner_keys", "office_key", "origin", "party_keys", "size"}) {
		t.Errorf("journal keys %q, want origin, size, office_key, party_keys, cosigner_keys, cosigned", keys)
	}
	var info journalInfo
	r.JSON(t, &info)
	if info.Origin != e.App.Arrangement.Origin || info.Origin == "" {
		t.Errorf("origin %q, want %q", info.Origin, e.App.Arrangement.Origin)
	}
	if size := e.JournalSize(t); info.Size != size || size < 10 {
		t.Errorf("size %d, journal has %d", info.Size, size)
	}
	office, err := note.NewVerifier(info.OfficeKey)
	if err != nil {
		t.Fatalf("office_key %q: %v", info.OfficeKey, err)
	}
	if office.Name() != info.Origin {
		t.Errorf("office key named %q, want the origin %q", office.Name(), info.Origin)
	}
	if keys := sortedKeys(info.PartyKeys); !slices.Equal(keys, []string{"mon", "ru", "us"}) {
		t.Errorf("party_keys for %q, want mon, ru, us", keys)
	}
	parties := map[string]note.Verifier{}
	var verifiers []note.Verifier
	for id, k := range info.PartyKeys {
		v, err := note.NewVerifier(k)
		if err != nil {
			t.Fatalf("party_keys[%s] %q: %v", id, k, err)
		}
		if want := info.Origin + "/" + id; v.Name() != want {
			t.Errorf("party_keys[%s] named %q, want %q", id, v.Name(), want)
		}
		parties[id] = v
		verifiers = append(verifiers, v)
	}

	cp := getCheckpoint(t, e, office)
	if cp.origin != info.Origin || cp.size != info.Size {
		t.Errorf("checkpoint %q size %d, want %q size %d", cp.origin, cp.size, info.Origin, info.Size)
	}

	// All the entries: signed notes of the party that acted, one JSON line
	// of text each, party_seq counting 1, 2, 3… per party.
	all := getEntries(t, e, "")
	if int64(len(all)) != info.Size {
		t.Fatalf("%d entries, journal size %d", len(all), info.Size)
	}
	seq := map[string]int64{}
	for i, l := range all {
		if l.Index != int64(i) {
			t.Fatalf("line %d has index %d", i, l.Index)
		}
		n, err := note.Open([]byte(l.Note), note.VerifierList(verifiers...))
		if err != nil {
			t.Fatalf("entry %d does not open with the party keys: %v", i, err)
		}
		if strings.Count(n.Text, "\n") != 1 {
			t.Errorf("entry %d text is not one line: %q", i, n.Text)
		}
		var ent struct {
			V        int             `json:"v"`
			ID       string          `json:"id"`
			Party    string          `json:"party"`
			Member   string          `json:"member"`
			Kind     string          `json:"kind"`
			Subject  string          `json:"subject"`
			Time     string          `json:"time"`
			PartySeq int64           `json:"party_seq"`
			Body     json.RawMessage `json:"body"`
		}
		if err := json.Unmarshal([]byte(n.Text), &ent); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if ent.V != 1 || ent.ID == "" || ent.Member == "" || ent.Kind == "" || ent.Subject == "" || ent.Time == "" || len(ent.Body) == 0 {
			t.Errorf("entry %d lacks a field: %s", i, n.Text)
		}
		if len(n.Sigs) != 1 || n.Sigs[0].Name != parties[ent.Party].Name() {
			t.Errorf("entry %d of party %q signed by %v", i, ent.Party, n.Sigs)
		}
		seq[ent.Party]++
		if ent.PartySeq != seq[ent.Party] {
			t.Errorf("entry %d: party_seq %d, want %d", i, ent.PartySeq, seq[ent.Party])
		}
	}

	// Ranges are exactly [start, end); end past the size stops at the size.
	for _, c := range []struct {
		query      string
		start, end int64
	}{
		{"?start=2&end=5", 2, 5},
		{"?start=0&end=1", 0, 1},
		{"?start=4&end=4", 4, 4},
		{fmt.Sprintf("?start=%d", info.Size-3), info.Size - 3, info.Size},
		{"?end=3", 0, 3},
		{fmt.Sprintf("?start=%d&end=%d", info.Size-1, info.Size+100), info.Size - 1, info.Size},
		{fmt.Sprintf("?start=%d", info.Size), info.Size, info.Size},
	} {
		got := getEntries(t, e, c.query)
		if want := all[c.start:c.end]; !slices.Equal(got, want) {
			t.Errorf("entries%s: %d lines from %v, want [%d, %d)", c.query, len(got), firstIndex(got), c.start, c.end)
		}
	}

	// The tree of the entries has the checkpoint's root.
	tree := memHashes{}
	roots := tree.build(t, all)
	if roots[info.Size] != cp.root {
		t.Fatalf("the entries hash to %v, the checkpoint says %v", roots[info.Size], cp.root)
	}

	// Every inclusion proof checks against the checkpoint, with tlog and
	// with a second, independent verifier.
	for i, l := range all {
		leaf := tlog.RecordHash([]byte(l.Note))
		p := proofOf(t, e, fmt.Sprintf("/api/v1/journal/proofs/inclusion?index=%d&size=%d", i, cp.size))
		if err := tlog.CheckRecord(p, cp.size, cp.root, int64(i), leaf); err != nil {
			t.Errorf("inclusion of %d in %d: %v", i, cp.size, err)
		}
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(i), uint64(cp.size), rfc6962.DefaultHasher.HashLeaf([]byte(l.Note)), hashBytes(p), cp.root[:]); err != nil {
			t.Errorf("inclusion of %d in %d (transparency-dev/merkle): %v", i, cp.size, err)
		}
		// The proof proves this entry and no other.
		if i > 0 {
			if err := tlog.CheckRecord(p, cp.size, cp.root, int64(i), tlog.RecordHash([]byte(all[i-1].Note))); err == nil {
				t.Errorf("proof of %d also proves entry %d", i, i-1)
			}
		}
	}
	// Without size, the proof is for the whole journal; in a smaller tree,
	// for that tree.
	p := proofOf(t, e, "/api/v1/journal/proofs/inclusion?index=1")
	if err := tlog.CheckRecord(p, cp.size, cp.root, 1, tlog.RecordHash([]byte(all[1].Note))); err != nil {
		t.Errorf("inclusion of 1 without size: %v", err)
	}
	p = proofOf(t, e, "/api/v1/journal/proofs/inclusion?index=2&size=5")
	if err := tlog.CheckRecord(p, 5, roots[5], 2, tlog.RecordHash([]byte(all[2].Note))); err != nil {
		t.Errorf("inclusion of 2 in 5: %v", err)
	}

	// Every older tree is consistent with the checkpoint's.
	for old := int64(1); old <= cp.size; old++ {
		p := proofOf(t, e, fmt.Sprintf("/api/v1/journal/proofs/consistency?old=%d&new=%d", old, cp.size))
		if err := tlog.CheckTree(p, cp.size, cp.root, old, roots[old]); err != nil {
			t.Errorf("consistency %d→%d: %v", old, cp.size, err)
		}
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(old), uint64(cp.size), hashBytes(p), roots[old][:], cp.root[:]); err != nil {
			t.Errorf("consistency %d→%d (transparency-dev/merkle): %v", old, cp.size, err)
		}
		if old > 1 {
			if err := tlog.CheckTree(p, cp.size, cp.root, old, roots[old-1]); err == nil {
				t.Errorf("consistency proof from %d also proves the tree of %d", old, old-1)
			}
		}
	}
	p = proofOf(t, e, "/api/v1/journal/proofs/consistency?old=3&new=7")
	if err := tlog.CheckTree(p, 7, roots[7], 3, roots[3]); err != nil {
		t.Errorf("consistency 3→7: %v", err)
	}

	// After a write, the new checkpoint is consistent with the old one.
	mustStatus(t, e.Do(t, "us-analyst", http.MethodPost, "/api/v1/actors", map[string]any{"name": "Journal Group (illustrative)"}),
		http.StatusCreated, "create actor")
	next := getCheckpoint(t, e, office)
	if next.size != cp.size+1 {
		t.Fatalf("after one write the checkpoint has size %d, want %d", next.size, cp.size+1)
	}
	p = proofOf(t, e, fmt.Sprintf("/api/v1/journal/proofs/consistency?old=%d", cp.size))
	if err := tlog.CheckTree(p, next.size, next.root, cp.size, cp.root); err != nil {
		t.Errorf("new checkpoint not consistent with the old: %v", err)
	}
	last := getEntries(t, e, fmt.Sprintf("?start=%d", cp.size))
	if len(last) != 1 || !strings.Contains(last[0].Note, `"kind":"actor.create"`) {
		t.Fatalf("the new entry: %v", last)
	}
	if got := tree.build(t, append(slices.Clone(all), last...)); got[next.size] != next.root {
		t.Errorf("the entries hash to %v, the new checkpoint says %v", got[next.size], next.root)
	}
}

func firstIndex(ls []entryLine) any {
	if len(ls) == 0 {
		return "none"
	}
	return ls[0].Index
}
