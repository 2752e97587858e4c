package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// Every HQ query names the owner party in its WHERE clause: another
// party's item is not found, never returned, changed or deleted.

// qPutDraft replaces a draft only if it is the same owner's: a draft id
// of another party is taken.
const qPutDraft = `INSERT INTO zone_drafts(id, owner, min_lon, min_lat, max_lon, max_lat, updated_at, doc)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (id) DO UPDATE SET min_lon = excluded.min_lon, min_lat = excluded.min_lat,
	max_lon = excluded.max_lon, max_lat = excluded.max_lat, updated_at = excluded.updated_at, doc = excluded.doc
WHERE zone_drafts.owner = excluded.owner`

// draftsVisible keeps the drafts not yet released: a release writes the
// zone, then deletes the draft, and a crash may fall between the two.
const draftsVisible = "NOT EXISTS (SELECT 1 FROM zones z WHERE z.id = zone_drafts.id)"

// notMine is the error of a read by an owner and id no stored row can have.
func notMine(what string) error { return fmt.Errorf("%s: %w", what, store.ErrNotFound) }

func (db *DB) PutDraft(ctx context.Context, z truce.Zone) error {
	what := fmt.Sprintf("draft %q", z.ID)
	if err := checkText("id", z.ID, "owner", z.Owner); err != nil {
		return fmt.Errorf("postgres: put %s: %w", what, err)
	}
	doc, err := json.Marshal(z)
	if err != nil {
		return fmt.Errorf("postgres: put %s: %w", what, err)
	}
	b := z.BBox
	tag, err := db.pool.Exec(ctx, qPutDraft, z.ID, z.Owner, b[0], b[1], b[2], b[3], z.UpdatedAt, doc)
	return created(tag, err, what)
}

func (db *DB) Draft(ctx context.Context, owner, id string) (truce.Zone, error) {
	var z truce.Zone
	what := fmt.Sprintf("draft %q", id)
	if !storable(owner) || !storable(id) {
		return z, notMine(what)
	}
	err := readDoc(ctx, db.pool, &z, what, "SELECT doc FROM zone_drafts WHERE id = $1 AND owner = $2 AND "+draftsVisible, id, owner)
	return z, err
}

func (db *DB) DeleteDraft(ctx context.Context, owner, id string) error {
	return deleteMine(ctx, db, fmt.Sprintf("draft %q", id), "DELETE FROM zone_drafts WHERE id = $1 AND owner = $2", id, owner)
}

// deleteMine runs query, a delete by id and owner; ErrNotFound when it
// deleted nothing.
func deleteMine(ctx context.Context, db *DB, what, query, id, owner string) error {
	if !storable(owner) || !storable(id) {
		return notMine(what)
	}
	tag, err := db.pool.Exec(ctx, query, id, owner)
	if err != nil {
		return fmt.Errorf("postgres: delete %s: %w", what, err)
	}
	if tag.RowsAffected() == 0 {
		return notMine(what)
	}
	return nil
}

func (db *DB) Drafts(ctx context.Context, owner string, f store.ZoneFilter, page store.Page) ([]truce.Zone, error) {
	var w where
	if !w.drafts(owner, f) {
		return nil, nil
	}
	q, args := w.page("SELECT doc FROM zone_drafts", page)
	return listDocs[truce.Zone](ctx, db.pool, "drafts", nil, q, args...)
}

// setSalt and setSeed put back the secrets a site's and a site set's JSON
// leave out.
func setSalt(s *truce.Site, salt string)    { s.Salt = salt }
func setSeed(s *truce.SiteSet, seed string) { s.Seed = seed }

