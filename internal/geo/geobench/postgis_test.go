package geobench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/truce-org/truce/internal/geo"
	"github.com/truce-org/truce/internal/geo/geotest"
)

// Env names the PostgreSQL server to compare with, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const Env = "TRUCE_BENCH_POSTGIS"

const (
	// bufferM is the ST_DWithin distance of the buffer case.
	bufferM = 1000.0
	// bandM is how far from bufferM a pair may lie and still be answered
	// differently by PostGIS, whose geography edges are great circles
	// (REFERENCE: a 10 km edge at 60° bulges ~3.4 m; these edges are under
	// 2.5 km, so they bulge by centimetres at 36°N).
	bandM = 1.0
	// loadLimit bounds loading and indexing one data set in PostgreSQL.
	loadLimit = 30 * time.Minute
	// queryLimit bounds one query.
	queryLimit = time.Minute
)

// The queries PostGIS answers, with the query polygon as WKB (SRID 4326).
const (
	sqlIntersects = `SELECT count(*) FROM %s WHERE ST_Intersects(geom, ST_GeomFromWKB($1, 4326))`
	sqlDWithin    = `SELECT count(*) FROM %s WHERE ST_DWithin(geog, ST_GeomFromWKB($1, 4326)::geography, $2)`
	idsIntersects = `SELECT id FROM %s WHERE ST_Intersects(geom, ST_GeomFromWKB($1, 4326))`
	idsDWithin    = `SELECT id FROM %s WHERE ST_DWithin(geog, ST_GeomFromWKB($1, 4326)::geography, $2)`
)

// server is the connection every benchmark of the process shares, with
// search_path set to the process's own schema and the one holding postgis.
type server struct {
	conn   *pgx.Conn
	schema string
}

// dataSet is one workload, parsed, indexed and loaded into PostgreSQL.
type dataSet struct {
	zones   []geo.Geometry
	queries []geo.Geometry
	qwkb    [][]byte
	ix      *geo.Index[int]
	table   string
}

var (
	mu      sync.Mutex
	srv     *server
	srvSkip string // why the comparison is skipped, once decided
	sets    = map[int]*dataSet{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		if _, err := srv.conn.Exec(ctx, "DROP SCHEMA "+srv.schema+" CASCADE"); err != nil {
			fmt.Fprintf(os.Stderr, "geobench: drop schema %s: %v\n", srv.schema, err)
		}
		srv.conn.Close(ctx)
		cancel()
	}
	os.Exit(code)
}

// getServer connects once per process and creates the schema; it skips tb
// when Env is unset or postgis cannot be created.
func getServer(tb testing.TB) *server {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if srv != nil {
		return srv
	}
	if srvSkip != "" {
		tb.Skip(srvSkip)
	}
	url := os.Getenv(Env)
	if url == "" {
		srvSkip = Env + " is not set (make bench-postgis sets it)"
		tb.Skip(srvSkip)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatalf("connect to %s: %v", Env, err)
	}
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS postgis"); err != nil {
		conn.Close(ctx)
		srvSkip = fmt.Sprintf("cannot create extension postgis (apt-get install postgresql-15-postgis-3): %v", err)
		tb.Skip(srvSkip)
	}
	var extSchema, version string
	if err := conn.QueryRow(ctx, `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'postgis'`).Scan(&extSchema); err != nil {
		conn.Close(ctx)
		tb.Fatalf("find postgis's schema: %v", err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "truce_geobench_" + hex.EncodeToString(b[:])
	for _, q := range []string{
		"CREATE SCHEMA " + schema,
		"SET search_path = " + schema + ", " + pgx.Identifier{extSchema}.Sanitize(),
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			conn.Close(ctx)
			tb.Fatalf("%s: %v", q, err)
		}
	}
	if err := conn.QueryRow(ctx, "SELECT postgis_lib_version() || ' (GEOS ' || postgis_geos_version() || '), ' || current_setting('server_version')").Scan(&version); err != nil {
		tb.Logf("PostGIS version: %v", err)
	}
	tb.Logf("PostGIS %s; schema %s", version, schema)
	srv = &server{conn: conn, schema: schema}
	return srv
}

