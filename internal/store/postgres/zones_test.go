package postgres

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/store/postgres/pgtest"
)

// Secrets the test plants, to be found in their own columns only.
const (
	secretSalt = "SALT-d41d8cd98f00b204e9800998ecf8427e"
	secretSeed = "SEED-e3b0c44298fc1c149afbf4c8996fb924"
)

// Each item's doc is its encoding/json form, byte for byte (bytea, where
// jsonb would reorder it), and the secrets that form leaves out are in
// their own columns only.
func TestDocs(t *testing.T) {
	t.Parallel()
	db := mustOpen(t, pgtest.URL(t))
	ctx := t.Context()
	until := t0.Add(time.Hour)
	geo := json.RawMessage(`{"type":"Point","coordinates":[30.5,50.25]}`)
	zone := truce.Zone{ID: "zon_a", Owner: "us", Status: truce.ZoneProposed, Version: 1,
		ZoneContent: truce.ZoneContent{Name: `A "zone" <b>&`, Category: truce.CategoryCivilian, ValidFrom: t0, ValidUntil: &until, Geometry: geo},
		Versions:    []truce.ZoneVersion{{Version: 1, Hash: "sha256:00", ReleasedAt: t0, Entry: 1, Status: truce.ZoneProposed}},
		CreatedBy:   "us-official", CreatedAt: t0, UpdatedAt: t0, BBox: [4]float64{30, 50, 31, 51}, Entry: 1}
	notice := truce.Notice{ID: "not_a", Check: truce.Check{Geometry: geo, From: t0}, Activity: "convoy",
		Deconfliction: truce.Deconfliction{Result: truce.ResultClear}, Party: "ru", Member: "ru-planner", Time: t0, Entry: 2}
	commitment := truce.SiteCommitment{ID: "com_a", Party: "us", Root: "sha256:11", Leaves: 4, Time: t0, Entry: 3}
	draft := zone
	draft.ID, draft.Status, draft.Version, draft.Versions, draft.Entry = "zon_d", truce.ZoneDraft, 0, nil, 0
	site := truce.Site{ID: "sit_a", ZoneID: "zon_d", Party: "us", Geometry: geo, RadiusM: 10, Label: "a",
		Salt: secretSalt, CreatedBy: "us-official", CreatedAt: t0}
	set := truce.SiteSet{Commitment: "com_a", Party: "us", Entry: 3, Seed: secretSeed, Sites: []string{"sit_a"}, Time: t0}
	probe := truce.Probe{ID: "prb_a", Owner: "us", SiteID: "sit_a", ZoneID: "zon_d", Party: "ru", Member: "ru-planner",
		Kind: "check", Geometry: geo, From: t0, Time: t0}
	err := db.Append(ctx, func(tx store.AppendTx) error {
		if err := tx.PutZone(zone); err != nil {
			return err
		}
		if err := tx.PutNotice(notice); err != nil {
			return err
		}
		return tx.PutSiteCommitment(commitment)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		db.PutDraft(ctx, draft), db.CreateSite(ctx, site), db.PutSiteSet(ctx, set), db.AddProbe(ctx, probe),
		db.SetSiteRevealed(ctx, "us", "sit_a", 9),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	site.Revealed = 9
	for table, item := range map[string]any{"zones": zone, "notices": notice, "site_commitments": commitment,
		"zone_drafts": draft, "sites": site, "site_sets": set, "probes": probe} {
		want, err := json.Marshal(item)
		if err != nil {
			t.Fatal(err)
		}
		var doc []byte
		if err := db.pool.QueryRow(ctx, "SELECT doc FROM "+table).Scan(&doc); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if !bytes.Equal(doc, want) {
			t.Errorf("%s doc = %s, want %s", table, doc, want)
		}
		for _, secret := range []string{secretSalt, secretSeed} {
			if bytes.Contains(doc, []byte(secret)) {
				t.Errorf("%s doc holds a secret: %s", table, doc)
			}
		}
	}
	var salt, seed string
	if err := db.pool.QueryRow(ctx, "SELECT (SELECT salt FROM sites), (SELECT seed FROM site_sets)").Scan(&salt, &seed); err != nil {
		t.Fatal(err)
	}
	if salt != secretSalt || seed != secretSeed {
		t.Errorf("stored salt %q and seed %q, want %q and %q", salt, seed, secretSalt, secretSeed)
	}
}

// Zones, notices and HQ items: text PostgreSQL cannot hold is refused
// before it is sent (an append goes on), and reads by such a key find
// nothing.
func TestZoneText(t *testing.T) {
	t.Parallel()
	db := mustOpen(t, pgtest.URL(t))
	ctx := t.Context()
	zone := func(id, owner string) truce.Zone {
		return truce.Zone{ID: id, Owner: owner, Status: truce.ZoneProposed, CreatedAt: t0, UpdatedAt: t0}
	}
	for _, bad := range []string{"a\x00b", "a\xffb"} {
		for name, err := range map[string]error{
			"PutDraft id":        db.PutDraft(ctx, zone(bad, "us")),
			"PutDraft owner":     db.PutDraft(ctx, zone("zon_a", bad)),
			"CreateSite salt":    db.CreateSite(ctx, truce.Site{ID: "sit_a", Party: "us", ZoneID: "zon_a", Salt: bad}),
			"CreateSite zone_id": db.CreateSite(ctx, truce.Site{ID: "sit_a", Party: "us", ZoneID: bad}),
			"PutSiteSet seed":    db.PutSiteSet(ctx, truce.SiteSet{Commitment: "com_a", Party: "us", Seed: bad}),
			"AddProbe owner":     db.AddProbe(ctx, truce.Probe{ID: "prb_a", Owner: bad}),
		} {
			if !errors.Is(err, errBadText) {
				t.Errorf("%s with %q: err = %v, want errBadText", name, bad, err)
			}
		}
		for name, err := range map[string]error{
			"Zone":            func() error { _, err := db.Zone(ctx, bad); return err }(),
			"Notice":          func() error { _, err := db.Notice(ctx, bad); return err }(),
			"Draft":           func() error { _, err := db.Draft(ctx, "us", bad); return err }(),
			"Draft owner":     func() error { _, err := db.Draft(ctx, bad, "zon_a"); return err }(),
			"DeleteDraft":     db.DeleteDraft(ctx, bad, "zon_a"),
			"Site":            func() error { _, err := db.Site(ctx, "us", bad); return err }(),
			"SetSiteRevealed": db.SetSiteRevealed(ctx, bad, "sit_a", 1),
			"Probe":           func() error { _, err := db.Probe(ctx, bad, "prb_a"); return err }(),
		} {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s(%q): err = %v, want store.ErrNotFound", name, bad, err)
			}
		}
		f := store.ZoneFilter{Owner: bad, Status: truce.ZoneStatus(bad)}
		if zs, err := db.Zones(ctx, f, store.Page{Limit: 10, After: bad}); err != nil || len(zs) != 0 {
			t.Errorf("Zones(%+v) = %v, %v; want none", f, zs, err)
		}
		if ns, err := db.Notices(ctx, store.NoticeFilter{Party: bad}, store.Page{Limit: 10, After: bad}); err != nil || len(ns) != 0 {
			t.Errorf("Notices(party %q) = %v, %v; want none", bad, ns, err)
		}
		if zs, err := db.Drafts(ctx, bad, store.ZoneFilter{}, store.Page{Limit: 10}); err != nil || len(zs) != 0 {
			t.Errorf("Drafts(%q) = %v, %v; want none", bad, zs, err)
		}
		if ss, err := db.Sites(ctx, "us", bad); err != nil || len(ss) != 0 {
			t.Errorf("Sites(us, %q) = %v, %v; want none", bad, ss, err)
		}
		if ss, err := db.SiteSets(ctx, bad); err != nil || len(ss) != 0 {
			t.Errorf("SiteSets(%q) = %v, %v; want none", bad, ss, err)
		}
		if ps, err := db.Probes(ctx, bad, store.Page{Limit: 10}); err != nil || len(ps) != 0 {
			t.Errorf("Probes(%q) = %v, %v; want none", bad, ps, err)
		}
	}

	err := db.Append(ctx, func(tx store.AppendTx) error {
		if _, err := tx.GetZone("zon\x00"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("tx.GetZone with NUL: %v", err)
		}
		if err := tx.PutZone(zone("zon_a", "u\x00s")); !errors.Is(err, errBadText) {
			t.Errorf("tx.PutZone with NUL in the owner: %v", err)
		}
		if err := tx.PutNotice(truce.Notice{ID: "not\xff", Party: "us"}); !errors.Is(err, errBadText) {
			t.Errorf("tx.PutNotice with invalid UTF-8 in the id: %v", err)
		}
		if err := tx.PutSiteCommitment(truce.SiteCommitment{ID: "com_a", Party: "\x00", Entry: 1}); !errors.Is(err, errBadText) {
			t.Errorf("tx.PutSiteCommitment with NUL in the party: %v", err)
		}
		// The transaction is still good.
		if err := tx.PutZone(zone("zon_a", "us")); err != nil {
			return err
		}
		if err := tx.PutNotice(truce.Notice{ID: "not_a", Party: "us"}); err != nil {
			return err
		}
		return tx.PutSiteCommitment(truce.SiteCommitment{ID: "com_a", Party: "us", Entry: 1})
	})
	if err != nil {
		t.Fatalf("Append after rejected text: %v", err)
	}
	if _, err := db.Zone(ctx, "zon_a"); err != nil {
		t.Errorf("Zone(zon_a): %v", err)
	}
	if _, err := db.SiteCommitment(ctx, 1); err != nil {
		t.Errorf("SiteCommitment(1): %v", err)
	}
}
