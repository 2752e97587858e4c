package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return mustOpen(t, filepath.Join(t.TempDir(), "truce.db"))
	})
}

// mustOpen opens the database at path and closes it when the test ends.
func mustOpen(tb testing.TB, path string) *DB {
	tb.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("Open(%q): %v", path, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

var t0 = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

// memTree is a journal kept in memory beside a store: its stored tree
// hashes and each party's last party_seq.
type memTree struct {
	hashes []tlog.Hash
	size   int64
	seqs   map[string]int64
	rng    *rand.ChaCha8
}

func newMemTree() *memTree {
	return &memTree{seqs: map[string]int64{}, rng: rand.NewChaCha8([32]byte{'t', 'r', 'u', 'c', 'e'})}
}

func (m *memTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("memTree: no stored hash %d", x)
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

func (m *memTree) root(tb testing.TB) tlog.Hash {
	tb.Helper()
	h, err := tlog.TreeHash(m.size, m)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// next adds n entries of small random records, parties taken in turn, and
// returns their rows and stored hashes.
func (m *memTree) next(tb testing.TB, n int, parties ...string) ([]store.EntryRow, []store.HashRow) {
	tb.Helper()
	rows := make([]store.EntryRow, 0, n)
	hashes := make([]store.HashRow, 0, 2*n+32)
	for i := range n {
		p := parties[i%len(parties)]
		m.seqs[p]++
		e := truce.Entry{
			V: truce.EntryVersion, ID: truce.NewID("ent"), Party: p, Member: p + "-official",
			Kind: truce.KindActorCreate, Subject: truce.NewID("act"),
			Time: t0.Add(time.Duration(m.size) * time.Millisecond), PartySeq: m.seqs[p],
		}
		rec := make([]byte, 48)
		m.rng.Read(rec)
		msg := fmt.Appendf(nil, "%s %d\n\n— %s %s\n", e.ID, m.size, p, base64.StdEncoding.EncodeToString(rec))
		hs, err := tlog.StoredHashes(m.size, msg, m)
		if err != nil {
			tb.Fatal(err)
		}
		base := tlog.StoredHashIndex(0, m.size)
		for k, h := range hs {
			hashes = append(hashes, store.HashRow{Index: base + int64(k), Hash: h})
		}
		m.hashes = append(m.hashes, hs...)
		rows = append(rows, store.EntryRow{Index: m.size, Entry: e, Note: msg})
		m.size++
	}
	return rows, hashes
}

// checkpointText is the text of a checkpoint of the tree at its size.
func (m *memTree) checkpointText(tb testing.TB) []byte {
	root := m.root(tb)
	return fmt.Appendf(nil, "truce.example/office\n%d\n%s\n", m.size, base64.StdEncoding.EncodeToString(root[:]))
}

// appendBatch writes n entries and a checkpoint in one Append.
func appendBatch(tb testing.TB, ctx context.Context, s store.Store, m *memTree, n int, parties ...string) {
	tb.Helper()
	rows, hashes := m.next(tb, n, parties...)
	cp := m.checkpointText(tb)
	err := s.Append(ctx, func(tx store.AppendTx) error {
		if err := tx.PutEntries(rows, hashes); err != nil {
			return err
		}
		return tx.PutCheckpoint(m.size, cp)
	})
	if err != nil {
		tb.Fatalf("Append of %d entries: %v", n, err)
	}
}

// populate fills db with some of everything it stores.
func populate(t *testing.T, ctx context.Context, db *DB) *memTree {
	t.Helper()
	for _, p := range []truce.Party{
		{ID: "us", Name: "United States", Kind: truce.KindParty, VerifierKey: "us+01020304+AQ", CreatedAt: t0},
		{ID: "ru", Name: "Russian Federation", Kind: truce.KindParty, VerifierKey: "ru+01020305+Ag", CreatedAt: t0},
		{ID: "un", Name: "Monitors", Kind: truce.KindMonitor, VerifierKey: "un+01020306+Aw", CreatedAt: t0},
	} {
		if err := db.CreateParty(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []truce.Member{
		{Username: "alice", Party: "us", Role: truce.RoleOfficial, PasswordHash: "$argon2id$a", CreatedAt: t0},
		{Username: "ivan", Party: "ru", Role: truce.RoleAnalyst, PasswordHash: "$argon2id$i", CreatedAt: t0},
		{Username: "root", Admin: true, PasswordHash: "$argon2id$r", CreatedAt: t0},
	} {
		if err := db.CreateMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CreateSession(ctx, truce.Session{TokenHash: []byte("token-hash-alice"), Username: "alice", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetMetaOnce(ctx, "origin", "truce.example/office"); err != nil {
		t.Fatal(err)
	}
	m := newMemTree()
	for _, n := range []int{1, 7, 30, 12} {
		appendBatch(t, ctx, db, m, n, "us", "ru", "un")
	}
	answerable := "ru"
	err := db.Append(ctx, func(tx store.AppendTx) error {
		rows, hashes := m.next(t, 3, "us")
		if err := tx.PutEntries(rows, hashes); err != nil {
			return err
		}
		a := truce.Actor{ID: "act_a", Name: "A", Aliases: []string{"a"}, AnswerableParty: &answerable,
			CreatedBy: "us", CreatedAt: rows[0].Entry.Time, Entry: rows[0].Index}
		if err := tx.PutActor(a); err != nil {
			return err
		}
		for i, p := range []string{"us", "ru"} {
			r := rows[i+1]
			if err := tx.AddDesignation(truce.DesignationRecord{ActorID: "act_a", Party: p, Designation: []truce.Designation{truce.DesignationExcluded, truce.DesignationParty}[i],
				Note: "n", Member: r.Entry.Member, Time: r.Entry.Time, Entry: r.Index}); err != nil {
				return err
			}
		}
		return tx.PutCheckpoint(m.size, m.checkpointText(t))
	})
	if err != nil {
		t.Fatal(err)
	}
	putOneOfEach(t, db)
	return m
}

// dumpTables reads every row of every table of the file at path, through a
// connection of its own.
func dumpTables(t *testing.T, path string) map[string][][]any {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ctx := t.Context()
	names := []string{"sqlite_master"}
	rows, err := raw.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	out := map[string][][]any{}
	for _, n := range names {
		q := "SELECT * FROM " + n + " ORDER BY 1, 2"
		if n == "sqlite_master" {
			// Root pages move when a backup rebuilds the file; the schema does not.
			q = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY 1, 2"
		}
		rows, err := raw.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out[n] = append(out[n], vals)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

func countRows(d map[string][][]any) string {
	var b strings.Builder
	for _, n := range []string{"parties", "members", "sessions", "meta", "journal_entries", "journal_hashes", "journal_checkpoints", "actors", "designations", "designation_history",
		"zones", "site_commitments", "notices", "zone_drafts", "sites", "site_sets", "probes", "goose_db_version"} {
		fmt.Fprintf(&b, "%s=%d ", n, len(d[n]))
	}
	return b.String()
}

// checkSame checks that two stores answer the same through the interface.
func checkSame(t *testing.T, ctx context.Context, want, got store.Store) {
	t.Helper()
	opts := cmp.Options{cmpopts.EquateEmpty(), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })}
	wp, err1 := want.Parties(ctx)
	gp, err2 := got.Parties(ctx)
	if err1 != nil || err2 != nil || !cmp.Equal(wp, gp, opts) {
		t.Errorf("Parties differ: %v %v\n%s", err1, err2, cmp.Diff(wp, gp, opts))
	}
	for _, u := range []string{"alice", "ivan", "root"} {
		wm, err1 := want.Member(ctx, u)
		gm, err2 := got.Member(ctx, u)
		if err1 != nil || err2 != nil || !cmp.Equal(wm, gm, opts) {
			t.Errorf("Member(%q) differs: %v %v\n%s", u, err1, err2, cmp.Diff(wm, gm, opts))
		}
	}
	ws, err1 := want.Snapshot(ctx)
	gs, err2 := got.Snapshot(ctx)
	if err1 != nil || err2 != nil || !cmp.Equal(ws, gs, opts) {
		t.Errorf("Snapshot differs: %v %v\n%s", err1, err2, cmp.Diff(ws, gs, opts))
	}
	wn, _ := want.JournalSize(ctx)
	gn, _ := got.JournalSize(ctx)
	if wn != gn {
		t.Fatalf("JournalSize = %d, want %d", gn, wn)
	}
	wr, err1 := tlog.TreeHash(wn, hashReader(ctx, want))
	gr, err2 := tlog.TreeHash(gn, hashReader(ctx, got))
	if err1 != nil || err2 != nil || wr != gr {
		t.Errorf("tree hash = %v, %v; want %v, %v", gr, err2, wr, err1)
	}
	wc, err1 := want.Checkpoint(ctx)
	gc, err2 := got.Checkpoint(ctx)
	if err1 != nil || err2 != nil || string(wc) != string(gc) {
		t.Errorf("Checkpoint = %q, %v; want %q, %v", gc, err2, wc, err1)
	}
}

func hashReader(ctx context.Context, s store.Journal) tlog.HashReader {
	return tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) { return s.ReadHashes(ctx, ix) })
}

// pragma reads a pragma on one connection.
func pragma(t *testing.T, c *sql.Conn, name string) string {
	t.Helper()
	var v string
	if err := c.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

// TestPragmas checks the settings of every connection of both pools: WAL,
// foreign keys, a busy timeout, and (on the writer) synchronous=FULL so a
// commit is durable before Append returns.
func TestPragmas(t *testing.T) {
	ctx := t.Context()
	db := mustOpen(t, filepath.Join(t.TempDir(), "truce.db"))
	check := func(pool string, c *sql.Conn, writer bool) {
		t.Helper()
		if got := pragma(t, c, "journal_mode"); got != "wal" {
			t.Errorf("%s: journal_mode = %q, want wal", pool, got)
		}
		if got := pragma(t, c, "foreign_keys"); got != "1" {
			t.Errorf("%s: foreign_keys = %q, want 1", pool, got)
		}
		if ms, err := strconv.Atoi(pragma(t, c, "busy_timeout")); err != nil || ms < 1000 {
			t.Errorf("%s: busy_timeout = %d ms (%v), want at least a second", pool, ms, err)
		}
		if writer {
			// 2 is FULL, 3 EXTRA; NORMAL (1) loses commits on power loss in WAL mode.
			if got := pragma(t, c, "synchronous"); got != "2" && got != "3" {
				t.Errorf("%s: synchronous = %s, want FULL (2) or EXTRA (3)", pool, got)
			}
		}
	}
	w, err := db.write.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("writer", w, true)
	w.Close()

	n := db.read.Stats().MaxOpenConnections
	if n <= 0 || n > 64 {
		t.Fatalf("read pool allows %d connections", n)
	}
	var conns []*sql.Conn
	for range n {
		c, err := db.read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		check(fmt.Sprintf("reader %d of %d", i+1, n), c, false)
		c.Close()
	}

	// And foreign keys are enforced where writes happen.
	if err := db.CreateMember(ctx, truce.Member{Username: "x", Party: "nope", Role: truce.RoleAnalyst, PasswordHash: "h", CreatedAt: t0}); err == nil ||
		!strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("CreateMember with an unknown party: %v, want a foreign key failure", err)
	}
}

// TestReopen checks that a file keeps its data across Close and Open, and
// that Open's migrations then change nothing.
func TestReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "truce.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	m := populate(t, ctx, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	before := dumpTables(t, path)
	if len(before["goose_db_version"]) == 0 || len(before["journal_hashes"]) == 0 {
		t.Fatalf("dump of the populated file lacks rows: %s", countRows(before))
	}

	for i := range 2 {
		db := mustOpen(t, path)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		after := dumpTables(t, path)
		if diff := cmp.Diff(before, after); diff != "" {
			t.Fatalf("reopen %d changed the file (-before +after):\n%s", i+1, diff)
		}
	}

	db = mustOpen(t, path)
	if got, err := db.JournalSize(ctx); err != nil || got != m.size {
		t.Fatalf("JournalSize after reopen = %d, %v; want %d", got, err, m.size)
	}
	if root, err := tlog.TreeHash(m.size, hashReader(ctx, db)); err != nil || root != m.root(t) {
		t.Errorf("tree hash after reopen = %v, %v; want %v", root, err, m.root(t))
	}
	if v, err := db.Meta(ctx, "origin"); err != nil || v != "truce.example/office" {
		t.Errorf("Meta(origin) after reopen = %q, %v", v, err)
	}
	a, err := db.Actor(ctx, "act_a")
	if err != nil || len(a.Designations) != 2 || !a.Disputed {
		t.Errorf("Actor(act_a) after reopen = %+v, %v", a, err)
	}
	// The reopened file takes appends where the journal ended.
	appendBatch(t, ctx, db, m, 5, "ru")
	if got, err := db.JournalSize(ctx); err != nil || got != m.size {
		t.Errorf("JournalSize after an append to the reopened file = %d, %v; want %d", got, err, m.size)
	}
}

func TestBackup(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db := mustOpen(t, filepath.Join(dir, "truce.db"))
	populate(t, ctx, db)

	dst := filepath.Join(dir, "backup", "truce-backup.db")
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, dst); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	copyTables := dumpTables(t, dst)
	if diff := cmp.Diff(dumpTables(t, db.Path()), copyTables); diff != "" {
		t.Errorf("backup differs from the database (-db +backup):\n%s", diff)
	}
	b := mustOpen(t, dst)
	checkSame(t, ctx, db, b)
	if diff := cmp.Diff(copyTables, dumpTables(t, dst)); diff != "" {
		t.Errorf("opening the backup changed it (-before +after):\n%s", diff)
	}
	var mode string
	if err := b.read.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("backup opened in journal_mode %q, %v; want wal", mode, err)
	}

	// A backup never overwrites a file.
	if err := os.WriteFile(filepath.Join(dir, "taken"), []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, filepath.Join(dir, "taken")); err == nil {
		t.Error("Backup over an existing file succeeded")
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "taken")); string(got) != "keep me" {
		t.Errorf("Backup changed an existing file to %q", got)
	}
}

// TestBackupWhileAppending checks that a backup taken while appends commit
// is one consistent moment of the journal.
func TestBackupWhileAppending(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db := mustOpen(t, filepath.Join(dir, "truce.db"))
	m := populate(t, ctx, db)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			rows, hashes := m.next(t, 20, "us", "ru")
			cp := m.checkpointText(t)
			if err := db.Append(ctx, func(tx store.AppendTx) error {
				if err := tx.PutEntries(rows, hashes); err != nil {
					return err
				}
				return tx.PutCheckpoint(m.size, cp)
			}); err != nil {
				t.Errorf("Append beside a backup: %v", err)
				return
			}
		}
	})
	time.Sleep(50 * time.Millisecond)
	dst := filepath.Join(dir, "backup.db")
	err := db.Backup(ctx, dst)
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	b := mustOpen(t, dst)
	n, err := b.JournalSize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := b.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(cp), "\n")
	if len(lines) < 3 || lines[1] != strconv.FormatInt(n, 10) {
		t.Fatalf("backup holds %d entries and the checkpoint %q", n, cp)
	}
	root, err := tlog.TreeHash(n, hashReader(ctx, b))
	if err != nil {
		t.Fatalf("tree hash of the backup: %v", err)
	}
	if got := base64.StdEncoding.EncodeToString(root[:]); got != lines[2] {
		t.Errorf("backup's tree hash %s, its checkpoint says %s", got, lines[2])
	}
	last := tlog.StoredHashCount(n)
	if _, err := b.ReadHashes(ctx, []int64{last}); err == nil {
		t.Errorf("backup of %d entries holds stored hash %d", n, last)
	}
	t.Logf("backup caught %d entries of %d", n, m.size)
}

