package sqlite

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
	doc, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("sqlite: put %s: %w", what, err)
	}
	res, err := db.write.ExecContext(ctx, `INSERT INTO `+d.table+`(id, `+d.owner+`, doc) VALUES (?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET doc = excluded.doc WHERE `+d.table+`.`+d.owner+` = excluded.`+d.owner, id, owner, string(doc))
	return created(res, err, what)
}

func getDocDraft[T any](ctx context.Context, db *DB, d docDrafts, owner, id string) (T, error) {
	var v T
	err := readDoc(ctx, db.read, &v, fmt.Sprintf("%s %q", d.what, id),
		"SELECT doc FROM "+d.table+" WHERE id = ? AND "+d.owner+" = ? AND "+d.visible(), id, owner)
	return v, err
}

func (d docDrafts) delete(ctx context.Context, db *DB, owner, id string) error {
	res, err := db.write.ExecContext(ctx, "DELETE FROM "+d.table+" WHERE id = ? AND "+d.owner+" = ?", id, owner)
	return changed(res, err, fmt.Sprintf("delete %s %q", d.what, id))
}

func listDocDrafts[T any](ctx context.Context, db *DB, d docDrafts, owner string, page store.Page) ([]T, error) {
	var w where
	w.add(d.owner+" = ?", owner)
	w.add(d.visible())
	q, args := w.page("SELECT doc FROM "+d.table, page)
	return listDocs[T](ctx, db.read, d.what+"s", nil, q, args...)
}
