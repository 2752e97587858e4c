package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	domain "github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/cli"
	"github.com/truce-org/truce/internal/testenv"
)

// TestTwoNodesShareRateLimits runs two nodes on one PostgreSQL database: a
// party that has spent its deconfliction burst on node A is refused on
// node B too, and so is a username that has spent its sign-in attempts;
// another party and another username are not. With limits kept in each
// node's memory, node B would allow a whole burst more.
func TestTwoNodesShareRateLimits(t *testing.T) {
	limits := func(o *cli.Options) {
		o.Now = time.Now // one clock for both nodes
		o.CheckBurst, o.CheckEvery = 3, time.Hour
		o.SignInBurst, o.SignInEvery = 2, time.Hour
	}
	e := testenv.NewPostgres(t, limits)
	a, b := e.App, e.Node(t, limits)

	check := domain.Check{Geometry: json.RawMessage(`{"type":"Point","coordinates":[10,10]}`), From: time.Now().Add(time.Hour)}
	limited := func(err error) bool {
		var te *domain.Error
		return errors.As(err, &te) && te.Code == domain.ERateLimited
	}
	allowed := 0
	for range 10 {
		_, err := a.Office.Deconflict(as("ru-planner"), check)
		if limited(err) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		allowed++
	}
	if allowed > 3 {
		t.Fatalf("node A allowed %d checks, beyond the burst of 3", allowed)
	}
	if _, err := b.Office.Deconflict(as("ru-planner"), check); !limited(err) {
		t.Fatalf("node B, after ru spent its burst on node A: %v; want rate limited", err)
	}
	if _, err := b.Office.Deconflict(as("us-planner"), check); err != nil {
		t.Fatalf("node B, us: %v", err)
	}

	ctx := context.Background()
	for k := range 2 {
		if _, err := a.Accounts.SignIn(ctx, "ru-planner", "wrong password", "192.0.2.1"); limited(err) || err == nil {
			t.Fatalf("sign-in attempt %d on node A: %v; want refused for the password", k, err)
		}
	}
	if _, err := b.Accounts.SignIn(ctx, "ru-planner", "wrong password", "192.0.2.2"); !limited(err) {
		t.Fatalf("node B, a username that spent its attempts on node A: %v; want rate limited", err)
	}
	if _, err := b.Accounts.SignIn(ctx, "us-planner", "wrong password", "192.0.2.2"); limited(err) || err == nil {
		t.Fatalf("node B, another username: %v; want refused for the password only", err)
	}
}
