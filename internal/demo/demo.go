// Package demo seeds the illustrative scenario of SPEC 6: invented parties,
// members and armed groups of an invented country, for loopback trials only.
// Every name says it is illustrative.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
)

// Password is every demo member's password.
const Password = "demo"

// Parties of the scenario.
var Parties = []struct {
	ID, Name string
	Kind     truce.PartyKind
}{
	{"us", "US delegation (illustrative)", truce.KindParty},
	{"ru", "RU delegation (illustrative)", truce.KindParty},
	{"mon", "Neutral monitoring mission (illustrative)", truce.KindMonitor},
}

// Usernames returns every demo sign-in: <party>-<role>, then admin.
func Usernames() []string {
	var out []string
	for _, p := range Parties {
		for _, r := range truce.Roles {
			out = append(out, p.ID+"-"+string(r))
		}
	}
	return append(out, "admin")
}

type actorSeed struct {
	name         string
	aliases      []string
	answerable   string
	designations map[string]truce.Designation
	notes        map[string]string
}

var actors = []actorSeed{
	{
		name: "Government Forces of Examplia (illustrative)", aliases: []string{"GFE"}, answerable: "ru",
		designations: map[string]truce.Designation{"us": truce.DesignationParty, "ru": truce.DesignationParty},
	},
	{
		name: "Northern Crescent Front (illustrative)", aliases: []string{"NCF"},
		designations: map[string]truce.Designation{"us": truce.DesignationExcluded, "ru": truce.DesignationExcluded},
		notes:        map[string]string{"us": "Listed as excluded by both delegations.", "ru": "Excluded."},
	},
	{
		name: "Ash Valley Network (illustrative)", aliases: []string{"AVN"},
		designations: map[string]truce.Designation{"us": truce.DesignationExcluded, "ru": truce.DesignationExcluded},
	},
	{
		name: "Free Hills Brigades (illustrative)", aliases: []string{"FHB", "Hills Brigades"}, answerable: "us",
		designations: map[string]truce.Designation{"us": truce.DesignationParty, "ru": truce.DesignationExcluded},
		notes:        map[string]string{"ru": "Holds positions next to excluded groups."},
	},
	{
		name: "Coastal Defence Council (illustrative)", aliases: []string{"CDC"}, answerable: "us",
		designations: map[string]truce.Designation{"us": truce.DesignationParty, "ru": truce.DesignationUndetermined},
	},
	{
		name: "River Towns Alliance (illustrative)", aliases: []string{"RTA"},
		designations: map[string]truce.Designation{"us": truce.DesignationUndetermined, "ru": truce.DesignationExcluded},
	},
}

// Seed creates the scenario through the same services a user would call, so
// every office item is a signed journal entry. clk must be the clock the
// services run on, stopped at Start(): Seed moves it through the scenario's
// months and releases it to real time when done.
func Seed(ctx context.Context, origin string, acc *office.Accounts, svc *office.Service, clk *Clock) error {
	defer clk.Release()
	for _, p := range Parties {
		if _, err := acc.AddParty(ctx, origin, p.ID, p.Name, p.Kind); err != nil {
			return fmt.Errorf("demo: party %s: %w", p.ID, err)
		}
		for _, r := range truce.Roles {
			name := p.ID + "-" + string(r)
			if _, err := acc.AddMember(ctx, office.NewMember{Username: name, Party: p.ID, Role: r, Password: Password, AllowWeak: true}); err != nil {
				return fmt.Errorf("demo: member %s: %w", name, err)
			}
		}
	}
	if _, err := acc.AddMember(ctx, office.NewMember{Username: "admin", Admin: true, Password: Password, AllowWeak: true}); err != nil {
		return fmt.Errorf("demo: admin: %w", err)
	}
	as := func(party string, role truce.Role) context.Context {
		return truce.WithCaller(ctx, &truce.Member{Username: party + "-" + string(role), Party: party, Role: role})
	}
	for i, a := range actors {
		var answerable *string
		if a.answerable != "" {
			answerable = &a.answerable
		}
		creator := []string{"us", "ru"}[i%2]
		created, err := svc.CreateActor(as(creator, truce.RoleAnalyst), office.NewActor{Name: a.name, Aliases: a.aliases, AnswerableParty: answerable})
		if err != nil {
			return fmt.Errorf("demo: actor %q: %w", a.name, err)
		}
		for _, party := range []string{"us", "ru"} {
			d, ok := a.designations[party]
			if !ok {
				continue
			}
			in := office.DesignationInput{Designation: d, Note: a.notes[party]}
			if _, err := svc.SetDesignation(as(party, truce.RoleOfficial), created.ID, party, in); err != nil {
				return fmt.Errorf("demo: designation of %q by %s: %w", a.name, party, err)
			}
		}
	}
	t0 := clk.Now()
	clk.Set(t0.Add(24 * time.Hour))
	zs, err := seedZones(ctx, svc, as, t0)
	if err != nil {
		return err
	}
	if err := seedIncidents(ctx, svc, as, clk, t0, zs); err != nil {
		return err
	}
	if err := seedReports(ctx, svc, as, clk, t0); err != nil {
		return err
	}
	clk.Set(time.Now().UTC().Add(-time.Hour))
	return seedNotices(ctx, svc, as, clk.Now())
}
