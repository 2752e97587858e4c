// Package storetest is the conformance suite of package store: one Run that
// every backend's tests call, the way golang.org/x/mod/sumdb/storage.TestStorage
// checks a storage.Storage. It tests the contracts written on the store
// interfaces, not any backend's SQL, so SQLite and PostgreSQL answer to the
// same checks.
//
// The suite writes realistic data: entries are truce.Entry values signed as
// notes by per-party keys, stored tree hashes come from tlog.StoredHashes over
// a tree the suite keeps in memory, and checkpoints are signed notes of the
// tree's size and root.
package storetest

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// Run runs the conformance suite. Every subtest calls open once and needs a
// new, empty, migrated store from it; open arranges (with t.Cleanup) for the
// store to be closed and its data removed when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	su := &suite{open: open}
	t.Run("Meta", su.meta)
	t.Run("Parties", su.parties)
	t.Run("Members", su.members)
	t.Run("Sessions", su.sessions)
	t.Run("Journal", su.journal)
	t.Run("Rollback", su.rollback)
	t.Run("Concurrency", su.concurrency)
	t.Run("Projection", su.projection)
	t.Run("Zones", su.zones)
	t.Run("Notices", su.notices)
	t.Run("SiteCommitments", su.siteCommitments)
	t.Run("HQ", su.hq)
	t.Run("Incidents", su.incidents)
	t.Run("ViolationCounts", su.violationCounts)
	t.Run("Commitments", su.commitments)
	t.Run("IncidentHQ", su.incidentHQ)
	t.Run("Summaries", su.summaries)
	t.Run("Reports", su.reports)
	t.Run("Cosign", su.cosign)
	t.Run("Context", su.context)
}

type suite struct {
	open func(t *testing.T) store.Store
}

// fresh opens a new store for t. Its context ends after testLimit, so a
// store that deadlocks fails the subtest instead of stalling the run.
func (su *suite) fresh(t *testing.T) (context.Context, store.Store) {
	t.Helper()
	s := su.open(t)
	if s == nil {
		t.Fatal("open returned a nil store")
	}
	ctx, cancel := context.WithTimeout(t.Context(), testLimit)
	t.Cleanup(cancel)
	return ctx, s
}

// t0 has microsecond precision, the finest every backend keeps.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)

// cmpOpts compares times as instants (backends may return another
// location) and treats nil and empty slices and maps alike.
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	cmpopts.EquateEmpty(),
}

// waitLimit bounds every wait on a store, so a store that hangs fails the
// test instead of stalling it.
const waitLimit = 20 * time.Second

// testLimit bounds one subtest.
const testLimit = 2 * time.Minute

func wantNotFound(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: err = %v, want store.ErrNotFound", what, err)
	}
}

func wantExists(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, store.ErrExists) {
		t.Errorf("%s: err = %v, want store.ErrExists", what, err)
	}
}

// within runs f and fails the test if it does not return within d.
func within(t *testing.T, d time.Duration, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
		return nil
	}
}

// newKey returns a signer and its verifier key for name.
func newKey(t testing.TB, name string) (note.Signer, string) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(crand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s, vkey
}

func signNote(t testing.TB, text string, s note.Signer) []byte {
	t.Helper()
	msg, err := note.Sign(&note.Note{Text: text}, s)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// hashOf makes a password hash that looks like the real ones.
func hashOf(secret string) string {
	b64 := base64.RawStdEncoding.EncodeToString
	return "$argon2id$v=19$m=65536,t=3,p=2$" + b64([]byte("salt-"+secret)) + "$" + b64([]byte("hash-of-"+secret+"-32-bytes-long.."))
}

// model is the suite's account of what a store holds after the appends it
// committed: the journal (entries, notes, stored hashes, checkpoints) and the
// office projection. Tests change a clone inside an append and keep the
// clone only when the append commits. Zones, commitments, notices,
// incidents, steps and cosigners are replaced whole, never changed in
// place, so a clone shares them.
type model struct {
	keys        *keys
	entries     []truce.Entry
	notes       [][]byte
	hashes      []tlog.Hash
	seqs        map[string]int64
	checkpoints []checkpoint
	actors      map[string]truce.Actor
	history     []truce.DesignationRecord
	zones       map[string]truce.Zone
	commitments map[int64]truce.SiteCommitment
	notices     map[string]truce.Notice
	incidents   map[string]truce.Incident
	pledges     map[string]truce.Commitment // commitments to a party, not of sites
	steps       map[string]truce.Step
	cosigners   map[string]truce.Cosigner
}

type checkpoint struct {
	Size int64
	Note []byte
}

// keys holds the signing keys of the parties and of the office.
type keys struct {
	mu      sync.Mutex
	parties map[string]note.Signer
	vkeys   map[string]string
	office  note.Signer
}

const origin = "truce.example/office"

func newKeys(t testing.TB) *keys {
	office, _ := newKey(t, origin)
	return &keys{parties: map[string]note.Signer{}, vkeys: map[string]string{}, office: office}
}

func (k *keys) signer(t testing.TB, party string) note.Signer {
	k.mu.Lock()
	defer k.mu.Unlock()
	s, ok := k.parties[party]
	if !ok {
		var vkey string
		s, vkey = newKey(t, party)
		k.parties[party], k.vkeys[party] = s, vkey
	}
	return s
}

// party returns a party record with a real verifier key.
func (k *keys) party(t testing.TB, id string, kind truce.PartyKind) truce.Party {
	k.signer(t, id)
	k.mu.Lock()
	defer k.mu.Unlock()
	return truce.Party{ID: id, Name: "Party " + id, Kind: kind, VerifierKey: k.vkeys[id], CreatedAt: t0}
}

func newModel(t testing.TB) *model {
	return &model{keys: newKeys(t), seqs: map[string]int64{}, actors: map[string]truce.Actor{},
		zones: map[string]truce.Zone{}, commitments: map[int64]truce.SiteCommitment{}, notices: map[string]truce.Notice{},
		incidents: map[string]truce.Incident{}, pledges: map[string]truce.Commitment{}, steps: map[string]truce.Step{},
		cosigners: map[string]truce.Cosigner{}}
}

func (m *model) clone() *model {
	c := *m
	c.entries = slices.Clone(m.entries)
	c.notes = slices.Clone(m.notes)
	c.hashes = slices.Clone(m.hashes)
	c.checkpoints = slices.Clone(m.checkpoints)
	c.history = slices.Clone(m.history)
	c.seqs = make(map[string]int64, len(m.seqs))
	for k, v := range m.seqs {
		c.seqs[k] = v
	}
	c.actors = make(map[string]truce.Actor, len(m.actors))
	for k, v := range m.actors {
		c.actors[k] = cloneActor(v)
	}
	c.zones = maps.Clone(m.zones)
	c.commitments = maps.Clone(m.commitments)
	c.notices = maps.Clone(m.notices)
	c.incidents = maps.Clone(m.incidents)
	c.pledges = maps.Clone(m.pledges)
	c.steps = maps.Clone(m.steps)
	c.cosigners = maps.Clone(m.cosigners)
	return &c
}

func cloneActor(a truce.Actor) truce.Actor {
	a.Aliases = slices.Clone(a.Aliases)
	d := make(map[string]truce.Designation, len(a.Designations))
	for k, v := range a.Designations {
		d[k] = v
	}
	a.Designations = d
	return a
}

func (m *model) size() int64 { return int64(len(m.notes)) }

// ReadHashes makes the model a tlog.HashReader.
func (m *model) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("model: no stored hash %d", x)
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

func (m *model) root(t testing.TB) tlog.Hash {
	t.Helper()
	h, err := tlog.TreeHash(m.size(), m)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// entryNote builds the entry at index and its signed note without changing m.
func (m *model) entryNote(t testing.TB, index int64, party string, seq int64, kind, subject string, body any) (truce.Entry, []byte) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	e := truce.Entry{
		V: truce.EntryVersion, ID: truce.NewID("ent"), Party: party, Member: party + "-official",
		Kind: kind, Subject: subject, Time: t0.Add(time.Duration(index) * time.Second), PartySeq: seq, Body: raw,
	}
	line, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return e, signNote(t, string(line)+"\n", m.keys.signer(t, party))
}

// add appends the next entry of party to m and returns its row and the
// stored hashes it adds.
func (m *model) add(t testing.TB, party, kind, subject string, body any) (store.EntryRow, []store.HashRow) {
	t.Helper()
	index := m.size()
	e, msg := m.entryNote(t, index, party, m.seqs[party]+1, kind, subject, body)
	return m.addRow(t, store.EntryRow{Index: index, Entry: e, Note: msg})
}

// addRow appends a prepared row (its index must be m.size()).
func (m *model) addRow(t testing.TB, r store.EntryRow) (store.EntryRow, []store.HashRow) {
	t.Helper()
	if r.Index != m.size() {
		t.Fatalf("model: adding entry %d to a journal of %d", r.Index, m.size())
	}
	hs, err := tlog.StoredHashes(r.Index, r.Note, m)
	if err != nil {
		t.Fatal(err)
	}
	base := tlog.StoredHashIndex(0, r.Index)
	rows := make([]store.HashRow, len(hs))
	for k, h := range hs {
		rows[k] = store.HashRow{Index: base + int64(k), Hash: h}
	}
	m.hashes = append(m.hashes, hs...)
	m.entries = append(m.entries, r.Entry)
	m.notes = append(m.notes, r.Note)
	m.seqs[r.Entry.Party] = max(m.seqs[r.Entry.Party], r.Entry.PartySeq)
	return r, rows
}

// batch adds n entries, taking parties in turn.
func (m *model) batch(t testing.TB, n int, parties ...string) ([]store.EntryRow, []store.HashRow) {
	t.Helper()
	var rows []store.EntryRow
	var hashes []store.HashRow
	for i := range n {
		p := parties[i%len(parties)]
		r, hs := m.add(t, p, truce.KindActorCreate, truce.NewID("act"),
			map[string]any{"name": fmt.Sprintf("Group %d", m.size()), "aliases": []string{}, "answerable_party": nil})
		rows = append(rows, r)
		hashes = append(hashes, hs...)
	}
	return rows, hashes
}

// checkpointNote signs a checkpoint of size with root.
func (m *model) checkpointNote(t testing.TB, size int64, root tlog.Hash) []byte {
	t.Helper()
	text := fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root[:]))
	return signNote(t, text, m.keys.office)
}

// checkpoint signs and records a checkpoint of the model's current tree.
func (m *model) checkpoint(t testing.TB) (int64, []byte) {
	t.Helper()
	msg := m.checkpointNote(t, m.size(), m.root(t))
	m.checkpoints = append(m.checkpoints, checkpoint{m.size(), msg})
	return m.size(), msg
}

// putBatch writes n entries and a checkpoint through tx.
func (m *model) putBatch(t testing.TB, tx store.AppendTx, n int, parties ...string) error {
	rows, hashes := m.batch(t, n, parties...)
	if err := tx.PutEntries(rows, hashes); err != nil {
		return err
	}
	return tx.PutCheckpoint(m.checkpoint(t))
}

