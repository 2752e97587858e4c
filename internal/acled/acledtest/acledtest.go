// Package acledtest generates illustrative ACLED-format CSV files for
// tests, benchmarks and trials: deterministic for a seed, over the demo's
// illustrative area, with actors of the demo (by name and by alias) and a
// few that do not exist yet. The events are synthetic; every note says so.
package acledtest

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/truce-org/truce/internal/acled"
)

// Config shapes a generated file.
type Config struct {
	Rows int
	Seed uint64
	// From and Until bound event_date (days in [From, Until)).
	From, Until time.Time
	// Box is [min lon, min lat, max lon, max lat] of the events; zero for
	// the demo's area.
	Box [4]float64
}

// DemoBox covers the demo's zones, so that some events violate them.
var DemoBox = [4]float64{35.95, 35.75, 36.95, 36.35}

var actors = []string{
	"Government Forces of Examplia (illustrative)", "GFE", "Free Hills Brigades (illustrative)", "FHB",
	"Hills Brigades", "Northern Crescent Front (illustrative)", "NCF", "Coastal Defence Council (illustrative)",
	"River Towns Alliance (illustrative)", "Unnamed Armed Group A (illustrative)", "Unnamed Armed Group B (illustrative)",
}

var targets = []string{"", "", "Civilians (illustrative)", "Government Forces of Examplia (illustrative)", "Free Hills Brigades (illustrative)"}

// subs weights the sub-event types: mostly hostile ones.
var subs = []string{
	"Armed clash", "Armed clash", "Shelling/artillery/missile attack", "Shelling/artillery/missile attack",
	"Air/drone strike", "Air/drone strike", "Remote explosive/landmine/IED", "Attack", "Grenade",
	"Abduction/forced disappearance", "Looting/property destruction", "Non-state actor overtakes territory",
	"Headquarters or base established", "Peaceful protest", "Other",
}

var disorder = map[string]string{
	"Battles": "Political violence", "Explosions/Remote violence": "Political violence",
	"Violence against civilians": "Political violence", "Protests": "Demonstrations", "Riots": "Demonstrations",
	"Strategic developments": "Strategic developments",
}

// Write writes cfg.Rows rows with a header to w.
func Write(w io.Writer, cfg Config) error {
	if cfg.Box == ([4]float64{}) {
		cfg.Box = DemoBox
	}
	days := max(1, int(cfg.Until.Sub(cfg.From).Hours()/24))
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := csv.NewWriter(bw)
	if err := cw.Write(acled.Columns); err != nil {
		return err
	}
	row := make([]string, len(acled.Columns))
	col := map[string]int{}
	for k, c := range acled.Columns {
		col[c] = k
	}
	set := func(c, v string) { row[col[c]] = v }
	for n := range cfg.Rows {
		day := cfg.From.AddDate(0, 0, rng.IntN(days))
		sub := subs[rng.IntN(len(subs))]
		lon := cfg.Box[0] + rng.Float64()*(cfg.Box[2]-cfg.Box[0])
		lat := cfg.Box[1] + rng.Float64()*(cfg.Box[3]-cfg.Box[1])
		clear(row)
		set("event_id_cnty", "EXA"+strconv.Itoa(n+1))
		set("event_date", day.Format("2006-01-02"))
		set("year", strconv.Itoa(day.Year()))
		set("time_precision", strconv.Itoa(1+rng.IntN(3)))
		set("disorder_type", disorder[acled.EventTypeOf(sub)])
		set("event_type", acled.EventTypeOf(sub))
		set("sub_event_type", sub)
		set("actor1", actors[rng.IntN(len(actors))])
		set("inter1", strconv.Itoa(1+rng.IntN(8)))
		set("actor2", targets[rng.IntN(len(targets))])
		set("interaction", strconv.Itoa(10+rng.IntN(80)))
		set("iso", "999")
		set("region", "Illustrative Region")
		set("country", "Examplia (illustrative)")
		set("admin1", "North-West (illustrative)")
		set("location", fmt.Sprintf("Place %d (illustrative)", rng.IntN(500)))
		set("latitude", strconv.FormatFloat(round4(lat), 'f', -1, 64))
		set("longitude", strconv.FormatFloat(round4(lon), 'f', -1, 64))
		set("geo_precision", strconv.Itoa(1+rng.IntN(3)))
		set("source", "Illustrative Wire; Example Monitor")
		set("source_scale", "Local partner-Other")
		set("notes", fmt.Sprintf("Generated illustrative event %d: %s near a place of the demo area.", n+1, sub))
		set("fatalities", strconv.Itoa(rng.IntN(4)))
		set("timestamp", "1700000000")
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

func round4(x float64) float64 { return float64(int64(x*10000+0.5)) / 10000 }
