package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/testenv"
)

// walk lists every actor page by page and returns the pages' ids.
func walk(tb testing.TB, e *testenv.Env, limit string) [][]string {
	tb.Helper()
	var pages [][]string
	cursor := ""
	for {
		q := url.Values{"limit": {limit}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		r := get(tb, e, "mon-observer", "/api/v1/actors?"+q.Encode())
		mustStatus(tb, r, http.StatusOK, "page "+fmt.Sprint(len(pages)+1))
		var l actorList
		r.JSON(tb, &l)
		ids := make([]string, len(l.Items))
		for i, a := range l.Items {
			ids[i] = a.ID
		}
		pages = append(pages, ids)
		if l.NextCursor == "" {
			return pages
		}
		if len(pages) > 100_000 {
			tb.Fatal("the walk does not end")
		}
		cursor = l.NextCursor
	}
}

func TestPaging(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	// A seventh actor makes the last page short.
	mustStatus(t, e.Do(t, "ru-analyst", http.MethodPost, "/api/v1/actors", map[string]any{"name": "Paging Group (illustrative)"}),
		http.StatusCreated, "create actor")
	all := allActors(t, e)
	if len(all) != 7 {
		t.Fatalf("%d actors, want the demo's 6 and one more", len(all))
	}
	var want []string
	for _, a := range all {
		want = append(want, a.ID)
	}

	for _, limit := range []int{1, 2, 3, 6, 7, 8} {
		pages := walk(t, e, fmt.Sprint(limit))
		var got []string
		for i, p := range pages {
			if len(p) > limit || (i < len(pages)-1 && len(p) != limit) {
				t.Errorf("limit %d: page %d has %d items", limit, i+1, len(p))
			}
			got = append(got, p...)
		}
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: walked %q, want each actor once, in order: %q", limit, got, want)
		}
		if wantPages := (len(want) + limit - 1) / limit; len(pages) != wantPages {
			t.Errorf("limit %d: %d pages, want %d", limit, len(pages), wantPages)
		}
	}

	// The default page holds everything here, and ends the list.
	r := get(t, e, "us-observer", "/api/v1/actors")
	mustStatus(t, r, http.StatusOK, "default page")
	var l actorList
	r.JSON(t, &l)
	if len(l.Items) != len(want) || l.NextCursor != "" {
		t.Errorf("default page: %d items, next_cursor %q", len(l.Items), l.NextCursor)
	}

}

// More than 10,000 actors: a larger limit is clamped to 10,000, not refused.
func TestPagingLimitClamped(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	const total = 10_001
	have := len(allActors(t, e))
	createActors(t, e, total-have)

	for _, limit := range []string{"10001", "9999999999"} {
		pages := walk(t, e, limit)
		if len(pages) != 2 || len(pages[0]) != 10_000 || len(pages[1]) != 1 {
			sizes := make([]int, len(pages))
			for i, p := range pages {
				sizes[i] = len(p)
			}
			t.Errorf("limit %s: pages of %v items, want [10000 1]", limit, sizes)
		}
	}
}

// createActors puts n actors straight into the office state, in one
// transaction and outside the journal: this test is about the API's pages,
// and 10,000 signed entries would take most of a minute under -race.
func createActors(tb testing.TB, e *testenv.Env, n int) {
	tb.Helper()
	now := time.Now().UTC()
	err := e.App.Storage.Store.Append(context.Background(), func(tx store.AppendTx) error {
		for i := range n {
			a := truce.Actor{
				ID: fmt.Sprintf("act_paging%06d", i), Name: fmt.Sprintf("Paging Group %d (illustrative)", i),
				Aliases: []string{}, Designations: map[string]truce.Designation{}, CreatedBy: "us", CreatedAt: now,
			}
			if err := tx.PutActor(a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}
