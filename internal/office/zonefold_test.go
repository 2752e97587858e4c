package office_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/seal"
)

const square = `{"type":"Polygon","coordinates":[[[36,36],[36.1,36],[36.1,36.1],[36,36.1],[36,36]]]}`

func content(geometry string) truce.ZoneContent {
	return truce.ZoneContent{Name: "Z", Category: truce.CategoryCivilian,
		ValidFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), BufferM: 100, Geometry: json.RawMessage(geometry)}
}

// zoneLog folds entries in order, failing the test on a rejection.
type zoneLog struct {
	t  *testing.T
	st *office.MemState
	n  int64
}

func (l *zoneLog) apply(e truce.Entry) int64 {
	l.t.Helper()
	if err := office.Apply(l.st, l.n, e); err != nil {
		l.t.Fatalf("apply %s: %v", e.Kind, err)
	}
	l.n++
	return l.n - 1
}

func (l *zoneLog) zone(id string) truce.Zone {
	l.t.Helper()
	z, err := l.st.GetZone(id)
	if err != nil {
		l.t.Fatal(err)
	}
	return z
}

func answer(l *zoneLog, party, kind, id string, reason string) truce.Entry {
	z := l.zone(id)
	v := z.Latest()
	return entry(party, kind, id, office.ZoneAnswerBody{Version: v.Version, ReleaseEntry: v.Entry, ZoneHash: v.Hash, Reason: reason})
}

func TestZoneLifecycleFold(t *testing.T) {
	l := &zoneLog{t: t, st: newState()}
	rel := entry("us", truce.KindZoneRelease, "zone_a", office.ZoneReleaseBody{Version: 1, ZoneContent: content(square)})
	idx := l.apply(rel)
	z := l.zone("zone_a")
	if z.Status != truce.ZoneProposed || z.Version != 1 || z.InForce != 0 || z.Owner != "us" {
		t.Fatalf("after release: %+v", z)
	}
	if want := office.ZoneHash(rel.Body); z.Latest().Hash != want || z.Latest().Entry != idx {
		t.Fatalf("hash %s entry %d, want %s %d", z.Latest().Hash, z.Latest().Entry, want, idx)
	}
	// The zone's box is its geometry's, widened by the 100 m buffer.
	if b := z.BBox; z.Latest().BBox != [4]float64{36, 36, 36.1, 36.1} || b[0] >= 36 || b[1] >= 36 || b[2] <= 36.1 || b[3] <= 36.1 || b[3]-36.1 > 0.002 {
		t.Fatalf("bbox %v, version's %v", z.BBox, z.Latest().BBox)
	}
	l.apply(answer(l, "ru", truce.KindZoneAcknowledge, "zone_a", ""))
	if z = l.zone("zone_a"); z.Status != truce.ZoneInForce || z.InForce != 1 {
		t.Fatalf("after acknowledgement: %s in force %d", z.Status, z.InForce)
	}

	// A new version awaits acknowledgement; version 1 stays in force.
	bigger := `{"type":"Polygon","coordinates":[[[36,36],[36.2,36],[36.2,36.2],[36,36.2],[36,36]]]}`
	l.apply(entry("us", truce.KindZoneRelease, "zone_a", office.ZoneReleaseBody{Version: 2, ZoneContent: content(bigger)}))
	z = l.zone("zone_a")
	if z.Status != truce.ZoneInForce || z.InForce != 1 || z.Version != 2 || z.Latest().Status != truce.ZoneProposed {
		t.Fatalf("after version 2: status %s in force %d version %d (%s)", z.Status, z.InForce, z.Version, z.Latest().Status)
	}
	if b := z.BBox; b[2] <= 36.2 || b[3] <= 36.2 || b[0] >= 36 {
		t.Fatalf("bbox %v does not cover version 2", z.BBox)
	}
	l.apply(answer(l, "ru", truce.KindZoneDispute, "zone_a", "too wide"))
	if z = l.zone("zone_a"); z.Status != truce.ZoneInForce || z.InForce != 1 || z.Latest().Status != truce.ZoneDisputed {
		t.Fatalf("after dispute of v2: %s in force %d latest %s", z.Status, z.InForce, z.Latest().Status)
	}
	l.apply(answer(l, "ru", truce.KindZoneAcknowledge, "zone_a", ""))
	if z = l.zone("zone_a"); z.InForce != 2 || z.Status != truce.ZoneInForce {
		t.Fatalf("after acknowledging v2: in force %d", z.InForce)
	}
	l.apply(entry("us", truce.KindZoneWithdraw, "zone_a", office.ZoneWithdrawBody{Reason: "moved"}))
	if z = l.zone("zone_a"); z.Status != truce.ZoneWithdrawn {
		t.Fatalf("after withdrawal: %s", z.Status)
	}
	if z.StatusAt(time.Now()) != truce.ZoneWithdrawn {
		t.Fatal("a withdrawn zone reads withdrawn")
	}
}

