package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/cli"
	"github.com/truce-org/truce/internal/geo"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/seal"
	"github.com/truce-org/truce/internal/testenv"
)

// featureOut is a Feature as the API answers it.
type featureOut struct {
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties struct {
		ID             string                        `json:"id"`
		Owner          string                        `json:"owner"`
		Status         string                        `json:"status"`
		Version        int                           `json:"version"`
		InForceVersion int                           `json:"in_force_version"`
		ZoneHash       string                        `json:"zone_hash"`
		ReleaseEntry   int64                         `json:"release_entry"`
		Responses      map[string]truce.ZoneResponse `json:"responses"`
		RevealedSites  []truce.RevealedSite          `json:"revealed_sites"`
	} `json:"properties"`
}

type collectionOut struct {
	Type       string       `json:"type"`
	Features   []featureOut `json:"features"`
	NextCursor string       `json:"next_cursor"`
}

func decode[T any](tb testing.TB, r *testenv.Response) T {
	tb.Helper()
	var v T
	r.JSON(tb, &v)
	return v
}

// entries reads the whole journal as (kind, subject, body) of each entry.
type journalEntry struct {
	Index int64
	Note  string
	Entry truce.Entry
}

func readJournal(tb testing.TB, e *testenv.Env) []journalEntry {
	tb.Helper()
	size := e.JournalSize(tb)
	r := get(tb, e, "mon-observer", fmt.Sprintf("/api/v1/journal/entries?start=0&end=%d", size))
	mustStatus(tb, r, http.StatusOK, "entries")
	var out []journalEntry
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var line struct {
			Index int64  `json:"index"`
			Note  string `json:"note"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			tb.Fatal(err)
		}
		text := line.Note[:strings.Index(line.Note, "\n\n")+1]
		var en truce.Entry
		if err := json.Unmarshal([]byte(text), &en); err != nil {
			tb.Fatal(err)
		}
		out = append(out, journalEntry{line.Index, line.Note, en})
	}
	return out
}

// northOf returns the latitude d metres north of lat along a meridian.
func northOf(tb testing.TB, lon, lat, d float64) float64 {
	lo, hi := lat, lat+0.1
	for range 200 {
		mid := (lo + hi) / 2
		if geo.Distance(lon, lat, lon, mid) < d {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

func pointCheck(lon, lat, buffer float64) map[string]any {
	c := checkIn(lon, lat)
	c["buffer_m"] = buffer
	return c
}

func TestZoneScenario(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)

	// us draws a zone: a draft only us sees.
	in := zoneFeatureIn("Scenario zone (illustrative)")
	in["geometry"] = map[string]any{"type": "Polygon", "coordinates": [][][]float64{
		{{30, 30}, {30.02, 30}, {30.02, 30.02}, {30, 30.02}, {30, 30}}}}
	in["properties"].(map[string]any)["buffer_m"] = 0
	r := e.Do(t, "us-analyst", "POST", "/api/v1/zones", in)
	mustStatus(t, r, http.StatusCreated, "create zone")
	z := decode[featureOut](t, r)
	if z.Type != "Feature" || z.Properties.Status != "draft" || z.Properties.Owner != "us" || z.ID != z.Properties.ID {
		t.Fatalf("created: %s", r.Body)
	}
	mustStatus(t, get(t, e, "ru-official", "/api/v1/zones/"+z.ID), http.StatusNotFound, "ru reads us's draft")
	for _, f := range decode[collectionOut](t, get(t, e, "ru-official", "/api/v1/zones?limit=10000")).Features {
		if f.ID == z.ID {
			t.Fatal("ru lists us's draft")
		}
	}

	before := e.JournalSize(t)
	r = e.Do(t, "us-official", "POST", "/api/v1/zones/"+z.ID+"/release", nil)
	mustStatus(t, r, http.StatusOK, "release")
	z = decode[featureOut](t, r)
	if z.Properties.Status != "proposed" || z.Properties.Version != 1 || e.JournalSize(t) != before+1 {
		t.Fatalf("released: %s", r.Body)
	}
	mustStatus(t, e.Do(t, "us-official", "POST", "/api/v1/zones/"+z.ID+"/release", nil), http.StatusConflict, "second release")

	// ru acknowledges exactly what it was shown: a signed receipt.
	r = e.Do(t, "ru-official", "POST", "/api/v1/zones/"+z.ID+"/acknowledge", map[string]any{"version": 1, "zone_hash": z.Properties.ZoneHash})
	mustStatus(t, r, http.StatusOK, "acknowledge")
	z = decode[featureOut](t, r)
	if z.Properties.Status != "in_force" || z.Properties.InForceVersion != 1 {
		t.Fatalf("acknowledged: %s", r.Body)
	}
	journal := readJournal(t, e)
	ack, rel := journal[len(journal)-1], journal[z.Properties.ReleaseEntry]
	if ack.Entry.Kind != truce.KindZoneAcknowledge || ack.Entry.Party != "ru" || rel.Entry.Kind != truce.KindZoneRelease || rel.Entry.Subject != z.ID {
		t.Fatalf("journal tail: %+v / release %+v", ack.Entry, rel.Entry)
	}
	var receipt office.ZoneAnswerBody
	if err := json.Unmarshal(ack.Entry.Body, &receipt); err != nil {
		t.Fatal(err)
	}
	if receipt.ZoneHash != office.ZoneHash(rel.Entry.Body) || receipt.ReleaseEntry != rel.Index {
		t.Fatalf("receipt %+v does not bind release entry %d (%s)", receipt, rel.Index, office.ZoneHash(rel.Entry.Body))
	}

	// A ru planner's checks: the edge is a conflict; 1 km north with a
	// 900 m buffer is clear, with 1,100 m a conflict.
	result := func(body any) truce.Deconfliction {
		t.Helper()
		r := e.Do(t, "ru-planner", "POST", "/api/v1/deconflict", body)
		mustStatus(t, r, http.StatusOK, "deconflict")
		return decode[truce.Deconfliction](t, r)
	}
	if d := result(pointCheck(30.01, 30.02, 0)); d.Result != "conflict" || len(d.Conflicts) != 1 || d.Conflicts[0].ZoneID != z.ID || d.Conflicts[0].Reason != "zone" {
		t.Fatalf("check on the edge: %+v", d)
	}
	lat1km := northOf(t, 30.01, 30.02, 1000)
	if d := result(pointCheck(30.01, lat1km, 900)); d.Result != "clear" || len(d.Conflicts) != 0 {
		t.Fatalf("1 km away, 900 m buffer: %+v", d)
	}
	if d := result(pointCheck(30.01, lat1km, 1100)); d.Result != "conflict" {
		t.Fatalf("1 km away, 1,100 m buffer: %+v", d)
	}

	// A check over the private site in the proposed valley zone: a conflict
	// that names the zone and nothing of the site.
	valley := zoneNamed(t, e, "Valley opposition area")
	sites, err := e.App.Office.Sites(as("us-official"), valley.ID)
	if err != nil || len(sites) != 1 {
		t.Fatalf("valley sites: %v %v", sites, err)
	}
	site := sites[0]
	r = e.Do(t, "ru-planner", "POST", "/api/v1/deconflict", pointCheck(36.60, 35.90, 0))
	mustStatus(t, r, http.StatusOK, "check over the site")
	d := decode[truce.Deconfliction](t, r)
	want := truce.Conflict{ZoneID: valley.ID, ZoneName: valley.Name, Owner: "us", Status: truce.ZoneProposed, Reason: truce.ReasonSite}
	if d.Result != "conflict" || len(d.Conflicts) != 1 || d.Conflicts[0] != want {
		t.Fatalf("check over the site: %s", r.Body)
	}
	secrets := []string{site.ID, site.Label, "36.6,35.9", site.Salt}
	noSecrets := func(what string, body []byte) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(string(body), s) {
				t.Errorf("%s holds %q: %s", what, s, body)
			}
		}
	}
	noSecrets("check answer", r.Body)
	if d := result(pointCheck(36.66, 35.86, 0)); d.Result != "advisory" || len(d.Conflicts) != 1 || d.Conflicts[0].Reason != "zone" {
		t.Fatalf("check in the valley away from the site: %+v", d)
	}

	// us sees the probe; ru sees nothing of it.
	probes := decode[struct {
		Features []struct {
			ID         string `json:"id"`
			Properties struct {
				SiteID string `json:"site_id"`
				Member string `json:"member"`
				Kind   string `json:"kind"`
			} `json:"properties"`
		} `json:"features"`
	}](t, get(t, e, "us-observer", "/api/v1/probes"))
	var probeID string
	for _, f := range probes.Features {
		if p := f.Properties; p.SiteID == site.ID && p.Member == "ru-planner" && p.Kind == "check" {
			probeID = f.ID
		}
	}
	if probeID == "" {
		t.Fatalf("us sees no probe of its site: %+v", probes)
	}
	mustStatus(t, get(t, e, "ru-official", "/api/v1/probes/"+probeID), http.StatusNotFound, "ru reads us's probe")
	if ps := decode[collectionOut](t, get(t, e, "ru-official", "/api/v1/probes")); len(ps.Features) != 0 {
		t.Fatalf("ru lists probes: %+v", ps)
	}

	// ru cannot find the site by any path.
	for _, path := range []string{
		"/api/v1/zones/" + valley.ID + "/sites",
		"/api/v1/zones/" + valley.ID + "/sites/" + site.ID,
		"/api/v1/probes/" + probeID,
	} {
		r := get(t, e, "ru-official", path)
		mustStatus(t, r, http.StatusNotFound, "ru GET "+path)
		noSecrets("ru GET "+path, r.Body)
	}
	mustStatus(t, e.Do(t, "ru-official", "POST", "/api/v1/zones/"+valley.ID+"/sites/"+site.ID+"/reveal", nil), http.StatusNotFound, "ru reveals")
	for _, path := range []string{"/api/v1/zones/" + valley.ID, "/api/v1/zones?limit=10000", "/api/v1/notices?limit=10000", "/api/v1/journal"} {
		noSecrets("ru GET "+path, get(t, e, "ru-official", path).Body)
	}
	for _, en := range readJournal(t, e) {
		noSecrets(fmt.Sprintf("journal entry %d", en.Index), []byte(en.Note))
	}

	// After a strike, us reveals the site; anyone checks it against the
	// commitment made before.
	r = e.Do(t, "us-official", "POST", "/api/v1/zones/"+valley.ID+"/sites/"+site.ID+"/reveal", nil)
	mustStatus(t, r, http.StatusOK, "reveal")
	rs := decode[truce.RevealedSite](t, r)
	if rs.Record.Site != site.ID || rs.Record.Label != site.Label || !rs.CommittedAt.Before(rs.Time) {
		t.Fatalf("revealed: %s", r.Body)
	}
	journal = readJournal(t, e)
	commit := journal[rs.CommitmentEntry].Entry
	var cb office.SitesCommitBody
	if err := json.Unmarshal(commit.Body, &cb); err != nil || commit.Kind != truce.KindSitesCommit || commit.Party != "us" {
		t.Fatalf("commitment entry %d: %+v %v", rs.CommitmentEntry, commit, err)
	}
	root, _ := base64.StdEncoding.DecodeString(cb.Root)
	proof := make(tlog.RecordProof, len(rs.Proof))
	for i, p := range rs.Proof {
		b, _ := base64.StdEncoding.DecodeString(p)
		copy(proof[i][:], b)
	}
	rec, _ := json.Marshal(rs.Record)
	if err := seal.Verify(tlog.Hash(root), cb.Leaves, rs.Leaf, rec, proof); err != nil {
		t.Fatalf("the revealed site does not verify against its commitment: %v", err)
	}
	if err := seal.Verify(tlog.Hash(root), cb.Leaves, rs.Leaf, bytes.Replace(rec, []byte("36.6,35.9"), []byte("36.7,35.9"), 1), proof); err == nil {
		t.Fatal("a moved site verifies")
	}
	rz := decode[featureOut](t, get(t, e, "ru-official", "/api/v1/zones/"+valley.ID))
	if len(rz.Properties.RevealedSites) != 1 || rz.Properties.RevealedSites[0].Record.Site != site.ID {
		t.Fatalf("ru does not see the revealed site: %+v", rz.Properties.RevealedSites)
	}

	// The office state is what the journal implies.
	if _, err := office.VerifyStore(context.Background(), e.App.Storage.Store, office.VerifyOptions{}); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

func TestZoneNewVersion(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	z := newZone(t, e, "us", true)
	mustStatus(t, e.Do(t, "ru-official", "POST", "/api/v1/zones/"+z.ID+"/acknowledge", nil), http.StatusOK, "acknowledge v1")
	bigger := map[string]any{"type": "Feature", "geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{
		{{20, 20}, {20.05, 20}, {20.05, 20.05}, {20, 20.05}, {20, 20}}}}, "properties": map[string]any{}}
	mustStatus(t, e.Do(t, "us-analyst", "PATCH", "/api/v1/zones/"+z.ID, bigger), http.StatusForbidden, "analyst changes a released zone")
	// A change that changes nothing releases no version.
	before := e.JournalSize(t)
	r := e.Do(t, "us-official", "PATCH", "/api/v1/zones/"+z.ID, map[string]any{"type": "Feature", "geometry": nil, "properties": map[string]any{"name": z.Name}})
	mustStatus(t, r, http.StatusOK, "PATCH without a change")
	if f := decode[featureOut](t, r); f.Properties.Version != 1 || e.JournalSize(t) != before {
		t.Fatalf("a PATCH changing nothing made version %d, journal %d → %d", f.Properties.Version, before, e.JournalSize(t))
	}
	r = e.Do(t, "us-official", "PATCH", "/api/v1/zones/"+z.ID, bigger)
	mustStatus(t, r, http.StatusOK, "new version")
	f := decode[featureOut](t, r)
	if f.Properties.Status != "in_force" || f.Properties.InForceVersion != 1 || f.Properties.Version != 2 {
		t.Fatalf("after v2: %s", r.Body)
	}
	// Version 1 still protects; the part only version 2 covers is advisory.
	check := func(lon, lat float64) string {
		r := e.Do(t, "ru-planner", "POST", "/api/v1/deconflict", pointCheck(lon, lat, 0))
		mustStatus(t, r, http.StatusOK, "check")
		return decode[truce.Deconfliction](t, r).Result
	}
	if got := check(20.005, 20.005); got != "conflict" {
		t.Fatalf("inside v1: %s", got)
	}
	if got := check(20.04, 20.04); got != "advisory" {
		t.Fatalf("inside v2 only: %s", got)
	}
	mustStatus(t, e.Do(t, "ru-official", "POST", "/api/v1/zones/"+z.ID+"/acknowledge", map[string]any{"version": 1}), http.StatusConflict, "acknowledge a superseded version")
	mustStatus(t, e.Do(t, "ru-official", "POST", "/api/v1/zones/"+z.ID+"/acknowledge", nil), http.StatusOK, "acknowledge v2")
	if got := check(20.04, 20.04); got != "conflict" {
		t.Fatalf("inside v2 once in force: %s", got)
	}
	v1 := decode[featureOut](t, get(t, e, "ru-observer", "/api/v1/zones/"+z.ID+"/versions/1"))
	if !strings.Contains(string(v1.Geometry), "20.01") {
		t.Fatalf("version 1 geometry: %s", v1.Geometry)
	}
	mustStatus(t, e.Do(t, "us-official", "POST", "/api/v1/zones/"+z.ID+"/withdraw", map[string]string{"reason": "done"}), http.StatusOK, "withdraw")
	if got := check(20.04, 20.04); got != "clear" {
		t.Fatalf("after withdrawal: %s", got)
	}
	mustStatus(t, e.Do(t, "ru-official", "POST", "/api/v1/zones/"+z.ID+"/acknowledge", nil), http.StatusConflict, "acknowledge a withdrawn zone")
}

func TestDeconflictRateLimit(t *testing.T) {
	t.Parallel()
	// The demo's notices spend some of each party's burst already.
	e := testenv.New(t, func(o *cli.Options) { o.CheckBurst = 4; o.CheckEvery = time.Hour })
	var r *testenv.Response
	for i := range 5 {
		r = e.Do(t, "ru-planner", "POST", "/api/v1/deconflict", checkIn(10, 10))
		if r.Status != http.StatusOK {
			if i == 0 {
				t.Fatalf("the first check is refused: %s", r.Body)
			}
			break
		}
	}
	mustStatus(t, r, http.StatusTooManyRequests, "checks beyond the burst")
	if code, _, _ := errorOf(t, r); code != truce.ERateLimited || r.Header.Get("Retry-After") == "" {
		t.Fatalf("429 without Retry-After: %v", r.Header)
	}
	mustStatus(t, e.Do(t, "ru-official", "POST", "/api/v1/deconflict", checkIn(10, 10)), http.StatusTooManyRequests, "another ru member")
	before := e.JournalSize(t)
	c := checkIn(10, 10)
	c["activity"] = "convoy"
	mustStatus(t, e.Do(t, "ru-planner", "POST", "/api/v1/notices", c), http.StatusTooManyRequests, "notice over the limit")
	if e.JournalSize(t) != before {
		t.Fatal("a rate-limited notice reached the journal")
	}
	mustStatus(t, e.Do(t, "us-planner", "POST", "/api/v1/deconflict", checkIn(10, 10)), http.StatusOK, "us is limited apart from ru")
}
