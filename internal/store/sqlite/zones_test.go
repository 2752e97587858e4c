package sqlite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// Secrets the suite plants, to be found in their own columns only.
const (
	secretSalt = "SALT-d41d8cd98f00b204e9800998ecf8427e"
	secretSeed = "SEED-e3b0c44298fc1c149afbf4c8996fb924"
)

// putOneOfEach writes a zone, a notice, a site commitment, a draft, a
// site, a site set and a probe, and returns each as its table holds it,
// keyed by table.
func putOneOfEach(t *testing.T, db *DB) map[string]any {
	t.Helper()
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
	return map[string]any{"zones": zone, "notices": notice, "site_commitments": commitment,
		"zone_drafts": draft, "sites": site, "site_sets": set, "probes": probe}
}

// Each item's doc is its encoding/json form, byte for byte, and the
// secrets that form leaves out are in their own columns only.
func TestDocs(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "truce.db"))
	items := putOneOfEach(t, db)
	for table, item := range items {
		want, err := json.Marshal(item)
		if err != nil {
			t.Fatal(err)
		}
		var doc []byte
		if err := db.read.QueryRowContext(t.Context(), "SELECT doc FROM "+table).Scan(&doc); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if !bytes.Equal(doc, want) {
			t.Errorf("%s doc = %s, want %s", table, doc, want)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Column 3 of sites is salt, of site_sets seed.
	var found []string
	for table, rows := range dumpTables(t, db.Path()) {
		for _, row := range rows {
			for col, v := range row {
				s := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					s = string(b)
				}
				for _, secret := range []string{secretSalt, secretSeed} {
					if bytes.Contains([]byte(s), []byte(secret)) {
						found = append(found, fmt.Sprintf("%s column %d", table, col))
					}
				}
			}
		}
	}
	slices.Sort(found)
	if want := []string{"site_sets column 3", "sites column 3"}; !slices.Equal(found, want) {
		t.Errorf("the salt and the seed are stored in %q, want in %q (seed, salt) only", found, want)
	}
}
