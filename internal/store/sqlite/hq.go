package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// Every HQ query names the owner party in its WHERE clause: another
// party's item is not found, never returned, changed or deleted.

// qPutDraft replaces a draft only if it is the same owner's: a draft id
// of another party is taken.
const qPutDraft = `INSERT INTO zone_drafts(id, owner, min_lon, min_lat, max_lon, max_lat, updated_at, doc)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT(id) DO UPDATE SET min_lon = excluded.min_lon, min_lat = excluded.min_lat,
	max_lon = excluded.max_lon, max_lat = excluded.max_lat, updated_at = excluded.updated_at, doc = excluded.doc
	WHERE zone_drafts.owner = excluded.owner`

// draftsVisible keeps the drafts not yet released: a release writes the
// zone, then deletes the draft, and a crash may fall between the two.
const draftsVisible = "NOT EXISTS (SELECT 1 FROM zones z WHERE z.id = zone_drafts.id)"

func (db *DB) PutDraft(ctx context.Context, z truce.Zone) error {
	doc, err := json.Marshal(z)
	if err != nil {
		return fmt.Errorf("sqlite: put draft %q: %w", z.ID, err)
	}
	b := z.BBox
	res, err := db.write.ExecContext(ctx, qPutDraft, z.ID, z.Owner, b[0], b[1], b[2], b[3], formatTime(z.UpdatedAt), string(doc))
	return created(res, err, fmt.Sprintf("draft %q", z.ID))
}

func (db *DB) Draft(ctx context.Context, owner, id string) (truce.Zone, error) {
	var z truce.Zone
	err := readDoc(ctx, db.read, &z, fmt.Sprintf("draft %q", id),
		"SELECT doc FROM zone_drafts WHERE id = ? AND owner = ? AND "+draftsVisible, id, owner)
	return z, err
}

func (db *DB) DeleteDraft(ctx context.Context, owner, id string) error {
	res, err := db.write.ExecContext(ctx, "DELETE FROM zone_drafts WHERE id = ? AND owner = ?", id, owner)
	return changed(res, err, fmt.Sprintf("delete draft %q", id))
}

// changed answers an UPDATE or DELETE of one row: ErrNotFound (wrapped)
// when it changed nothing.
func changed(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}

func (db *DB) Drafts(ctx context.Context, owner string, f store.ZoneFilter, page store.Page) ([]truce.Zone, error) {
	var w where
	w.drafts(owner, f)
	q, args := w.page("SELECT doc FROM zone_drafts", page)
	return listDocs[truce.Zone](ctx, db.read, "drafts", nil, q, args...)
}

// setSalt and setSeed put back the secrets a site's and a site set's JSON
// leave out.
func setSalt(s *truce.Site, salt string)    { s.Salt = salt }
func setSeed(s *truce.SiteSet, seed string) { s.Seed = seed }

func (db *DB) CreateSite(ctx context.Context, s truce.Site) error {
	doc, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("sqlite: create site %q: %w", s.ID, err)
	}
	res, err := db.write.ExecContext(ctx, `INSERT INTO sites(id, party, zone_id, salt, revealed_entry, doc)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, s.ID, s.Party, s.ZoneID, s.Salt, s.Revealed, string(doc))
	return created(res, err, fmt.Sprintf("site %q", s.ID))
}

const qSite = "SELECT doc, salt FROM sites WHERE id = ? AND party = ?"

func (db *DB) Site(ctx context.Context, party, id string) (truce.Site, error) {
	sites, err := listDocs(ctx, db.read, fmt.Sprintf("site %q", id), setSalt, qSite, id, party)
	if err != nil {
		return truce.Site{}, err
	}
	if len(sites) == 0 {
		return truce.Site{}, fmt.Errorf("site %q: %w", id, store.ErrNotFound)
	}
	return sites[0], nil
}

func (db *DB) Sites(ctx context.Context, party, zoneID string) ([]truce.Site, error) {
	var w where
	w.add("party = ?", party)
	if zoneID != "" {
		w.add("zone_id = ?", zoneID)
	}
	return listDocs(ctx, db.read, "sites", setSalt, "SELECT doc, salt FROM sites"+w.String()+" ORDER BY id", w.args...)
}

func (db *DB) EachSite(ctx context.Context, fn func(truce.Site) error) error {
	rows, err := db.read.QueryContext(ctx, "SELECT doc, salt FROM sites ORDER BY id")
	if err != nil {
		return fmt.Errorf("sqlite: sites: %w", err)
	}
	return eachDoc(rows, "sites", setSalt, fn)
}

// SetSiteRevealed rewrites the site's doc and its revealed_entry column in
// one write transaction. Its statements are not prepared on the pool: that
// would wait for the write connection the transaction holds.
func (db *DB) SetSiteRevealed(ctx context.Context, party, id string, entry int64) (err error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: reveal site %q: %w", id, err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var s truce.Site
	if err := readDoc(ctx, tx, &s, fmt.Sprintf("site %q", id), "SELECT doc FROM sites WHERE id = ? AND party = ?", id, party); err != nil {
		return err
	}
	s.Revealed = entry
	doc, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("sqlite: reveal site %q: %w", id, err)
	}
	res, err := tx.ExecContext(ctx, "UPDATE sites SET revealed_entry = ?, doc = ? WHERE id = ? AND party = ?", entry, string(doc), id, party)
	if err := changed(res, err, fmt.Sprintf("reveal site %q", id)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: reveal site %q: %w", id, err)
	}
	return nil
}

func (db *DB) PutSiteSet(ctx context.Context, s truce.SiteSet) error {
	doc, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("sqlite: put site set %q: %w", s.Commitment, err)
	}
	res, err := db.write.ExecContext(ctx, `INSERT INTO site_sets(commitment, party, entry, seed, doc)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, s.Commitment, s.Party, s.Entry, s.Seed, string(doc))
	return created(res, err, fmt.Sprintf("site set %q", s.Commitment))
}

