package office_test

import (
	"encoding/json"
	"testing"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
)

var fuzzKinds = []string{
	truce.KindZoneRelease, truce.KindZoneAcknowledge, truce.KindZoneDispute, truce.KindZoneWithdraw,
	truce.KindSitesCommit, truce.KindSiteReveal, truce.KindNoticeSubmit,
}

// FuzzApplyZone feeds arbitrary bodies of the zone, site and notice kinds
// to the fold over a state holding one released zone: it must never panic,
// and an entry it rejects must leave the state as it was.
func FuzzApplyZone(f *testing.F) {
	rel, _ := json.Marshal(office.ZoneReleaseBody{Version: 2, ZoneContent: content(square)})
	f.Add(uint8(0), "us", rel)
	f.Add(uint8(1), "ru", []byte(`{"version":1,"release_entry":0,"zone_hash":"sha256:00"}`))
	f.Add(uint8(2), "ru", []byte(`{"version":1,"release_entry":0,"zone_hash":"","reason":"x"}`))
	f.Add(uint8(3), "us", []byte(`{"reason":"gone"}`))
	f.Add(uint8(4), "us", []byte(`{"root":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","leaves":1024}`))
	f.Add(uint8(5), "us", []byte(`{"record":{"site":"s","zone":"zone_a","party":"us","geometry":{"type":"Point","coordinates":[36,36]},"radius_m":1,"label":"","salt":""},"commitment_entry":0,"leaf":0,"proof":[]}`))
	f.Add(uint8(6), "ru", []byte(`{"geometry":{"type":"Point","coordinates":[36,36]},"buffer_m":0,"from":"2026-01-01T00:00:00Z","until":null,"activity":"a","note":"","result":"clear","conflicts":[]}`))
	f.Fuzz(func(t *testing.T, kind uint8, party string, body []byte) {
		l := &zoneLog{t: t, st: newState()}
		l.apply(entry("us", truce.KindZoneRelease, "zone_a", office.ZoneReleaseBody{Version: 1, ZoneContent: content(square)}))
		before, _ := json.Marshal(l.st.Snapshot())
		e := entry(party, fuzzKinds[int(kind)%len(fuzzKinds)], "zone_a", nil)
		e.Body = body
		if err := office.Apply(l.st, l.n, e); err != nil {
			if after, _ := json.Marshal(l.st.Snapshot()); string(after) != string(before) {
				t.Fatalf("a rejected %s entry changed the state: %v", e.Kind, err)
			}
		}
	})
}

// FuzzApplyImport feeds arbitrary incident.import bodies to the fold (which
// prepares each body, office.prepareImport, then makes the checks that read
// the state) over a state holding one released zone: it must never panic,
// and an entry it rejects must leave the state as it was.
func FuzzApplyImport(f *testing.F) {
	at := "2026-01-01T00:00:00Z"
	f.Add([]byte(`{"incidents":[{"id":"inc_a","occurred_at":"` + at + `","type":"shelling","fatalities":0,"description":"","sources":[],"geometry":{"type":"Point","coordinates":[36.05,36.05]}}],"answer_due":"2099-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"incidents":[{"id":"inc_a","occurred_at":"` + at + `","type":"shelling","sources":[],"geometry":{"type":"Point","coordinates":[36.05,36.05]}},{"id":"inc_a","occurred_at":"` + at + `","type":"other","sources":[],"geometry":{"type":"Point","coordinates":[1,1]}}],"answer_due":"2099-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"incidents":[{"id":"inc_b","occurred_at":"` + at + `","type":"air_strike","perpetrator":"act_x","sources":["s"],"external":{"source":"acled","id":"X1","fields":{"a":"b"}},"geometry":{"type":"Point","coordinates":[36.05,36.05]}}],"answer_due":"2099-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"incidents":[],"answer_due":"2099-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"incidents":[{"id":"INC!"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		l := &zoneLog{t: t, st: newState()}
		l.apply(entry("us", truce.KindZoneRelease, "zone_a", office.ZoneReleaseBody{Version: 1, ZoneContent: content(square)}))
		before, _ := json.Marshal(l.st.Snapshot())
		e := entry("us", truce.KindIncidentImport, "imp_a", nil)
		e.Body = body
		if err := office.Apply(l.st, l.n, e); err != nil {
			if after, _ := json.Marshal(l.st.Snapshot()); string(after) != string(before) {
				t.Fatalf("a rejected incident.import entry changed the state: %v", err)
			}
		}
	})
}
