package storetest

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"time"

	"github.com/truce-org/truce"
)

// SyntheticIncidents yields n released incidents for benchmarks, the same
// ones in every run: ids inc_0000000000 onwards, occurred_at spread over
// two years from 2024-01-01 (microseconds), 100 perpetrators (one incident
// in 20 has none), and one to three violations each among 200 zones
// answered for by six parties (one violation in 10 by none), so that an
// incident's violations often share their answerable party.
func SyntheticIncidents(n int) iter.Seq[truce.Incident] {
	return func(yield func(truce.Incident) bool) {
		rng := rand.New(rand.NewPCG(1, 2))
		start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		span := int64(2 * 365 * 24 * time.Hour / time.Microsecond)
		parties := []string{"us", "ru", "tr", "ir", "sy", "iq"}
		geom := []byte(`{"type":"Point","coordinates":[36.2,35.9]}`)
		for k := range n {
			at := start.Add(time.Duration(rng.Int64N(span)) * time.Microsecond)
			lon, lat := 35+rng.Float64()*7, 32+rng.Float64()*5
			i := truce.Incident{
				ID: fmt.Sprintf("inc_%010d", k), Owner: parties[k%2], Status: truce.IncidentReported,
				IncidentContent: truce.IncidentContent{OccurredAt: at, Type: truce.IncidentShelling,
					Fatalities: rng.IntN(4), Description: "shelling near the road", Sources: []string{"report"}, Geometry: geom},
				CreatedBy: "official", CreatedAt: at.Add(time.Hour), UpdatedAt: at.Add(2 * time.Hour),
				BBox: [4]float64{lon, lat, lon, lat}, Entry: int64(k),
			}
			if rng.IntN(20) != 0 {
				p := fmt.Sprintf("act_%03d", rng.IntN(100))
				i.Perpetrator = &p
			}
			nv := 1
			switch r := rng.IntN(100); {
			case r >= 92:
				nv = 3
			case r >= 70:
				nv = 2
			}
			for range nv {
				v := truce.Violation{ZoneID: fmt.Sprintf("zon_%03d", rng.IntN(200))}
				v.ZoneName = "Zone " + v.ZoneID
				if rng.IntN(10) != 0 {
					v.AnswerableParty = &parties[rng.IntN(len(parties))]
				}
				i.Violations = append(i.Violations, v)
			}
			i.Accused = i.Violations[0].AnswerableParty
			if !yield(i) {
				return
			}
		}
	}
}