func (db *DB) SiteSets(ctx context.Context, party string) ([]truce.SiteSet, error) {
	return listDocs(ctx, db.read, "site sets", setSeed,
		"SELECT doc, seed FROM site_sets WHERE party = ? ORDER BY entry, commitment", party)
}

func (db *DB) AddProbe(ctx context.Context, p truce.Probe) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("sqlite: add probe %q: %w", p.ID, err)
	}
	res, err := db.write.ExecContext(ctx, "INSERT INTO probes(id, owner, doc) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", p.ID, p.Owner, string(doc))
	return created(res, err, fmt.Sprintf("probe %q", p.ID))
}

func (db *DB) Probe(ctx context.Context, owner, id string) (truce.Probe, error) {
	var p truce.Probe
	err := readDoc(ctx, db.read, &p, fmt.Sprintf("probe %q", id), "SELECT doc FROM probes WHERE id = ? AND owner = ?", id, owner)
	return p, err
}

func (db *DB) Probes(ctx context.Context, owner string, page store.Page) ([]truce.Probe, error) {
	var w where
	w.add("owner = ?", owner)
	q, args := w.page("SELECT doc FROM probes", page)
	return listDocs[truce.Probe](ctx, db.read, "probes", nil, q, args...)
}

// qPutIncidentDraft, like qPutDraft, replaces only the owner's own draft.
const qPutIncidentDraft = `INSERT INTO incident_drafts(id, owner, occurred_at, perpetrator, has_violation,
	min_lon, min_lat, max_lon, max_lat, updated_at, doc)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT(id) DO UPDATE SET occurred_at = excluded.occurred_at, perpetrator = excluded.perpetrator,
	has_violation = excluded.has_violation, min_lon = excluded.min_lon, min_lat = excluded.min_lat,
	max_lon = excluded.max_lon, max_lat = excluded.max_lat, updated_at = excluded.updated_at, doc = excluded.doc
	WHERE incident_drafts.owner = excluded.owner`

// incidentDraftsVisible keeps the drafts not yet released, as
// draftsVisible does for zones.
const incidentDraftsVisible = "NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = incident_drafts.id)"

func (db *DB) PutIncidentDraft(ctx context.Context, i truce.Incident) error {
	doc, err := json.Marshal(i)
	if err != nil {
		return fmt.Errorf("sqlite: put incident draft %q: %w", i.ID, err)
	}
	b := i.BBox
	res, err := db.write.ExecContext(ctx, qPutIncidentDraft, i.ID, i.Owner, formatTime(i.OccurredAt), i.Perpetrator,
		len(i.Violations) > 0, b[0], b[1], b[2], b[3], formatTime(i.UpdatedAt), string(doc))
	return created(res, err, fmt.Sprintf("incident draft %q", i.ID))
}

func (db *DB) IncidentDraft(ctx context.Context, owner, id string) (truce.Incident, error) {
	var i truce.Incident
	err := readDoc(ctx, db.read, &i, fmt.Sprintf("incident draft %q", id),
		"SELECT doc FROM incident_drafts WHERE id = ? AND owner = ? AND "+incidentDraftsVisible, id, owner)
	return i, err
}

func (db *DB) DeleteIncidentDraft(ctx context.Context, owner, id string) error {
	res, err := db.write.ExecContext(ctx, "DELETE FROM incident_drafts WHERE id = ? AND owner = ?", id, owner)
	return changed(res, err, fmt.Sprintf("delete incident draft %q", id))
}

func (db *DB) IncidentDrafts(ctx context.Context, owner string, f store.IncidentFilter, page store.Page) ([]truce.Incident, error) {
	var w where
	w.add("owner = ?", owner)
	w.add(incidentDraftsVisible)
	w.incidents(f)
	q, args := w.page("SELECT doc FROM incident_drafts", page)
	return listDocs[truce.Incident](ctx, db.read, "incident drafts", nil, q, args...)
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