// getSet returns the workload of n zones, parsed, indexed and loaded, once
// per process; the first call also checks that the index, a linear scan and
// PostGIS agree on the first checkN queries.
func getSet(tb testing.TB, n, checkN int) (*server, *dataSet) {
	s := getServer(tb)
	mu.Lock()
	defer mu.Unlock()
	if d, ok := sets[n]; ok {
		return s, d
	}
	w := geotest.Workload{Zones: n, Queries: 1000, Seed: uint64(n)} // as package geo's benchmarks
	d := &dataSet{table: fmt.Sprintf("zones_%d", n), ix: new(geo.Index[int])}
	t0 := time.Now()
	w.EachZone(func(i int, js []byte) {
		g, err := geo.ParsePolygonal(js, geo.Limits{})
		if err != nil {
			tb.Fatalf("zone %d: %v", i, err)
		}
		d.zones = append(d.zones, g)
	})
	for i, js := range w.QueryJSON() {
		g, err := geo.Parse(js, geo.Limits{})
		if err != nil {
			tb.Fatalf("query %d: %v", i, err)
		}
		d.queries = append(d.queries, g)
		d.qwkb = append(d.qwkb, g.Geom().AsBinary())
	}
	tParse := time.Since(t0)
	t0 = time.Now()
	for i, z := range d.zones {
		d.ix.Insert(i, z, 0)
	}
	tb.Logf("%d zones: parsed in %v, indexed in %v", n, tParse.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
	load(tb, s, d)
	check(tb, s, d, min(checkN, len(d.queries)))
	explain(tb, s, d)
	sets[n] = d
	return s, d
}

// load copies the zones into a table of the process's schema with a GiST
// index on the geometry (SRID 4326) and another on the geography, and
// ANALYZEs it.
func load(tb testing.TB, s *server, d *dataSet) {
	ctx, cancel := context.WithTimeout(context.Background(), loadLimit)
	defer cancel()
	staging := d.table + "_wkb"
	exec := func(q string) time.Duration {
		t0 := time.Now()
		if _, err := s.conn.Exec(ctx, q); err != nil {
			tb.Fatalf("%s: %v (loads are bounded by %v)", q, err, loadLimit)
		}
		return time.Since(t0)
	}
	t0 := time.Now()
	exec("CREATE TABLE " + staging + " (id int4 NOT NULL, wkb bytea NOT NULL)")
	var wkb []byte
	copied, err := s.conn.CopyFrom(ctx, pgx.Identifier{staging}, []string{"id", "wkb"},
		pgx.CopyFromSlice(len(d.zones), func(i int) ([]any, error) {
			wkb = d.zones[i].Geom().AppendWKB(wkb[:0])
			return []any{int32(i), wkb}, nil
		}))
	if err != nil || copied != int64(len(d.zones)) {
		tb.Fatalf("COPY %d zones: %d copied, %v", len(d.zones), copied, err)
	}
	tCopy := time.Since(t0)
	tTable := exec(fmt.Sprintf(`CREATE TABLE %[1]s AS
		SELECT id, g AS geom, g::geography(Polygon, 4326) AS geog
		FROM (SELECT id, ST_GeomFromWKB(wkb, 4326)::geometry(Polygon, 4326) AS g FROM %[2]s) s`, d.table, staging))
	exec("DROP TABLE " + staging)
	tTable += exec("ALTER TABLE " + d.table + " ADD PRIMARY KEY (id)")
	tGeom := exec("CREATE INDEX ON " + d.table + " USING gist (geom)")
	tGeog := exec("CREATE INDEX ON " + d.table + " USING gist (geog)")
	tAnalyze := exec("ANALYZE " + d.table)
	var size string
	if err := s.conn.QueryRow(ctx, "SELECT pg_size_pretty(pg_total_relation_size($1))", d.table).Scan(&size); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("PostGIS load of %d zones: COPY %v, table %v, GiST geometry %v, GiST geography %v, ANALYZE %v; %s with indexes",
		len(d.zones), tCopy.Round(time.Millisecond), tTable.Round(time.Millisecond), tGeom.Round(time.Millisecond),
		tGeog.Round(time.Millisecond), tAnalyze.Round(time.Millisecond), size)
}

// explain logs PostgreSQL's plans for the first query, to show that both
// use their GiST index (and no JIT).
func explain(tb testing.TB, s *server, d *dataSet) {
	ctx, cancel := context.WithTimeout(context.Background(), queryLimit)
	defer cancel()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{fmt.Sprintf(sqlIntersects, d.table), []any{d.qwkb[0]}},
		{fmt.Sprintf(sqlDWithin, d.table), []any{d.qwkb[0], bufferM}},
	} {
		rows, err := s.conn.Query(ctx, "EXPLAIN (ANALYZE, COSTS off) "+q.sql, q.args...)
		if err != nil {
			tb.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			tb.Fatal(err)
		}
		for i, l := range lines {
			if len(l) > 120 { // the query's WKB, in hex
				lines[i] = l[:117] + "..."
			}
		}
		tb.Logf("%s\n\t%s", q.sql, strings.Join(lines, "\n\t"))
	}
}