func TestZoneExpires(t *testing.T) {
	until := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	c := content(square)
	c.ValidUntil = &until
	l := &zoneLog{t: t, st: newState()}
	l.apply(entry("us", truce.KindZoneRelease, "zone_e", office.ZoneReleaseBody{Version: 1, ZoneContent: c}))
	z := l.zone("zone_e")
	if z.StatusAt(until.Add(-time.Second)) != truce.ZoneProposed || z.StatusAt(until) != truce.ZoneExpired {
		t.Fatalf("status around valid_until: %s, %s", z.StatusAt(until.Add(-time.Second)), z.StatusAt(until))
	}
	// entry() stamps 2026-03-01, after valid_until: no answer to an expired zone.
	err := office.Apply(l.st, l.n, answer(l, "ru", truce.KindZoneAcknowledge, "zone_e", ""))
	if code(err) != truce.EConflict {
		t.Fatalf("acknowledging an expired zone: %v", err)
	}
}

func code(err error) string {
	var te *truce.Error
	if asError(err, &te) {
		return te.Code
	}
	return ""
}

func TestZoneFoldRejects(t *testing.T) {
	other := `{"type":"Polygon","coordinates":[[[30,30],[30.1,30],[30.1,30.1],[30,30.1],[30,30]]]}`
	bowtie := `{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}`
	bad := func(f func(*truce.ZoneContent)) office.ZoneReleaseBody {
		c := content(square)
		f(&c)
		return office.ZoneReleaseBody{Version: 2, ZoneContent: c}
	}
	cases := []struct {
		name  string
		entry func(l *zoneLog) truce.Entry
		code  string
		field string
	}{
		{"first release not version 1", func(*zoneLog) truce.Entry {
			return entry("us", truce.KindZoneRelease, "zone_b", office.ZoneReleaseBody{Version: 2, ZoneContent: content(square)})
		}, truce.EInvalid, "version"},
		{"version skipped", func(*zoneLog) truce.Entry {
			return entry("us", truce.KindZoneRelease, "zone_a", office.ZoneReleaseBody{Version: 3, ZoneContent: content(square)})
		}, truce.EConflict, ""},
		{"release of another party's zone", func(*zoneLog) truce.Entry {
			return entry("ru", truce.KindZoneRelease, "zone_a", office.ZoneReleaseBody{Version: 2, ZoneContent: content(other)})
		}, truce.EForbidden, ""},
		{"self-intersecting", func(*zoneLog) truce.Entry {
			return entry("us", truce.KindZoneRelease, "zone_a", bad(func(c *truce.ZoneContent) { c.Geometry = json.RawMessage(bowtie) }))
		}, truce.EInvalid, "geometry"},
		{"point zone", func(*zoneLog) truce.Entry {
			return entry("us", truce.KindZoneRelease, "zone_a", bad(func(c *truce.ZoneContent) { c.Geometry = json.RawMessage(`{"type":"Point","coordinates":[1,2]}`) }))
		}, truce.EInvalid, "geometry"},
		{"negative buffer", func(*zoneLog) truce.Entry {
			return entry("us", truce.KindZoneRelease, "zone_a", bad(func(c *truce.ZoneContent) { c.BufferM = -1 }))
		}, truce.EInvalid, "buffer_m"},
		{"unknown category", func(*zoneLog) truce.Entry {
			return entry("us", truce.KindZoneRelease, "zone_a", bad(func(c *truce.ZoneContent) { c.Category = "target" }))
		}, truce.EInvalid, "category"},
		{"until before from", func(*zoneLog) truce.Entry {
			return entry("us", truce.KindZoneRelease, "zone_a", bad(func(c *truce.ZoneContent) { u := c.ValidFrom; c.ValidUntil = &u }))
		}, truce.EInvalid, "valid_until"},
		{"acknowledge own zone", func(l *zoneLog) truce.Entry {
			return answer(l, "us", truce.KindZoneAcknowledge, "zone_a", "")
		}, truce.EForbidden, ""},
		{"monitor acknowledges", func(l *zoneLog) truce.Entry {
			return answer(l, "mon", truce.KindZoneAcknowledge, "zone_a", "")
		}, truce.EForbidden, ""},
		{"acknowledge with the wrong hash", func(l *zoneLog) truce.Entry {
			e := answer(l, "ru", truce.KindZoneAcknowledge, "zone_a", "")
			e.Body = []byte(strings.Replace(string(e.Body), "sha256:", "sha256:0", 1))
			return e
		}, truce.EConflict, ""},
		{"acknowledge the wrong release entry", func(l *zoneLog) truce.Entry {
			z := l.zone("zone_a")
			v := z.Latest()
			return entry("ru", truce.KindZoneAcknowledge, "zone_a", office.ZoneAnswerBody{Version: 1, ReleaseEntry: v.Entry + 7, ZoneHash: v.Hash})
		}, truce.EConflict, ""},
		{"dispute without reason", func(l *zoneLog) truce.Entry {
			return answer(l, "ru", truce.KindZoneDispute, "zone_a", " ")
		}, truce.EInvalid, "reason"},
		{"acknowledge a missing zone", func(*zoneLog) truce.Entry {
			return entry("ru", truce.KindZoneAcknowledge, "zone_zz", office.ZoneAnswerBody{Version: 1})
		}, truce.ENotFound, ""},
		{"withdraw another party's zone", func(*zoneLog) truce.Entry {
			return entry("ru", truce.KindZoneWithdraw, "zone_a", office.ZoneWithdrawBody{})
		}, truce.EForbidden, ""},
		{"commitment root not a hash", func(*zoneLog) truce.Entry {
			return entry("us", truce.KindSitesCommit, "sc_x", office.SitesCommitBody{Root: "abc", Leaves: 1024})
		}, truce.EInvalid, "root"},
		{"commitment leaves not a power of two", func(*zoneLog) truce.Entry {
			return entry("us", truce.KindSitesCommit, "sc_x", office.SitesCommitBody{Root: base64.StdEncoding.EncodeToString(make([]byte, 32)), Leaves: 1000})
		}, truce.EInvalid, "leaves"},
		{"notice with unknown result", func(*zoneLog) truce.Entry {
			return entry("ru", truce.KindNoticeSubmit, "ntc_x", office.NoticeSubmitBody{
				Check:         truce.Check{Geometry: json.RawMessage(`{"type":"Point","coordinates":[36,36]}`), From: time.Now()},
				Activity:      "convoy",
				Deconfliction: truce.Deconfliction{Result: "fine"}})
		}, truce.EInvalid, "result"},
		{"notice naming a missing zone", func(*zoneLog) truce.Entry {
			return entry("ru", truce.KindNoticeSubmit, "ntc_x", office.NoticeSubmitBody{
				Check:    truce.Check{Geometry: json.RawMessage(`{"type":"Point","coordinates":[36,36]}`), From: time.Now()},
				Activity: "convoy",
				Deconfliction: truce.Deconfliction{Result: "conflict", Conflicts: []truce.Conflict{
					{ZoneID: "zone_zz", Owner: "us", Reason: truce.ReasonZone}}}})
		}, truce.EInvalid, "conflicts[0].zone_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := &zoneLog{t: t, st: newState()}
			l.apply(entry("us", truce.KindZoneRelease, "zone_a", office.ZoneReleaseBody{Version: 1, ZoneContent: content(square)}))
			before, _ := json.Marshal(l.st.Snapshot())
			err := office.Apply(l.st, l.n, tc.entry(l))
			var te *truce.Error
			if !asError(err, &te) || te.Code != tc.code || (tc.field != "" && !strings.HasPrefix(te.Field, tc.field)) {
				t.Fatalf("got %v (%#v), want %s field %q", err, te, tc.code, tc.field)
			}
			after, _ := json.Marshal(l.st.Snapshot())
			if string(before) != string(after) {
				t.Fatalf("a rejected entry changed the state:\n%s\n%s", before, after)
			}
		})
	}
}

