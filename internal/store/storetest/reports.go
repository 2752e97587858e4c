package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// reportOf is a report of owner with the given handling, sealed.
func reportOf(id, owner, author string, h truce.Handling, to ...string) truce.Report {
	r := truce.Report{ID: id, Owner: owner, Status: truce.ReportDraft, ReportContent: truce.ReportContent{
		Text: "text of " + id + " (illustrative)\nsecond line", Subjects: []string{"act_a"}, Reliability: "B", Credibility: 2,
		Handling: h, To: to, Geometry: json.RawMessage(`{"type":"Point","coordinates":[1,2]}`),
	}, Salt: "00112233445566778899aabbccddeeff", CreatedBy: author, CreatedAt: t0, UpdatedAt: t0.Add(micro)}
	if r.To == nil {
		r.To = []string{}
	}
	r.Hash = r.SealedHash(r.Salt)
	return r
}

// putReport appends a report.release entry for r and writes its record.
func (m *model) putReport(t testing.TB, tx store.AppendTx, r truce.Report) (truce.ReportRecord, error) {
	row, hs := m.add(t, r.Owner, truce.KindReportRelease, r.ID, map[string]any{"hash": r.Hash})
	if err := tx.PutEntries([]store.EntryRow{row}, hs); err != nil {
		return truce.ReportRecord{}, err
	}
	rec := truce.ReportRecord{ID: r.ID, Owner: r.Owner, Hash: r.Hash, ReleasedAt: row.Entry.Time, UpdatedAt: row.Entry.Time, Entry: row.Index}
	return rec, tx.PutReport(rec)
}

// released is r as Report reads it back once rec holds.
func released(r truce.Report, rec truce.ReportRecord) truce.Report {
	at := rec.ReleasedAt
	r.Status, r.Hash, r.ReleasedAt, r.UpdatedAt, r.Entry = truce.ReportReleased, rec.Hash, &at, rec.UpdatedAt, rec.Entry
	return r
}

func reportIDs(rs []truce.Report) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// allReports pages through Reports(v) limit items at a time.
func allReports(t *testing.T, ctx context.Context, s store.Store, v store.ReportReader, limit int) []truce.Report {
	t.Helper()
	var out []truce.Report
	after := ""
	for range 1000 {
		page, err := s.Reports(ctx, v, store.Page{Limit: limit, After: after})
		if err != nil {
			t.Fatalf("Reports(%+v): %v", v, err)
		}
		out = append(out, page...)
		if len(page) < limit {
			return out
		}
		after = page[len(page)-1].ID
	}
	t.Fatal("Reports does not end")
	return nil
}