// createActor appends an actor.create entry by party and puts the actor, as
// the office's fold does.
func (m *model) createActor(t testing.TB, tx store.AppendTx, id, party, name string, aliases []string, answerable *string) (truce.Actor, error) {
	r, hs := m.add(t, party, truce.KindActorCreate, id,
		map[string]any{"name": name, "aliases": aliases, "answerable_party": answerable})
	if err := tx.PutEntries([]store.EntryRow{r}, hs); err != nil {
		return truce.Actor{}, err
	}
	a := truce.Actor{
		ID: id, Name: name, Aliases: aliases, AnswerableParty: answerable,
		Designations: map[string]truce.Designation{}, CreatedBy: party, CreatedAt: r.Entry.Time, Entry: r.Index,
	}
	if err := tx.PutActor(a); err != nil {
		return truce.Actor{}, err
	}
	m.actors[id] = cloneActor(a)
	return a, nil
}

// designate appends a designation.set entry by party and adds the record.
func (m *model) designate(t testing.TB, tx store.AppendTx, actorID, party string, d truce.Designation, text string) (truce.DesignationRecord, error) {
	r, hs := m.add(t, party, truce.KindDesignationSet, actorID,
		map[string]any{"party": party, "designation": d, "note": text})
	if err := tx.PutEntries([]store.EntryRow{r}, hs); err != nil {
		return truce.DesignationRecord{}, err
	}
	rec := truce.DesignationRecord{
		ActorID: actorID, Party: party, Designation: d, Note: text,
		Member: r.Entry.Member, Time: r.Entry.Time, Entry: r.Index,
	}
	if err := tx.AddDesignation(rec); err != nil {
		return rec, err
	}
	a, ok := m.actors[actorID]
	if !ok {
		t.Fatalf("model: designation of unknown actor %q", actorID)
	}
	a.Designations[party] = d
	a.RecomputeDisputed()
	m.actors[actorID] = a
	m.history = append(m.history, rec)
	return rec, nil
}

// snapshot is the store.Snapshot the model expects.
func (m *model) snapshot() *store.Snapshot {
	s := &store.Snapshot{Designations: slices.Clone(m.history)}
	for _, a := range m.actors {
		s.Actors = append(s.Actors, cloneActor(a))
	}
	sort.Slice(s.Actors, func(i, j int) bool { return s.Actors[i].ID < s.Actors[j].ID })
	sort.Slice(s.Designations, func(i, j int) bool { return s.Designations[i].Entry < s.Designations[j].Entry })
	s.Zones = m.zonesMatching(store.ZoneFilter{})
	for _, e := range slices.Sorted(maps.Keys(m.commitments)) {
		s.SiteCommitments = append(s.SiteCommitments, m.commitments[e])
	}
	s.Notices = m.noticesMatching(store.NoticeFilter{})
	s.Incidents = m.incidentsMatching(store.IncidentFilter{})
	for _, id := range slices.Sorted(maps.Keys(m.pledges)) {
		s.Commitments = append(s.Commitments, m.pledges[id])
	}
	for _, id := range slices.Sorted(maps.Keys(m.steps)) {
		s.Steps = append(s.Steps, m.steps[id])
	}
	for _, p := range slices.Sorted(maps.Keys(m.cosigners)) {
		s.Cosigners = append(s.Cosigners, m.cosigners[p])
	}
	return s
}

func (m *model) historyOf(actorID string) []truce.DesignationRecord {
	var out []truce.DesignationRecord
	for _, r := range m.history {
		if r.ActorID == actorID {
			out = append(out, r)
		}
	}
	return out
}

// mustAppend runs write inside one Append on a clone of m and keeps the
// clone when the append commits. write gets a new clone on every call, so a
// backend may retry fn.
func mustAppend(t *testing.T, ctx context.Context, s store.Store, m *model, write func(tx store.AppendTx, c *model) error) {
	t.Helper()
	var c *model
	err := s.Append(ctx, func(tx store.AppendTx) error {
		c = m.clone()
		return write(tx, c)
	})
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	*m = *c
}

// setupParties creates the parties us, ru (kind party) and un (monitor).
func setupParties(t *testing.T, ctx context.Context, s store.Store, m *model) {
	t.Helper()
	for _, p := range []truce.Party{
		m.keys.party(t, "us", truce.KindParty),
		m.keys.party(t, "ru", truce.KindParty),
		m.keys.party(t, "un", truce.KindMonitor),
	} {
		if err := s.CreateParty(ctx, p); err != nil {
			t.Fatalf("CreateParty(%q): %v", p.ID, err)
		}
	}
}

// storeReader reads the store's stored hashes as a tlog.HashReader.
func storeReader(ctx context.Context, s store.Journal) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return s.ReadHashes(ctx, indexes)
	})
}

// readEntries collects Entries(start, end).
func readEntries(ctx context.Context, s store.Journal, start, end int64) ([]int64, [][]byte, error) {
	var idx []int64
	var notes [][]byte
	err := s.Entries(ctx, start, end, func(i int64, msg []byte) error {
		idx = append(idx, i)
		notes = append(notes, bytes.Clone(msg))
		return nil
	})
	return idx, notes, err
}

func readCheckpoints(ctx context.Context, s store.Journal) ([]checkpoint, error) {
	var out []checkpoint
	err := s.Checkpoints(ctx, func(size int64, msg []byte) error {
		out = append(out, checkpoint{size, bytes.Clone(msg)})
		return nil
	})
	return out, err
}

// checkJournal checks that the store's journal is exactly the model's.
func checkJournal(t *testing.T, ctx context.Context, s store.Store, m *model) {
	t.Helper()
	n := m.size()
	if got, err := s.JournalSize(ctx); err != nil || got != n {
		t.Errorf("JournalSize = %d, %v; want %d", got, err, n)
	}
	idx, notes, err := readEntries(ctx, s, 0, n)
	if err != nil {
		t.Errorf("Entries(0, %d): %v", n, err)
	}
	wantIdx := make([]int64, n)
	for i := range wantIdx {
		wantIdx[i] = int64(i)
	}
	if diff := cmp.Diff(wantIdx, idx, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Entries(0, %d) indexes (-want +got):\n%s", n, diff)
	}
	if diff := cmp.Diff(m.notes, notes, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Entries(0, %d) notes (-want +got):\n%s", n, diff)
	}
	if len(m.hashes) > 0 {
		all := make([]int64, len(m.hashes))
		for i := range all {
			all[i] = int64(i)
		}
		got, err := s.ReadHashes(ctx, all)
		if err != nil {
			t.Errorf("ReadHashes(0..%d): %v", len(all)-1, err)
		} else if diff := cmp.Diff(m.hashes, got); diff != "" {
			t.Errorf("ReadHashes(0..%d) (-want +got):\n%s", len(all)-1, diff)
		}
		if want := tlog.StoredHashCount(n); int64(len(m.hashes)) != want {
			t.Fatalf("model holds %d stored hashes for %d entries, want %d", len(m.hashes), n, want)
		}
		root, err := tlog.TreeHash(n, storeReader(ctx, s))
		if err != nil {
			t.Errorf("TreeHash(%d) over the store: %v", n, err)
		} else if want := m.root(t); root != want {
			t.Errorf("TreeHash(%d) over the store = %v, want %v", n, root, want)
		}
	}
	cp, err := s.Checkpoint(ctx)
	if len(m.checkpoints) == 0 {
		wantNotFound(t, err, "Checkpoint before the first checkpoint")
	} else if want := m.checkpoints[len(m.checkpoints)-1].Note; err != nil || !bytes.Equal(cp, want) {
		t.Errorf("Checkpoint = %q, %v; want %q", cp, err, want)
	}
	cps, err := readCheckpoints(ctx, s)
	if err != nil {
		t.Errorf("Checkpoints: %v", err)
	}
	if diff := cmp.Diff(m.checkpoints, cps, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Checkpoints (-want +got):\n%s", diff)
	}
}

// checkOffice checks that the store's projection is exactly the model's.
func checkOffice(t *testing.T, ctx context.Context, s store.Store, m *model) {
	t.Helper()
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if diff := cmp.Diff(m.snapshot(), snap, cmpOpts); diff != "" {
		t.Errorf("Snapshot (-want +got):\n%s", diff)
	}
	checkZones(t, ctx, s, m)
	checkIncidents(t, ctx, s, m)
	for id, want := range m.actors {
		got, err := s.Actor(ctx, id)
		if err != nil {
			t.Errorf("Actor(%q): %v", id, err)
			continue
		}
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("Actor(%q) (-want +got):\n%s", id, diff)
		}
		h, err := s.DesignationHistory(ctx, id)
		if err != nil {
			t.Errorf("DesignationHistory(%q): %v", id, err)
		}
		if diff := cmp.Diff(m.historyOf(id), h, cmpOpts); diff != "" {
			t.Errorf("DesignationHistory(%q) (-want +got):\n%s", id, diff)
		}
	}
}

func (su *suite) meta(t *testing.T) {
	t.Run("Unset", func(t *testing.T) {
		ctx, s := su.fresh(t)
		_, err := s.Meta(ctx, "origin")
		wantNotFound(t, err, "Meta(origin) on a new store")
	})

	t.Run("SetOnce", func(t *testing.T) {
		ctx, s := su.fresh(t)
		set := func(key, value, want string) {
			t.Helper()
			got, err := s.SetMetaOnce(ctx, key, value)
			if err != nil || got != want {
				t.Errorf("SetMetaOnce(%q, %q) = %q, %v; want %q", key, value, got, err, want)
			}
			if got, err := s.Meta(ctx, key); err != nil || got != want {
				t.Errorf("Meta(%q) = %q, %v; want %q", key, got, err, want)
			}
		}
		set("origin", "a.example/office", "a.example/office")
		set("origin", "b.example/office", "a.example/office")
		set("origin", "", "a.example/office")
		_, err := s.Meta(ctx, "office_key")
		wantNotFound(t, err, "Meta(office_key) after setting origin")
		set("office_key", "office+1234abcd+AQID", "office+1234abcd+AQID")
		set("origin", "c.example/office", "a.example/office")
	})

	t.Run("SetOnceConcurrent", func(t *testing.T) {
		ctx, s := su.fresh(t)
		const n = 12
		got := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				v, err := s.SetMetaOnce(ctx, "origin", fmt.Sprintf("node-%d.example/office", i))
				if err != nil {
					t.Errorf("SetMetaOnce from goroutine %d: %v", i, err)
				}
				got[i] = v
			})
		}
		wg.Wait()
		first := got[0]
		if !slices.ContainsFunc(got, func(v string) bool { return v != "" }) {
			t.Fatal("no SetMetaOnce returned a value")
		}
		for i, v := range got {
			if v != first {
				t.Errorf("SetMetaOnce from goroutine %d = %q, goroutine 0 got %q: concurrent first starts disagree", i, v, first)
			}
		}
		var ok bool
		for i := range n {
			ok = ok || first == fmt.Sprintf("node-%d.example/office", i)
		}
		if !ok {
			t.Errorf("SetMetaOnce settled on %q, which no goroutine wrote", first)
		}
		if v, err := s.Meta(ctx, "origin"); err != nil || v != first {
			t.Errorf("Meta(origin) = %q, %v; want %q", v, err, first)
		}
	})
}

