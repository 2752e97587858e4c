package postgres

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/store/postgres/pgtest"
	"github.com/truce-org/truce/internal/store/storetest"
)

func TestStore(t *testing.T) {
	t.Parallel()
	pgtest.BaseURL(t) // skip (or fail) once, not in every subtest
	storetest.Run(t, func(t *testing.T) store.Store {
		return mustOpen(t, pgtest.URL(t))
	})
}

// mustOpen opens the database at url and closes it when the test ends
// (before pgtest drops its schema: cleanups run last first).
func mustOpen(tb testing.TB, url string) *DB {
	tb.Helper()
	db, err := Open(context.Background(), url)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

var t0 = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

// hashOverlay reads stored hashes from the batch being written, then the
// transaction, as the office's writer does.
type hashOverlay struct {
	tx    store.AppendTx
	fresh map[int64]tlog.Hash
}

func (o *hashOverlay) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var missing []int64
	for _, x := range indexes {
		if _, ok := o.fresh[x]; !ok {
			missing = append(missing, x)
		}
	}
	got, err := o.tx.ReadHashes(missing)
	if err != nil {
		return nil, err
	}
	for i, x := range indexes {
		if h, ok := o.fresh[x]; ok {
			out[i] = h
		} else {
			out[i], got = got[0], got[1:]
		}
	}
	return out, nil
}

// checkpointText is the text of a checkpoint; the tests compare texts, not
// signatures.
func checkpointText(size int64, root tlog.Hash) []byte {
	return fmt.Appendf(nil, "truce.example/office\n%d\n%s\n", size, base64.StdEncoding.EncodeToString(root[:]))
}

// appendEntries appends n entries by party in one Append, from what the
// transaction reads alone (size, party_seq, stored hashes), as a writer on
// any node would. Notes are "id index party party_seq" and random bytes.
func appendEntries(ctx context.Context, s store.Store, party string, n int) error {
	return s.Append(ctx, func(tx store.AppendTx) error {
		size, err := tx.Size()
		if err != nil {
			return err
		}
		seq, err := tx.LastPartySeq(party)
		if err != nil {
			return err
		}
		o := &hashOverlay{tx: tx, fresh: map[int64]tlog.Hash{}}
		rows := make([]store.EntryRow, 0, n)
		var hashes []store.HashRow
		for i := range int64(n) {
			idx := size + i
			e := truce.Entry{V: truce.EntryVersion, ID: truce.NewID("ent"), Party: party, Member: party + "-official",
				Kind: truce.KindActorCreate, Subject: truce.NewID("act"), Time: t0.Add(time.Duration(idx) * time.Millisecond), PartySeq: seq + 1 + i}
			var sig [64]byte
			rand.Read(sig[:])
			note := fmt.Appendf(nil, "%s %d %s %d\n\n— truce.example/%s %s\n", e.ID, idx, party, e.PartySeq, party, base64.StdEncoding.EncodeToString(sig[:]))
			hs, err := tlog.StoredHashes(idx, note, o)
			if err != nil {
				return fmt.Errorf("stored hashes of %d: %w", idx, err)
			}
			base := tlog.StoredHashIndex(0, idx)
			for k, h := range hs {
				o.fresh[base+int64(k)] = h
				hashes = append(hashes, store.HashRow{Index: base + int64(k), Hash: h})
			}
			rows = append(rows, store.EntryRow{Index: idx, Entry: e, Note: note})
		}
		if err := tx.PutEntries(rows, hashes); err != nil {
			return err
		}
		end := size + int64(n)
		if got, err := tx.Size(); err != nil || got != end {
			return fmt.Errorf("tx.Size after PutEntries = %d, %v; want %d", got, err, end)
		}
		root, err := tlog.TreeHash(end, o)
		if err != nil {
			return fmt.Errorf("tree hash at %d: %w", end, err)
		}
		return tx.PutCheckpoint(end, checkpointText(end, root))
	})
}

// memHashes is a tree rebuilt in memory from the stored notes.
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = m[x]
	}
	return out, nil
}