func (db *DB) CreateSite(ctx context.Context, s truce.Site) error {
	what := fmt.Sprintf("site %q", s.ID)
	if err := checkText("id", s.ID, "party", s.Party, "zone_id", s.ZoneID, "salt", s.Salt); err != nil {
		return fmt.Errorf("postgres: create %s: %w", what, err)
	}
	doc, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("postgres: create %s: %w", what, err)
	}
	tag, err := db.pool.Exec(ctx, `INSERT INTO sites(id, party, zone_id, salt, revealed_entry, doc)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, s.ID, s.Party, s.ZoneID, s.Salt, s.Revealed, doc)
	return created(tag, err, what)
}

func (db *DB) Site(ctx context.Context, party, id string) (truce.Site, error) {
	what := fmt.Sprintf("site %q", id)
	if !storable(party) || !storable(id) {
		return truce.Site{}, notMine(what)
	}
	s, err := scanDoc(db.pool.QueryRow(ctx, "SELECT doc, salt FROM sites WHERE id = $1 AND party = $2", id, party), setSalt)
	if notFound(err) {
		return s, notMine(what)
	}
	if err != nil {
		return s, fmt.Errorf("postgres: %s: %w", what, err)
	}
	return s, nil
}

func (db *DB) Sites(ctx context.Context, party, zoneID string) ([]truce.Site, error) {
	var w where
	if !w.key("party", party) || (zoneID != "" && !w.key("zone_id", zoneID)) {
		return nil, nil
	}
	return listDocs(ctx, db.pool, "sites", setSalt, "SELECT doc, salt FROM sites"+w.String()+" ORDER BY id", w.args...)
}

func (db *DB) EachSite(ctx context.Context, fn func(truce.Site) error) error {
	return eachDoc(ctx, db.pool, "sites", "doc, salt", setSalt, fn)
}

// SetSiteRevealed rewrites the site's doc and its revealed_entry column
// in one transaction, the row locked between the read and the write.
func (db *DB) SetSiteRevealed(ctx context.Context, party, id string, entry int64) error {
	what := fmt.Sprintf("site %q", id)
	if !storable(party) || !storable(id) {
		return notMine(what)
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var s truce.Site
		if err := readDoc(ctx, tx, &s, what, "SELECT doc FROM sites WHERE id = $1 AND party = $2 FOR UPDATE", id, party); err != nil {
			return err
		}
		s.Revealed = entry
		doc, err := json.Marshal(s)
		if err != nil {
			return fmt.Errorf("postgres: reveal %s: %w", what, err)
		}
		if _, err := tx.Exec(ctx, "UPDATE sites SET revealed_entry = $1, doc = $2 WHERE id = $3", entry, doc, id); err != nil {
			return fmt.Errorf("postgres: reveal %s: %w", what, err)
		}
		return nil
	})
}

func (db *DB) PutSiteSet(ctx context.Context, s truce.SiteSet) error {
	what := fmt.Sprintf("site set %q", s.Commitment)
	if err := checkText("commitment", s.Commitment, "party", s.Party, "seed", s.Seed); err != nil {
		return fmt.Errorf("postgres: create %s: %w", what, err)
	}
	doc, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("postgres: create %s: %w", what, err)
	}
	tag, err := db.pool.Exec(ctx, `INSERT INTO site_sets(commitment, party, entry, seed, doc)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, s.Commitment, s.Party, s.Entry, s.Seed, doc)
	return created(tag, err, what)
}

func (db *DB) SiteSets(ctx context.Context, party string) ([]truce.SiteSet, error) {
	if !storable(party) {
		return nil, nil
	}
	return listDocs(ctx, db.pool, "site sets", setSeed,
		"SELECT doc, seed FROM site_sets WHERE party = $1 ORDER BY entry, commitment", party)
}

func (db *DB) AddProbe(ctx context.Context, p truce.Probe) error {
	what := fmt.Sprintf("probe %q", p.ID)
	if err := checkText("id", p.ID, "owner", p.Owner); err != nil {
		return fmt.Errorf("postgres: create %s: %w", what, err)
	}
	doc, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("postgres: create %s: %w", what, err)
	}
	tag, err := db.pool.Exec(ctx, "INSERT INTO probes(id, owner, doc) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", p.ID, p.Owner, doc)
	return created(tag, err, what)
}

func (db *DB) Probe(ctx context.Context, owner, id string) (truce.Probe, error) {
	var p truce.Probe
	what := fmt.Sprintf("probe %q", id)
	if !storable(owner) || !storable(id) {
		return p, notMine(what)
	}
	err := readDoc(ctx, db.pool, &p, what, "SELECT doc FROM probes WHERE id = $1 AND owner = $2", id, owner)
	return p, err
}

