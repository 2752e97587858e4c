package office_test

import (
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/testenv"
)

// demoRed is the demo's TLP:RED report, as ru's official reads it.
func demoRed(t *testing.T, e *testenv.Env) truce.Report {
	t.Helper()
	rs, err := e.App.Office.Reports(truce.WithCaller(t.Context(), &truce.Member{Username: "ru-official", Party: "ru", Role: truce.RoleOfficial}), store.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Handling == truce.TLPRed {
			return r
		}
	}
	t.Fatal("no TLP:RED report in the demo")
	return truce.Report{}
}

// Verification with the database checks the sealed content of reports and
// requests, kept outside the journal, against the hashes the journal holds.
func TestVerifySealedContent(t *testing.T) {
	cases := []struct {
		name, item string
		q          func(r truce.Report) (string, []any)
	}{
		{"edit a report's text", "report", func(r truce.Report) (string, []any) {
			return "UPDATE report_contents SET doc = replace(doc, 'two vehicles', 'three vehicles') WHERE id = ?", []any{r.ID}
		}},
		{"widen a report's recipients behind the journal's back", "report", func(r truce.Report) (string, []any) {
			return `UPDATE report_contents SET doc = replace(doc, '"to":["ru"]', '"to":["mon","ru"]'), recipients = ',mon,ru,' WHERE id = ?`, []any{r.ID}
		}},
		{"delete a report's content", "report", func(r truce.Report) (string, []any) {
			return "DELETE FROM report_contents WHERE id = ?", []any{r.ID}
		}},
		{"edit a request's question", "rfi", func(truce.Report) (string, []any) {
			return "UPDATE sealed SET doc = replace(doc, 'Illustrative', 'Changed') WHERE doc LIKE '%question%'", nil
		}},
		{"edit a decline's reason", "rfi", func(truce.Report) (string, []any) {
			return "UPDATE sealed SET doc = replace(doc, 'no', 'yes') WHERE doc LIKE '%reason%'", nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := testenv.NewSQLite(t)
			if strings.Contains(c.name, "decline") {
				q, err := e.App.Office.CreateRFI(truce.WithCaller(t.Context(), &truce.Member{Username: "mon-official", Party: "mon", Role: truce.RoleOfficial}),
					officeRFI("us"))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.App.Office.DeclineRFI(truce.WithCaller(t.Context(), &truce.Member{Username: "us-official", Party: "us", Role: truce.RoleOfficial}),
					q.ID, declineNo); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := verify(t, e); err != nil {
				t.Fatalf("before: %v", err)
			}
			r := demoRed(t, e)
			q, args := c.q(r)
			exec(t, e, q, args...)
			_, err := verify(t, e)
			if err == nil || !strings.Contains(err.Error(), c.item+" ") {
				t.Fatalf("got %v, want a failure naming a %s", err, c.item)
			}
		})
	}
}

var declineNo = office.DeclineInput{Reason: "no"}

func officeRFI(to string) office.RFIInput {
	due := time.Now().Add(time.Hour)
	return office.RFIInput{To: to, Question: "Illustrative question", Due: &due}
}
