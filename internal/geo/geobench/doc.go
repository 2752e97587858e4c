// Package geobench holds only tests: it measures package geo's Index beside
// PostGIS and a linear scan, in one process, on geotest's workload, and checks
// that all three give the same answers.
//
// It runs when TRUCE_BENCH_POSTGIS is a PostgreSQL URL (make bench-postgis
// sets it to the local server) and skips otherwise, or when the server cannot
// create the postgis extension. Every run loads its zones into a fresh schema
// (truce_geobench_<random>) with COPY and drops it at the end. PostGIS stays
// out of package geo's build: only this package's tests import pgx.
package geobench