func (su *suite) parties(t *testing.T) {
	t.Run("CreateGet", func(t *testing.T) {
		ctx, s := su.fresh(t)
		k := newKeys(t)
		for _, want := range []truce.Party{k.party(t, "us", truce.KindParty), k.party(t, "un", truce.KindMonitor)} {
			if err := s.CreateParty(ctx, want); err != nil {
				t.Fatalf("CreateParty(%q): %v", want.ID, err)
			}
			got, err := s.Party(ctx, want.ID)
			if err != nil {
				t.Fatalf("Party(%q): %v", want.ID, err)
			}
			if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
				t.Errorf("Party(%q) (-want +got):\n%s", want.ID, diff)
			}
		}
	})

	t.Run("List", func(t *testing.T) {
		ctx, s := su.fresh(t)
		got, err := s.Parties(ctx)
		if err != nil || len(got) != 0 {
			t.Errorf("Parties on a new store = %v, %v; want none", got, err)
		}
		k := newKeys(t)
		var want []truce.Party
		for i, id := range []string{"ru", "us", "tr", "gb", "un", "ir-2"} {
			kind := truce.KindParty
			if id == "un" {
				kind = truce.KindMonitor
			}
			p := k.party(t, id, kind)
			p.CreatedAt = t0.Add(time.Duration(i) * time.Minute)
			if err := s.CreateParty(ctx, p); err != nil {
				t.Fatalf("CreateParty(%q): %v", id, err)
			}
			want = append(want, p)
		}
		sort.Slice(want, func(i, j int) bool { return want[i].ID < want[j].ID })
		got, err = s.Parties(ctx)
		if err != nil {
			t.Fatalf("Parties: %v", err)
		}
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("Parties, by id (-want +got):\n%s", diff)
		}
	})

	t.Run("Duplicate", func(t *testing.T) {
		ctx, s := su.fresh(t)
		k := newKeys(t)
		first := k.party(t, "us", truce.KindParty)
		if err := s.CreateParty(ctx, first); err != nil {
			t.Fatal(err)
		}
		again := first
		again.Name, again.Kind = "Impostor", truce.KindMonitor
		wantExists(t, s.CreateParty(ctx, again), "CreateParty of an existing id")
		if got, err := s.Party(ctx, "us"); err != nil || !cmp.Equal(first, got, cmpOpts) {
			t.Errorf("Party(us) after a duplicate create = %+v, %v; want the first %+v", got, err, first)
		}
	})

	t.Run("Missing", func(t *testing.T) {
		ctx, s := su.fresh(t)
		_, err := s.Party(ctx, "us")
		wantNotFound(t, err, "Party(us) on a new store")
	})
}

