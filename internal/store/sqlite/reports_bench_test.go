package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// reportsBench is how many released reports the list benchmarks page over.
const reportsBench = 100_000

// seedReportContents writes n released reports' contents in one statement
// (seedReportRecords their records): owners us, ru, mon in turn; labels in
// turn; audiences: one in ten every party, one in a hundred party xx
// alone, the others the other parties of the owner (ru; mon and us; ru and
// us).
const seedReportContents = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?1),
r AS (SELECT i, printf('rep_%07d', i) AS id, printf('%064x', i) AS hash,
	CASE i % 3 WHEN 0 THEN 'us' WHEN 1 THEN 'ru' ELSE 'mon' END AS owner,
	CASE i % 5 WHEN 0 THEN 'TLP:CLEAR' WHEN 1 THEN 'TLP:GREEN' WHEN 2 THEN 'TLP:AMBER' WHEN 3 THEN 'TLP:AMBER+STRICT' ELSE 'TLP:RED' END AS handling,
	CASE WHEN i % 100 = 7 THEN ',xx,' WHEN i % 10 = 3 THEN '' ELSE CASE i % 3 WHEN 0 THEN ',ru,' WHEN 1 THEN ',mon,us,' ELSE ',ru,us,' END END AS recipients
	FROM n)
INSERT INTO report_contents(id, hash, owner, handling, recipients, created_by, doc)
SELECT id, hash, owner, handling, recipients, owner || '-analyst',
	json_object('id', id, 'owner', owner, 'status', 'draft', 'text', 'benchmark report (illustrative) ' || i,
		'subjects', json('[]'), 'geometry', NULL, 'reliability', 'C', 'credibility', 3, 'handling', handling,
		'to', CASE recipients WHEN '' THEN json('[]') ELSE json_array(trim(recipients, ',')) END,
		'salt', '00112233445566778899aabbccddeeff', 'hash', hash, 'created_by', owner || '-analyst',
		'created_at', '2026-01-01T00:00:00Z', 'updated_at', '2026-01-01T00:00:00Z', 'released_at', NULL, 'entry', 0)
FROM r`

const seedReportRecords = `INSERT INTO reports(id, owner, hash, entry, doc)
SELECT id, owner, hash, rowid, json_object('id', id, 'owner', owner, 'hash', hash, 'released_at', '2026-01-01T00:00:00Z',
	'updated_at', '2026-01-01T00:00:00Z', 'changes', 0, 'entry', rowid)
FROM report_contents`

// BenchmarkReportsList pages through reports as the handling rule lets a
// reader see them (filtered in the query) beside the same list unfiltered
// (All: the baseline), over 100,000 reports, in one process:
//
//   - page: the first page of 100;
//   - all: every page of 1,000 to the end;
//
// for the readers all (unfiltered), ru-official (reads about half),
// ru-analyst (no TLP:RED of others) and xx-official (a party that reads
// about one report in nine: the keyset scan passes most rows by).
func BenchmarkReportsList(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "truce.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Exec(ctx, seedReportContents, reportsBench); err != nil {
		b.Fatal(err)
	}
	if err := db.Exec(ctx, seedReportRecords); err != nil {
		b.Fatal(err)
	}
	readers := []struct {
		name string
		v    store.ReportReader
	}{
		{"unfiltered", store.ReportReader{All: true}},
		{"ru-official", store.ReportReader{Reader: truce.Reader{Party: "ru", Official: true, Username: "ru-official"}}},
		{"ru-analyst", store.ReportReader{Reader: truce.Reader{Party: "ru", Username: "ru-analyst"}}},
		{"xx-official", store.ReportReader{Reader: truce.Reader{Party: "xx", Official: true, Username: "xx-official"}}},
	}
	for _, r := range readers {
		b.Run("page/"+r.name, func(b *testing.B) {
			for b.Loop() {
				page, err := db.Reports(ctx, r.v, store.Page{Limit: 100})
				if err != nil || len(page) == 0 {
					b.Fatal(len(page), err)
				}
			}
		})
	}
	for _, r := range readers {
		b.Run("all/"+r.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				n = 0
				after := ""
				for {
					page, err := db.Reports(ctx, r.v, store.Page{Limit: 1000, After: after})
					if err != nil {
						b.Fatal(err)
					}
					n += len(page)
					if len(page) < 1000 {
						break
					}
					after = page[len(page)-1].ID
				}
			}
			b.ReportMetric(float64(n), "reports")
		})
	}
}
