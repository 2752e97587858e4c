package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// projection implements store.Projection over any querier: the append
// transaction, or the read pool for plain reads.
type projection struct {
	ctx context.Context
	q   querier
}

func (t *appendTx) proj() projection { return projection{ctx: t.ctx, q: txQuerier{t}} }

func (t *appendTx) PartyKind(id string) (truce.PartyKind, error) { return t.proj().PartyKind(id) }
func (t *appendTx) GetActor(id string) (truce.Actor, error)      { return t.proj().GetActor(id) }
func (t *appendTx) ActorExists(id string) (bool, error)          { return t.proj().ActorExists(id) }
func (t *appendTx) PutActor(a truce.Actor) error                 { return t.proj().PutActor(a) }
func (t *appendTx) AddDesignation(r truce.DesignationRecord) error {
	return t.proj().AddDesignation(r)
}

func (p projection) PartyKind(id string) (truce.PartyKind, error) {
	var kind string
	err := p.q.QueryRowContext(p.ctx, qPartyKind, id).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("party %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: party %q: %w", id, err)
	}
	return truce.PartyKind(kind), nil
}

const (
	actorColumns = "id, name, aliases, answerable_party, created_by, created_at, entry"
	qPutActor    = `INSERT INTO actors(` + actorColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET name = excluded.name, aliases = excluded.aliases,
		answerable_party = excluded.answerable_party`
)

func scanActor(s scanner) (truce.Actor, error) {
	var a truce.Actor
	var aliases, created string
	var answerable sql.NullString
	if err := s.Scan(&a.ID, &a.Name, &aliases, &answerable, &a.CreatedBy, &created, &a.Entry); err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(aliases), &a.Aliases); err != nil {
		return a, fmt.Errorf("sqlite: actor %q aliases: %w", a.ID, err)
	}
	if answerable.Valid {
		a.AnswerableParty = &answerable.String
	}
	var err error
	a.CreatedAt, err = parseTime(created)
	return a, err
}

func (p projection) GetActor(id string) (truce.Actor, error) {
	a, err := scanActor(p.q.QueryRowContext(p.ctx, qGetActor, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("actor %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("sqlite: actor %q: %w", id, err)
	}
	if err := p.fillDesignations([]*truce.Actor{&a}); err != nil {
		return a, err
	}
	return a, nil
}

// fillDesignations sets the current designations and the disputed flag.
func (p projection) fillDesignations(actors []*truce.Actor) error {
	if len(actors) == 0 {
		return nil
	}
	if len(actors) == 1 {
		return p.fillOne(actors[0])
	}
	byID := make(map[string]*truce.Actor, len(actors))
	args := make([]any, 0, len(actors))
	q := "SELECT d.actor_id, d.party, h.designation FROM designations d JOIN designation_history h ON h.entry = d.entry WHERE d.actor_id IN ("
	for i, a := range actors {
		a.Designations = map[string]truce.Designation{}
		byID[a.ID] = a
		if i > 0 {
			q += ","
		}
		q += "?"
		args = append(args, a.ID)
	}
	rows, err := p.q.QueryContext(p.ctx, q+")", args...)
	if err != nil {
		return fmt.Errorf("sqlite: designations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, party, d string
		if err := rows.Scan(&id, &party, &d); err != nil {
			return fmt.Errorf("sqlite: designations: %w", err)
		}
		byID[id].Designations[party] = truce.Designation(d)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: designations: %w", err)
	}
	for _, a := range actors {
		a.RecomputeDisputed()
	}
	return nil
}

func (p projection) ActorExists(id string) (bool, error) {
	var one int
	err := p.q.QueryRowContext(p.ctx, qActorExists, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlite: actor %q: %w", id, err)
	}
	return true, nil
}

func (p projection) fillOne(a *truce.Actor) error {
	a.Designations = map[string]truce.Designation{}
	rows, err := p.q.QueryContext(p.ctx, qActorDesigs, a.ID)
	if err != nil {
		return fmt.Errorf("sqlite: designations of %q: %w", a.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var party, d string
		if err := rows.Scan(&party, &d); err != nil {
			return fmt.Errorf("sqlite: designations of %q: %w", a.ID, err)
		}
		a.Designations[party] = truce.Designation(d)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: designations of %q: %w", a.ID, err)
	}
	a.RecomputeDisputed()
	return nil
}

func (p projection) PutActor(a truce.Actor) error {
	aliases, err := json.Marshal(nonNil(a.Aliases))
	if err != nil {
		return fmt.Errorf("sqlite: put actor %q: %w", a.ID, err)
	}
	_, err = p.q.ExecContext(p.ctx, qPutActor,
		a.ID, a.Name, string(aliases), a.AnswerableParty, a.CreatedBy, formatTime(a.CreatedAt), a.Entry)
	if err != nil {
		return fmt.Errorf("sqlite: put actor %q: %w", a.ID, err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (p projection) AddDesignation(r truce.DesignationRecord) error {
	if _, err := p.q.ExecContext(p.ctx, qAddHistory,
		r.Entry, r.ActorID, r.Party, string(r.Designation), r.Note, r.Member, formatTime(r.Time)); err != nil {
		return fmt.Errorf("sqlite: add designation of %q by %q: %w", r.ActorID, r.Party, err)
	}
	if _, err := p.q.ExecContext(p.ctx, qSetCurrent,
		r.ActorID, r.Party, r.Entry); err != nil {
		return fmt.Errorf("sqlite: set designation of %q by %q: %w", r.ActorID, r.Party, err)
	}
	return nil
}

func (db *DB) reader(ctx context.Context) projection { return projection{ctx: ctx, q: db.read} }

func (db *DB) Actor(ctx context.Context, id string) (truce.Actor, error) {
	return db.reader(ctx).GetActor(id)
}

func (db *DB) Actors(ctx context.Context, page store.Page) ([]truce.Actor, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+actorColumns+" FROM actors WHERE id > ? ORDER BY id LIMIT ?", page.After, page.Limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: actors: %w", err)
	}
	out, err := collectActors(rows)
	if err != nil {
		return nil, err
	}
	ptrs := make([]*truce.Actor, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, db.reader(ctx).fillDesignations(ptrs)
}

func collectActors(rows *sql.Rows) ([]truce.Actor, error) {
	defer rows.Close()
	var out []truce.Actor
	for rows.Next() {
		a, err := scanActor(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: actors: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (db *DB) DesignationHistory(ctx context.Context, actorID string) ([]truce.DesignationRecord, error) {
	return designationHistory(ctx, db.read, "WHERE actor_id = ?", actorID)
}

func designationHistory(ctx context.Context, q querier, where string, args ...any) ([]truce.DesignationRecord, error) {
	rows, err := q.QueryContext(ctx, "SELECT entry, actor_id, party, designation, note, member, time FROM designation_history "+where+" ORDER BY entry", args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: designation history: %w", err)
	}
	defer rows.Close()
	var out []truce.DesignationRecord
	for rows.Next() {
		var r truce.DesignationRecord
		var d, t string
		if err := rows.Scan(&r.Entry, &r.ActorID, &r.Party, &d, &r.Note, &r.Member, &t); err != nil {
			return nil, fmt.Errorf("sqlite: designation history: %w", err)
		}
		r.Designation = truce.Designation(d)
		if r.Time, err = parseTime(t); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Snapshot reads the whole projection inside one read transaction.
func (db *DB) Snapshot(ctx context.Context) (*store.Snapshot, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: snapshot: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT "+actorColumns+" FROM actors ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("sqlite: snapshot actors: %w", err)
	}
	actors, err := collectActors(rows)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*truce.Actor, len(actors))
	for i := range actors {
		actors[i].Designations = map[string]truce.Designation{}
		byID[actors[i].ID] = &actors[i]
	}
	drows, err := tx.QueryContext(ctx, "SELECT d.actor_id, d.party, h.designation FROM designations d LEFT JOIN designation_history h ON h.entry = d.entry AND h.actor_id = d.actor_id AND h.party = d.party")
	if err != nil {
		return nil, fmt.Errorf("sqlite: snapshot designations: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var id, party string
		var d sql.NullString
		if err := drows.Scan(&id, &party, &d); err != nil {
			return nil, fmt.Errorf("sqlite: snapshot designations: %w", err)
		}
		a, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("sqlite: designation of unknown actor %q", id)
		}
		a.Designations[party] = truce.Designation(d.String)
	}
	if err := drows.Err(); err != nil {
		return nil, err
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