func (su *suite) members(t *testing.T) {
	setup := func(t *testing.T) (context.Context, store.Store) {
		ctx, s := su.fresh(t)
		setupParties(t, ctx, s, newModel(t))
		return ctx, s
	}

	t.Run("CreateGet", func(t *testing.T) {
		ctx, s := setup(t)
		var want []truce.Member
		for i, r := range truce.Roles {
			want = append(want, truce.Member{Username: "us." + string(r), Party: "us", Role: r,
				PasswordHash: hashOf(string(r)), CreatedAt: t0.Add(time.Duration(i) * time.Second)})
		}
		want = append(want,
			truce.Member{Username: "Ivan_Petrov-2", Party: "ru", Role: truce.RoleAnalyst, PasswordHash: hashOf("ivan"), CreatedAt: t0},
			truce.Member{Username: "monitor1", Party: "un", Role: truce.RoleObserver, PasswordHash: hashOf("m"), CreatedAt: t0},
			truce.Member{Username: "root", Admin: true, PasswordHash: hashOf("root"), CreatedAt: t0})
		for _, m := range want {
			if err := s.CreateMember(ctx, m); err != nil {
				t.Fatalf("CreateMember(%q): %v", m.Username, err)
			}
		}
		for _, m := range want {
			got, err := s.Member(ctx, m.Username)
			if err != nil {
				t.Errorf("Member(%q): %v", m.Username, err)
				continue
			}
			if diff := cmp.Diff(m, got, cmpOpts); diff != "" {
				t.Errorf("Member(%q) (-want +got):\n%s", m.Username, diff)
			}
		}
		_, err := s.Member(ctx, "nobody")
		wantNotFound(t, err, "Member(nobody)")
	})

	t.Run("Duplicate", func(t *testing.T) {
		ctx, s := setup(t)
		alice := truce.Member{Username: "alice", Party: "us", Role: truce.RoleOfficial, PasswordHash: hashOf("a"), CreatedAt: t0}
		if err := s.CreateMember(ctx, alice); err != nil {
			t.Fatal(err)
		}
		wantExists(t, s.CreateMember(ctx, truce.Member{Username: "alice", Party: "ru", Role: truce.RolePlanner, PasswordHash: hashOf("b"), CreatedAt: t0}),
			"CreateMember of an existing party member")
		wantExists(t, s.CreateMember(ctx, truce.Member{Username: "alice", Admin: true, PasswordHash: hashOf("c"), CreatedAt: t0}),
			"CreateMember of an existing username as admin")
		if got, err := s.Member(ctx, "alice"); err != nil || !cmp.Equal(alice, got, cmpOpts) {
			t.Errorf("Member(alice) after duplicate creates = %+v, %v; want %+v", got, err, alice)
		}
		root := truce.Member{Username: "root", Admin: true, PasswordHash: hashOf("r"), CreatedAt: t0}
		if err := s.CreateMember(ctx, root); err != nil {
			t.Fatal(err)
		}
		wantExists(t, s.CreateMember(ctx, root), "CreateMember of an existing admin")
	})

	t.Run("UnknownParty", func(t *testing.T) {
		ctx, s := setup(t)
		err := s.CreateMember(ctx, truce.Member{Username: "mallory", Party: "xx", Role: truce.RoleOfficial, PasswordHash: hashOf("m"), CreatedAt: t0})
		if err == nil {
			t.Error("CreateMember with an unknown party succeeded")
		}
		_, err = s.Member(ctx, "mallory")
		wantNotFound(t, err, "Member(mallory) after a rejected create")
	})

	t.Run("SetPasswordHash", func(t *testing.T) {
		ctx, s := setup(t)
		alice := truce.Member{Username: "alice", Party: "us", Role: truce.RoleOfficial, PasswordHash: hashOf("a"), CreatedAt: t0}
		bob := truce.Member{Username: "bob", Party: "us", Role: truce.RoleAnalyst, PasswordHash: hashOf("b"), CreatedAt: t0}
		root := truce.Member{Username: "root", Admin: true, PasswordHash: hashOf("r"), CreatedAt: t0}
		for _, m := range []truce.Member{alice, bob, root} {
			if err := s.CreateMember(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		alice.PasswordHash, root.PasswordHash = hashOf("a2"), hashOf("r2")
		for _, m := range []truce.Member{alice, root} {
			if err := s.SetPasswordHash(ctx, m.Username, m.PasswordHash); err != nil {
				t.Fatalf("SetPasswordHash(%q): %v", m.Username, err)
			}
		}
		for _, want := range []truce.Member{alice, bob, root} {
			if got, err := s.Member(ctx, want.Username); err != nil || !cmp.Equal(want, got, cmpOpts) {
				t.Errorf("Member(%q) after SetPasswordHash = %+v, %v; want %+v", want.Username, got, err, want)
			}
		}
		wantNotFound(t, s.SetPasswordHash(ctx, "nobody", hashOf("n")), "SetPasswordHash(nobody)")
		_, err := s.Member(ctx, "nobody")
		wantNotFound(t, err, "Member(nobody) after SetPasswordHash(nobody)")
	})
}

func (su *suite) sessions(t *testing.T) {
	// tb is a whole second: real sessions expire on whole seconds.
	tb := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	alice := truce.Member{Username: "alice", Party: "us", Role: truce.RoleOfficial, PasswordHash: hashOf("a"), CreatedAt: t0}
	bob := truce.Member{Username: "bob", Party: "ru", Role: truce.RoleAnalyst, PasswordHash: hashOf("b"), CreatedAt: t0}
	root := truce.Member{Username: "root", Admin: true, PasswordHash: hashOf("r"), CreatedAt: t0}
	setup := func(t *testing.T) (context.Context, store.Store) {
		ctx, s := su.fresh(t)
		setupParties(t, ctx, s, newModel(t))
		for _, m := range []truce.Member{alice, bob, root} {
			if err := s.CreateMember(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		return ctx, s
	}
	token := func(name string) []byte {
		b := make([]byte, 32)
		copy(b, "token:"+name)
		return b
	}
	// name names a session in messages by its token.
	name := func(x truce.Session) string {
		return fmt.Sprintf("%s of %s", bytes.TrimRight(x.TokenHash, "\x00"), x.Username)
	}
	session := func(user, name string, created, expires time.Time) truce.Session {
		return truce.Session{TokenHash: token(name), Username: user, CreatedAt: created, ExpiresAt: expires}
	}
	create := func(t *testing.T, ctx context.Context, s store.Store, ss ...truce.Session) {
		t.Helper()
		for _, x := range ss {
			if err := s.CreateSession(ctx, x); err != nil {
				t.Fatalf("CreateSession(%s): %v", name(x), err)
			}
		}
	}
	// valid checks that the session answers at now with its member.
	valid := func(t *testing.T, ctx context.Context, s store.Store, x truce.Session, m truce.Member, now time.Time) {
		t.Helper()
		gm, gs, err := s.SessionMember(ctx, x.TokenHash, now)
		if err != nil {
			t.Errorf("SessionMember(%s, %v) for a session expiring %v: %v", name(x), now, x.ExpiresAt, err)
			return
		}
		if diff := cmp.Diff(m, gm, cmpOpts); diff != "" {
			t.Errorf("SessionMember(%s) member (-want +got):\n%s", name(x), diff)
		}
		if diff := cmp.Diff(x, gs, cmpOpts); diff != "" {
			t.Errorf("SessionMember(%s) session (-want +got):\n%s", name(x), diff)
		}
	}
	gone := func(t *testing.T, ctx context.Context, s store.Store, x truce.Session, now time.Time) {
		t.Helper()
		_, _, err := s.SessionMember(ctx, x.TokenHash, now)
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SessionMember(%s, %v) for a session expiring %v: err = %v, want store.ErrNotFound", name(x), now, x.ExpiresAt, err)
		}
	}
	expire := func(t *testing.T, ctx context.Context, s store.Store, now time.Time, want int64) {
		t.Helper()
		if n, err := s.DeleteExpiredSessions(ctx, now); err != nil || n != want {
			t.Errorf("DeleteExpiredSessions(%v) = %d, %v; want %d", now, n, err, want)
		}
	}

	t.Run("Lifecycle", func(t *testing.T) {
		ctx, s := setup(t)
		a := session("alice", "a1", tb, tb.Add(time.Hour))
		r := session("root", "r1", tb, tb.Add(time.Hour))
		create(t, ctx, s, a, r)
		valid(t, ctx, s, a, alice, tb)
		valid(t, ctx, s, a, alice, tb.Add(time.Hour-time.Microsecond))
		valid(t, ctx, s, r, root, tb.Add(time.Minute))
		// A session is valid while now < ExpiresAt.
		gone(t, ctx, s, a, tb.Add(time.Hour))
		gone(t, ctx, s, a, tb.Add(2*time.Hour))
		gone(t, ctx, s, session("alice", "unknown", tb, tb.Add(time.Hour)), tb)
		if err := s.DeleteSession(ctx, a.TokenHash); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		gone(t, ctx, s, a, tb)
		valid(t, ctx, s, r, root, tb)
	})

	t.Run("Duplicate", func(t *testing.T) {
		ctx, s := setup(t)
		a := session("alice", "a1", tb, tb.Add(time.Hour))
		create(t, ctx, s, a)
		wantExists(t, s.CreateSession(ctx, session("bob", "a1", tb, tb.Add(2*time.Hour))), "CreateSession with an existing token hash")
		valid(t, ctx, s, a, alice, tb)
	})

	t.Run("UnknownMember", func(t *testing.T) {
		ctx, s := setup(t)
		x := session("nobody", "n1", tb, tb.Add(time.Hour))
		if err := s.CreateSession(ctx, x); err == nil {
			t.Error("CreateSession for an unknown member succeeded")
		}
		gone(t, ctx, s, x, tb)
	})

	t.Run("DeleteSessions", func(t *testing.T) {
		ctx, s := setup(t)
		a1 := session("alice", "a1", tb, tb.Add(time.Hour))
		a2 := session("alice", "a2", tb, tb.Add(2*time.Hour))
		b1 := session("bob", "b1", tb, tb.Add(time.Hour))
		create(t, ctx, s, a1, a2, b1)
		if err := s.DeleteSessions(ctx, "alice"); err != nil {
			t.Fatalf("DeleteSessions(alice): %v", err)
		}
		gone(t, ctx, s, a1, tb)
		gone(t, ctx, s, a2, tb)
		valid(t, ctx, s, b1, bob, tb)
		if err := s.DeleteSessions(ctx, "alice"); err != nil {
			t.Errorf("DeleteSessions(alice) with no sessions left: %v", err)
		}
		valid(t, ctx, s, b1, bob, tb)
	})

	t.Run("DeleteExpiredSessions", func(t *testing.T) {
		ctx, s := setup(t)
		expire(t, ctx, s, tb, 0)
		x1 := session("alice", "x1", tb, tb.Add(1*time.Minute))
		x2 := session("bob", "x2", tb, tb.Add(2*time.Minute))
		x3 := session("alice", "x3", tb, tb.Add(3*time.Minute))
		x4 := session("root", "x4", tb, tb.Add(time.Hour))
		create(t, ctx, s, x1, x2, x3, x4)
		now := tb.Add(2 * time.Minute)
		expire(t, ctx, s, now, 2)
		expire(t, ctx, s, now, 0)
		valid(t, ctx, s, x3, alice, now)
		valid(t, ctx, s, x4, root, now)
		// Deleted means deleted, not merely expired: an earlier now
		// does not bring them back.
		gone(t, ctx, s, x1, tb)
		gone(t, ctx, s, x2, tb)
		expire(t, ctx, s, tb.Add(2*time.Hour), 2)
		gone(t, ctx, s, x4, tb)
	})

	// Sessions expire at an instant, whatever the fractions of a second of
	// ExpiresAt and now: real sessions expire on whole seconds and are
	// checked against the clock's nanoseconds.
	t.Run("SubsecondExpiry", func(t *testing.T) {
		ctx, s := setup(t)
		whole := session("alice", "w1", tb, tb.Add(time.Hour))
		frac := session("bob", "f1", tb, tb.Add(time.Hour+500*time.Millisecond))
		create(t, ctx, s, whole, frac)
		end := tb.Add(time.Hour)
		valid(t, ctx, s, whole, alice, end.Add(-time.Microsecond))
		gone(t, ctx, s, whole, end.Add(250*time.Millisecond))
		valid(t, ctx, s, frac, bob, end)
		valid(t, ctx, s, frac, bob, end.Add(499*time.Millisecond))
		gone(t, ctx, s, frac, end.Add(500*time.Millisecond))
		gone(t, ctx, s, frac, end.Add(750*time.Millisecond))
		expire(t, ctx, s, end, 1)                           // whole only
		expire(t, ctx, s, end.Add(250*time.Millisecond), 0) // frac is still valid
		valid(t, ctx, s, frac, bob, end.Add(250*time.Millisecond))
		expire(t, ctx, s, end.Add(500*time.Millisecond), 1)
	})
}

func (su *suite) journal(t *testing.T) {
	t.Run("Empty", func(t *testing.T) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		checkJournal(t, ctx, s, m)
		if idx, _, err := readEntries(ctx, s, 0, 10); err != nil || len(idx) != 0 {
			t.Errorf("Entries(0, 10) on an empty journal = %v, %v; want none", idx, err)
		}
		if _, err := s.ReadHashes(ctx, []int64{0}); err == nil {
			t.Error("ReadHashes([0]) on an empty journal succeeded")
		}
		if got, err := s.ReadHashes(ctx, []int64{}); err != nil || len(got) != 0 {
			t.Errorf("ReadHashes([]) = %v, %v; want no hashes", got, err)
		}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			if n, err := tx.Size(); err != nil || n != 0 {
				t.Errorf("tx.Size on an empty journal = %d, %v; want 0", n, err)
			}
			if n, err := tx.LastPartySeq("us"); err != nil || n != 0 {
				t.Errorf("tx.LastPartySeq(us) on an empty journal = %d, %v; want 0", n, err)
			}
			return nil
		})
		checkJournal(t, ctx, s, m)
	})

	t.Run("AppendAndRead", func(t *testing.T) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		for _, n := range []int{1, 2, 5, 1, 13, 3, 8} {
			mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
				if got, err := tx.Size(); err != nil || got != c.size() {
					t.Errorf("tx.Size = %d, %v; want %d", got, err, c.size())
				}
				for _, p := range []string{"us", "ru", "un"} {
					if got, err := tx.LastPartySeq(p); err != nil || got != c.seqs[p] {
						t.Errorf("tx.LastPartySeq(%q) = %d, %v; want %d", p, got, err, c.seqs[p])
					}
				}
				if len(c.hashes) > 0 {
					all := make([]int64, len(c.hashes))
					for i := range all {
						all[i] = int64(i)
					}
					got, err := tx.ReadHashes(all)
					if err != nil {
						t.Errorf("tx.ReadHashes of the committed hashes: %v", err)
					} else if diff := cmp.Diff(c.hashes, got); diff != "" {
						t.Errorf("tx.ReadHashes of the committed hashes (-want +got):\n%s", diff)
					}
				}
				return c.putBatch(t, tx, n, "us", "ru", "us")
			})
			checkJournal(t, ctx, s, m)
		}
		// Proofs from the store's hashes are the model's proofs.
		r := storeReader(ctx, s)
		n := m.size()
		for _, i := range []int64{0, 1, n / 2, n - 1} {
			got, err := tlog.ProveRecord(n, i, r)
			if err != nil {
				t.Fatalf("ProveRecord(%d, %d) over the store: %v", n, i, err)
			}
			if err := tlog.CheckRecord(got, n, m.root(t), i, tlog.RecordHash(m.notes[i])); err != nil {
				t.Errorf("record proof of %d in %d from the store: %v", i, n, err)
			}
		}
		for _, old := range []int64{1, 3, n - 1} {
			got, err := tlog.ProveTree(n, old, r)
			if err != nil {
				t.Fatalf("ProveTree(%d, %d) over the store: %v", n, old, err)
			}
			oldRoot, err := tlog.TreeHash(old, m)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.CheckTree(got, n, m.root(t), old, oldRoot); err != nil {
				t.Errorf("tree proof of %d in %d from the store: %v", old, n, err)
			}
		}
	})

	// withJournal makes a store whose journal holds 40 entries in 4 appends.
	withJournal := func(t *testing.T) (context.Context, store.Store, *model) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		for range 4 {
			mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
				return c.putBatch(t, tx, 10, "us", "ru", "un")
			})
		}
		return ctx, s, m
	}

	t.Run("EntriesRanges", func(t *testing.T) {
		ctx, s, m := withJournal(t)
		// One note of arbitrary bytes: the store keeps notes as bytes.
		odd := []byte("\x00\xff\xfe line\r\nnot utf-8: \xc3\x28 \x00\n")
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			e, _ := c.entryNote(t, c.size(), "ru", c.seqs["ru"]+1, truce.KindActorCreate, truce.NewID("act"), map[string]string{"name": "x"})
			r, hs := c.addRow(t, store.EntryRow{Index: c.size(), Entry: e, Note: odd})
			if err := tx.PutEntries([]store.EntryRow{r}, hs); err != nil {
				return err
			}
			return tx.PutCheckpoint(c.checkpoint(t))
		})
		checkJournal(t, ctx, s, m)
		n := m.size()
		for _, r := range []struct{ start, end int64 }{
			{0, n}, {0, 1}, {3, 10}, {n - 1, n}, {7, 7}, {9, 8}, {n, n + 10}, {n - 3, n + 100}, {0, 1 << 40},
		} {
			idx, notes, err := readEntries(ctx, s, r.start, r.end)
			if err != nil {
				t.Errorf("Entries(%d, %d): %v", r.start, r.end, err)
				continue
			}
			var wantIdx []int64
			var wantNotes [][]byte
			for i := max(r.start, 0); i < min(r.end, n); i++ {
				wantIdx = append(wantIdx, i)
				wantNotes = append(wantNotes, m.notes[i])
			}
			if diff := cmp.Diff(wantIdx, idx, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Entries(%d, %d) indexes (-want +got):\n%s", r.start, r.end, diff)
			}
			if diff := cmp.Diff(wantNotes, notes, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Entries(%d, %d) notes (-want +got):\n%s", r.start, r.end, diff)
			}
		}
	})

	t.Run("EntriesStop", func(t *testing.T) {
		ctx, s, m := withJournal(t)
		errStop := errors.New("reader went away")
		var calls int
		err := s.Entries(ctx, 5, m.size(), func(i int64, msg []byte) error {
			calls++
			if calls == 3 {
				return errStop
			}
			return nil
		})
		if !errors.Is(err, errStop) {
			t.Errorf("Entries whose fn failed = %v, want the fn's error", err)
		}
		if calls != 3 {
			t.Errorf("Entries called fn %d times after it failed on call 3", calls)
		}
		calls = 0
		err = s.Checkpoints(ctx, func(size int64, msg []byte) error {
			calls++
			return errStop
		})
		if !errors.Is(err, errStop) || calls != 1 {
			t.Errorf("Checkpoints whose fn failed = %v after %d calls, want the fn's error after 1", err, calls)
		}
	})

	// A slow reader of the journal must not hold up appends.
	t.Run("EntriesBesideAppend", func(t *testing.T) {
		ctx, s, m := withJournal(t)
		n := m.size()
		var got int64
		rctx, cancel := context.WithTimeout(ctx, waitLimit)
		defer cancel()
		err := s.Entries(rctx, 0, n, func(i int64, msg []byte) error {
			if i != got || !bytes.Equal(msg, m.notes[i]) {
				t.Errorf("Entries: got entry %d (%d bytes), want entry %d", i, len(msg), got)
			}
			got++
			if i == 2 {
				actx, cancel := context.WithTimeout(ctx, waitLimit/2)
				defer cancel()
				var c *model
				if err := s.Append(actx, func(tx store.AppendTx) error {
					c = m.clone()
					return c.putBatch(t, tx, 3, "us")
				}); err != nil {
					t.Errorf("Append while Entries streams: %v", err)
				} else {
					*m = *c
				}
			}
			return nil
		})
		if err != nil {
			t.Errorf("Entries: %v", err)
		}
		if got != n {
			t.Errorf("Entries(0, %d) gave %d entries", n, got)
		}
		checkJournal(t, ctx, s, m)
	})

	t.Run("ReadHashesOrder", func(t *testing.T) {
		ctx, s, m := withJournal(t)
		// tlog asks for any indexes in any order; answers follow the question.
		rng := rand.New(rand.NewPCG(1, 2))
		q := make([]int64, 0, 60)
		for range 50 {
			q = append(q, rng.Int64N(int64(len(m.hashes))))
		}
		q = append(q, q[3], q[3], 0, int64(len(m.hashes)-1), 0)
		want, err := m.ReadHashes(q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.ReadHashes(ctx, q)
		if err != nil {
			t.Fatalf("ReadHashes(%v): %v", q, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ReadHashes(%v) (-want +got):\n%s", q, diff)
		}
		for _, bad := range [][]int64{{int64(len(m.hashes))}, {0, 1, int64(len(m.hashes)) + 7, 2}, {-1}} {
			if h, err := s.ReadHashes(ctx, bad); err == nil {
				t.Errorf("ReadHashes(%v) beyond the %d stored hashes = %v, want an error", bad, len(m.hashes), h)
			}
		}
	})
}

func (su *suite) rollback(t *testing.T) {
	errBoom := errors.New("boom")

	// base makes a store with 6 entries, a checkpoint and one designated actor.
	base := func(t *testing.T) (context.Context, store.Store, *model) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			if _, err := c.createActor(t, tx, "act_base", "us", "Base Group", []string{"BG"}, nil); err != nil {
				return err
			}
			if _, err := c.designate(t, tx, "act_base", "us", truce.DesignationExcluded, "listed"); err != nil {
				return err
			}
			return c.putBatch(t, tx, 4, "us", "ru")
		})
		return ctx, s, m
	}
	check := func(t *testing.T, ctx context.Context, s store.Store, m *model) {
		t.Helper()
		checkJournal(t, ctx, s, m)
		checkOffice(t, ctx, s, m)
		next := tlog.StoredHashIndex(0, m.size())
		if _, err := s.ReadHashes(ctx, []int64{next}); err == nil {
			t.Errorf("ReadHashes(%d) after a rolled back append found a hash", next)
		}
	}

	t.Run("FnError", func(t *testing.T) {
		ctx, s, m := base(t)
		var c *model
		err := s.Append(ctx, func(tx store.AppendTx) error {
			c = m.clone()
			if _, err := c.createActor(t, tx, "act_new", "ru", "New Group", nil, nil); err != nil {
				return err
			}
			if _, err := c.designate(t, tx, "act_base", "ru", truce.DesignationParty, "talks"); err != nil {
				return err
			}
			a := c.actors["act_base"]
			a.Name = "Renamed"
			if err := tx.PutActor(a); err != nil {
				return err
			}
			if err := c.putBatch(t, tx, 5, "ru"); err != nil {
				return err
			}
			return fmt.Errorf("fold: %w", errBoom)
		})
		if !errors.Is(err, errBoom) {
			t.Errorf("Append whose fn failed = %v, want the fn's error", err)
		}
		_, err = s.Actor(ctx, "act_new")
		wantNotFound(t, err, "Actor(act_new) after a rolled back append")
		check(t, ctx, s, m)

		// The next append writes the same indexes and works.
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			if n, err := tx.Size(); err != nil || n != c.size() {
				t.Errorf("tx.Size after a rollback = %d, %v; want %d", n, err, c.size())
			}
			if n, err := tx.LastPartySeq("ru"); err != nil || n != c.seqs["ru"] {
				t.Errorf("tx.LastPartySeq(ru) after a rollback = %d, %v; want %d", n, err, c.seqs["ru"])
			}
			if _, err := c.createActor(t, tx, "act_new", "ru", "New Group", nil, nil); err != nil {
				return err
			}
			return c.putBatch(t, tx, 5, "ru")
		})
		checkJournal(t, ctx, s, m)
		checkOffice(t, ctx, s, m)
	})

	// Zones, notices and site commitments written by an append that fails
	// are gone with it, an upsert's old zone included.
	t.Run("FnErrorOffice", func(t *testing.T) {
		ctx, s, m := base(t)
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			if _, err := c.putZone(t, tx, "us", truce.KindZoneRelease, zoneIn("zon_a", "us", truce.ZoneProposed, box1, nil)); err != nil {
				return err
			}
			if _, err := c.putNotice(t, tx, noticeIn("not_a", "ru", box2)); err != nil {
				return err
			}
			_, err := c.putCommitment(t, tx, "com_a", "un", 8)
			return err
		})
		err := s.Append(ctx, func(tx store.AppendTx) error {
			c := m.clone()
			upd := fullZone("zon_a", "us")
			if _, err := c.putZone(t, tx, "ru", truce.KindZoneAcknowledge, upd); err != nil {
				return err
			}
			if _, err := c.putZone(t, tx, "ru", truce.KindZoneRelease, zoneIn("zon_b", "ru", truce.ZoneProposed, box2, nil)); err != nil {
				return err
			}
			if _, err := c.putNotice(t, tx, noticeIn("not_b", "us", box1)); err != nil {
				return err
			}
			if _, err := c.putCommitment(t, tx, "com_b", "us", 4); err != nil {
				return err
			}
			if _, err := tx.GetZone("zon_b"); err != nil {
				return err
			}
			return fmt.Errorf("fold: %w", errBoom)
		})
		if !errors.Is(err, errBoom) {
			t.Errorf("Append whose fn failed = %v, want the fn's error", err)
		}
		check(t, ctx, s, m)
		_, err = s.Zone(ctx, "zon_b")
		wantNotFound(t, err, "Zone(zon_b) after a rolled back append")
		_, err = s.Notice(ctx, "not_b")
		wantNotFound(t, err, "Notice(not_b) after a rolled back append")
		_, err = s.SiteCommitment(ctx, m.size()+3)
		wantNotFound(t, err, "SiteCommitment of a rolled back entry")
		if got, err := s.Zones(ctx, store.ZoneFilter{}, store.Page{Limit: 10}); err != nil || len(got) != 1 || got[0].Version != 1 {
			t.Errorf("Zones after a rolled back append = %+v, %v; want zon_a as it was", got, err)
		}

		// The next append writes the same ids and entries and works.
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			if _, err := c.putZone(t, tx, "ru", truce.KindZoneRelease, zoneIn("zon_b", "ru", truce.ZoneProposed, box2, nil)); err != nil {
				return err
			}
			if _, err := c.putNotice(t, tx, noticeIn("not_b", "us", box1)); err != nil {
				return err
			}
			_, err := c.putCommitment(t, tx, "com_b", "us", 4)
			return err
		})
		check(t, ctx, s, m)
	})

	// Each case builds a batch that breaks one uniqueness rule of the journal.
	for _, tc := range []struct {
		name  string
		build func(t *testing.T, c *model) ([]store.EntryRow, []store.HashRow)
	}{
		{"IndexCommitted", func(t *testing.T, c *model) ([]store.EntryRow, []store.HashRow) {
			rows, hashes := c.batch(t, 2, "us")
			e, msg := c.entryNote(t, c.size()-3, "ru", c.seqs["ru"]+1, truce.KindActorCreate, "act_x", map[string]string{"name": "x"})
			return append(rows, store.EntryRow{Index: c.size() - 3, Entry: e, Note: msg}), hashes
		}},
		{"IndexInBatch", func(t *testing.T, c *model) ([]store.EntryRow, []store.HashRow) {
			rows, hashes := c.batch(t, 2, "us")
			last := rows[len(rows)-1].Index
			e, msg := c.entryNote(t, last, "ru", c.seqs["ru"]+1, truce.KindActorCreate, "act_x", map[string]string{"name": "x"})
			return append(rows, store.EntryRow{Index: last, Entry: e, Note: msg}), hashes
		}},
		{"PartySeqCommitted", func(t *testing.T, c *model) ([]store.EntryRow, []store.HashRow) {
			rows, hashes := c.batch(t, 1, "us")
			e, msg := c.entryNote(t, c.size(), "ru", 1, truce.KindActorCreate, "act_x", map[string]string{"name": "x"})
			r, hs := c.addRow(t, store.EntryRow{Index: c.size(), Entry: e, Note: msg})
			return append(rows, r), append(hashes, hs...)
		}},
		{"PartySeqInBatch", func(t *testing.T, c *model) ([]store.EntryRow, []store.HashRow) {
			seq := c.seqs["us"] + 1
			var rows []store.EntryRow
			var hashes []store.HashRow
			for range 2 {
				e, msg := c.entryNote(t, c.size(), "us", seq, truce.KindActorCreate, truce.NewID("act"), map[string]string{"name": "x"})
				r, hs := c.addRow(t, store.EntryRow{Index: c.size(), Entry: e, Note: msg})
				rows, hashes = append(rows, r), append(hashes, hs...)
			}
			return rows, hashes
		}},
		// Stored hashes are never rewritten either.
		{"HashIndexCommitted", func(t *testing.T, c *model) ([]store.EntryRow, []store.HashRow) {
			rows, hashes := c.batch(t, 2, "us")
			return rows, append(hashes, store.HashRow{Index: 1, Hash: tlog.RecordHash([]byte("forged"))})
		}},
	} {
		t.Run("Duplicate"+tc.name, func(t *testing.T) {
			ctx, s, m := base(t)
			var putErr error
			err := s.Append(ctx, func(tx store.AppendTx) error {
				c := m.clone()
				if _, err := c.createActor(t, tx, "act_new", "ru", "New Group", nil, nil); err != nil {
					return err
				}
				if _, err := c.designate(t, tx, "act_base", "ru", truce.DesignationParty, "talks"); err != nil {
					return err
				}
				if err := tx.PutCheckpoint(c.checkpoint(t)); err != nil {
					return err
				}
				rows, hashes := tc.build(t, c)
				putErr = tx.PutEntries(rows, hashes)
				return putErr
			})
			if err == nil {
				t.Fatalf("Append with a duplicate (%s) committed", tc.name)
			}
			if putErr == nil {
				t.Logf("PutEntries accepted the duplicate; the commit failed: %v", err)
			}
			_, err = s.Actor(ctx, "act_new")
			wantNotFound(t, err, "Actor(act_new) after a failed append")
			check(t, ctx, s, m)
			mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
				return c.putBatch(t, tx, 3, "us", "ru")
			})
			checkJournal(t, ctx, s, m)
		})
	}
}

