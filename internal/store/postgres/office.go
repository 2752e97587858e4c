package postgres

import (
	"context"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// projection implements store.Projection over a querier: the append
// transaction, or the pool for plain reads.
type projection struct {
	ctx context.Context
	q   querier
}

func (t *appendTx) proj() projection { return projection{ctx: t.ctx, q: t.tx} }

func (t *appendTx) PartyKind(id string) (truce.PartyKind, error) { return t.proj().PartyKind(id) }
func (t *appendTx) GetActor(id string) (truce.Actor, error)      { return t.proj().GetActor(id) }
func (t *appendTx) ActorExists(id string) (bool, error)          { return t.proj().ActorExists(id) }
func (t *appendTx) PutActor(a truce.Actor) error                 { return t.proj().PutActor(a) }
func (t *appendTx) AddDesignation(r truce.DesignationRecord) error {
	return t.proj().AddDesignation(r)
}

// Inside an append, a failed statement aborts the whole transaction (unlike
// SQLite), so reads by a key PostgreSQL cannot hold are answered without a
// query, and writes of such text fail before theirs is sent.

func (p projection) PartyKind(id string) (truce.PartyKind, error) {
	if !storable(id) {
		return "", fmt.Errorf("party %q: %w", id, store.ErrNotFound)
	}
	var kind string
	err := p.q.QueryRow(p.ctx, "SELECT kind FROM parties WHERE id = $1", id).Scan(&kind)
	if notFound(err) {
		return "", fmt.Errorf("party %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("postgres: party %q: %w", id, err)
	}
	return truce.PartyKind(kind), nil
}

// actorSelect reads actors with their current designations: the parties
// and designations arrays are aggregated over the same rows, so they pair
// up element by element.
const actorSelect = `SELECT a.id, a.name, a.aliases, a.answerable_party, a.created_by, a.created_at, a.entry,
	d.parties, d.designations
FROM actors a
LEFT JOIN LATERAL (
	SELECT array_agg(cur.party) AS parties, array_agg(h.designation) AS designations
	FROM designations cur JOIN designation_history h ON h.entry = cur.entry
	WHERE cur.actor_id = a.id
) d ON true`

func scanActor(row pgx.Row) (truce.Actor, error) {
	var a truce.Actor
	var parties, designations []string
	if err := row.Scan(&a.ID, &a.Name, &a.Aliases, &a.AnswerableParty, &a.CreatedBy, &a.CreatedAt, &a.Entry,
		&parties, &designations); err != nil {
		return a, err
	}
	if len(parties) != len(designations) {
		return a, fmt.Errorf("postgres: actor %q: %d parties, %d designations", a.ID, len(parties), len(designations))
	}
	a.CreatedAt = utc(a.CreatedAt)
	if a.Aliases == nil {
		a.Aliases = []string{}
	}
	a.Designations = make(map[string]truce.Designation, len(parties))
	for i, party := range parties {
		a.Designations[party] = truce.Designation(designations[i])
	}
	a.RecomputeDisputed()
	return a, nil
}

func (p projection) GetActor(id string) (truce.Actor, error) {
	if !storable(id) {
		return truce.Actor{}, fmt.Errorf("actor %q: %w", id, store.ErrNotFound)
	}
	a, err := scanActor(p.q.QueryRow(p.ctx, actorSelect+" WHERE a.id = $1", id))
	if notFound(err) {
		return a, fmt.Errorf("actor %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("postgres: actor %q: %w", id, err)
	}
	return a, nil
}

func (p projection) ActorExists(id string) (bool, error) {
	if !storable(id) {
		return false, nil
	}
	var ok bool
	if err := p.q.QueryRow(p.ctx, "SELECT EXISTS (SELECT 1 FROM actors WHERE id = $1)", id).Scan(&ok); err != nil {
		return false, fmt.Errorf("postgres: actor %q: %w", id, err)
	}
	return ok, nil
}

const qPutActor = `INSERT INTO actors(id, name, aliases, answerable_party, created_by, created_at, entry)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, aliases = excluded.aliases,
	answerable_party = excluded.answerable_party`

func (p projection) PutActor(a truce.Actor) error {
	text := []string{"id", a.ID, "name", a.Name, "created_by", a.CreatedBy}
	if a.AnswerableParty != nil {
		text = append(text, "answerable_party", *a.AnswerableParty)
	}
	for _, alias := range a.Aliases {
		text = append(text, "aliases", alias)
	}
	if err := checkText(text...); err != nil {
		return fmt.Errorf("postgres: put actor %q: %w", a.ID, err)
	}
	aliases := a.Aliases
	if aliases == nil {
		aliases = []string{}
	}
	if _, err := p.q.Exec(p.ctx, qPutActor,
		a.ID, a.Name, aliases, a.AnswerableParty, a.CreatedBy, a.CreatedAt, a.Entry); err != nil {
		return fmt.Errorf("postgres: put actor %q: %w", a.ID, err)
	}
	return nil
}

// qAddDesignation records a designation and makes it the party's current
// one, in one statement.
const qAddDesignation = `WITH h AS (
	INSERT INTO designation_history(entry, actor_id, party, designation, note, member, time)
	VALUES ($1, $2, $3, $4, $5, $6, $7)
)
INSERT INTO designations(actor_id, party, entry) VALUES ($2, $3, $1)
ON CONFLICT (actor_id, party) DO UPDATE SET entry = excluded.entry`

func (p projection) AddDesignation(r truce.DesignationRecord) error {
	if err := checkText("actor_id", r.ActorID, "party", r.Party, "designation", string(r.Designation), "note", r.Note, "member", r.Member); err != nil {
		return fmt.Errorf("postgres: add designation of %q by %q: %w", r.ActorID, r.Party, err)
	}
	if _, err := p.q.Exec(p.ctx, qAddDesignation,
		r.Entry, r.ActorID, r.Party, string(r.Designation), r.Note, r.Member, r.Time); err != nil {
		return fmt.Errorf("postgres: add designation of %q by %q: %w", r.ActorID, r.Party, err)
	}
	return nil
}

func (db *DB) reader(ctx context.Context) projection { return projection{ctx: ctx, q: db.pool} }

func (db *DB) Actor(ctx context.Context, id string) (truce.Actor, error) {
	return db.reader(ctx).GetActor(id)
}

// Actors pages by id in byte order. A cursor PostgreSQL cannot hold as
// text (clients send any bytes) is compared as bytes.
func (db *DB) Actors(ctx context.Context, page store.Page) ([]truce.Actor, error) {
	var limit any = page.Limit
	if page.Limit < 0 {
		limit = nil // no limit, as SQLite reads LIMIT -1
	}
	q, after := actorSelect+" WHERE a.id > $1 ORDER BY a.id LIMIT $2", any(page.After)
	if !storable(page.After) {
		q, after = actorSelect+" WHERE convert_to(a.id, 'UTF8') > $1 ORDER BY a.id LIMIT $2", []byte(page.After)
	}
	rows, err := db.pool.Query(ctx, q, after, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: actors: %w", err)
	}
	out, err := pgx.AppendRows([]truce.Actor(nil), rows, func(r pgx.CollectableRow) (truce.Actor, error) { return scanActor(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: actors: %w", err)
	}
	return out, nil
}

func (db *DB) DesignationHistory(ctx context.Context, actorID string) ([]truce.DesignationRecord, error) {
	if !storable(actorID) {
		return nil, ctx.Err()
	}
	return designationHistory(ctx, db.pool, "WHERE actor_id = $1", actorID)
}

func designationHistory(ctx context.Context, q querier, where string, args ...any) ([]truce.DesignationRecord, error) {
	rows, err := q.Query(ctx, "SELECT entry, actor_id, party, designation, note, member, time FROM designation_history "+where+" ORDER BY entry", args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: designation history: %w", err)
	}
	out, err := pgx.AppendRows([]truce.DesignationRecord(nil), rows, func(row pgx.CollectableRow) (truce.DesignationRecord, error) {
		var r truce.DesignationRecord
		var d string
		err := row.Scan(&r.Entry, &r.ActorID, &r.Party, &d, &r.Note, &r.Member, &r.Time)
		r.Designation, r.Time = truce.Designation(d), utc(r.Time)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: designation history: %w", err)
	}
	return out, nil
}

// Snapshot reads the whole projection inside one read-only REPEATABLE
// READ transaction, so all of it is from one moment.
func (db *DB) Snapshot(ctx context.Context) (*store.Snapshot, error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("postgres: snapshot: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	rows, err := tx.Query(ctx, "SELECT id, name, aliases, answerable_party, created_by, created_at, entry FROM actors ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("postgres: snapshot actors: %w", err)
	}
	actors, err := pgx.AppendRows([]truce.Actor(nil), rows, func(row pgx.CollectableRow) (truce.Actor, error) {
		var a truce.Actor
		err := row.Scan(&a.ID, &a.Name, &a.Aliases, &a.AnswerableParty, &a.CreatedBy, &a.CreatedAt, &a.Entry)
		if a.Aliases == nil {
			a.Aliases = []string{}
		}
		a.CreatedAt, a.Designations = utc(a.CreatedAt), map[string]truce.Designation{}
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: snapshot actors: %w", err)
	}
	byID := make(map[string]*truce.Actor, len(actors))
	for i := range actors {
		byID[actors[i].ID] = &actors[i]
	}
	// The stored current designations, checked against the history they
	// point to: a pointer to no matching record reads as no designation.
	drows, err := tx.Query(ctx, `SELECT d.actor_id, d.party, h.designation FROM designations d
		LEFT JOIN designation_history h ON h.entry = d.entry AND h.actor_id = d.actor_id AND h.party = d.party`)
	if err != nil {
		return nil, fmt.Errorf("postgres: snapshot designations: %w", err)
	}
	var id, party string
	var d *string
	_, err = pgx.ForEachRow(drows, []any{&id, &party, &d}, func() error {
		a, ok := byID[id]
		if !ok {
			return fmt.Errorf("designation of unknown actor %q", id)
		}
		var v string
		if d != nil {
			v = *d
		}
		a.Designations[party] = truce.Designation(v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: snapshot designations: %w", err)
	}
	for i := range actors {
		actors[i].RecomputeDisputed()
	}
	hist, err := designationHistory(ctx, tx, "")
	if err != nil {
		return nil, err
	}
	sort.Slice(actors, func(i, j int) bool { return actors[i].ID < actors[j].ID })
	snap := &store.Snapshot{Actors: actors, Designations: hist}
	if err := snapshotZones(ctx, tx, snap); err != nil {
		return nil, err
	}
	if err := snapshotIncidents(ctx, tx, snap); err != nil {
		return nil, err
	}
	if err := snapshotReports(ctx, tx, snap); err != nil {
		return nil, err
	}
	if err := snapshotCosigners(ctx, tx, snap); err != nil {
		return nil, err
	}
	return snap, nil
}
