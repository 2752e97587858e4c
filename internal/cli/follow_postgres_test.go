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
	t.Cleanup(srv.Close) // after the stream's body is closed (cleanups run last first)
	lines := openStream(t, srv, e.Token(t, "ru-observer"))

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
	waitEvent(t, lines, released.Add(time.Second), z.ID, `"kind":"zone.release"`)
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

// TestTwoNodesHQEvents: a draft saved through node A reaches a stream of
// its party on node B at once (PostgreSQL NOTIFY), not at the stream's
// heartbeat, which is slowed to an hour; another party's stream on B hears
// nothing of it.
func TestTwoNodesHQEvents(t *testing.T) {
	slow := func(o *cli.Options) { o.FollowEvery, o.Heartbeat = time.Hour, time.Hour }
	e := testenv.NewPostgres(t, slow)
	b := e.Node(t, slow)
	srv := httptest.NewServer(b.Handler())
	t.Cleanup(srv.Close) // after the streams' bodies are closed (cleanups run last first)
	stream := func(user string) <-chan string { return openStream(t, srv, e.Token(t, user)) }
	ours, theirs := stream("us-analyst"), stream("ru-analyst")
	// Both streams are open (their first heartbeat would take an hour):
	// give node B's LISTEN and the streams' subscriptions a moment.
	time.Sleep(300 * time.Millisecond)

	name, cat := "Two-node draft (illustrative)", domain.CategoryCivilian
	z, err := e.App.Office.CreateZone(as("us-analyst"), office.ZoneInput{
		Geometry: json.RawMessage(`{"type":"Polygon","coordinates":[[[51,51],[51.01,51],[51.01,51.01],[51,51.01],[51,51]]]}`),
		Name:     &name, Category: &cat,
	})
	if err != nil {
		t.Fatal(err)
	}
	saved := time.Now()
	waitEvent(t, ours, saved.Add(3*time.Second), z.ID, `"kind":"hq.zone"`)
	t.Logf("node B's stream heard of node A's draft after %v", time.Since(saved).Round(time.Millisecond))
	quiet := time.After(300 * time.Millisecond)
	for {
		select {
		case l, ok := <-theirs:
			if !ok {
				t.Fatal("ru's stream on node B ended")
			}
			if strings.Contains(l, z.ID) {
				t.Fatalf("ru's stream on node B shows us's draft: %s", l)
			}
		case <-quiet:
			return
		}
	}
}

// openStream opens GET /api/v1/events on srv with token and returns its
// lines; the stream is closed when the test ends.
func openStream(t *testing.T, srv *httptest.Server, token string) <-chan string {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("events: %v %v", resp, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	return lines
}

// waitEvent waits until deadline for a data line of lines naming subject
// and holding kind.
func waitEvent(t *testing.T, lines <-chan string, deadline time.Time, subject, kind string) {
	t.Helper()
	timeout := time.After(time.Until(deadline))
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the event stream ended")
			}
			if strings.HasPrefix(l, "data: ") && strings.Contains(l, subject) && strings.Contains(l, kind) {
				return
			}
		case <-timeout:
			t.Fatalf("no %s event of %s in the stream by the deadline", kind, subject)
		}
	}
}