func (su *suite) concurrency(t *testing.T) {
	// Every append reads the tail inside its transaction and writes the next
	// index, the next party_seq, the tree's next stored hashes (read back
	// through the transaction) and a checkpoint. Only serialized appends end
	// in one contiguous journal whose hashes make the right tree.
	t.Run("SerializedAppends", func(t *testing.T) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		parties := []string{"us", "ru", "un", "tr"}
		if err := s.CreateParty(ctx, m.keys.party(t, "tr", truce.KindParty)); err != nil {
			t.Fatal(err)
		}
		const workers, each = 16, 20
		var wg sync.WaitGroup
		for w := range workers {
			party := parties[w%len(parties)]
			wg.Go(func() {
				for range each {
					if err := appendOne(t, ctx, s, m, party); err != nil {
						t.Errorf("Append from worker %d: %v", w, err)
						return
					}
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		checkAppended(t, ctx, s, workers*each, parties)
	})

	// Readers see what committed, not what an open append has written, and
	// an open append does not stop them.
	t.Run("ReadsDuringAppend", func(t *testing.T) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			if _, err := c.createActor(t, tx, "act_a", "us", "A", nil, nil); err != nil {
				return err
			}
			return c.putBatch(t, tx, 3, "us")
		})
		written, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		releaseAll := func() { once.Do(func() { close(release) }) }
		defer releaseAll()
		done := make(chan error, 1)
		var c *model
		go func() {
			done <- s.Append(ctx, func(tx store.AppendTx) error {
				c = m.clone()
				if _, err := c.createActor(t, tx, "act_b", "ru", "B", nil, nil); err != nil {
					return err
				}
				if _, err := c.designate(t, tx, "act_a", "ru", truce.DesignationExcluded, ""); err != nil {
					return err
				}
				if err := c.putBatch(t, tx, 4, "ru"); err != nil {
					return err
				}
				close(written)
				<-release
				return nil
			})
		}()
		select {
		case <-written:
		case err := <-done:
			t.Fatalf("Append ended early: %v", err)
		case <-time.After(waitLimit):
			t.Fatal("Append did not run its fn")
		}
		// A store that blocks these reads fails them at the deadline.
		rctx, cancel := context.WithTimeout(ctx, waitLimit)
		defer cancel()
		checkJournal(t, rctx, s, m)
		checkOffice(t, rctx, s, m)
		_, err := s.Actor(rctx, "act_b")
		wantNotFound(t, err, "Actor(act_b) while its append is open")
		releaseAll()
		if err := within(t, waitLimit, "Append", func() error { return <-done }); err != nil {
			t.Fatalf("Append: %v", err)
		}
		*m = *c
		checkJournal(t, ctx, s, m)
		checkOffice(t, ctx, s, m)
	})

	// An append that waits for another one gives up when its context ends,
	// and never runs its fn beside the other.
	t.Run("AppendWaitGivesUp", func(t *testing.T) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		inside, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		releaseAll := func() { once.Do(func() { close(release) }) }
		defer releaseAll()
		done := make(chan error, 1)
		var c *model
		go func() {
			done <- s.Append(ctx, func(tx store.AppendTx) error {
				c = m.clone()
				if err := c.putBatch(t, tx, 2, "us"); err != nil {
					return err
				}
				close(inside)
				<-release
				return nil
			})
		}()
		select {
		case <-inside:
		case err := <-done:
			t.Fatalf("first Append ended early: %v", err)
		case <-time.After(waitLimit):
			t.Fatal("first Append did not run its fn")
		}
		var ran atomic.Bool
		wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		err := within(t, waitLimit, "Append behind an open append, with a deadline", func() error {
			return s.Append(wctx, func(tx store.AppendTx) error {
				ran.Store(true)
				return m.clone().putBatch(t, tx, 1, "ru")
			})
		})
		if err == nil {
			t.Error("Append behind an open append succeeded before the first one ended")
		}
		if ran.Load() {
			t.Error("Append ran its fn while another append was open")
		}
		releaseAll()
		if err := within(t, waitLimit, "first Append", func() error { return <-done }); err != nil {
			t.Fatalf("first Append: %v", err)
		}
		*m = *c
		checkJournal(t, ctx, s, m)
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			return c.putBatch(t, tx, 1, "ru")
		})
		checkJournal(t, ctx, s, m)
	})
}

