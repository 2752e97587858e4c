package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/store"
)

// reportSeeds are the demo's intelligence reports, one of each label: a
// TLP:RED report of us to ru alone, the others wider.
var reportSeeds = []struct {
	owner    string
	text     string
	subjects []string // actor name prefixes
	grade    string   // Admiralty reliability and credibility, e.g. "B2"
	handling truce.Handling
	to       []string
}{
	{"us", "Illustrative: the Northern Crescent Front moved two vehicles towards the valley road at dawn; source in place for years.",
		[]string{"Northern Crescent Front"}, "B2", truce.TLPRed, []string{"ru"}},
	{"ru", "Illustrative: the Ash Valley Network is recruiting in the river towns; seen by two patrols.",
		[]string{"Ash Valley Network"}, "C3", truce.TLPGreen, nil},
	{"us", "Illustrative: a depot of the Northern Crescent Front is reported near the coastal road; single source.",
		[]string{"Northern Crescent Front"}, "D4", truce.TLPAmber, []string{"ru", "mon"}},
	{"ru", "Illustrative: talks between the Ash Valley Network and the Northern Crescent Front; not confirmed.",
		[]string{"Ash Valley Network", "Northern Crescent Front"}, "E5", truce.TLPAmberStrict, []string{"us"}},
	{"mon", "Illustrative: monitors saw no armed presence at the border crossing during three visits.",
		nil, "A1", truce.TLPClear, nil},
}

// seedReports drafts and releases the demo's reports on the days after
// the incidents, then has ru ask us a question us answers with a report,
// and us ask ru one that stays open.
func seedReports(ctx context.Context, svc *office.Service, as func(string, truce.Role) context.Context, clk *Clock, t0 time.Time) error {
	actors := map[string]string{}
	list, err := svc.Actors(as("us", truce.RoleObserver), store.Page{Limit: 1000})
	if err != nil {
		return err
	}
	for _, a := range list {
		actors[a.Name] = a.ID
	}
	at := func(hours int) time.Time { return t0.Add((Days-1)*24*time.Hour + time.Duration(hours)*time.Hour) }
	release := func(owner string, in office.ReportInput) (truce.Report, error) {
		r, err := svc.CreateReport(as(owner, truce.RoleAnalyst), in)
		if err != nil {
			return r, fmt.Errorf("demo: report %q: %w", in.Text, err)
		}
		if r, err = svc.ReleaseReport(as(owner, truce.RoleOfficial), r.ID); err != nil {
			return r, fmt.Errorf("demo: release report %q: %w", in.Text, err)
		}
		return r, nil
	}
	for k, s := range reportSeeds {
		clk.Set(at(k))
		rel, cred, _ := truce.ParseGrading(s.grade)
		var subjects []string
		for _, p := range s.subjects {
			subjects = append(subjects, byPrefix(actors, p))
		}
		if _, err := release(s.owner, office.ReportInput{Text: s.text, Subjects: subjects, Reliability: rel, Credibility: cred,
			Handling: s.handling, To: s.to}); err != nil {
			return err
		}
	}
	// ru asks us; us answers the next hours with a report for ru.
	clk.Set(at(6))
	due := at(6).Add(72 * time.Hour)
	q, err := svc.CreateRFI(as("ru", truce.RoleAnalyst), office.RFIInput{To: "us",
		Question: "Illustrative: where did the two vehicles of the Northern Crescent Front go after the valley road?",
		Subjects: []string{byPrefix(actors, "Northern Crescent Front")}, Due: &due})
	if err != nil {
		return fmt.Errorf("demo: rfi: %w", err)
	}
	clk.Set(at(9))
	answer, err := svc.CreateReport(as("us", truce.RoleAnalyst), office.ReportInput{
		Text:     "Illustrative: the vehicles stopped at the old mill north of the river crossing.",
		Subjects: []string{byPrefix(actors, "Northern Crescent Front")}, Reliability: "B", Credibility: 3,
		Handling: truce.TLPAmber, To: []string{"ru"},
	})
	if err != nil {
		return fmt.Errorf("demo: answer report: %w", err)
	}
	if _, err := svc.AnswerRFI(as("us", truce.RoleOfficial), q.ID, office.AnswerInput{ReportID: answer.ID}); err != nil {
		return fmt.Errorf("demo: answer rfi: %w", err)
	}
	// us asks ru; the request stays open, due in a few days.
	clk.Set(at(10))
	due = at(10).Add(5 * 24 * time.Hour)
	if _, err := svc.CreateRFI(as("us", truce.RoleOfficial), office.RFIInput{To: "ru",
		Question: "Illustrative: has the Ash Valley Network set up in the river towns since the last report?",
		Subjects: []string{byPrefix(actors, "Ash Valley Network")}, Due: &due}); err != nil {
		return fmt.Errorf("demo: open rfi: %w", err)
	}
	return nil
}
