package ogc

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// onlyParams rejects a query with a parameter other than f and those
// allowed, a parameter given twice, or an f other than json: the standard
// asks for 400 on unknown parameters.
func onlyParams(r *http.Request, allowed ...string) error {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return truce.Invalid("", "the query string is malformed")
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range q {
			if !yield(k) {
				return
			}
		}
	}) {
		if k != "f" && !slices.Contains(allowed, k) {
			return truce.Invalid(k, "unknown parameter %q", k)
		}
		if len(q[k]) > 1 {
			return truce.Invalid(k, "parameter %q is given more than once", k)
		}
	}
	if f, ok := q["f"]; ok && f[0] != "json" {
		return truce.Invalid("f", "f must be json (the only format served)")
	}
	return nil
}

// Query is what an items request asks for, parsed and checked.
type Query struct {
	BBox   *store.Box
	During *store.Window // nil for no datetime
	Limit  int
	After  string // the id after which the page starts ("" for the first)
}

// ParseItems reads the parameters of an items request: bbox, datetime,
// limit and cursor (and f).
func ParseItems(r *http.Request, collection string) (Query, error) {
	q := Query{Limit: DefaultLimit}
	if err := onlyParams(r, "bbox", "bbox-crs", "datetime", "limit", "cursor"); err != nil {
		return q, err
	}
	v := r.URL.Query()
	if c, ok := v["bbox-crs"]; ok && c[0] != CRS84 {
		return q, truce.Invalid("bbox-crs", "bbox-crs may only be %s (the only CRS served)", CRS84)
	}
	var err error
	if b, ok := v["bbox"]; ok {
		if q.BBox, err = ParseBBox(b[0]); err != nil {
			return q, err
		}
	}
	if d, ok := v["datetime"]; ok {
		if q.During, err = ParseDatetime(d[0]); err != nil {
			return q, err
		}
	}
	if l, ok := v["limit"]; ok {
		n, err := strconv.Atoi(l[0])
		if err != nil || n < 1 {
			return q, truce.Invalid("limit", "limit must be a whole number from 1 to %d", MaxLimit)
		}
		q.Limit = min(n, MaxLimit) // the standard: more than the maximum is not an error
	}
	if c, ok := v["cursor"]; ok {
		after, sum, ok := decodeCursor(c[0])
		if !ok || sum != q.checksum(collection) {
			return q, truce.Invalid("cursor", "cursor is not one this server gave for this query: follow the next link")
		}
		q.After = after
	}
	return q, nil
}

// checksum ties a cursor to its collection and filters, so that a cursor
// is not applied to another query.
func (q Query) checksum(collection string) string {
	var b strings.Builder
	b.WriteString(collection)
	if q.BBox != nil {
		for _, f := range q.BBox {
			b.WriteString("|" + strconv.FormatFloat(f, 'g', -1, 64))
		}
	}
	b.WriteString("|")
	if q.During != nil {
		for _, t := range []*time.Time{q.During.From, q.During.Until} {
			if t != nil {
				b.WriteString(t.UTC().Format(time.RFC3339Nano))
			}
			b.WriteString("/")
		}
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:6])
}

// cursor is the next page's cursor after the item last.
func (q Query) cursor(collection, last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(q.checksum(collection) + ":" + last))
}

func decodeCursor(c string) (after, sum string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", "", false
	}
	sum, after, ok = strings.Cut(string(b), ":")
	return after, sum, ok && after != ""
}

// ParseBBox reads a bbox of four numbers (min lon, min lat, max lon, max
// lat) or six (with min and max heights between, which are ignored: the
// features are two-dimensional) in CRS84.
func ParseBBox(v string) (*store.Box, error) {
	parts := strings.Split(v, ",")
	bad := func(why string) error {
		return truce.Invalid("bbox", "bbox is min lon,min lat,max lon,max lat (or six numbers with heights) in degrees: %s", why)
	}
	if len(parts) != 4 && len(parts) != 6 {
		return nil, bad("four or six numbers are needed")
	}
	nums := make([]float64, len(parts))
	for i, s := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, bad(strconv.Quote(s) + " is not a number")
		}
		nums[i] = f
	}
	if len(nums) == 6 {
		if nums[2] > nums[5] {
			return nil, bad("the minimum height is above the maximum")
		}
		nums = []float64{nums[0], nums[1], nums[3], nums[4]}
	}
	b := store.Box(nums)
	switch {
	case b[0] < -180 || b[2] > 180 || b[0] > 180 || b[2] < -180:
		return nil, bad("longitudes are from -180 to 180")
	case b[1] < -90 || b[3] > 90 || b[1] > 90 || b[3] < -90:
		return nil, bad("latitudes are from -90 to 90")
	case b[1] > b[3]:
		return nil, bad("the minimum latitude is above the maximum")
	case b[0] > b[2]:
		return nil, bad("a box across the antimeridian (min lon above max lon) is not supported: ask for its two halves")
	}
	return &b, nil
}

// ParseDatetime reads the datetime parameter: an instant, or an interval
// start/end whose either end may be open ("" or ".."). Times are RFC 3339
// date-times or full dates (a date is its whole day). Intervals are closed
// (both ends included); the answer is the half-open store.Window that
// selects the same items, times being stored to the microsecond.
func ParseDatetime(v string) (*store.Window, error) {
	bad := truce.Invalid("datetime",
		"datetime is an RFC 3339 date-time or date, or an interval start/end whose either end may be .. (open)")
	start, end, interval := strings.Cut(v, "/")
	if !interval {
		from, until, ok := parseInstant(v)
		if !ok {
			return nil, bad
		}
		return &store.Window{From: &from, Until: &until}, nil
	}
	if strings.Contains(end, "/") {
		return nil, bad
	}
	var w store.Window
	if start != ".." && start != "" {
		from, _, ok := parseInstant(start)
		if !ok {
			return nil, bad
		}
		w.From = &from
	}
	if end != ".." && end != "" {
		_, until, ok := parseInstant(end)
		if !ok {
			return nil, bad
		}
		w.Until = &until
	}
	if w.From != nil && w.Until != nil && !w.From.Before(*w.Until) {
		return nil, truce.Invalid("datetime", "the interval's start is after its end")
	}
	return &w, nil
}

// parseInstant reads a date-time or a date as the half-open span of stored
// times (to the microsecond) it covers.
func parseInstant(s string) (from, until time.Time, ok bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		from = t.UTC().Truncate(time.Microsecond)
		return from, from.Add(time.Microsecond), true
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d, d.AddDate(0, 0, 1), true
	}
	return time.Time{}, time.Time{}, false
}