// appendOne appends the next entry of party the way a writer does: from the
// tail it reads inside the transaction alone.
func appendOne(t *testing.T, ctx context.Context, s store.Store, m *model, party string) error {
	return s.Append(ctx, func(tx store.AppendTx) error {
		size, err := tx.Size()
		if err != nil {
			return err
		}
		seq, err := tx.LastPartySeq(party)
		if err != nil {
			return err
		}
		e, msg := m.entryNote(t, size, party, seq+1, truce.KindActorCreate, truce.NewID("act"), map[string]string{"name": "x"})
		hs, err := tlog.StoredHashes(size, msg, tlog.HashReaderFunc(tx.ReadHashes))
		if err != nil {
			return fmt.Errorf("stored hashes of %d: %w", size, err)
		}
		base := tlog.StoredHashIndex(0, size)
		rows := make([]store.HashRow, len(hs))
		fresh := map[int64]tlog.Hash{}
		for k, h := range hs {
			rows[k] = store.HashRow{Index: base + int64(k), Hash: h}
			fresh[base+int64(k)] = h
		}
		if err := tx.PutEntries([]store.EntryRow{{Index: size, Entry: e, Note: msg}}, rows); err != nil {
			return err
		}
		root, err := tlog.TreeHash(size+1, tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(ix))
			for i, x := range ix {
				h, ok := fresh[x]
				if !ok {
					got, err := tx.ReadHashes([]int64{x})
					if err != nil {
						return nil, err
					}
					h = got[0]
				}
				out[i] = h
			}
			return out, nil
		}))
		if err != nil {
			return fmt.Errorf("tree hash at %d: %w", size+1, err)
		}
		return tx.PutCheckpoint(size+1, m.checkpointNote(t, size+1, root))
	})
}

// checkAppended checks a journal of n entries written by appendOne: contiguous
// indexes, contiguous party_seq per party, every stored hash and checkpoint
// right for the notes the store holds.
func checkAppended(t *testing.T, ctx context.Context, s store.Store, n int, parties []string) {
	t.Helper()
	if got, err := s.JournalSize(ctx); err != nil || got != int64(n) {
		t.Fatalf("JournalSize after %d appends = %d, %v", n, got, err)
	}
	idx, notes, err := readEntries(ctx, s, 0, int64(n)+10)
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	if len(idx) != n {
		t.Fatalf("Entries gave %d entries after %d appends", len(idx), n)
	}
	m := &model{seqs: map[string]int64{}, actors: map[string]truce.Actor{}}
	seqs := map[string][]int64{}
	for i, x := range idx {
		if x != int64(i) {
			t.Fatalf("entry %d has index %d: indexes are not contiguous", i, x)
		}
		line, _, _ := bytes.Cut(notes[i], []byte("\n"))
		var e truce.Entry
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		seqs[e.Party] = append(seqs[e.Party], e.PartySeq)
		m.addRow(t, store.EntryRow{Index: x, Entry: e, Note: notes[i]})
	}
	total := 0
	for _, p := range parties {
		for k, seq := range seqs[p] {
			if seq != int64(k+1) {
				t.Fatalf("party %s: entry %d of the party has party_seq %d, want %d (all: %v)", p, k, seq, k+1, seqs[p])
			}
		}
		total += len(seqs[p])
	}
	if total != n {
		t.Errorf("entries of known parties: %d, want %d", total, n)
	}
	// Checkpoint k (size k) holds the root of the first k entries.
	var want []checkpoint
	for size := int64(1); size <= int64(n); size++ {
		root, err := tlog.TreeHash(size, m)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, checkpoint{Size: size, Note: []byte(fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root[:])))})
	}
	cps, err := readCheckpoints(ctx, s)
	if err != nil {
		t.Fatalf("Checkpoints: %v", err)
	}
	// Compare the signed texts (signatures differ run to run).
	for i := range cps {
		text, _, ok := bytes.Cut(cps[i].Note, []byte("\n\n"))
		if ok {
			cps[i].Note = append(text, '\n')
		}
	}
	if diff := cmp.Diff(want, cps); diff != "" {
		t.Errorf("Checkpoints after concurrent appends (-want +got):\n%s", diff)
	}
	// The stored hashes are the tree of the stored notes.
	all := make([]int64, len(m.hashes))
	for i := range all {
		all[i] = int64(i)
	}
	got, err := s.ReadHashes(ctx, all)
	if err != nil {
		t.Fatalf("ReadHashes: %v", err)
	}
	if diff := cmp.Diff(m.hashes, got); diff != "" {
		t.Errorf("stored hashes after concurrent appends (-want +got):\n%s", diff)
	}
}