// indexIDs lists the zones Search finds within m metres of q, sorted.
func indexIDs(d *dataSet, q geo.Geometry, m float64) []int {
	var out []int
	d.ix.Search(q, m, func(k int) bool { out = append(out, k); return true })
	slices.Sort(out)
	return out
}

// linearScan calls fn for every zone within m metres of q, testing each zone:
// its box against q's box widened by m, then geo.Within.
func linearScan(zones []geo.Geometry, q geo.Geometry, m float64, fn func(i int)) {
	b := q.Bound()
	d := m + geo.Tolerance + 1
	dlat := d / 110574 // the shortest degree of latitude, in metres
	phi := min(max(math.Abs(b.MinLat), math.Abs(b.MaxLat))+dlat, 90)
	dlon := d / (111319 * math.Cos(phi*math.Pi/180))
	minLon, maxLon, minLat, maxLat := b.MinLon-dlon, b.MaxLon+dlon, b.MinLat-dlat, b.MaxLat+dlat
	for i, z := range zones {
		zb := z.Bound()
		if zb.MinLon > maxLon || zb.MaxLon < minLon || zb.MinLat > maxLat || zb.MaxLat < minLat {
			continue
		}
		if geo.Within(z, q, m) {
			fn(i)
		}
	}
}

func linearIDs(d *dataSet, q geo.Geometry, m float64) []int {
	var out []int
	linearScan(d.zones, q, m, func(i int) { out = append(out, i) })
	return out
}

func postgisIDs(tb testing.TB, s *server, d *dataSet, qi int, buffer bool) []int {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryLimit)
	defer cancel()
	var rows pgx.Rows
	var err error
	if buffer {
		rows, err = s.conn.Query(ctx, fmt.Sprintf(idsDWithin, d.table), d.qwkb[qi], bufferM)
	} else {
		rows, err = s.conn.Query(ctx, fmt.Sprintf(idsIntersects, d.table), d.qwkb[qi])
	}
	if err != nil {
		tb.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	slices.Sort(out)
	return out
}