// TestTwoHandles checks that appends through two DBs on one file (as two
// processes would have) are serialized by the database itself.
func TestTwoHandles(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "truce.db")
	dbs := []*DB{mustOpen(t, path), mustOpen(t, path)}
	const workers, each = 6, 15
	parties := []string{"us", "ru", "un"}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			db, party := dbs[w%2], parties[w%3]
			for range each {
				if err := appendNext(ctx, db, party); err != nil {
					t.Errorf("worker %d: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	const n = workers * each
	m := newMemTree()
	seqs := map[string]int64{}
	err := dbs[1].Entries(ctx, 0, n+1, func(i int64, msg []byte) error {
		if i != m.size {
			return fmt.Errorf("entry %d after %d entries", i, m.size)
		}
		var party string
		var seq int64
		if _, err := fmt.Sscanf(string(msg), "%s %d", &party, &seq); err != nil {
			return fmt.Errorf("entry %d: %q: %v", i, msg, err)
		}
		if seq != seqs[party]+1 {
			return fmt.Errorf("entry %d: party %s seq %d after %d", i, party, seq, seqs[party])
		}
		seqs[party] = seq
		hs, err := tlog.StoredHashes(m.size, msg, m)
		if err != nil {
			return err
		}
		m.hashes = append(m.hashes, hs...)
		m.size++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.size != n {
		t.Fatalf("journal holds %d entries, want %d", m.size, n)
	}
	for i, db := range dbs {
		if root, err := tlog.TreeHash(n, hashReader(ctx, db)); err != nil || root != m.root(t) {
			t.Errorf("handle %d: tree hash %v, %v; want %v", i, root, err, m.root(t))
		}
	}
}

// appendNext appends one entry of party from the tail read in the transaction.
func appendNext(ctx context.Context, db *DB, party string) error {
	return db.Append(ctx, func(tx store.AppendTx) error {
		size, err := tx.Size()
		if err != nil {
			return err
		}
		seq, err := tx.LastPartySeq(party)
		if err != nil {
			return err
		}
		e := truce.Entry{V: truce.EntryVersion, ID: truce.NewID("ent"), Party: party, Member: party + "-official",
			Kind: truce.KindActorCreate, Subject: truce.NewID("act"), Time: t0, PartySeq: seq + 1}
		msg := fmt.Appendf(nil, "%s %d\n\n— %s sig\n", party, seq+1, party)
		hs, err := tlog.StoredHashes(size, msg, tlog.HashReaderFunc(tx.ReadHashes))
		if err != nil {
			return err
		}
		rows := make([]store.HashRow, len(hs))
		for k, h := range hs {
			rows[k] = store.HashRow{Index: tlog.StoredHashIndex(0, size) + int64(k), Hash: h}
		}
		return tx.PutEntries([]store.EntryRow{{Index: size, Entry: e, Note: msg}}, rows)
	})
}

// TestOpenPath checks that a path with characters that mean something in
// URLs names the file it says.
func TestOpenPath(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "a dir #1 ?x=%20&y")
	path := filepath.Join(dir, "truce db?.sqlite")
	db := mustOpen(t, path)
	if _, err := db.SetMetaOnce(ctx, "origin", "o"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		entries, _ := os.ReadDir(filepath.Dir(dir))
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("Open(%q) did not make that file: %v (the directory holds %q)", path, err, names)
	}
	db = mustOpen(t, path)
	if v, err := db.Meta(ctx, "origin"); err != nil || v != "o" {
		t.Errorf("Meta after reopening %q = %q, %v", path, v, err)
	}
}
