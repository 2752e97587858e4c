package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/truce-org/truce/internal/store"
)

// docDrafts is a table of drafts kept as documents alone (id, the owning
// party, doc): commitment and report drafts. A draft stops being visible
// once the item of its id is released into the released table.
type docDrafts struct {
	table, owner, released, what string
}

var (
	commitmentDrafts = docDrafts{table: "commitment_drafts", owner: "party", released: "commitments", what: "commitment draft"}
	reportDrafts     = docDrafts{table: "report_drafts", owner: "owner", released: "reports", what: "report draft"}
)

// visible keeps the drafts not yet released.
func (d docDrafts) visible() string {
	return "NOT EXISTS (SELECT 1 FROM " + d.released + " x WHERE x.id = " + d.table + ".id)"
}

// put stores v as owner's draft id; a draft of that id owned by another
// party is left as it is and the put fails.
func (d docDrafts) put(ctx context.Context, db *DB, owner, id string, v any) error {
	what := fmt.Sprintf("%s %q", d.what, id)
	if err := checkText("id", id, d.owner, owner); err != nil {
		return fmt.Errorf("postgres: put %s: %w", what, err)
	}
	doc, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("postgres: put %s: %w", what, err)
	}
	tag, err := db.pool.Exec(ctx, `INSERT INTO `+d.table+`(id, `+d.owner+`, doc) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET doc = excluded.doc WHERE `+d.table+`.`+d.owner+` = excluded.`+d.owner, id, owner, doc)
	return created(tag, err, what)
}

func getDocDraft[T any](ctx context.Context, db *DB, d docDrafts, owner, id string) (T, error) {
	var v T
	what := fmt.Sprintf("%s %q", d.what, id)
	if !storable(owner) || !storable(id) {
		return v, notMine(what)
	}
	err := readDoc(ctx, db.pool, &v, what, "SELECT doc FROM "+d.table+" WHERE id = $1 AND "+d.owner+" = $2 AND "+d.visible(), id, owner)
	return v, err
}

func (d docDrafts) delete(ctx context.Context, db *DB, owner, id string) error {
	return deleteMine(ctx, db, fmt.Sprintf("%s %q", d.what, id), "DELETE FROM "+d.table+" WHERE id = $1 AND "+d.owner+" = $2", id, owner)
}

func listDocDrafts[T any](ctx context.Context, db *DB, d docDrafts, owner string, page store.Page) ([]T, error) {
	var w where
	if !w.key(d.owner, owner) {
		return nil, nil
	}
	w.add(d.visible())
	q, args := w.page("SELECT doc FROM "+d.table, page)
	return listDocs[T](ctx, db.pool, d.what+"s", nil, q, args...)
}