func (su *suite) reports(t *testing.T) {
	setup := func(t *testing.T) (context.Context, store.Store, *model) {
		ctx, s := su.fresh(t)
		m := newModel(t)
		setupParties(t, ctx, s, m)
		return ctx, s, m
	}

	t.Run("RoundTrip", func(t *testing.T) {
		ctx, s, m := setup(t)
		r := reportOf("rep_a", "us", "us-analyst", truce.TLPRed, "ru")
		_, err := s.Report(ctx, r.ID)
		wantNotFound(t, err, "Report(rep_a) on a new store")
		if err := s.PutReportContent(ctx, r); err != nil {
			t.Fatalf("PutReportContent: %v", err)
		}
		if err := s.PutReportContent(ctx, r); err != nil {
			t.Errorf("PutReportContent again, the same: %v", err)
		}
		other := r
		other.Owner = "ru"
		other.Hash = other.SealedHash(other.Salt + "x")
		wantExists(t, s.PutReportContent(ctx, other), "PutReportContent of another party's id")
		got, err := s.ReportContent(ctx, r.ID, r.Hash)
		if err != nil {
			t.Fatalf("ReportContent: %v", err)
		} else if diff := cmp.Diff(r, got, strictOpts); diff != "" {
			t.Errorf("ReportContent (-want +got):\n%s", diff)
		}
		_, err = s.ReportContent(ctx, r.ID, other.Hash)
		wantNotFound(t, err, "ReportContent of a hash never stored")
		// Stored content alone is no released report.
		_, err = s.Report(ctx, r.ID)
		wantNotFound(t, err, "Report(rep_a) before its record")

		var rec truce.ReportRecord
		var rfi truce.RFIRecord
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			_, err := tx.GetReport(r.ID)
			wantNotFound(t, err, "tx.GetReport before PutReport")
			if rec, err = c.putReport(t, tx, r); err != nil {
				return err
			}
			if got, err := tx.GetReport(r.ID); err != nil || !cmp.Equal(rec, got, strictOpts) {
				t.Errorf("tx.GetReport = %+v, %v; want %+v", got, err, rec)
			}
			row, hs := c.add(t, "ru", truce.KindRFICreate, "rfi_a", map[string]any{"to": "us"})
			if err := tx.PutEntries([]store.EntryRow{row}, hs); err != nil {
				return err
			}
			rfi = truce.RFIRecord{ID: "rfi_a", From: "ru", To: "us", Due: t0.Add(time.Hour), Hash: r.Hash, Status: truce.RFIOpen,
				ReportID: nil, CreatedBy: "ru-analyst", CreatedAt: t0, UpdatedAt: t0, Entry: row.Index}
			if err := tx.PutRFI(rfi); err != nil {
				return err
			}
			got, err := tx.GetRFI("rfi_a")
			if err != nil || !cmp.Equal(rfi, got, strictOpts) {
				t.Errorf("tx.GetRFI = %+v, %v; want %+v", got, err, rfi)
			}
			return nil
		})
		got, err = s.Report(ctx, r.ID)
		if err != nil {
			t.Fatalf("Report: %v", err)
		} else if diff := cmp.Diff(released(r, rec), got, strictOpts); diff != "" {
			t.Errorf("Report (-want +got):\n%s", diff)
		}
		snap, err := s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]truce.ReportRecord{rec}, snap.Reports, strictOpts); diff != "" {
			t.Errorf("Snapshot reports (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]truce.RFIRecord{rfi}, snap.RFIs, strictOpts); diff != "" {
			t.Errorf("Snapshot rfis (-want +got):\n%s", diff)
		}
		if got, err := s.RFI(ctx, "rfi_a"); err != nil || !cmp.Equal(rfi, got, strictOpts) {
			t.Errorf("RFI = %+v, %v", got, err)
		}
		_, err = s.RFI(ctx, "rfi_x")
		wantNotFound(t, err, "RFI(rfi_x)")

		// A handling change stores a new version and moves the record
		// to it; the old version stays.
		wider := r
		wider.Handling, wider.To = truce.TLPAmber, []string{"ru", "un"}
		wider.Hash = wider.SealedHash(wider.Salt)
		if err := s.PutReportContent(ctx, wider); err != nil {
			t.Fatal(err)
		}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			row, hs := c.add(t, "us", truce.KindReportHandling, r.ID, map[string]any{"hash": wider.Hash})
			if err := tx.PutEntries([]store.EntryRow{row}, hs); err != nil {
				return err
			}
			rec.Hash, rec.UpdatedAt, rec.Entry, rec.Changes = wider.Hash, row.Entry.Time, row.Index, 1
			return tx.PutReport(rec)
		})
		if got, err := s.Report(ctx, r.ID); err != nil || got.Handling != truce.TLPAmber || got.Hash != wider.Hash || got.Entry != rec.Entry {
			t.Errorf("Report after the change = %+v, %v", got, err)
		}
		if _, err := s.ReportContent(ctx, r.ID, r.Hash); err != nil {
			t.Errorf("the first version is gone: %v", err)
		}

		// A rolled-back append leaves no record.
		err = s.Append(ctx, func(tx store.AppendTx) error {
			if err := tx.PutReport(truce.ReportRecord{ID: "rep_z", Owner: "us", Hash: r.Hash}); err != nil {
				return err
			}
			return errors.New("roll back")
		})
		if err == nil {
			t.Fatal("Append returned nil for a failing fn")
		}
		_, err = s.Report(ctx, "rep_z")
		wantNotFound(t, err, "Report of a rolled-back record")
	})

	// Reports filters by the handling rule in the query, pages by id, and
	// agrees with truce.Report.CanRead for every reader.
	t.Run("Visibility", func(t *testing.T) {
		ctx, s, m := setup(t)
		rng := rand.New(rand.NewPCG(5, 11))
		parties := []string{"us", "ru", "un"}
		// Content is stored before the append that releases it, as the
		// service does.
		var drafts []truce.Report
		for i := range 60 {
			owner := parties[rng.IntN(3)]
			var to []string
			for _, p := range parties {
				if p != owner && rng.IntN(2) == 0 {
					to = append(to, p)
				}
			}
			h := truce.Handlings[rng.IntN(len(truce.Handlings))]
			if h == truce.TLPRed && len(to) == 0 {
				h = truce.TLPAmber
			}
			author := owner + "-analyst"
			if rng.IntN(2) == 0 {
				author = owner + "-official"
			}
			r := reportOf(fmt.Sprintf("rep_%03d", (i*37)%60), owner, author, h, to...)
			if err := s.PutReportContent(ctx, r); err != nil {
				t.Fatal(err)
			}
			drafts = append(drafts, r)
		}
		var all []truce.Report
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for _, r := range drafts {
				rec, err := c.putReport(t, tx, r)
				if err != nil {
					return err
				}
				all = append(all, released(r, rec))
			}
			return nil
		})
		slices.SortFunc(all, func(a, b truce.Report) int { return strings.Compare(a.ID, b.ID) })
		if got := allReports(t, ctx, s, store.ReportReader{All: true}, 7); !slices.Equal(reportIDs(got), reportIDs(all)) {
			t.Errorf("Reports(All) = %v, want %v", reportIDs(got), reportIDs(all))
		}
		for _, p := range append(parties, "") {
			for _, official := range []bool{false, true} {
				for _, user := range []string{p + "-analyst", p + "-official", p + "-observer"} {
					v := truce.Reader{Party: p, Official: official, Username: user}
					var want []truce.Report
					for _, r := range all {
						if r.CanRead(v) {
							want = append(want, r)
						}
					}
					got := allReports(t, ctx, s, store.ReportReader{Reader: v}, 4)
					if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
						t.Errorf("Reports(%+v) (-want +got):\n%s", v, diff)
					}
				}
			}
		}
	})

	t.Run("Drafts", func(t *testing.T) {
		ctx, s, m := setup(t)
		a, b := reportOf("rep_a", "us", "us-analyst", truce.TLPGreen), reportOf("rep_b", "us", "us-analyst", truce.TLPRed, "ru")
		for _, r := range []truce.Report{a, b} {
			if err := s.PutReportDraft(ctx, r); err != nil {
				t.Fatalf("PutReportDraft(%s): %v", r.ID, err)
			}
		}
		theirs := reportOf("rep_a", "ru", "ru-analyst", truce.TLPGreen)
		wantExists(t, s.PutReportDraft(ctx, theirs), "PutReportDraft over another party's draft")
		if got, err := s.ReportDraft(ctx, "us", "rep_a"); err != nil || !cmp.Equal(a, got, strictOpts) {
			t.Errorf("ReportDraft(us, rep_a) = %+v, %v", got, err)
		}
		_, err := s.ReportDraft(ctx, "ru", "rep_a")
		wantNotFound(t, err, "ReportDraft(ru, rep_a) of us's draft")
		wantNotFound(t, s.DeleteReportDraft(ctx, "ru", "rep_a"), "DeleteReportDraft by another party")
		if got, err := s.ReportDrafts(ctx, truce.Reader{Party: "ru", Official: true, Username: "ru-official"}, store.Page{Limit: 10}); err != nil || len(got) != 0 {
			t.Errorf("ReportDrafts(ru) = %v, %v", reportIDs(got), err)
		}
		// The TLP:RED draft is its author's and its party's officials', as
		// a released one is; a page of one still finds the next.
		for _, c := range []struct {
			v    truce.Reader
			want []string
		}{
			{truce.Reader{Party: "us", Official: true, Username: "us-official"}, []string{"rep_a", "rep_b"}},
			{truce.Reader{Party: "us", Username: "us-analyst"}, []string{"rep_a", "rep_b"}},
			{truce.Reader{Party: "us", Username: "us-observer"}, []string{"rep_a"}},
		} {
			var ids []string
			page := store.Page{Limit: 1}
			for range 5 {
				got, err := s.ReportDrafts(ctx, c.v, page)
				if err != nil {
					t.Fatalf("ReportDrafts(%+v): %v", c.v, err)
				}
				if len(got) == 0 {
					break
				}
				ids = append(ids, reportIDs(got)...)
				page.After = got[len(got)-1].ID
			}
			if !slices.Equal(ids, c.want) {
				t.Errorf("ReportDrafts(%+v) = %v, want %v", c.v, ids, c.want)
			}
		}
		// Released, a draft is no longer listed or read as one.
		if err := s.PutReportContent(ctx, b); err != nil {
			t.Fatal(err)
		}
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			_, err := c.putReport(t, tx, b)
			return err
		})
		got, err := s.ReportDrafts(ctx, truce.Reader{Party: "us", Official: true, Username: "us-official"}, store.Page{Limit: 10})
		if err != nil || !slices.Equal(reportIDs(got), []string{"rep_a"}) {
			t.Errorf("ReportDrafts(us) = %v, %v; want [rep_a]", reportIDs(got), err)
		}
		_, err = s.ReportDraft(ctx, "us", "rep_b")
		wantNotFound(t, err, "ReportDraft of a released report")
		if err := s.DeleteReportDraft(ctx, "us", "rep_a"); err != nil {
			t.Errorf("DeleteReportDraft: %v", err)
		}
		_, err = s.ReportDraft(ctx, "us", "rep_a")
		wantNotFound(t, err, "ReportDraft after delete")
	})

	// Each party's HQ changes are numbered 1, 2, 3, … per party, also
	// when added concurrently, and read back in order after a number.
	t.Run("HQEvents", func(t *testing.T) {
		ctx, s, _ := setup(t)
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 20 {
			for _, party := range []string{"us", "ru"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := s.AddHQEvent(ctx, truce.HQEvent{Party: party, Kind: truce.HQZoneDraft, Subject: fmt.Sprintf("zone_%02d", i),
						Member: party + "-analyst", Time: t0.Add(time.Duration(i) * micro)})
					errs <- err
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("AddHQEvent: %v", err)
			}
		}
		for _, party := range []string{"us", "ru"} {
			var seqs []int64
			after := int64(0)
			for {
				evs, err := s.HQEvents(ctx, party, after, 7)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range evs {
					if e.Party != party || e.Member != party+"-analyst" || e.Kind != truce.HQZoneDraft {
						t.Errorf("HQEvents(%s): %+v", party, e)
					}
					seqs = append(seqs, e.Seq)
				}
				if len(evs) < 7 {
					break
				}
				after = evs[len(evs)-1].Seq
			}
			want := make([]int64, 20)
			for i := range want {
				want[i] = int64(i + 1)
			}
			if !slices.Equal(seqs, want) {
				t.Errorf("HQEvents(%s) numbers %v, want 1 to 20", party, seqs)
			}
		}
		if evs, err := s.HQEvents(ctx, "un", 0, 10); err != nil || len(evs) != 0 {
			t.Errorf("HQEvents(un) = %v, %v", evs, err)
		}
		seq, err := s.AddHQEvent(ctx, truce.HQEvent{Party: "un", Kind: truce.HQProbe, Subject: "probe_a", Member: "ru-planner", Time: t0})
		if err != nil || seq != 1 {
			t.Errorf("first HQ event of un: %d, %v", seq, err)
		}
		evs, err := s.HQEvents(ctx, "un", 0, 10)
		if err != nil || len(evs) != 1 || !evs[0].Time.Equal(t0) || evs[0].Subject != "probe_a" {
			t.Errorf("HQEvents(un) = %+v, %v", evs, err)
		}
	})

	t.Run("SealedAndRFIs", func(t *testing.T) {
		ctx, s, m := setup(t)
		h := truce.SealHash("salt", "q")
		if err := s.PutSealed(ctx, "rfi_a", h, []byte(`{"question":"q"}`)); err != nil {
			t.Fatal(err)
		}
		if err := s.PutSealed(ctx, "rfi_a", h, []byte(`{"question":"q"}`)); err != nil {
			t.Errorf("PutSealed again: %v", err)
		}
		if doc, err := s.Sealed(ctx, "rfi_a", h); err != nil || string(doc) != `{"question":"q"}` {
			t.Errorf("Sealed = %s, %v", doc, err)
		}
		_, err := s.Sealed(ctx, "rfi_a", truce.SealHash("salt", "other"))
		wantNotFound(t, err, "Sealed of another hash")
		mustAppend(t, ctx, s, m, func(tx store.AppendTx, c *model) error {
			for i, pair := range [][2]string{{"ru", "us"}, {"us", "ru"}, {"un", "ru"}, {"un", "us"}} {
				row, hs := c.add(t, pair[0], truce.KindRFICreate, fmt.Sprintf("rfi_%d", i), map[string]any{})
				if err := tx.PutEntries([]store.EntryRow{row}, hs); err != nil {
					return err
				}
				if err := tx.PutRFI(truce.RFIRecord{ID: fmt.Sprintf("rfi_%d", i), From: pair[0], To: pair[1], Hash: h,
					Status: truce.RFIOpen, Due: t0, CreatedAt: t0, UpdatedAt: t0, Entry: row.Index}); err != nil {
					return err
				}
			}
			return nil
		})
		for party, want := range map[string][]string{"us": {"rfi_0", "rfi_1", "rfi_3"}, "ru": {"rfi_0", "rfi_1", "rfi_2"}, "un": {"rfi_2", "rfi_3"}, "xx": nil} {
			var got []string
			after := ""
			for {
				page, err := s.RFIs(ctx, party, store.Page{Limit: 2, After: after})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range page {
					got = append(got, r.ID)
				}
				if len(page) < 2 {
					break
				}
				after = page[len(page)-1].ID
			}
			if !slices.Equal(got, want) {
				t.Errorf("RFIs(%s) = %v, want %v", party, got, want)
			}
		}
	})
}