func (su *suite) projection(t *testing.T) {
	setup := func(t *testing.T) (context.Context, store.Store, *model) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		return ctx, s, m
	}
	ptr := func(s string) *string { return &s }

	t.Run("PartyKind", func(t *testing.T) {
		ctx, s, m := setup(t)
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for id, want := range map[string]truce.PartyKind{"us": truce.KindParty, "ru": truce.KindParty, "un": truce.KindMonitor} {
				if got, err := tx.PartyKind(id); err != nil || got != want {
					t.Errorf("tx.PartyKind(%q) = %q, %v; want %q", id, got, err, want)
				}
			}
			_, err := tx.PartyKind("xx")
			wantNotFound(t, err, "tx.PartyKind(xx)")
			return nil
		})
	})

	t.Run("PutActor", func(t *testing.T) {
		ctx, s, m := setup(t)
		_, err := s.Actor(ctx, "act_a")
		wantNotFound(t, err, "Actor(act_a) on a new store")
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			_, err := tx.GetActor("act_a")
			wantNotFound(t, err, "tx.GetActor(act_a) before PutActor")
			want, err := c.createActor(t, tx, "act_a", "us", "Northern Brigade", []string{"NB", "Brigade of the North"}, ptr("ru"))
			if err != nil {
				return err
			}
			// The fold reads what it wrote earlier in the same transaction.
			got, err := tx.GetActor("act_a")
			if err != nil {
				t.Errorf("tx.GetActor(act_a) after PutActor: %v", err)
			} else if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
				t.Errorf("tx.GetActor(act_a) (-want +got):\n%s", diff)
			}
			if got.Disputed {
				t.Error("an actor with no designations is disputed")
			}
			_, err = c.createActor(t, tx, "act_b", "ru", "Southern Front", nil, nil)
			return err
		})
		checkOffice(t, ctx, s, m)

		// An update changes name, aliases and answerable party, and keeps
		// who created the actor, when, and in which entry.
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			old := c.actors["act_a"]
			upd := old
			upd.Name, upd.Aliases, upd.AnswerableParty = "Northern Brigade (reformed)", []string{"NBR"}, nil
			upd.CreatedBy, upd.CreatedAt, upd.Entry = "ru", t0.Add(99*time.Hour), 99
			if err := tx.PutActor(upd); err != nil {
				return err
			}
			want := old
			want.Name, want.Aliases, want.AnswerableParty = upd.Name, upd.Aliases, nil
			got, err := tx.GetActor("act_a")
			if err != nil {
				return err
			}
			if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
				t.Errorf("tx.GetActor(act_a) after an update (-want +got):\n%s", diff)
			}
			c.actors["act_a"] = want

			b := c.actors["act_b"]
			b.AnswerableParty = ptr("us")
			if err := tx.PutActor(b); err != nil {
				return err
			}
			c.actors["act_b"] = b
			_, err = tx.GetActor("act_c")
			wantNotFound(t, err, "tx.GetActor(act_c)")
			return nil
		})
		checkOffice(t, ctx, s, m)
		_, err = s.Actor(ctx, "act_c")
		wantNotFound(t, err, "Actor(act_c)")
	})

	t.Run("Designations", func(t *testing.T) {
		ctx, s, m := setup(t)
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for _, id := range []string{"act_a", "act_b", "act_c"} {
				if _, err := c.createActor(t, tx, id, "us", "Group "+id, nil, nil); err != nil {
					return err
				}
			}
			return nil
		})
		steps := []struct {
			actor, party string
			d            truce.Designation
			disputed     bool
		}{
			{"act_a", "us", truce.DesignationExcluded, false},
			{"act_b", "ru", truce.DesignationUndetermined, false},
			{"act_a", "ru", truce.DesignationParty, true},
			{"act_a", "un", truce.DesignationParty, true},
			{"act_a", "us", truce.DesignationParty, false},
			{"act_b", "us", truce.DesignationUndetermined, false},
			{"act_a", "ru", truce.DesignationExcluded, true},
		}
		for i, st := range steps {
			mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
				if _, err := c.designate(t, tx, st.actor, st.party, st.d, fmt.Sprintf("step %d", i)); err != nil {
					return err
				}
				got, err := tx.GetActor(st.actor)
				if err != nil {
					return err
				}
				if diff := cmp.Diff(c.actors[st.actor], got, cmpOpts); diff != "" {
					t.Errorf("step %d: tx.GetActor(%q) (-want +got):\n%s", i, st.actor, diff)
				}
				if got.Disputed != st.disputed {
					t.Errorf("step %d: %q disputed = %v with designations %v, want %v", i, st.actor, got.Disputed, got.Designations, st.disputed)
				}
				return nil
			})
			checkOffice(t, ctx, s, m)
		}
		// Several designations in one append, and a rename that keeps them.
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for _, p := range []string{"us", "ru", "un"} {
				if _, err := c.designate(t, tx, "act_c", p, truce.DesignationExcluded, "joint listing"); err != nil {
					return err
				}
			}
			a := c.actors["act_a"]
			a.Name = "Renamed A"
			if err := tx.PutActor(a); err != nil {
				return err
			}
			c.actors["act_a"] = a
			return nil
		})
		checkOffice(t, ctx, s, m)
		if h := m.historyOf("act_a"); len(h) != 5 {
			t.Fatalf("model: act_a has %d records", len(h))
		}
	})

	t.Run("Paging", func(t *testing.T) {
		ctx, s, m := setup(t)
		if got, err := s.Actors(ctx, store.Page{Limit: 10}); err != nil || len(got) != 0 {
			t.Errorf("Actors on a new store = %v, %v; want none", got, err)
		}
		const n = 23
		for b := range 3 {
			mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
				for i := b; i < n; i += 3 {
					a, err := c.createActor(t, tx, truce.NewID("act"), []string{"us", "ru"}[i%2], fmt.Sprintf("Group %d", i), []string{fmt.Sprint("G", i)}, nil)
					if err != nil {
						return err
					}
					if i%4 == 0 {
						if _, err := c.designate(t, tx, a.ID, "us", truce.DesignationExcluded, ""); err != nil {
							return err
						}
					}
					if i%8 == 0 {
						if _, err := c.designate(t, tx, a.ID, "ru", truce.DesignationParty, ""); err != nil {
							return err
						}
					}
				}
				return nil
			})
		}
		want := m.snapshot().Actors
		for _, limit := range []int{1, 2, 5, 22, 23, 24, 100} {
			var got []truce.Actor
			after := ""
			for pages := 0; ; pages++ {
				if pages > n+1 {
					t.Fatalf("limit %d: paging does not end", limit)
				}
				page, err := s.Actors(ctx, store.Page{Limit: limit, After: after})
				if err != nil {
					t.Fatalf("Actors(limit %d, after %q): %v", limit, after, err)
				}
				if len(page) > limit {
					t.Errorf("Actors(limit %d, after %q) gave %d actors", limit, after, len(page))
				}
				if len(page) == 0 {
					break
				}
				if len(page) < limit && len(got)+len(page) < n {
					t.Errorf("Actors(limit %d, after %q) gave a short page of %d before the end", limit, after, len(page))
				}
				got = append(got, page...)
				after = page[len(page)-1].ID
			}
			if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
				t.Errorf("all pages of %d (-want +got):\n%s", limit, diff)
			}
		}
		// After any id, the actors after it.
		page, err := s.Actors(ctx, store.Page{Limit: 3, After: want[10].ID})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want[11:14], page, cmpOpts); diff != "" {
			t.Errorf("Actors after %q (-want +got):\n%s", want[10].ID, diff)
		}
	})

	t.Run("Snapshot", func(t *testing.T) {
		ctx, s, m := setup(t)
		snap, err := s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.Actors) != 0 || len(snap.Designations) != 0 {
			t.Errorf("Snapshot of a new store = %+v, want an empty one", snap)
		}
		// Designations interleave actors, so entry order is not actor order.
		ids := []string{"act_m", "act_c", "act_x", "act_a"}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for i, id := range ids {
				if _, err := c.createActor(t, tx, id, []string{"us", "ru"}[i%2], "Group "+id, []string{id + "-alias"}, ptr("us")); err != nil {
					return err
				}
			}
			for round, d := range []truce.Designation{truce.DesignationUndetermined, truce.DesignationExcluded} {
				for i, id := range ids {
					p := []string{"us", "ru", "un"}[(i+round)%3]
					if _, err := c.designate(t, tx, id, p, d, fmt.Sprintf("round %d", round)); err != nil {
						return err
					}
				}
			}
			return nil
		})
		checkOffice(t, ctx, s, m)
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			_, err := c.designate(t, tx, "act_x", "us", truce.DesignationParty, "changed view")
			return err
		})
		checkOffice(t, ctx, s, m)
	})
}

