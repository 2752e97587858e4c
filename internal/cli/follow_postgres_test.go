package cli_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	domain "github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/cli"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/testenv"
)

func as(username string) context.Context {
	party, role, _ := strings.Cut(username, "-")
	return domain.WithCaller(context.Background(), &domain.Member{Username: username, Party: party, Role: domain.Role(role)})
}

// TestTwoNodes runs two truce nodes on one PostgreSQL database: a zone
// released on node A is seen by a deconfliction check on node B within one
// second (woken by LISTEN/NOTIFY with polling slowed to an hour so it cannot
// be what finds it; then by polling alone with notifications off), a site
// registered on A protects on B, and 64 writers spread over both nodes
// leave one journal that verifies.
func TestTwoNodes(t *testing.T) {
	t.Run("notified", func(t *testing.T) {
		twoNodes(t, func(o *cli.Options) {
			o.FollowEvery = time.Hour
			o.CheckBurst, o.CheckEvery = 1<<20, time.Nanosecond
		})
	})
	// The polling fallback alone, as on an engine without LISTEN/NOTIFY.
	t.Run("polling", func(t *testing.T) {
		twoNodes(t, func(o *cli.Options) {
			o.NoNotify, o.FollowEvery = true, 200*time.Millisecond
			o.CheckBurst, o.CheckEvery = 1<<20, time.Nanosecond
		})
	})
}

func twoNodes(t *testing.T, slow testenv.Option) {
	e := testenv.NewPostgres(t, slow)
	a := e.App
	b := e.Node(t, slow)

	// An event stream on node B, open before anything happens on A.
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+e.Token(t, "ru-observer"))
	resp, err := srv.Client().Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("events on node B: %v %v", resp, err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()

	name, cat := "Two-node zone (illustrative)", domain.CategoryCivilian
	z, err := a.Office.CreateZone(as("us-analyst"), office.ZoneInput{
		Geometry: json.RawMessage(`{"type":"Polygon","coordinates":[[[50,50],[50.01,50],[50.01,50.01],[50,50.01],[50,50]]]}`),
		Name:     &name, Category: &cat,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Office.ReleaseZone(as("us-official"), z.ID); err != nil {
		t.Fatal(err)
	}
	released := time.Now()
	// Node B's stream announces the release within a second.
	for seen := false; !seen; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("node B's event stream ended")
			}
			seen = strings.HasPrefix(l, "data: ") && strings.Contains(l, z.ID) && strings.Contains(l, "zone.release")
		case <-time.After(time.Second - time.Since(released)):
			t.Fatal("node B's event stream did not announce the release within a second")
		}
	}
	check := domain.Check{Geometry: json.RawMessage(`{"type":"Point","coordinates":[50.005,50.005]}`), From: time.Now().Add(time.Hour)}
	for {
		d, err := b.Office.Deconflict(as("ru-planner"), check)
		if err != nil {
			t.Fatal(err)
		}
		if d.Result == domain.ResultAdvisory && len(d.Conflicts) == 1 && d.Conflicts[0].ZoneID == z.ID {
			break
		}
		if time.Since(released) > time.Second {
			t.Fatalf("node B still answers %+v a second after node A released the zone", d)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A site registered on node A protects on node B.
	if _, err := a.Office.CreateSite(as("us-official"), z.ID, office.SiteInput{
		Geometry: json.RawMessage(`{"type":"Point","coordinates":[50.002,50.002]}`), RadiusM: 20, Label: "two-node site (illustrative)",
	}); err != nil {
		t.Fatal(err)
	}
	added := time.Now()
	siteCheck := domain.Check{Geometry: json.RawMessage(`{"type":"Point","coordinates":[50.002,50.002]}`), From: time.Now().Add(time.Hour)}
	for {
		d, err := b.Office.Deconflict(as("ru-planner"), siteCheck)
		if err != nil {
			t.Fatal(err)
		}
		if d.Result == domain.ResultConflict && d.Conflicts[0].Reason == domain.ReasonSite {
			break
		}
		if time.Since(added) > time.Second {
			t.Fatalf("node B answers %+v a second after node A registered a site", d)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// 64 writers over both nodes: one journal.
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		node := a
		if i%2 == 1 {
			node = b
		}
		wg.Go(func() {
			_, err := node.Office.CreateActor(as([]string{"us-analyst", "ru-analyst"}[i%2]), office.NewActor{Name: "Two-node group (illustrative)"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	res, err := office.VerifyStore(context.Background(), b.Storage.Store, office.VerifyOptions{})
	if err != nil {
		t.Fatalf("verify after two nodes appended: %v", err)
	}
	if res.Size < 64 {
		t.Fatalf("journal of %d entries", res.Size)
	}
}
