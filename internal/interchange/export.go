package interchange

import (
	"context"
	"io"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/acled"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/store"
)

// exportPage is how many items an export reads per page: exports stream,
// they never hold every item at once.
const exportPage = 1000

// EachIncident calls fn with every incident the caller may see (the
// office's and its own party's drafts), by id, page by page.
func EachIncident(ctx context.Context, svc *office.Service, f store.IncidentFilter, fn func(truce.Incident) error) error {
	page := store.Page{Limit: exportPage}
	for {
		list, err := svc.Incidents(ctx, f, page)
		if err != nil {
			return err
		}
		for _, i := range list {
			if err := fn(i); err != nil {
				return err
			}
		}
		if len(list) < page.Limit {
			return nil
		}
		page.After = list[len(list)-1].ID
	}
}

// EachZone calls fn with every zone the caller may see, by id, page by page.
func EachZone(ctx context.Context, svc *office.Service, f store.ZoneFilter, fn func(truce.Zone) error) error {
	page := store.Page{Limit: exportPage}
	for {
		list, err := svc.Zones(ctx, f, page)
		if err != nil {
			return err
		}
		for _, z := range list {
			if err := fn(z); err != nil {
				return err
			}
		}
		if len(list) < page.Limit {
			return nil
		}
		page.After = list[len(list)-1].ID
	}
}

// ExportACLED writes the incidents the caller may see as ACLED CSV with the
// 31 columns, and returns how many it wrote. An incident imported from
// ACLED gives back the row it came from.
func ExportACLED(ctx context.Context, svc *office.Service, w io.Writer, f store.IncidentFilter) (int, error) {
	aw, err := acled.NewWriter(w)
	if err != nil {
		return 0, err
	}
	names := map[string]string{}
	var lookupErr error
	name := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		a, err := svc.Actor(ctx, id)
		if err != nil {
			lookupErr = err
			return ""
		}
		names[id] = a.Name
		return a.Name
	}
	n := 0
	err = EachIncident(ctx, svc, f, func(i truce.Incident) error {
		if err := aw.Write(i, name); err != nil {
			return err
		}
		if lookupErr != nil {
			return lookupErr
		}
		n++
		if n%exportPage == 0 {
			return aw.Flush()
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, aw.Flush()
}