func (su *suite) context(t *testing.T) {
	// A canceled context makes every call fail, not hang, and a write that
	// failed so left nothing behind.
	t.Run("Canceled", func(t *testing.T) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		alice := truce.Member{Username: "alice", Party: "us", Role: truce.RoleOfficial, PasswordHash: hashOf("a"), CreatedAt: t0}
		if err := s.CreateMember(ctx, alice); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
		sess := truce.Session{TokenHash: []byte("token-alice-0123456789abcdef0123"), Username: "alice", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		old := truce.Session{TokenHash: []byte("token-alice-old-456789abcdef0123"), Username: "alice", CreatedAt: now.Add(-time.Hour), ExpiresAt: now}
		for _, x := range []truce.Session{sess, old} {
			if err := s.CreateSession(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.SetMetaOnce(ctx, "origin", origin); err != nil {
			t.Fatal(err)
		}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			if _, err := c.createActor(t, tx, "act_a", "us", "A", nil, nil); err != nil {
				return err
			}
			if _, err := c.designate(t, tx, "act_a", "us", truce.DesignationExcluded, ""); err != nil {
				return err
			}
			if _, err := c.putZone(t, tx, "us", truce.KindZoneRelease, zoneIn("zon_a", "us", truce.ZoneProposed, box1, nil)); err != nil {
				return err
			}
			if _, err := c.putNotice(t, tx, noticeIn("not_a", "us", box1)); err != nil {
				return err
			}
			if _, err := c.putCommitment(t, tx, "com_a", "us", 2); err != nil {
				return err
			}
			if _, err := c.putIncident(t, tx, "us", truce.KindIncidentRelease, fullIncident("inc_a", "us")); err != nil {
				return err
			}
			if _, err := c.putPledge(t, tx, truce.KindCommitmentRelease, pledgeOf("cmt_a", "ru")); err != nil {
				return err
			}
			if _, err := c.putStep(t, tx, "un", truce.KindStepCreate, stepOf("stp_a", "us")); err != nil {
				return err
			}
			if _, err := c.putCosigner(t, tx, cosignerOf(t, "us")); err != nil {
				return err
			}
			return c.putBatch(t, tx, 5, "us")
		})
		draft, site := draftIn("zon_d", "us", box1), siteOf("sit_a", "us", "zon_d", "salt")
		incDraft, pledgeDraft := draftIncident("inc_d", "us", t0, "act_a", box1), pledgeOf("cmt_d", "ru")
		if err := s.PutIncidentDraft(ctx, incDraft); err != nil {
			t.Fatal(err)
		}
		if err := s.PutCommitmentDraft(ctx, pledgeDraft); err != nil {
			t.Fatal(err)
		}
		if err := s.PutDraft(ctx, draft); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSite(ctx, site); err != nil {
			t.Fatal(err)
		}

		canceled, cancel := context.WithCancel(ctx)
		cancel()
		var fnRan atomic.Bool
		calls := []struct {
			name string
			call func(ctx context.Context) error
		}{
			{"Meta", func(ctx context.Context) error { _, err := s.Meta(ctx, "origin"); return err }},
			{"SetMetaOnce", func(ctx context.Context) error { _, err := s.SetMetaOnce(ctx, "office_key", "k"); return err }},
			{"CreateParty", func(ctx context.Context) error { return s.CreateParty(ctx, m.keys.party(t, "tr", truce.KindParty)) }},
			{"Party", func(ctx context.Context) error { _, err := s.Party(ctx, "us"); return err }},
			{"Parties", func(ctx context.Context) error { _, err := s.Parties(ctx); return err }},
			{"CreateMember", func(ctx context.Context) error {
				return s.CreateMember(ctx, truce.Member{Username: "bob", Party: "us", Role: truce.RoleAnalyst, PasswordHash: hashOf("b"), CreatedAt: t0})
			}},
			{"Member", func(ctx context.Context) error { _, err := s.Member(ctx, "alice"); return err }},
			{"SetPasswordHash", func(ctx context.Context) error { return s.SetPasswordHash(ctx, "alice", hashOf("new")) }},
			{"CreateSession", func(ctx context.Context) error {
				return s.CreateSession(ctx, truce.Session{TokenHash: []byte("token-new"), Username: "alice", CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
			}},
			{"SessionMember", func(ctx context.Context) error { _, _, err := s.SessionMember(ctx, sess.TokenHash, now); return err }},
			{"DeleteSession", func(ctx context.Context) error { return s.DeleteSession(ctx, sess.TokenHash) }},
			{"DeleteSessions", func(ctx context.Context) error { return s.DeleteSessions(ctx, "alice") }},
			{"DeleteExpiredSessions", func(ctx context.Context) error {
				_, err := s.DeleteExpiredSessions(ctx, now.Add(time.Minute))
				return err
			}},
			{"Append", func(ctx context.Context) error {
				return s.Append(ctx, func(tx store.AppendTx) error {
					fnRan.Store(true)
					return m.clone().putBatch(t, tx, 2, "ru")
				})
			}},
			{"JournalSize", func(ctx context.Context) error { _, err := s.JournalSize(ctx); return err }},
			{"Entries", func(ctx context.Context) error {
				return s.Entries(ctx, 0, 10, func(int64, []byte) error { return nil })
			}},
			{"ReadHashes", func(ctx context.Context) error { _, err := s.ReadHashes(ctx, []int64{0, 1, 2}); return err }},
			{"Checkpoint", func(ctx context.Context) error { _, err := s.Checkpoint(ctx); return err }},
			{"Checkpoints", func(ctx context.Context) error {
				return s.Checkpoints(ctx, func(int64, []byte) error { return nil })
			}},
			{"CheckpointAt", func(ctx context.Context) error { _, err := s.CheckpointAt(ctx, m.size()); return err }},
			{"AddCosignature", func(ctx context.Context) error { return s.AddCosignature(ctx, cosignatureOf(t, "ru", m.size(), 0)) }},
			{"Cosignatures", func(ctx context.Context) error { _, err := s.Cosignatures(ctx, m.size()); return err }},
			{"LatestCosignatures", func(ctx context.Context) error { _, err := s.LatestCosignatures(ctx); return err }},
			{"EachCosignature", func(ctx context.Context) error {
				return s.EachCosignature(ctx, func(truce.Cosignature) error { return nil })
			}},
			{"Actor", func(ctx context.Context) error { _, err := s.Actor(ctx, "act_a"); return err }},
			{"Actors", func(ctx context.Context) error { _, err := s.Actors(ctx, store.Page{Limit: 10}); return err }},
			{"DesignationHistory", func(ctx context.Context) error { _, err := s.DesignationHistory(ctx, "act_a"); return err }},
			{"Snapshot", func(ctx context.Context) error { _, err := s.Snapshot(ctx); return err }},
			{"Zone", func(ctx context.Context) error { _, err := s.Zone(ctx, "zon_a"); return err }},
			{"Zones", func(ctx context.Context) error {
				_, err := s.Zones(ctx, store.ZoneFilter{}, store.Page{Limit: 10})
				return err
			}},
			{"EachZone", func(ctx context.Context) error { return s.EachZone(ctx, func(truce.Zone) error { return nil }) }},
			{"SiteCommitment", func(ctx context.Context) error {
				_, err := s.SiteCommitment(ctx, slices.Collect(maps.Keys(m.commitments))[0])
				return err
			}},
			{"Notice", func(ctx context.Context) error { _, err := s.Notice(ctx, "not_a"); return err }},
			{"Notices", func(ctx context.Context) error {
				_, err := s.Notices(ctx, store.NoticeFilter{}, store.Page{Limit: 10})
				return err
			}},
			{"PutDraft", func(ctx context.Context) error { return s.PutDraft(ctx, draftIn("zon_new", "us", box2)) }},
			{"Draft", func(ctx context.Context) error { _, err := s.Draft(ctx, "us", "zon_d"); return err }},
			{"DeleteDraft", func(ctx context.Context) error { return s.DeleteDraft(ctx, "us", "zon_d") }},
			{"Drafts", func(ctx context.Context) error {
				_, err := s.Drafts(ctx, "us", store.ZoneFilter{}, store.Page{Limit: 10})
				return err
			}},
			{"CreateSite", func(ctx context.Context) error { return s.CreateSite(ctx, siteOf("sit_new", "us", "zon_d", "s")) }},
			{"Site", func(ctx context.Context) error { _, err := s.Site(ctx, "us", "sit_a"); return err }},
			{"Sites", func(ctx context.Context) error { _, err := s.Sites(ctx, "us", ""); return err }},
			{"EachSite", func(ctx context.Context) error { return s.EachSite(ctx, func(truce.Site) error { return nil }) }},
			{"SetSiteRevealed", func(ctx context.Context) error { return s.SetSiteRevealed(ctx, "us", "sit_a", 9) }},
			{"PutSiteSet", func(ctx context.Context) error {
				return s.PutSiteSet(ctx, truce.SiteSet{Commitment: "com_new", Party: "us", Entry: 9, Seed: "seed", Time: t0})
			}},
			{"SiteSets", func(ctx context.Context) error { _, err := s.SiteSets(ctx, "us"); return err }},
			{"AddProbe", func(ctx context.Context) error { return s.AddProbe(ctx, probeOf("prb_new", "us")) }},
			{"Probe", func(ctx context.Context) error { _, err := s.Probe(ctx, "us", "prb_new"); return err }},
			{"Probes", func(ctx context.Context) error { _, err := s.Probes(ctx, "us", store.Page{Limit: 10}); return err }},
			{"Incident", func(ctx context.Context) error { _, err := s.Incident(ctx, "inc_a"); return err }},
			{"Incidents", func(ctx context.Context) error {
				_, err := s.Incidents(ctx, store.IncidentFilter{}, store.Page{Limit: 10})
				return err
			}},
			{"ViolationCounts", func(ctx context.Context) error {
				_, err := s.ViolationCounts(ctx, store.StatsFilter{By: store.ByZone})
				return err
			}},
			{"Commitment", func(ctx context.Context) error { _, err := s.Commitment(ctx, "cmt_a"); return err }},
			{"Commitments", func(ctx context.Context) error { _, err := s.Commitments(ctx, store.Page{Limit: 10}); return err }},
			{"Step", func(ctx context.Context) error { _, err := s.Step(ctx, "stp_a"); return err }},
			{"Steps", func(ctx context.Context) error { _, err := s.Steps(ctx, store.Page{Limit: 10}); return err }},
			{"Cosigners", func(ctx context.Context) error { _, err := s.Cosigners(ctx); return err }},
			{"PutIncidentDraft", func(ctx context.Context) error {
				return s.PutIncidentDraft(ctx, draftIncident("inc_new", "us", t0, "", box2))
			}},
			{"IncidentDraft", func(ctx context.Context) error { _, err := s.IncidentDraft(ctx, "us", "inc_d"); return err }},
			{"DeleteIncidentDraft", func(ctx context.Context) error { return s.DeleteIncidentDraft(ctx, "us", "inc_d") }},
			{"IncidentDrafts", func(ctx context.Context) error {
				_, err := s.IncidentDrafts(ctx, "us", store.IncidentFilter{}, store.Page{Limit: 10})
				return err
			}},
			{"PutCommitmentDraft", func(ctx context.Context) error { return s.PutCommitmentDraft(ctx, pledgeOf("cmt_new", "ru")) }},
			{"CommitmentDraft", func(ctx context.Context) error { _, err := s.CommitmentDraft(ctx, "ru", "cmt_d"); return err }},
			{"DeleteCommitmentDraft", func(ctx context.Context) error { return s.DeleteCommitmentDraft(ctx, "ru", "cmt_d") }},
			{"CommitmentDrafts", func(ctx context.Context) error {
				_, err := s.CommitmentDrafts(ctx, "ru", store.Page{Limit: 10})
				return err
			}},
		}
		for _, c := range calls {
			// Each call works with a live context (for the reads; the writes
			// are checked below to have left nothing).
			err := within(t, waitLimit, c.name+" with a canceled context", func() error { return c.call(canceled) })
			if err == nil {
				t.Errorf("%s with a canceled context succeeded", c.name)
			} else if !errors.Is(err, context.Canceled) {
				t.Logf("%s with a canceled context: %v (not context.Canceled)", c.name, err)
			}
		}
		if fnRan.Load() {
			t.Log("Append ran its fn under a canceled context")
		}

		// Nothing the failed writes meant to do happened, and the store
		// still works.
		if v, err := s.Meta(ctx, "office_key"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Meta(office_key) after a canceled SetMetaOnce = %q, %v", v, err)
		}
		_, err := s.Party(ctx, "tr")
		wantNotFound(t, err, "Party(tr) after a canceled CreateParty")
		_, err = s.Member(ctx, "bob")
		wantNotFound(t, err, "Member(bob) after a canceled CreateMember")
		if got, err := s.Member(ctx, "alice"); err != nil || got.PasswordHash != alice.PasswordHash {
			t.Errorf("Member(alice) after a canceled SetPasswordHash = %+v, %v; want the old hash", got, err)
		}
		_, _, err = s.SessionMember(ctx, []byte("token-new"), now)
		wantNotFound(t, err, "SessionMember(token-new) after a canceled CreateSession")
		if _, _, err := s.SessionMember(ctx, sess.TokenHash, now); err != nil {
			t.Errorf("SessionMember after canceled deletes: %v", err)
		}
		if n, err := s.DeleteExpiredSessions(ctx, now.Add(time.Minute)); err != nil || n != 1 {
			t.Errorf("DeleteExpiredSessions after a canceled one = %d, %v; want 1", n, err)
		}
		_, err = s.Draft(ctx, "us", "zon_new")
		wantNotFound(t, err, "Draft(us, zon_new) after a canceled PutDraft")
		if got, err := s.Draft(ctx, "us", "zon_d"); err != nil || !cmp.Equal(draft, got, cmpOpts) {
			t.Errorf("Draft(us, zon_d) after a canceled DeleteDraft = %+v, %v", got, err)
		}
		_, err = s.Site(ctx, "us", "sit_new")
		wantNotFound(t, err, "Site(us, sit_new) after a canceled CreateSite")
		if got, err := s.Site(ctx, "us", "sit_a"); err != nil || !cmp.Equal(site, got, cmpOpts) {
			t.Errorf("Site(us, sit_a) after a canceled SetSiteRevealed = %+v, %v", got, err)
		}
		if got, err := s.SiteSets(ctx, "us"); err != nil || len(got) != 0 {
			t.Errorf("SiteSets(us) after a canceled PutSiteSet = %+v, %v", got, err)
		}
		_, err = s.Probe(ctx, "us", "prb_new")
		wantNotFound(t, err, "Probe(us, prb_new) after a canceled AddProbe")
		_, err = s.IncidentDraft(ctx, "us", "inc_new")
		wantNotFound(t, err, "IncidentDraft(us, inc_new) after a canceled PutIncidentDraft")
		if got, err := s.IncidentDraft(ctx, "us", "inc_d"); err != nil || !cmp.Equal(incDraft, got, cmpOpts) {
			t.Errorf("IncidentDraft(us, inc_d) after a canceled DeleteIncidentDraft = %+v, %v", got, err)
		}
		_, err = s.CommitmentDraft(ctx, "ru", "cmt_new")
		wantNotFound(t, err, "CommitmentDraft(ru, cmt_new) after a canceled PutCommitmentDraft")
		if got, err := s.CommitmentDraft(ctx, "ru", "cmt_d"); err != nil || !cmp.Equal(pledgeDraft, got, cmpOpts) {
			t.Errorf("CommitmentDraft(ru, cmt_d) after a canceled DeleteCommitmentDraft = %+v, %v", got, err)
		}
		if got, err := s.LatestCosignatures(ctx); err != nil || len(got) != 0 {
			t.Errorf("LatestCosignatures after a canceled AddCosignature = %+v, %v; want none", got, err)
		}
		checkJournal(t, ctx, s, m)
		checkOffice(t, ctx, s, m)
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			return c.putBatch(t, tx, 2, "ru")
		})
		checkJournal(t, ctx, s, m)
	})

	// A context canceled while fn runs: either the append committed whole
	// or it left nothing, and the store takes the next append.
	t.Run("CanceledDuringAppend", func(t *testing.T) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			return c.putBatch(t, tx, 3, "us")
		})
		actx, cancel := context.WithCancel(ctx)
		defer cancel()
		var c *model
		err := within(t, waitLimit, "Append canceled in its fn", func() error {
			return s.Append(actx, func(tx store.AppendTx) error {
				c = m.clone()
				if _, err := c.createActor(t, tx, "act_a", "us", "A", nil, nil); err != nil {
					return err
				}
				if err := c.putBatch(t, tx, 4, "ru"); err != nil {
					return err
				}
				cancel()
				return nil
			})
		})
		if err == nil {
			t.Log("the append committed although its context was canceled before the commit")
			*m = *c
		} else {
			_, aerr := s.Actor(ctx, "act_a")
			wantNotFound(t, aerr, "Actor(act_a) after a canceled append")
		}
		checkJournal(t, ctx, s, m)
		checkOffice(t, ctx, s, m)
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			if _, err := c.createActor(t, tx, "act_b", "us", "B", nil, nil); err != nil {
				return err
			}
			return c.putBatch(t, tx, 2, "us")
		})
		checkJournal(t, ctx, s, m)
		checkOffice(t, ctx, s, m)
	})
}
