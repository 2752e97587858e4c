package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-org/truce/internal/store"
)

// Counts and extents (store.Summary) are one aggregate query each over the
// rows a list's filter selects: nothing is loaded to be counted.

// docTime is an SQL expression that reads the time at key of doc, the
// item's JSON as encoding/json wrote it (RFC 3339); NULL when it is null.
func docTime(key string) string {
	return "((convert_from(doc, 'UTF8')::jsonb ->> '" + key + "')::timestamptz)"
}

// Time spans of the rows of each table, as SQL expressions: start, end.
var (
	zoneSpan     = [2]string{docTime("valid_from"), "valid_until"}
	draftSpan    = [2]string{docTime("valid_from"), docTime("valid_until")}
	noticeSpan   = [2]string{docTime("from"), docTime("until")}
	incidentSpan = [2]string{"occurred_at", "occurred_at"}
)

// during keeps the rows whose span [start, end) meets d.
func (w *where) during(span [2]string, d *store.Window) {
	if d == nil {
		return
	}
	if d.Until != nil {
		w.add(span[0] + " < " + w.arg(*d.Until))
	}
	if d.From != nil {
		w.add("(" + span[1] + " IS NULL OR " + span[1] + " > " + w.arg(*d.From) + ")")
	}
}

// zones keeps the released zones f selects; false when none can match.
func (w *where) zones(f store.ZoneFilter) bool {
	if !w.zoneStatus(f) || (f.Owner != "" && !w.key("owner", f.Owner)) {
		return false
	}
	w.bbox(f.BBox)
	w.during(zoneSpan, f.During)
	return true
}

// drafts keeps owner's unreleased drafts f selects (f.Status is ignored);
// false when none can match.
func (w *where) drafts(owner string, f store.ZoneFilter) bool {
	if !w.key("owner", owner) || (f.Owner != "" && !w.key("owner", f.Owner)) {
		return false
	}
	w.add(draftsVisible)
	w.bbox(f.BBox)
	w.during(draftSpan, f.During)
	return true
}

// notices keeps the notices f selects; false when none can match.
func (w *where) notices(f store.NoticeFilter) bool {
	if f.Party != "" && !w.key("party", f.Party) {
		return false
	}
	w.bbox(f.BBox)
	w.during(noticeSpan, f.During)
	return true
}

// summary counts and bounds the rows of table that w keeps, their span
// read by the expressions of span.
func (db *DB) summary(ctx context.Context, what, table string, span [2]string, w *where) (store.Summary, error) {
	q := "SELECT count(*), min(min_lon), min(min_lat), max(max_lon), max(max_lat), min(" + span[0] + "), max(" + span[1] +
		"), count(*) - count(" + span[1] + ") FROM " + table
	if len(w.conds) > 0 {
		q += w.String()
	}
	var s store.Summary
	var box [4]*float64
	var start, end *time.Time
	var open int64
	err := db.pool.QueryRow(ctx, q, w.args...).Scan(&s.Count, &box[0], &box[1], &box[2], &box[3], &start, &end, &open)
	if err != nil {
		return s, fmt.Errorf("postgres: %s summary: %w", what, err)
	}
	if s.Count == 0 {
		return store.Summary{}, nil
	}
	for i := range box {
		if box[i] != nil {
			s.BBox[i] = *box[i]
		}
	}
	if start != nil {
		t := start.UTC()
		s.Start = &t
	}
	if end != nil && open == 0 {
		t := end.UTC()
		s.End = &t
	}
	return s, nil
}

func (db *DB) ZoneSummary(ctx context.Context, f store.ZoneFilter) (store.Summary, error) {
	var w where
	if !w.zones(f) {
		return store.Summary{}, nil
	}
	return db.summary(ctx, "zones", "zones", zoneSpan, &w)
}

func (db *DB) DraftSummary(ctx context.Context, owner string, f store.ZoneFilter) (store.Summary, error) {
	var w where
	if !w.drafts(owner, f) {
		return store.Summary{}, nil
	}
	return db.summary(ctx, "drafts", "zone_drafts", draftSpan, &w)
}

func (db *DB) NoticeSummary(ctx context.Context, f store.NoticeFilter) (store.Summary, error) {
	var w where
	if !w.notices(f) {
		return store.Summary{}, nil
	}
	return db.summary(ctx, "notices", "notices", noticeSpan, &w)
}

func (db *DB) IncidentSummary(ctx context.Context, f store.IncidentFilter) (store.Summary, error) {
	var w where
	if !w.incidents(f) {
		return store.Summary{}, nil
	}
	return db.summary(ctx, "incidents", "incidents", incidentSpan, &w)
}

func (db *DB) IncidentDraftSummary(ctx context.Context, owner string, f store.IncidentFilter) (store.Summary, error) {
	var w where
	if !w.key("owner", owner) || !w.incidents(f) {
		return store.Summary{}, nil
	}
	w.add(incidentDraftsVisible)
	return db.summary(ctx, "incident drafts", "incident_drafts", incidentSpan, &w)
}