func (db *DB) Probes(ctx context.Context, owner string, page store.Page) ([]truce.Probe, error) {
	var w where
	if !w.key("owner", owner) {
		return nil, nil
	}
	q, args := w.page("SELECT doc FROM probes", page)
	return listDocs[truce.Probe](ctx, db.pool, "probes", nil, q, args...)
}

// qPutIncidentDraft, like qPutDraft, replaces only the owner's own draft.
const qPutIncidentDraft = `INSERT INTO incident_drafts(id, owner, occurred_at, perpetrator, has_violation,
	min_lon, min_lat, max_lon, max_lat, updated_at, doc)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (id) DO UPDATE SET occurred_at = excluded.occurred_at, perpetrator = excluded.perpetrator,
	has_violation = excluded.has_violation, min_lon = excluded.min_lon, min_lat = excluded.min_lat,
	max_lon = excluded.max_lon, max_lat = excluded.max_lat, updated_at = excluded.updated_at, doc = excluded.doc
WHERE incident_drafts.owner = excluded.owner`

// incidentDraftsVisible keeps the drafts not yet released, as
// draftsVisible does for zones.
const incidentDraftsVisible = "NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = incident_drafts.id)"

func (db *DB) PutIncidentDraft(ctx context.Context, i truce.Incident) error {
	what := fmt.Sprintf("incident draft %q", i.ID)
	text := []string{"id", i.ID, "owner", i.Owner}
	if i.Perpetrator != nil {
		text = append(text, "perpetrator", *i.Perpetrator)
	}
	if err := checkText(text...); err != nil {
		return fmt.Errorf("postgres: put %s: %w", what, err)
	}
	doc, err := json.Marshal(i)
	if err != nil {
		return fmt.Errorf("postgres: put %s: %w", what, err)
	}
	b := i.BBox
	tag, err := db.pool.Exec(ctx, qPutIncidentDraft, i.ID, i.Owner, i.OccurredAt, i.Perpetrator, len(i.Violations) > 0,
		b[0], b[1], b[2], b[3], i.UpdatedAt, doc)
	return created(tag, err, what)
}

func (db *DB) IncidentDraft(ctx context.Context, owner, id string) (truce.Incident, error) {
	var i truce.Incident
	what := fmt.Sprintf("incident draft %q", id)
	if !storable(owner) || !storable(id) {
		return i, notMine(what)
	}
	err := readDoc(ctx, db.pool, &i, what, "SELECT doc FROM incident_drafts WHERE id = $1 AND owner = $2 AND "+incidentDraftsVisible, id, owner)
	return i, err
}

func (db *DB) DeleteIncidentDraft(ctx context.Context, owner, id string) error {
	return deleteMine(ctx, db, fmt.Sprintf("incident draft %q", id), "DELETE FROM incident_drafts WHERE id = $1 AND owner = $2", id, owner)
}

func (db *DB) IncidentDrafts(ctx context.Context, owner string, f store.IncidentFilter, page store.Page) ([]truce.Incident, error) {
	var w where
	if !w.key("owner", owner) || !w.incidents(f) {
		return nil, nil
	}
	w.add(incidentDraftsVisible)
	q, args := w.page("SELECT doc FROM incident_drafts", page)
	return listDocs[truce.Incident](ctx, db.pool, "incident drafts", nil, q, args...)
}

func (db *DB) PutCommitmentDraft(ctx context.Context, c truce.Commitment) error {
	return commitmentDrafts.put(ctx, db, c.Party, c.ID, c)
}

func (db *DB) CommitmentDraft(ctx context.Context, party, id string) (truce.Commitment, error) {
	return getDocDraft[truce.Commitment](ctx, db, commitmentDrafts, party, id)
}

func (db *DB) DeleteCommitmentDraft(ctx context.Context, party, id string) error {
	return commitmentDrafts.delete(ctx, db, party, id)
}

func (db *DB) CommitmentDrafts(ctx context.Context, party string, page store.Page) ([]truce.Commitment, error) {
	return listDocDrafts[truce.Commitment](ctx, db, commitmentDrafts, party, page)
}
