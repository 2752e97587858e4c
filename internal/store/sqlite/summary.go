package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/truce-org/truce/internal/store"
)

// Counts and extents (store.Summary) are one aggregate query each over the
// rows a list's filter selects: nothing is loaded to be counted.

// docTime is an SQL expression that reads the RFC 3339 UTC time at JSON
// path of doc (as encoding/json wrote it: "Z", zero to nine fractional
// digits) in timeFormat's form, so that it compares as text with the
// values of formatTime. NULL when the time is null or absent.
func docTime(path string) string {
	s := "json_extract(doc, '" + path + "')"
	return strings.ReplaceAll("(CASE WHEN substr(@, 20, 1) = '.'"+
		" THEN substr(@, 1, 19) || '.' || substr(substr(@, 21, length(@) - 21) || '000000000', 1, 9) || 'Z'"+
		" ELSE substr(@, 1, 19) || '.000000000Z' END)", "@", s)
}

// Time spans of the rows of each table, as SQL expressions: start, end.
var (
	zoneSpan   = [2]string{docTime("$.valid_from"), "valid_until"}
	draftSpan  = [2]string{docTime("$.valid_from"), docTime("$.valid_until")}
	noticeSpan = [2]string{docTime("$.from"), docTime("$.until")}
)

// during keeps the rows whose span [start, end) meets d.
func (w *where) during(span [2]string, d *store.Window) {
	if d == nil {
		return
	}
	if d.Until != nil {
		w.add(span[0]+" < ?", formatTime(*d.Until))
	}
	if d.From != nil {
		w.add("("+span[1]+" IS NULL OR "+span[1]+" > ?)", formatTime(*d.From))
	}
}

// zones keeps the released zones f selects; false when none can match.
func (w *where) zones(f store.ZoneFilter) bool {
	if !w.zoneStatus(f) {
		return false
	}
	if f.Owner != "" {
		w.add("owner = ?", f.Owner)
	}
	w.bbox(f.BBox)
	w.during(zoneSpan, f.During)
	return true
}

// drafts keeps owner's unreleased drafts f selects (f.Status is ignored).
func (w *where) drafts(owner string, f store.ZoneFilter) {
	w.add("owner = ?", owner)
	if f.Owner != "" {
		w.add("owner = ?", f.Owner)
	}
	w.add(draftsVisible)
	w.bbox(f.BBox)
	w.during(draftSpan, f.During)
}

// notices keeps the notices f selects.
func (w *where) notices(f store.NoticeFilter) {
	if f.Party != "" {
		w.add("party = ?", f.Party)
	}
	w.bbox(f.BBox)
	w.during(noticeSpan, f.During)
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
	var box [4]sql.NullFloat64
	var start, end sql.NullString
	var open int64
	err := db.read.QueryRowContext(ctx, q, w.args...).Scan(&s.Count, &box[0], &box[1], &box[2], &box[3], &start, &end, &open)
	if err != nil {
		return s, fmt.Errorf("sqlite: %s summary: %w", what, err)
	}
	if s.Count == 0 {
		return store.Summary{}, nil
	}
	for i := range box {
		s.BBox[i] = box[i].Float64
	}
	if start.Valid {
		t, err := parseTime(start.String)
		if err != nil {
			return s, err
		}
		s.Start = &t
	}
	if end.Valid && open == 0 {
		t, err := parseTime(end.String)
		if err != nil {
			return s, err
		}
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
	w.drafts(owner, f)
	return db.summary(ctx, "drafts", "zone_drafts", draftSpan, &w)
}

func (db *DB) NoticeSummary(ctx context.Context, f store.NoticeFilter) (store.Summary, error) {
	var w where
	w.notices(f)
	return db.summary(ctx, "notices", "notices", noticeSpan, &w)
}

// incidentSpan is an incident's instant, occurred_at, as a span.
var incidentSpan = [2]string{"occurred_at", "occurred_at"}

func (db *DB) IncidentSummary(ctx context.Context, f store.IncidentFilter) (store.Summary, error) {
	var w where
	w.incidents(f)
	return db.summary(ctx, "incidents", "incidents", incidentSpan, &w)
}

func (db *DB) IncidentDraftSummary(ctx context.Context, owner string, f store.IncidentFilter) (store.Summary, error) {
	var w where
	w.add("owner = ?", owner)
	w.add(incidentDraftsVisible)
	w.incidents(f)
	return db.summary(ctx, "incident drafts", "incident_drafts", incidentSpan, &w)
}
