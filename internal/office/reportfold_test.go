package office_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
)

var (
	hashA = strings.Repeat("a", 64)
	hashB = strings.Repeat("b", 64)
)

// TestApplyReports: the fold of report and request entries, what it
// accepts and what it rejects without changing anything.
func TestApplyReports(t *testing.T) {
	l := &zoneLog{t: t, st: newState()}
	l.apply(entry("us", truce.KindReportRelease, "rep_a", office.ReportReleaseBody{Hash: hashA}))
	l.apply(entry("ru", truce.KindRFICreate, "rfi_a", map[string]any{"to": "us", "due": "2026-04-01T00:00:00Z", "hash": hashA}))
	l.apply(entry("ru", truce.KindRFICreate, "rfi_b", map[string]any{"to": "us", "due": "2026-04-01T00:00:00Z", "hash": hashA}))
	bad := []struct {
		name string
		e    truce.Entry
		code string
	}{
		{"release twice", entry("us", truce.KindReportRelease, "rep_a", office.ReportReleaseBody{Hash: hashB}), truce.EConflict},
		{"release without a hash", entry("us", truce.KindReportRelease, "rep_b", `{"hash":"sha256:00"}`), truce.EInvalid},
		{"release holding content", entry("us", truce.KindReportRelease, "rep_b", `{"hash":"`+hashA+`","text":"x"}`), truce.EInvalid},
		{"handling by a recipient", entry("ru", truce.KindReportHandling, "rep_a", office.ReportReleaseBody{Hash: hashB}), truce.EForbidden},
		{"handling that changes nothing", entry("us", truce.KindReportHandling, "rep_a", office.ReportReleaseBody{Hash: hashA}), truce.EConflict},
		{"handling of no report", entry("us", truce.KindReportHandling, "rep_x", office.ReportReleaseBody{Hash: hashB}), truce.ENotFound},
		{"rfi to itself", entry("ru", truce.KindRFICreate, "rfi_c", map[string]any{"to": "ru", "due": "2026-04-01T00:00:00Z", "hash": hashA}), truce.EInvalid},
		{"rfi to nobody", entry("ru", truce.KindRFICreate, "rfi_c", map[string]any{"to": "xx", "due": "2026-04-01T00:00:00Z", "hash": hashA}), truce.EInvalid},
		{"rfi without due", entry("ru", truce.KindRFICreate, "rfi_c", map[string]any{"to": "us", "hash": hashA}), truce.EInvalid},
		{"answer by the asker", entry("ru", truce.KindRFIAnswer, "rfi_a", office.RFIAnswerBody{ReportID: "rep_a"}), truce.EForbidden},
		{"answer by a third party", entry("mon", truce.KindRFIAnswer, "rfi_a", office.RFIAnswerBody{ReportID: "rep_a"}), truce.EForbidden},
		{"answer with no report", entry("us", truce.KindRFIAnswer, "rfi_a", office.RFIAnswerBody{ReportID: "rep_x"}), truce.EInvalid},
		{"decline without a hash", entry("us", truce.KindRFIDecline, "rfi_a", `{"reason_hash":""}`), truce.EInvalid},
	}
	for _, c := range bad {
		before, _ := json.Marshal(l.st.Snapshot())
		err := office.Apply(l.st, l.n, c.e)
		if truce.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want code %s", c.name, err, c.code)
		}
		if after, _ := json.Marshal(l.st.Snapshot()); string(after) != string(before) {
			t.Errorf("%s: the rejected entry changed the state", c.name)
		}
	}
	l.apply(entry("us", truce.KindReportHandling, "rep_a", office.ReportReleaseBody{Hash: hashB}))
	l.apply(entry("us", truce.KindRFIAnswer, "rfi_a", office.RFIAnswerBody{ReportID: "rep_a"}))
	l.apply(entry("us", truce.KindRFIDecline, "rfi_b", office.RFIDeclineBody{ReasonHash: hashB}))
	r, err := l.st.GetReport("rep_a")
	if err != nil || r.Hash != hashB || r.Changes != 1 || r.Owner != "us" {
		t.Errorf("report after the change: %+v, %v", r, err)
	}
	a, _ := l.st.GetRFI("rfi_a")
	d, _ := l.st.GetRFI("rfi_b")
	if a.Status != truce.RFIAnswered || a.ReportID == nil || *a.ReportID != "rep_a" || d.Status != truce.RFIDeclined || d.ReasonHash != hashB {
		t.Errorf("rfis: %+v %+v", a, d)
	}
	for _, e := range []truce.Entry{
		entry("us", truce.KindRFIAnswer, "rfi_a", office.RFIAnswerBody{ReportID: "rep_a"}),
		entry("us", truce.KindRFIDecline, "rfi_a", office.RFIDeclineBody{ReasonHash: hashA}),
	} {
		if err := office.Apply(l.st, l.n, e); truce.ErrorCode(err) != truce.EConflict {
			t.Errorf("%s of an answered rfi: %v, want a conflict", e.Kind, err)
		}
	}
}

var reportKinds = []string{truce.KindReportRelease, truce.KindReportHandling, truce.KindRFICreate, truce.KindRFIAnswer, truce.KindRFIDecline}

// FuzzApplyReport feeds arbitrary bodies of the report and request kinds
// to the fold over a state holding one released report and one open
// request: it must never panic, and an entry it rejects must leave the
// state as it was.
func FuzzApplyReport(f *testing.F) {
	f.Add(uint8(0), "us", "rep_b", []byte(`{"hash":"`+hashA+`"}`))
	f.Add(uint8(1), "us", "rep_a", []byte(`{"hash":"`+hashB+`"}`))
	f.Add(uint8(2), "ru", "rfi_b", []byte(`{"to":"us","due":"2026-04-01T00:00:00Z","hash":"`+hashA+`"}`))
	f.Add(uint8(3), "us", "rfi_a", []byte(`{"report_id":"rep_a"}`))
	f.Add(uint8(4), "us", "rfi_a", []byte(`{"reason_hash":"`+hashB+`"}`))
	f.Fuzz(func(t *testing.T, kind uint8, party, subject string, body []byte) {
		l := &zoneLog{t: t, st: newState()}
		l.apply(entry("us", truce.KindReportRelease, "rep_a", office.ReportReleaseBody{Hash: hashA}))
		l.apply(entry("ru", truce.KindRFICreate, "rfi_a", map[string]any{"to": "us", "due": "2026-04-01T00:00:00Z", "hash": hashA}))
		before, _ := json.Marshal(l.st.Snapshot())
		e := entry(party, reportKinds[int(kind)%len(reportKinds)], subject, nil)
		e.Body = body
		if err := office.Apply(l.st, l.n, e); err != nil {
			if after, _ := json.Marshal(l.st.Snapshot()); string(after) != string(before) {
				t.Fatalf("a rejected %s entry changed the state: %v", e.Kind, err)
			}
		}
	})
}
