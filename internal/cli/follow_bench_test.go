package cli_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	domain "github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/cli"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/testenv"
)

// BenchmarkFollowDelay measures, on PostgreSQL, the delay from the start of
// a zone's release on node A to a check on node B seeing it: woken by
// LISTEN/NOTIFY, and by polling alone every 100 ms. It reports the median
// and 99th percentile.
func BenchmarkFollowDelay(b *testing.B) {
	for _, tc := range []struct {
		name string
		opt  testenv.Option
	}{
		{"notify", func(o *cli.Options) { o.FollowEvery = time.Hour; o.CheckBurst, o.CheckEvery = 1<<30, time.Nanosecond }},
		{"poll-100ms", func(o *cli.Options) {
			o.NoNotify, o.FollowEvery = true, 100*time.Millisecond
			o.CheckBurst, o.CheckEvery = 1<<30, time.Nanosecond
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := testenv.NewPostgres(b, tc.opt)
			a, nb := e.App, e.Node(b, tc.opt)
			name, cat := "Delay zone (illustrative)", domain.CategoryCivilian
			var delays []time.Duration
			i := 0
			for b.Loop() {
				lon := 60 + float64(i%1000)*0.05
				i++
				geom := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,50],[%g,50],[%g,50.01],[%g,50.01],[%g,50]]]}`, lon, lon+0.01, lon+0.01, lon, lon)
				z, err := a.Office.CreateZone(as("us-analyst"), office.ZoneInput{Geometry: json.RawMessage(geom), Name: &name, Category: &cat})
				if err != nil {
					b.Fatal(err)
				}
				// From the start of the release call: the commit happens within
				// it, so this bounds the delay from the commit from above.
				released := time.Now()
				if _, err := a.Office.ReleaseZone(as("us-official"), z.ID); err != nil {
					b.Fatal(err)
				}
				check := domain.Check{Geometry: json.RawMessage(fmt.Sprintf(`{"type":"Point","coordinates":[%g,50.005]}`, lon+0.005)), From: released.Add(time.Hour)}
				for {
					d, err := nb.Office.Deconflict(as("ru-planner"), check)
					if err != nil {
						b.Fatal(err)
					}
					if len(d.Conflicts) > 0 {
						break
					}
					if time.Since(released) > 10*time.Second {
						b.Fatal("not seen on node B within 10 s")
					}
					time.Sleep(200 * time.Microsecond)
				}
				delays = append(delays, time.Since(released))
			}
			slices.Sort(delays)
			b.ReportMetric(float64(delays[len(delays)/2].Microseconds())/1000, "ms-median")
			b.ReportMetric(float64(delays[len(delays)*99/100].Microseconds())/1000, "ms-p99")
		})
	}
}