// checkAppended checks a journal of n entries written by appendEntries:
// contiguous indexes and party_seq, the stored hashes and every
// checkpoint's root those of the stored notes.
func checkAppended(t *testing.T, ctx context.Context, s store.Store, n int64) {
	t.Helper()
	if got, err := s.JournalSize(ctx); err != nil || got != n {
		t.Fatalf("JournalSize = %d, %v; want %d", got, err, n)
	}
	var mem memHashes
	seqs := map[string]int64{}
	var next int64
	err := s.Entries(ctx, 0, n+10, func(idx int64, note []byte) error {
		if idx != next {
			return fmt.Errorf("entry %d where %d was due", idx, next)
		}
		next++
		f := strings.Fields(string(note[:bytes.IndexByte(note, '\n')]))
		if len(f) != 4 || f[1] != strconv.FormatInt(idx, 10) {
			return fmt.Errorf("entry %d: note %q", idx, note)
		}
		seqs[f[2]]++
		if f[3] != strconv.FormatInt(seqs[f[2]], 10) {
			return fmt.Errorf("entry %d: party %s seq %s, want %d", idx, f[2], f[3], seqs[f[2]])
		}
		hs, err := tlog.StoredHashes(idx, note, mem)
		if err != nil {
			return err
		}
		mem = append(mem, hs...)
		return nil
	})
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	if next != n {
		t.Fatalf("Entries gave %d entries, want %d", next, n)
	}
	all := make([]int64, len(mem))
	for i := range all {
		all[i] = int64(i)
	}
	got, err := s.ReadHashes(ctx, all)
	if err != nil {
		t.Fatalf("ReadHashes: %v", err)
	}
	if !slices.Equal(got, mem) {
		t.Fatal("stored hashes are not the tree of the stored notes")
	}
	var last int64
	err = s.Checkpoints(ctx, func(size int64, note []byte) error {
		if size <= last {
			return fmt.Errorf("checkpoint %d after %d", size, last)
		}
		last = size
		root, err := tlog.TreeHash(size, mem)
		if err != nil {
			return err
		}
		if want := checkpointText(size, root); !bytes.Equal(note, want) {
			return fmt.Errorf("checkpoint %d = %q, want %q", size, note, want)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Checkpoints: %v", err)
	}
	if last != n {
		t.Fatalf("last checkpoint %d, want %d", last, n)
	}
}

// Two DBs on one database are two nodes: their appends, interleaved from
// many goroutines, still make one contiguous journal.
func TestTwoNodes(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	nodes := []*DB{mustOpen(t, url), mustOpen(t, url)}
	ctx := t.Context()
	const workers, each = 8, 12
	var total atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			party := []string{"us", "ru", "un"}[w%3]
			for i := range each {
				n := 1 + (w+i)%3
				if err := appendEntries(ctx, nodes[(w+i)%2], party, n); err != nil {
					t.Errorf("worker %d: Append: %v", w, err)
					return
				}
				total.Add(int64(n))
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, db := range nodes {
		checkAppended(t, ctx, db, total.Load())
	}
}

// Appends wait for the head row's lock, whoever holds it (here psql, in
// effect), give up when their context ends without leaving a backend in the
// lock queue, and never run fn beside the holder.
func TestHeadLock(t *testing.T) {
	t.Parallel()
	var b [6]byte
	rand.Read(b[:])
	app := "truce_lock_" + hex.EncodeToString(b[:])
	url := pgtest.URL(t) + "&application_name=" + app
	db := mustOpen(t, url)
	ctx := t.Context()
	if err := appendEntries(ctx, db, "us", 2); err != nil {
		t.Fatal(err)
	}

	other, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(context.Background())
	holder, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(ctx, qLockHead); err != nil {
		t.Fatal(err)
	}

	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	var ran atomic.Bool
	start := time.Now()
	err = db.Append(wctx, func(tx store.AppendTx) error {
		ran.Store(true)
		return nil
	})
	if err == nil || ran.Load() {
		t.Fatalf("Append while another session holds the head: err %v, fn ran %v", err, ran.Load())
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Append gave up after %v, its deadline was 300ms", took)
	}
	// The server canceled the wait: no backend of ours waits on a lock.
	deadline := time.Now().Add(5 * time.Second)
	for {
		var waiting int
		if err := other.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", app).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d backends still wait for the head lock after the append gave up", waiting)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// An append waiting when the holder commits goes ahead.
	done := make(chan error, 1)
	go func() { done <- appendEntries(ctx, db, "ru", 3) }()
	time.Sleep(100 * time.Millisecond)
	if err := holder.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Append after the holder committed: %v", err)
	}
	checkAppended(t, ctx, db, 5)
}

// PostgreSQL cannot hold NUL bytes or invalid UTF-8 in text. Writes of such
// text fail with an error; reads by such a key find nothing; and inside an
// append neither aborts the transaction, as a failed statement would.
func TestText(t *testing.T) {
	t.Parallel()
	db := mustOpen(t, pgtest.URL(t))
	ctx := t.Context()
	for _, bad := range []string{"a\x00b", "a\xffb", "\x00"} {
		for name, err := range map[string]error{
			"CreateParty id":   db.CreateParty(ctx, truce.Party{ID: bad, Name: "x", Kind: truce.KindParty, VerifierKey: "k", CreatedAt: t0}),
			"CreateParty name": db.CreateParty(ctx, truce.Party{ID: "us", Name: bad, Kind: truce.KindParty, VerifierKey: "k", CreatedAt: t0}),
			"CreateMember":     db.CreateMember(ctx, truce.Member{Username: bad, Admin: true, PasswordHash: "h", CreatedAt: t0}),
			"SetMetaOnce":      func() error { _, err := db.SetMetaOnce(ctx, "origin", bad); return err }(),
		} {
			if !errors.Is(err, errBadText) {
				t.Errorf("%s with %q: err = %v, want errBadText", name, bad, err)
			}
		}
		for name, err := range map[string]error{
			"Party":           func() error { _, err := db.Party(ctx, bad); return err }(),
			"Member":          func() error { _, err := db.Member(ctx, bad); return err }(),
			"Meta":            func() error { _, err := db.Meta(ctx, bad); return err }(),
			"Actor":           func() error { _, err := db.Actor(ctx, bad); return err }(),
			"SetPasswordHash": db.SetPasswordHash(ctx, bad, "h"),
		} {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s(%q): err = %v, want store.ErrNotFound", name, bad, err)
			}
		}
		if h, err := db.DesignationHistory(ctx, bad); err != nil || len(h) != 0 {
			t.Errorf("DesignationHistory(%q) = %v, %v; want none", bad, h, err)
		}
		if err := db.DeleteSessions(ctx, bad); err != nil {
			t.Errorf("DeleteSessions(%q): %v", bad, err)
		}
	}
	if _, err := db.Party(ctx, "us"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Party(us) after a rejected create: %v", err)
	}
	if err := db.CreateParty(ctx, truce.Party{ID: "us", Name: "US", Kind: truce.KindParty, VerifierKey: "k", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}

	err := db.Append(ctx, func(tx store.AppendTx) error {
		if _, err := tx.GetActor("act\x00"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("tx.GetActor with NUL: %v", err)
		}
		if ok, err := tx.ActorExists("act\xff"); ok || err != nil {
			t.Errorf("tx.ActorExists with invalid UTF-8 = %v, %v", ok, err)
		}
		if _, err := tx.PartyKind("u\x00s"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("tx.PartyKind with NUL: %v", err)
		}
		if n, err := tx.LastPartySeq("u\x00s"); n != 0 || err != nil {
			t.Errorf("tx.LastPartySeq with NUL = %d, %v", n, err)
		}
		a := truce.Actor{ID: "act_a", Name: "A\x00", CreatedBy: "us", CreatedAt: t0}
		if err := tx.PutActor(a); !errors.Is(err, errBadText) {
			t.Errorf("tx.PutActor with NUL in the name: %v", err)
		}
		a.Name, a.Aliases = "A", []string{"ok", "b\xff"}
		if err := tx.PutActor(a); !errors.Is(err, errBadText) {
			t.Errorf("tx.PutActor with invalid UTF-8 in an alias: %v", err)
		}
		if err := tx.AddDesignation(truce.DesignationRecord{ActorID: "act_a", Party: "us", Designation: truce.DesignationExcluded, Note: "\x00", Member: "m", Time: t0}); !errors.Is(err, errBadText) {
			t.Errorf("tx.AddDesignation with NUL in the note: %v", err)
		}
		// The transaction is still good.
		a.Aliases = []string{"ok"}
		if err := tx.PutActor(a); err != nil {
			return err
		}
		return tx.AddDesignation(truce.DesignationRecord{ActorID: "act_a", Party: "us", Designation: truce.DesignationExcluded, Note: "n", Member: "m", Time: t0})
	})
	if err != nil {
		t.Fatalf("Append after rejected text: %v", err)
	}
	a, err := db.Actor(ctx, "act_a")
	if err != nil || a.Name != "A" || a.Designations["us"] != truce.DesignationExcluded {
		t.Errorf("Actor(act_a) = %+v, %v", a, err)
	}
}

// Cursors are any bytes a client sends; pages follow byte order whatever
// the cursor and the database's locale.
func TestActorsCursor(t *testing.T) {
	t.Parallel()
	db := mustOpen(t, pgtest.URL(t))
	ctx := t.Context()
	ids := []string{"act_a", "act_b", "act_Z", "act_é", "act_世", "act_~", "Act", "act_b0"}
	err := db.Append(ctx, func(tx store.AppendTx) error {
		for i, id := range ids {
			if err := tx.PutActor(truce.Actor{ID: id, Name: id, CreatedBy: "us", CreatedAt: t0, Entry: int64(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sorted := slices.Sorted(slices.Values(ids))
	for _, after := range []string{"", "act_a", "act_a\x00", "act_b\x00z", "act_\xc3", "act_\xc3\xa9\x00", "act_\xff", "act_b\x80", "\x00", "\xff", "act_\xe4\xb8"} {
		var want []string
		for _, id := range sorted {
			if id > after {
				want = append(want, id)
			}
		}
		for _, limit := range []int{-1, 2, 100} {
			page, err := db.Actors(ctx, store.Page{Limit: limit, After: after})
			if err != nil {
				t.Fatalf("Actors(after %q): %v", after, err)
			}
			var got []string
			for _, a := range page {
				got = append(got, a.ID)
			}
			w := want
			if limit >= 0 && len(w) > limit {
				w = w[:limit]
			}
			if !slices.Equal(got, w) {
				t.Errorf("Actors(limit %d, after %q) = %q, want %q", limit, after, got, w)
			}
		}
	}
}

// queryCounter counts the statements that name a table.
type queryCounter struct {
	table string
	n     atomic.Int64
}

func (c *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if strings.Contains(data.SQL, c.table) {
		c.n.Add(1)
	}
	return ctx
}

func (c *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// ReadHashes asks once however many hashes, dense or scattered.
func TestReadHashesOneQuery(t *testing.T) {
	t.Parallel()
	cfg, err := pgxpool.ParseConfig(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	c := &queryCounter{table: "journal_hashes"}
	cfg.ConnConfig.Tracer = c
	db, err := openConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := t.Context()
	for range 3 {
		if err := appendEntries(ctx, db, "us", 300); err != nil {
			t.Fatal(err)
		}
	}
	n := tlog.StoredHashCount(900)
	dense := make([]int64, 500)
	for i := range dense {
		dense[i] = int64(len(dense) - i) // backwards
	}
	scattered := []int64{n - 1, 0, 17, n / 2, 17, 1000, n - 1, 3}
	for _, q := range [][]int64{dense, scattered, {n / 3}} {
		c.n.Store(0)
		got, err := db.ReadHashes(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if c.n.Load() != 1 {
			t.Errorf("ReadHashes of %d hashes ran %d queries", len(q), c.n.Load())
		}
		for i, x := range q {
			one, err := db.ReadHashes(ctx, []int64{x})
			if err != nil || one[0] != got[i] {
				t.Fatalf("ReadHashes answer %d (index %d) differs from reading it alone (%v)", i, x, err)
			}
		}
	}
	_, err = db.ReadHashes(ctx, []int64{0, n + 5, 2})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ReadHashes beyond the end: %v, want store.ErrNotFound", err)
	}
	checkAppended(t, ctx, db, 900)
}

// Nodes starting together on a new schema migrate it once, one at a time.
func TestConcurrentOpen(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	const n = 6
	dbs := make([]*DB, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			db, err := Open(t.Context(), url)
			if err != nil {
				t.Errorf("Open %d: %v", i, err)
				return
			}
			dbs[i] = db
		})
	}
	wg.Wait()
	for _, db := range dbs {
		if db != nil {
			defer db.Close()
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	var applied int
	if err := dbs[0].pool.QueryRow(t.Context(), "SELECT count(*) FROM goose_db_version WHERE version_id = 1").Scan(&applied); err != nil || applied != 1 {
		t.Errorf("migration 1 applied %d times, %v", applied, err)
	}
	if err := appendEntries(t.Context(), dbs[n-1], "us", 1); err != nil {
		t.Fatal(err)
	}
	checkAppended(t, t.Context(), dbs[0], 1)
}

// Commits are durable even where the server or the URL turned
// synchronous_commit off; stricter settings stay.
func TestDurableCommits(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	for set, want := range map[string]string{"off": "on", "remote_apply": "remote_apply", "local": "local"} {
		db := mustOpen(t, url+"&synchronous_commit="+set)
		var got string
		if err := db.pool.QueryRow(t.Context(), "SHOW synchronous_commit").Scan(&got); err != nil || got != want {
			t.Errorf("synchronous_commit=%s in the URL: the pool has %q, %v; want %q", set, got, err, want)
		}
		db.Close()
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, url := range []string{
		"postgres://truce:s3cret-pw@127.0.0.1:1/none?sslmode=disable&connect_timeout=5",
		"postgres://truce:s3cret-pw@127.0.0.1:1/none?pool_max_conns=1",
		"postgres://truce:s3cret-pw@127.0.0.1:1/none?sslmode=bogus",
		"postgres://truce:s3cret-pw@[::1/none",
	} {
		db, err := Open(ctx, url)
		if err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", url)
			continue
		}
		if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("Open(%q) error shows the password: %v", url, err)
		}
	}
}

// An append the engine aborts as a serialization failure (CockroachDB, or
// SERIALIZABLE) runs again from the start; other errors end it at once.
func TestAppendRetry(t *testing.T) {
	t.Parallel()
	db := mustOpen(t, pgtest.URL(t))
	ctx := t.Context()
	var calls int
	err := db.Append(ctx, func(tx store.AppendTx) error {
		calls++
		if err := tx.PutActor(truce.Actor{ID: fmt.Sprint("act_", calls), Name: "A", CreatedBy: "us", CreatedAt: t0}); err != nil {
			return err
		}
		if calls == 1 {
			return fmt.Errorf("fold: %w", &pgconn.PgError{Code: codeSerializationFailure, Message: "could not serialize access"})
		}
		return nil
	})
	if err != nil || calls != 2 {
		t.Fatalf("Append after one serialization failure: %v after %d calls", err, calls)
	}
	if _, err := db.Actor(ctx, "act_1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the aborted attempt's actor: %v", err)
	}
	if _, err := db.Actor(ctx, "act_2"); err != nil {
		t.Errorf("the committed attempt's actor: %v", err)
	}

	calls = 0
	errFold := errors.New("fold failed")
	if err := db.Append(ctx, func(store.AppendTx) error { calls++; return errFold }); !errors.Is(err, errFold) || calls != 1 {
		t.Errorf("Append whose fn fails: %v after %d calls; want the fn's error after 1", err, calls)
	}
	calls = 0
	err = db.Append(ctx, func(store.AppendTx) error {
		calls++
		return &pgconn.PgError{Code: codeDeadlockDetected}
	})
	if pgCode(err) != codeDeadlockDetected || calls != appendAttempts {
		t.Errorf("Append that always deadlocks: %v after %d calls; want the error after %d", err, calls, appendAttempts)
	}
}
