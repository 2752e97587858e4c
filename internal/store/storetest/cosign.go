package storetest

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// cosignerKey makes a cosignature/v1 verifier key of name, as a party's
// verifier prints it: name+hash+base64 of type 0x04 and an Ed25519 key.
func cosignerKey(t testing.TB, name string) string {
	t.Helper()
	pub := make([]byte, 32)
	if _, err := crand.Read(pub); err != nil {
		t.Fatal(err)
	}
	raw := append([]byte{0x04}, pub...)
	h := sha256.Sum256(append([]byte(name+"\n"), raw...))
	return name + "+" + hex.EncodeToString(h[:4]) + "+" + base64.StdEncoding.EncodeToString(raw)
}

// cosignerOf is party's cosigner with a new key; putCosigner sets the rest.
func cosignerOf(t testing.TB, party string) truce.Cosigner {
	return truce.Cosigner{Party: party, Key: cosignerKey(t, party+"-verifier")}
}

// cosignatureOf is party's cosignature of the checkpoint of size, the n-th
// of a run (n changes its time and signature).
func cosignatureOf(t testing.TB, party string, size int64, n int) truce.Cosignature {
	t.Helper()
	name := party + "-verifier"
	sig := make([]byte, 4+8+64)
	if _, err := crand.Read(sig); err != nil {
		t.Fatal(err)
	}
	at := t0.Truncate(time.Second).Add(time.Duration(size)*time.Minute + time.Duration(n)*time.Second)
	binary.BigEndian.PutUint64(sig[4:12], uint64(at.Unix()))
	return truce.Cosignature{Party: party, Size: size, Time: at,
		Line: "— " + name + " " + base64.StdEncoding.EncodeToString(sig) + "\n", Key: cosignerKey(t, name)}
}

// putCosigner appends a cosigner.set entry by c.Party and writes c, as the
// office's fold does.
func (m *model) putCosigner(t testing.TB, tx store.AppendTx, c truce.Cosigner) (truce.Cosigner, error) {
	r, hs := m.add(t, c.Party, truce.KindCosignerSet, c.Party, map[string]any{"key": c.Key})
	if err := tx.PutEntries([]store.EntryRow{r}, hs); err != nil {
		return c, err
	}
	c.SetBy, c.UpdatedAt, c.Entry = r.Entry.Member, r.Entry.Time, r.Index
	if err := tx.PutCosigner(c); err != nil {
		return c, err
	}
	m.cosigners[c.Party] = c
	return c, nil
}

