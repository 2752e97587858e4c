package office

import (
	"sync"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/geo"
)

// TestSpatialRefreshNeverHidesAZone: re-indexing a zone (the writer's and
// the follower's Refresh both do, concurrently with checks) must never let
// a check see the zone missing and answer clear.
func TestSpatialRefreshNeverHidesAZone(t *testing.T) {
	geom := []byte(`{"type":"Polygon","coordinates":[[[20,20],[20.05,20],[20.05,20.05],[20,20.05],[20,20]]]}`)
	z := benchZone(t, "zon_refresh", geom, 0)
	sp := NewSpatial()
	if err := sp.PutZone(z); err != nil {
		t.Fatal(err)
	}
	q, err := geo.NewPoint(20.01, 20.01)
	if err != nil {
		t.Fatal(err)
	}
	at := benchSince.Add(time.Hour)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := sp.PutZone(z); err != nil {
				t.Error(err)
				return
			}
		}
	})
	defer func() { close(stop); wg.Wait() }()
	for k := range 20_000 {
		if d, _ := sp.Check(q, 0, at, nil, at); d.Result != truce.ResultConflict {
			t.Fatalf("check %d during re-indexing: %s, want conflict", k, d.Result)
		}
	}
}