func TestSiteRevealFold(t *testing.T) {
	l := &zoneLog{t: t, st: newState()}
	l.apply(entry("us", truce.KindZoneRelease, "zone_a", office.ZoneReleaseBody{Version: 1, ZoneContent: content(square)}))
	site := truce.SiteRecord{Site: "site_1", Zone: "zone_a", Party: "us", Geometry: json.RawMessage(`{"type":"Point","coordinates":[36.05,36.05]}`),
		RadiusM: 100, Label: "clinic", Salt: strings.Repeat("ab", 32)}
	other := site
	other.Site, other.Salt = "site_2", strings.Repeat("cd", 32)
	recs := make([][]byte, 2)
	for i, r := range []truce.SiteRecord{site, other} {
		recs[i], _ = office.RecordBytes(r)
	}
	tree, err := seal.Build(recs, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	root := tree.Root()
	commit := l.apply(entry("us", truce.KindSitesCommit, "sc_1", office.SitesCommitBody{Root: base64.StdEncoding.EncodeToString(root[:]), Leaves: tree.Size()}))
	proof, _ := tree.Prove(0)
	ps := make([]string, len(proof))
	for i, h := range proof {
		ps[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	reveal := office.SiteRevealBody{Record: site, CommitmentEntry: commit, Leaf: tree.Leaf(0), Proof: ps}

	// A wrong leaf, another record's bytes or another party: rejected, nothing changes.
	for name, e := range map[string]truce.Entry{
		"wrong leaf":      entry("us", truce.KindSiteReveal, "site_1", func() office.SiteRevealBody { b := reveal; b.Leaf ^= 1; return b }()),
		"changed label":   entry("us", truce.KindSiteReveal, "site_1", func() office.SiteRevealBody { b := reveal; b.Record.Label = "x"; return b }()),
		"other's site":    entry("ru", truce.KindSiteReveal, "site_1", func() office.SiteRevealBody { b := reveal; b.Record.Party = "ru"; return b }()),
		"not a commit":    entry("us", truce.KindSiteReveal, "site_1", func() office.SiteRevealBody { b := reveal; b.CommitmentEntry = 0; return b }()),
		"subject differs": entry("us", truce.KindSiteReveal, "site_2", reveal),
	} {
		before, _ := json.Marshal(l.st.Snapshot())
		if err := office.Apply(l.st, l.n, e); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if after, _ := json.Marshal(l.st.Snapshot()); string(before) != string(after) {
			t.Errorf("%s: state changed", name)
		}
	}
	l.apply(entry("us", truce.KindSiteReveal, "site_1", reveal))
	z := l.zone("zone_a")
	if len(z.Revealed) != 1 || z.Revealed[0].Record.Label != "clinic" || z.Revealed[0].CommitmentEntry != commit {
		t.Fatalf("revealed: %+v", z.Revealed)
	}
	if err := office.Apply(l.st, l.n, entry("us", truce.KindSiteReveal, "site_1", reveal)); code(err) != truce.EConflict {
		t.Fatalf("second reveal: %v", err)
	}
}

// An incident reported ahead of a pledge's acceptance but dated after it
// (clocks differ) gains the pledge when it is accepted: violations follow
// commitments as well as zones.
func TestViolationFollowsCommitmentAcceptance(t *testing.T) {
	l := &zoneLog{t: t, st: newState()}
	ru := "ru"
	l.apply(entry("ru", truce.KindActorCreate, "act_gfe", office.ActorCreateBody{Name: "Forces", AnswerableParty: &ru}))
	l.apply(entry("us", truce.KindZoneRelease, "zone_a", office.ZoneReleaseBody{Version: 1, ZoneContent: content(square)}))
	l.apply(answer(l, "ru", truce.KindZoneAcknowledge, "zone_a", ""))
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // entry() stamps every entry at this time
	l.apply(entry("ru", truce.KindCommitmentRelease, "cmt_a", office.CommitmentReleaseBody{CommitmentContent: truce.CommitmentContent{
		To: "us", Text: "no strikes", ZoneIDs: []string{"zone_a"}, EffectiveFrom: at.Add(-time.Hour)}}))
	perp := "act_gfe"
	rel := entry("us", truce.KindIncidentRelease, "inc_a", office.IncidentReleaseBody{
		IncidentContent: truce.IncidentContent{OccurredAt: at.Add(30 * time.Minute), Type: truce.IncidentShelling, Perpetrator: &perp,
			Geometry: json.RawMessage(`{"type":"Point","coordinates":[36.05,36.05]}`)},
		AnswerDue: at.Add(72 * time.Hour)})
	l.apply(rel)
	i, err := l.st.GetIncident("inc_a")
	if err != nil || len(i.Violations) != 1 || i.Violations[0].CommitmentID != nil {
		t.Fatalf("before acceptance: %+v %v", i.Violations, err)
	}
	acc := entry("us", truce.KindCommitmentAccept, "cmt_a", struct{}{})
	acc.Time = at.Add(10 * time.Minute)
	l.apply(acc)
	i, _ = l.st.GetIncident("inc_a")
	c, _ := l.st.GetCommitment("cmt_a")
	if len(i.Violations) != 1 || i.Violations[0].CommitmentID == nil || *i.Violations[0].CommitmentID != "cmt_a" || c.Breaches != 1 || c.Status != truce.CommitmentBreached {
		t.Fatalf("after acceptance: violations %+v, commitment %+v", i.Violations, c)
	}
}
