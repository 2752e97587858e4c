package office

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/geo"
	"github.com/truce-org/truce/internal/geo/geotest"
	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/store/sqlite"
	"github.com/truce-org/truce/internal/store/storetest"
)

// Sizes of the violation benchmarks (issue 4).
const (
	violationZones     = 100_000   // zones stored and indexed for BenchmarkViolationCheck
	violationQueries   = 4096      // point incidents the check cycles through
	violationAgreement = 100       // of them compared between fold and index
	recomputeIncidents = 1_000_000 // incidents stored for BenchmarkRecomputeNear
	newZonesCycled     = 64        // new zones BenchmarkRecomputeNear cycles through
	benchBatch         = 10_000    // rows per Append while loading
)

// benchSince is when every benchmark zone comes into force: before all of
// storetest.SyntheticIncidents' occurred_at (2024 and 2025) and before the
// point incidents of the check.
var benchSince = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)

// errRollback ends an Append without writing anything.
var errRollback = errors.New("benchmark: roll back")

// openBenchStore opens an empty SQLite store in a temporary directory.
func openBenchStore(b *testing.B) *sqlite.DB {
	b.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "truce.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// benchZone is a released zone with one version, in force since
// benchSince, settled as the fold settles it (box included).
func benchZone(b testing.TB, id string, geometry []byte, bufferM float64) truce.Zone {
	b.Helper()
	g, err := geo.ParsePolygonal(geometry, foldLimits)
	if err != nil {
		b.Fatalf("zone %s: %v", id, err)
	}
	v := truce.ZoneVersion{
		Version: 1,
		ZoneContent: truce.ZoneContent{Name: "Zone " + id, Category: truce.CategoryCivilian, ValidFrom: benchSince,
			BufferM: bufferM, Geometry: slices.Clone(geometry)},
		BBox: BoxOf(g), Hash: "sha256:" + id, ReleasedBy: "us-official", ReleasedAt: benchSince, Entry: 1,
		Responses: map[string]truce.ZoneResponse{}, Status: truce.ZoneInForce,
	}
	z := truce.Zone{ID: id, Owner: "us", Version: 1, Versions: []truce.ZoneVersion{v},
		CreatedBy: "us-official", CreatedAt: benchSince, UpdatedAt: benchSince, Revealed: []truce.RevealedSite{}, Entry: 1}
	settleZone(&z, benchSince)
	if z.Status != truce.ZoneInForce || z.InForce != 1 {
		b.Fatalf("zone %s settled as %s, version %d in force", id, z.Status, z.InForce)
	}
	return z
}

// benchZones returns n zones from geotest's workload with seed, buffers
// of 0 to 400 m.
func benchZones(b *testing.B, n int, seed uint64, prefix string) []truce.Zone {
	b.Helper()
	zones := make([]truce.Zone, 0, n)
	geotest.Workload{Zones: n, Seed: seed}.EachZone(func(k int, geojson []byte) {
		zones = append(zones, benchZone(b, fmt.Sprintf("%s%07d", prefix, k), geojson, float64(k%5)*100))
	})
	return zones
}

// benchPoint is a point uniform over geotest's square, its GeoJSON and its box.
func benchPoint(b *testing.B, rng *rand.Rand) (geo.Geometry, json.RawMessage, [4]float64) {
	b.Helper()
	lon, lat := geotest.Offset(geotest.Lon, geotest.Lat, (2*rng.Float64()-1)*geotest.HalfSpan, (2*rng.Float64()-1)*geotest.HalfSpan)
	g, err := geo.NewPoint(lon, lat)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := json.Marshal(g)
	if err != nil {
		b.Fatal(err)
	}
	return g, raw, BoxOf(g)
}

// appendBatches writes n rows through put, benchBatch per committed Append.
func appendBatches(b *testing.B, db *sqlite.DB, n int, put func(tx store.AppendTx, k int) error) {
	b.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += benchBatch {
		if err := db.Append(ctx, func(tx store.AppendTx) error {
			for k := start; k < min(start+benchBatch, n); k++ {
				if err := put(tx, k); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkViolationCheck is the violation check of one point incident
// against 100,000 released zones in force (geotest's stars of 100–1,000 m
// over 300 km × 300 km, buffers 0–400 m), beside the deconfliction check of
// the same point:
//
//   - fold-sqlite: violations() inside an Append on SQLite, as the fold runs
//     it (candidates by ZonesMeeting, JSON decoding, CommitmentsBy, exact
//     test), rolled back;
//   - fold-memstate: the same over the MemState verification folds into;
//   - deconflict-index: Spatial.Check on the in-memory R-tree;
//   - linear-memory: parsed zones in a slice, box test then geo.Within,
//     every zone each time: the floor without any index or store.
func BenchmarkViolationCheck(b *testing.B) {
	ctx := context.Background()
	start := time.Now()
	zones := benchZones(b, violationZones, 1, "zon_")
	made := time.Since(start)

	start = time.Now()
	db := openBenchStore(b)
	appendBatches(b, db, len(zones), func(tx store.AppendTx, k int) error { return tx.PutZone(zones[k]) })
	stored := time.Since(start)

	start = time.Now()
	sp := NewSpatial()
	for _, z := range zones {
		if err := sp.PutZone(z); err != nil {
			b.Fatal(err)
		}
	}
	indexed := time.Since(start)

	start = time.Now()
	mem := NewMemState(nil)
	for _, z := range zones {
		if err := mem.PutZone(z); err != nil {
			b.Fatal(err)
		}
	}
	memLoaded := time.Since(start)

	type parsedZone struct {
		id  string
		box store.Box
		g   geo.Geometry
		buf float64
	}
	linear := make([]parsedZone, len(zones))
	for k, z := range zones {
		v := z.InForceAt(benchSince)
		g, err := geo.ParsePolygonal(v.Geometry, foldLimits)
		if err != nil {
			b.Fatal(err)
		}
		linear[k] = parsedZone{id: z.ID, box: store.Box(z.BBox), g: g, buf: v.BufferM}
	}
	b.Logf("%d zones: built %v, stored in SQLite %v (%d Appends), indexed %v, MemState %v",
		len(zones), made.Round(time.Millisecond), stored.Round(time.Millisecond), (len(zones)+benchBatch-1)/benchBatch,
		indexed.Round(time.Millisecond), memLoaded.Round(time.Millisecond))

	rng := rand.New(rand.NewPCG(4, 9))
	accused := "ru"
	incs := make([]truce.Incident, violationQueries)
	geoms := make([]geo.Geometry, violationQueries)
	for k := range incs {
		g, raw, box := benchPoint(b, rng)
		at := benchSince.Add(time.Duration(1+rng.Int64N(2*365*24)) * time.Hour)
		incs[k] = truce.Incident{ID: fmt.Sprintf("inc_%010d", k), Owner: "us", Status: truce.IncidentReported,
			IncidentContent: truce.IncidentContent{OccurredAt: at, Type: truce.IncidentShelling, Sources: []string{}, Geometry: raw},
			Accused:         &accused, Violations: []truce.Violation{}, BBox: box}
		geoms[k] = g
	}
	now := benchSince.Add(3 * 365 * 24 * time.Hour)

	// The fold and the index must find the same zones.
	var hits, total, differ int
	if err := db.Append(ctx, func(tx store.AppendTx) error {
		for k := range violationAgreement {
			vs, err := violations(tx, &incs[k])
			if err != nil {
				return err
			}
			d, _ := sp.Check(geoms[k], 0, incs[k].OccurredAt, nil, now)
			var fold, index []string
			for _, v := range vs {
				fold = append(fold, v.ZoneID)
			}
			for _, c := range d.Conflicts {
				index = append(index, c.ZoneID)
			}
			if len(fold) > 0 {
				hits++
			}
			total += len(fold)
			if !slices.Equal(fold, index) {
				differ++
				if differ <= 5 {
					b.Errorf("point %s: fold finds %v, deconfliction %v", incs[k].ID, fold, index)
				}
			}
		}
		return errRollback
	}); !errors.Is(err, errRollback) {
		b.Fatal(err)
	}
	b.Logf("agreement: %d points, %d in some zone, %d violations in all, %d differ", violationAgreement, hits, total, differ)

	b.Run("fold-sqlite", func(b *testing.B) {
		if err := db.Append(ctx, func(tx store.AppendTx) error {
			k := 0
			for b.Loop() {
				if _, err := violations(tx, &incs[k%len(incs)]); err != nil {
					return err
				}
				k++
			}
			return errRollback
		}); !errors.Is(err, errRollback) {
			b.Fatal(err)
		}
	})
	b.Run("fold-memstate", func(b *testing.B) {
		k := 0
		for b.Loop() {
			if _, err := violations(mem, &incs[k%len(incs)]); err != nil {
				b.Fatal(err)
			}
			k++
		}
	})
	b.Run("deconflict-index", func(b *testing.B) {
		k := 0
		for b.Loop() {
			i := k % len(incs)
			sp.Check(geoms[i], 0, incs[i].OccurredAt, nil, now)
			k++
		}
	})
	b.Run("linear-memory", func(b *testing.B) {
		k, found := 0, 0
		for b.Loop() {
			i := k % len(incs)
			for _, z := range linear {
				if z.box.Meets(store.Box(incs[i].BBox)) && geo.Within(z.g, geoms[i], z.buf) {
					found++
				}
			}
			k++
		}
		if found < 0 {
			b.Fatal("unreachable")
		}
	})
}

// countingProjection counts what recomputeNear reads and writes.
type countingProjection struct {
	store.Projection
	visited, rewritten int
}

func (c *countingProjection) EachIncidentMeeting(box store.Box, fn func(truce.Incident) error) error {
	return c.Projection.EachIncidentMeeting(box, func(i truce.Incident) error {
		c.visited++
		return fn(i)
	})
}

func (c *countingProjection) PutIncident(i truce.Incident) error {
	c.rewritten++
	return c.Projection.PutIncident(i)
}

// BenchmarkRecomputeNear is the fold's work after one zone changes, with
// 1,000,000 released incidents stored in SQLite (points uniform over
// geotest's square, storetest.SyntheticIncidents' other fields, no
// violations: no zone is stored before). Each iteration, inside an Append
// that is rolled back, releases one new zone in force since before every
// incident (geotest's stars, buffers 0–400 m) and calls recomputeNear.
// visited/op is how many incidents EachIncidentMeeting returned,
// rewritten/op how many recomputeNear wrote (their violations changed).
func BenchmarkRecomputeNear(b *testing.B) {
	ctx := context.Background()
	db := openBenchStore(b)
	start := time.Now()
	rng := rand.New(rand.NewPCG(5, 9))
	batch := make([]truce.Incident, 0, benchBatch)
	flush := func() {
		if err := db.Append(ctx, func(tx store.AppendTx) error {
			for _, i := range batch {
				if err := tx.PutIncident(i); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	for i := range storetest.SyntheticIncidents(recomputeIncidents) {
		_, raw, box := benchPoint(b, rng)
		i.Geometry, i.BBox, i.Violations = raw, box, []truce.Violation{}
		batch = append(batch, i)
		if len(batch) == benchBatch {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
	b.Logf("%d incidents stored in %v (%d per Append)", recomputeIncidents, time.Since(start).Round(time.Millisecond), benchBatch)

	zones := benchZones(b, newZonesCycled, 3, "zon_new_")
	var visited, rewritten, n int
	for b.Loop() {
		z := zones[n%len(zones)]
		cp := &countingProjection{}
		if err := db.Append(ctx, func(tx store.AppendTx) error {
			cp.Projection = tx
			if err := tx.PutZone(z); err != nil {
				return err
			}
			if err := recomputeNear(cp, z); err != nil {
				return err
			}
			return errRollback
		}); !errors.Is(err, errRollback) {
			b.Fatal(err)
		}
		visited += cp.visited
		rewritten += cp.rewritten
		n++
	}
	b.ReportMetric(float64(visited)/float64(n), "visited/op")
	b.ReportMetric(float64(rewritten)/float64(n), "rewritten/op")
	b.ReportMetric(recomputeIncidents, "stored")
}