// distance returns the distance between z and q that geo.Within implies, to
// about a millimetre: Within(z, q, m) holds when the distance is at most
// m + Tolerance.
func distance(z, q geo.Geometry) float64 {
	if geo.Within(z, q, 0) {
		return 0
	}
	lo, hi := 0.0, 1024.0
	for !geo.Within(z, q, hi) {
		lo, hi = hi, 2*hi
	}
	for hi-lo > 1e-4 {
		mid := (lo + hi) / 2
		if geo.Within(z, q, mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi + geo.Tolerance
}

// diff returns the members of exactly one of the sorted a and b.
func diff(a, b []int) (onlyA, onlyB []int) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			onlyA = append(onlyA, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			onlyB = append(onlyB, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return onlyA, onlyB
}

// check compares the index, a linear scan and PostGIS on the first n
// queries. The index and the scan must agree exactly. ST_Intersects may miss
// only pairs that geo counts as touching, which PostGIS's ST_ShortestLine
// must confirm to be within geo.Tolerance (1 cm, plus geo's 1 mm). ST_DWithin
// on geography may differ only for pairs whose distance (geo's) lies within
// bandM of bufferM. The differences are counted and logged with PostGIS's own
// distances.
func check(tb testing.TB, s *server, d *dataSet, n int) {
	ctx, cancel := context.WithTimeout(context.Background(), loadLimit)
	defer cancel()
	t0 := time.Now()
	var hits, differ [2]int
	var notes []string
	worst := 0.0
	for qi := range n {
		q := d.queries[qi]
		for k, m := range []float64{0, bufferM} {
			ix, lin := indexIDs(d, q, m), linearIDs(d, q, m)
			if !slices.Equal(ix, lin) {
				a, b := diff(ix, lin)
				tb.Fatalf("query %d, %v m: the index alone finds %v, the linear scan alone %v", qi, m, a, b)
			}
			pg := postgisIDs(tb, s, d, qi, m > 0)
			hits[k] += len(ix)
			onlyGeo, onlyPG := diff(ix, pg)
			for _, zi := range slices.Concat(onlyGeo, onlyPG) {
				who := "geo"
				if slices.Contains(onlyPG, zi) {
					who = "PostGIS"
				}
				var pgDist, x0, y0, x1, y1 float64
				err := s.conn.QueryRow(ctx, fmt.Sprintf(`SELECT ST_Distance(geog, q::geography), ST_X(ST_StartPoint(l)), ST_Y(ST_StartPoint(l)), ST_X(ST_EndPoint(l)), ST_Y(ST_EndPoint(l))
					FROM %s, ST_GeomFromWKB($1, 4326) q, ST_ShortestLine(geom, q) l WHERE id = $2`, d.table), d.qwkb[qi], zi).Scan(&pgDist, &x0, &y0, &x1, &y1)
				if err != nil {
					tb.Fatal(err)
				}
				differ[k]++
				if m == 0 {
					// The closest points in lon/lat, by PostGIS, measured on
					// the ellipsoid: an upper bound on the distance.
					gap := geo.Distance(x0, y0, x1, y1)
					what := fmt.Sprintf("query %d, zone %d: only %s says they intersect; PostGIS's shortest line is %.4f m", qi, zi, who, gap)
					if who != "geo" || gap > geo.Tolerance+0.001 {
						tb.Fatalf("answers differ: %s", what)
					}
					notes = append(notes, what)
					continue
				}
				dist := distance(d.zones[zi], q)
				what := fmt.Sprintf("query %d, zone %d: only %s says within %v m; geo's distance %.4f m, PostGIS's %.4f m", qi, zi, who, m, dist, pgDist)
				if math.Abs(dist-m) > bandM {
					tb.Fatalf("answers differ: %s", what)
				}
				worst = max(worst, math.Abs(dist-m))
				notes = append(notes, what)
			}
		}
	}
	tb.Logf("%d zones, %d queries checked in %v: intersects %d hits, %d differ with PostGIS (touching within 1 cm); within %v m %d hits, %d differ with PostGIS, all within %.3f m of %v m (limit %v m)",
		len(d.zones), n, time.Since(t0).Round(time.Millisecond), hits[0], differ[0], bufferM, hits[1], differ[1], worst, bufferM, bandM)
	for _, s := range notes {
		tb.Log(s)
	}
}

// TestAgreesWithPostGIS checks the index, a linear scan and PostGIS against
// each other on 20,000 zones and 500 queries.
func TestAgreesWithPostGIS(t *testing.T) {
	getSet(t, 20_000, 500)
}

// benchCompare measures, per query, PostGIS, a linear scan and the index on
// the n-zone workload, for ST_Intersects and for ST_DWithin(geography, 1 km).
// checkN queries are compared first (once per process).
//
// With -count=N, Go runs each sub-benchmark N times in a row; the index's
// k-th run reports its speed-ups over the k-th runs of the other two
// (x-postgis, x-linear, and x-postgis-net over PostGIS less the k-th round
// trip of a bare SELECT 1), and the parent logs their ranges. All three cycle
// over the same queries: as many as PostGIS's first run reached (all 1,000
// when it is fast enough), so that the slow methods' averages are not over a
// different subset.
func benchCompare(b *testing.B, n, checkN int) {
	s, d := getSet(b, n, checkN)
	ctx := context.Background()
	var rt []float64
	b.Run("roundtrip", func(b *testing.B) {
		// A trivial statement: what any query to the server costs at least.
		var one int
		for b.Loop() {
			if err := s.conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
				b.Fatal(err)
			}
		}
		rt = append(rt, float64(b.Elapsed().Nanoseconds())/float64(b.N))
	})
	for _, c := range []struct {
		name string
		m    float64
		sql  string
	}{
		{"intersects", 0, fmt.Sprintf(sqlIntersects, d.table)},
		{"within1km", bufferM, fmt.Sprintf(sqlDWithin, d.table)},
	} {
		nq := 0 // queries cycled over, fixed by PostGIS's first run
		runs := map[string][]float64{}
		run := func(method string, query func(qi int) int) {
			b.Run(c.name+"/"+method, func(b *testing.B) {
				hits, i := 0, 0
				k := nq
				if k == 0 {
					k = len(d.queries)
				}
				for b.Loop() {
					hits += query(i % k)
					i++
				}
				if nq == 0 {
					nq = min(i, len(d.queries))
				}
				perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				runs[method] = append(runs[method], perOp)
				b.ReportMetric(float64(hits)/float64(i), "hits/query")
				if r := len(runs[method]) - 1; method == "index" && len(runs["postgis"]) > r && len(runs["linear"]) > r {
					b.ReportMetric(runs["postgis"][r]/perOp, "x-postgis")
					b.ReportMetric(runs["linear"][r]/perOp, "x-linear")
					if len(rt) > r {
						b.ReportMetric((runs["postgis"][r]-rt[r])/perOp, "x-postgis-net")
					}
				}
			})
		}
		run("postgis", func(qi int) int {
			var count int64
			var err error
			if c.m > 0 {
				err = s.conn.QueryRow(ctx, c.sql, d.qwkb[qi], c.m).Scan(&count)
			} else {
				err = s.conn.QueryRow(ctx, c.sql, d.qwkb[qi]).Scan(&count)
			}
			if err != nil {
				b.Fatal(err)
			}
			return int(count)
		})
		run("linear", func(qi int) int {
			hits := 0
			linearScan(d.zones, d.queries[qi], c.m, func(int) { hits++ })
			return hits
		})
		run("index", func(qi int) int {
			hits := 0
			d.ix.Search(d.queries[qi], c.m, func(int) bool { hits++; return true })
			return hits
		})
		ix, pg, lin := runs["index"], runs["postgis"], runs["linear"]
		if len(ix) == 0 || len(ix) != len(pg) || len(ix) != len(lin) {
			continue // some were filtered out by -bench
		}
		var xpg, xlin, xnet []float64
		for r := range ix {
			xpg = append(xpg, pg[r]/ix[r])
			xlin = append(xlin, lin[r]/ix[r])
			if len(rt) == len(ix) {
				xnet = append(xnet, (pg[r]-rt[r])/ix[r])
			}
		}
		net := ""
		if len(xnet) > 0 {
			net = fmt.Sprintf(", less the round trip (%s µs) %s×", span(rt, 1e-3), span(xnet, 1))
		}
		b.Logf("%d zones, %s, %d queries cycled, %d runs: index %s µs, linear %s µs (%s×), PostGIS %s µs (%s×%s)",
			n, c.name, nq, len(ix), span(ix, 1e-3), span(lin, 1e-3), span(xlin, 1), span(pg, 1e-3), span(xpg, 1), net)
	}
}

// span formats the range of xs, scaled, to about 3 significant digits.
func span(xs []float64, scale float64) string {
	f := func(x float64) string {
		if x >= 100 {
			return strconv.FormatFloat(x, 'f', 0, 64)
		}
		return strconv.FormatFloat(x, 'g', 3, 64)
	}
	lo, hi := f(slices.Min(xs)*scale), f(slices.Max(xs)*scale)
	if lo == hi {
		return lo
	}
	return lo + "–" + hi
}

// BenchmarkPostGIS100k compares on 100,000 zones, all 1,000 queries checked.
func BenchmarkPostGIS100k(b *testing.B) { benchCompare(b, 100_000, 1000) }

// BenchmarkPostGIS1M compares on 1,000,000 zones, 200 queries checked.
// Loading them into PostgreSQL takes minutes (logged).
func BenchmarkPostGIS1M(b *testing.B) { benchCompare(b, 1_000_000, 200) }