func (su *suite) cosign(t *testing.T) {
	setup := func(t *testing.T) (context.Context, store.Store, *model) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		return ctx, s, m
	}

	t.Run("Cosigners", func(t *testing.T) {
		ctx, s, m := setup(t)
		if got, err := s.Cosigners(ctx); err != nil || len(got) != 0 {
			t.Errorf("Cosigners of a new store = %+v, %v; want none", got, err)
		}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			_, err := tx.GetCosigner("us")
			wantNotFound(t, err, "tx.GetCosigner(us) before any")
			for _, p := range []string{"us", "ru"} {
				want, err := c.putCosigner(t, tx, cosignerOf(t, p))
				if err != nil {
					return err
				}
				// The transaction reads its own write.
				if got, err := tx.GetCosigner(p); err != nil || !cmp.Equal(want, got, strictOpts) {
					t.Errorf("tx.GetCosigner(%q) = %+v, %v; want %+v", p, got, err, want)
				}
			}
			return nil
		})
		want := []truce.Cosigner{m.cosigners["ru"], m.cosigners["us"]}
		if got, err := s.Cosigners(ctx); err != nil {
			t.Errorf("Cosigners: %v", err)
		} else if diff := cmp.Diff(want, got, strictOpts); diff != "" {
			t.Errorf("Cosigners (-want +got):\n%s", diff)
		}
		checkJournal(t, ctx, s, m)
		checkOffice(t, ctx, s, m)

		// A second cosigner.set replaces the party's cosigner whole.
		old := m.cosigners["us"]
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			_, err := c.putCosigner(t, tx, cosignerOf(t, "us"))
			return err
		})
		if now := m.cosigners["us"]; now.Key == old.Key || now.Entry == old.Entry {
			t.Fatalf("model: the new cosigner %+v is the old one %+v", now, old)
		}
		want = []truce.Cosigner{m.cosigners["ru"], m.cosigners["us"]}
		if got, err := s.Cosigners(ctx); err != nil {
			t.Errorf("Cosigners after a replace: %v", err)
		} else if diff := cmp.Diff(want, got, strictOpts); diff != "" {
			t.Errorf("Cosigners after a replace (-want +got):\n%s", diff)
		}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			if got, err := tx.GetCosigner("us"); err != nil || !cmp.Equal(m.cosigners["us"], got, strictOpts) {
				t.Errorf("tx.GetCosigner(us) after a replace = %+v, %v; want %+v", got, err, m.cosigners["us"])
			}
			_, err := tx.GetCosigner("un")
			wantNotFound(t, err, "tx.GetCosigner(un), which set none")
			_, err = tx.GetCosigner("xx")
			wantNotFound(t, err, "tx.GetCosigner(xx), no party")
			return c.putBatch(t, tx, 1, "un")
		})
		checkJournal(t, ctx, s, m)
		checkOffice(t, ctx, s, m)
	})

	// A cosigner written by an append that fails is gone with it, a
	// replaced one's old value back.
	t.Run("Rollback", func(t *testing.T) {
		ctx, s, m := setup(t)
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			_, err := c.putCosigner(t, tx, cosignerOf(t, "us"))
			return err
		})
		errBoom := errors.New("boom")
		err := s.Append(ctx, func(tx store.AppendTx) error {
			c := m.clone()
			if _, err := c.putCosigner(t, tx, cosignerOf(t, "us")); err != nil {
				return err
			}
			if _, err := c.putCosigner(t, tx, cosignerOf(t, "ru")); err != nil {
				return err
			}
			return fmt.Errorf("fold: %w", errBoom)
		})
		if !errors.Is(err, errBoom) {
			t.Errorf("Append whose fn failed = %v, want the fn's error", err)
		}
		if got, err := s.Cosigners(ctx); err != nil || !cmp.Equal([]truce.Cosigner{m.cosigners["us"]}, got, strictOpts) {
			t.Errorf("Cosigners after a rolled back append = %+v, %v; want %+v", got, err, m.cosigners["us"])
		}
		checkJournal(t, ctx, s, m)
		checkOffice(t, ctx, s, m)
	})

	t.Run("CheckpointAt", func(t *testing.T) {
		ctx, s, m := setup(t)
		_, err := s.CheckpointAt(ctx, 0)
		wantNotFound(t, err, "CheckpointAt(0) on a new store")
		for _, n := range []int{3, 2, 4} {
			mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
				return c.putBatch(t, tx, n, "us", "ru")
			})
		}
		// Entries with no checkpoint of their own: size 10 is never signed.
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			rows, hashes := c.batch(t, 1, "un")
			return tx.PutEntries(rows, hashes)
		})
		if len(m.checkpoints) != 3 {
			t.Fatalf("model holds %d checkpoints, want 3", len(m.checkpoints))
		}
		for _, cp := range m.checkpoints {
			got, err := s.CheckpointAt(ctx, cp.Size)
			if err != nil || !bytes.Equal(got, cp.Note) {
				t.Errorf("CheckpointAt(%d) = %q, %v; want %q", cp.Size, got, err, cp.Note)
			}
		}
		for _, size := range []int64{-1, 0, 1, 4, 6, 8, 10, 11, 1 << 40} {
			got, err := s.CheckpointAt(ctx, size)
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("CheckpointAt(%d) = %q, %v; want store.ErrNotFound", size, got, err)
			}
		}
		checkJournal(t, ctx, s, m)
	})

	t.Run("Cosignatures", func(t *testing.T) {
		ctx, s, m := setup(t)
		for _, n := range []int{3, 2, 2} {
			mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
				return c.putBatch(t, tx, n, "us", "ru")
			})
		}
		if got, err := s.Cosignatures(ctx, 3); err != nil || len(got) != 0 {
			t.Errorf("Cosignatures(3) before any = %+v, %v; want none", got, err)
		}
		if got, err := s.LatestCosignatures(ctx); err != nil || len(got) != 0 {
			t.Errorf("LatestCosignatures before any = %+v, %v; want none", got, err)
		}
		if err := s.EachCosignature(ctx, func(c truce.Cosignature) error { return fmt.Errorf("called with %+v", c) }); err != nil {
			t.Errorf("EachCosignature before any: %v", err)
		}

		// Added out of order: ru's cosignature of 3 comes after its
		// cosignature of 5, so the latest is the largest, not the last.
		us3, un3, ru5, ru3, un5, us7 := cosignatureOf(t, "us", 3, 0), cosignatureOf(t, "un", 3, 0),
			cosignatureOf(t, "ru", 5, 0), cosignatureOf(t, "ru", 3, 0), cosignatureOf(t, "un", 5, 0), cosignatureOf(t, "us", 7, 0)
		for _, c := range []truce.Cosignature{us3, un3, ru5, ru3, un5, us7} {
			if err := s.AddCosignature(ctx, c); err != nil {
				t.Fatalf("AddCosignature(%s, %d): %v", c.Party, c.Size, err)
			}
		}
		check := func(when string) {
			t.Helper()
			for size, want := range map[int64][]truce.Cosignature{
				3: {ru3, un3, us3}, 5: {ru5, un5}, 7: {us7}, 4: nil, 0: nil, 8: nil,
			} {
				got, err := s.Cosignatures(ctx, size)
				if err != nil {
					t.Errorf("Cosignatures(%d) %s: %v", size, when, err)
				} else if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
					t.Errorf("Cosignatures(%d) %s (-want +got):\n%s", size, when, diff)
				}
			}
			got, err := s.LatestCosignatures(ctx)
			if err != nil {
				t.Errorf("LatestCosignatures %s: %v", when, err)
			} else if diff := cmp.Diff([]truce.Cosignature{ru5, un5, us7}, got, strictOpts); diff != "" {
				t.Errorf("LatestCosignatures %s (-want +got):\n%s", when, diff)
			}
			var each []truce.Cosignature
			if err := s.EachCosignature(ctx, func(c truce.Cosignature) error { each = append(each, c); return nil }); err != nil {
				t.Errorf("EachCosignature %s: %v", when, err)
			} else if diff := cmp.Diff([]truce.Cosignature{ru3, un3, us3, ru5, un5, us7}, each, strictOpts); diff != "" {
				t.Errorf("EachCosignature %s (-want +got):\n%s", when, diff)
			}
		}
		check("after the first of each")

		// A second cosignature by the same party of the same size is
		// ignored, whatever it says: the first is kept.
		for _, first := range []truce.Cosignature{us3, ru5, us7} {
			again := cosignatureOf(t, first.Party, first.Size, 1)
			if again.Line == first.Line || again.Key == first.Key || again.Time.Equal(first.Time) {
				t.Fatalf("the repeat %+v does not differ from the first %+v", again, first)
			}
			if err := s.AddCosignature(ctx, again); err != nil {
				t.Errorf("AddCosignature(%s, %d) again: %v, want nil", again.Party, again.Size, err)
			}
		}
		check("after repeats")

		// Cosignatures are no part of the journal or its projection.
		checkJournal(t, ctx, s, m)
		checkOffice(t, ctx, s, m)
	})
}
