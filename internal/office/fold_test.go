package office_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
)

func entry(party, kind, subject string, body any) truce.Entry {
	b, _ := json.Marshal(body)
	if s, ok := body.(string); ok {
		b = []byte(s)
	}
	return truce.Entry{V: 1, ID: truce.NewID("ent"), Party: party, Member: party + "-official", Kind: kind, Subject: subject,
		Time: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), PartySeq: 1, Body: b}
}

func newState() *office.MemState {
	return office.NewMemState([]truce.Party{{ID: "us", Kind: truce.KindParty}, {ID: "ru", Kind: truce.KindParty}, {ID: "mon", Kind: truce.KindMonitor}})
}

func TestApplyRejectsAndChangesNothing(t *testing.T) {
	ru := "ru"
	mon := "mon"
	nobody := "xx"
	cases := []struct {
		name  string
		entry truce.Entry
		code  string
		field string
	}{
		{"unknown kind", entry("us", "zone.teleport", "act_a", map[string]any{}), truce.EInvalid, "kind"},
		{"body not an object", entry("us", truce.KindActorCreate, "act_b", `[1]`), truce.EInvalid, "body"},
		{"unknown body field", entry("us", truce.KindActorCreate, "act_b", `{"name":"x","colour":"red"}`), truce.EInvalid, "body"},
		{"empty name", entry("us", truce.KindActorCreate, "act_b", office.ActorCreateBody{Name: "  "}), truce.EInvalid, "name"},
		{"NUL in name", entry("us", truce.KindActorCreate, "act_b", office.ActorCreateBody{Name: "a\x00b"}), truce.EInvalid, "name"},
		{"long name", entry("us", truce.KindActorCreate, "act_b", office.ActorCreateBody{Name: strings.Repeat("n", 201)}), truce.EInvalid, "name"},
		{"empty alias", entry("us", truce.KindActorCreate, "act_b", office.ActorCreateBody{Name: "b", Aliases: []string{""}}), truce.EInvalid, "aliases[0]"},
		{"unknown answerable party", entry("us", truce.KindActorCreate, "act_b", office.ActorCreateBody{Name: "b", AnswerableParty: &nobody}), truce.EInvalid, "answerable_party"},
		{"monitor answerable", entry("us", truce.KindActorCreate, "act_b", office.ActorCreateBody{Name: "b", AnswerableParty: &mon}), truce.EInvalid, "answerable_party"},
		{"duplicate actor", entry("us", truce.KindActorCreate, "act_a", office.ActorCreateBody{Name: "again"}), truce.EConflict, ""},
		{"designation for another party", entry("us", truce.KindDesignationSet, "act_a", office.DesignationSetBody{Party: "ru", Designation: truce.DesignationExcluded}), truce.EForbidden, ""},
		{"unknown designation", entry("us", truce.KindDesignationSet, "act_a", office.DesignationSetBody{Party: "us", Designation: "terrorist"}), truce.EInvalid, "designation"},
		{"designation of a missing actor", entry("us", truce.KindDesignationSet, "act_zz", office.DesignationSetBody{Party: "us", Designation: truce.DesignationExcluded}), truce.ENotFound, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := newState()
			if err := office.Apply(st, 0, entry("ru", truce.KindActorCreate, "act_a", office.ActorCreateBody{Name: "A", AnswerableParty: &ru})); err != nil {
				t.Fatal(err)
			}
			before := st.Snapshot()
			err := office.Apply(st, 1, tc.entry)
			var te *truce.Error
			if !asError(err, &te) || te.Code != tc.code || te.Field != tc.field {
				t.Fatalf("got %#v, want code %s field %q", err, tc.code, tc.field)
			}
			if d := cmp.Diff(before, st.Snapshot()); d != "" {
				t.Fatalf("a rejected entry changed the state:\n%s", d)
			}
		})
	}
}

func TestApplyDesignationsAndDispute(t *testing.T) {
	st := newState()
	steps := []truce.Entry{
		entry("us", truce.KindActorCreate, "act_a", office.ActorCreateBody{Name: "A"}),
		entry("us", truce.KindDesignationSet, "act_a", office.DesignationSetBody{Party: "us", Designation: truce.DesignationExcluded}),
		entry("ru", truce.KindDesignationSet, "act_a", office.DesignationSetBody{Party: "ru", Designation: truce.DesignationExcluded}),
	}
	for i, e := range steps {
		if err := office.Apply(st, int64(i), e); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := st.GetActor("act_a")
	s := st.Snapshot()
	if s.Actors[0].Disputed {
		t.Fatal("same designations shown as disputed")
	}
	if err := office.Apply(st, 3, entry("ru", truce.KindDesignationSet, "act_a", office.DesignationSetBody{Party: "ru", Designation: truce.DesignationParty, Note: "changed its mind"})); err != nil {
		t.Fatal(err)
	}
	s = st.Snapshot()
	if !s.Actors[0].Disputed || s.Actors[0].Designations["ru"] != truce.DesignationParty || s.Actors[0].Designations["us"] != truce.DesignationExcluded {
		t.Fatalf("after ru changed: %+v", s.Actors[0])
	}
	if len(s.Designations) != 3 || s.Designations[2].Note != "changed its mind" || s.Designations[2].Entry != 3 {
		t.Fatalf("history %+v", s.Designations)
	}
	if a.CreatedBy != "us" || a.Entry != 0 {
		t.Fatalf("actor %+v", a)
	}
}

// CheckExternal names the first bad field in key order, whatever order the
// map gives, and accepts a good record.
func TestCheckExternalFirstBadField(t *testing.T) {
	good := &truce.ExternalRecord{Source: "acled", ID: "EXA1", Fields: map[string]string{}}
	for k := range 40 {
		good.Fields[fmt.Sprintf("f%02d", k)] = "fine"
	}
	if err := office.CheckExternal(good); err != nil {
		t.Fatalf("good record: %v", err)
	}
	bad := &truce.ExternalRecord{Source: "acled", ID: "EXA1", Fields: map[string]string{}}
	for k := range 30 {
		bad.Fields[fmt.Sprintf("f%02d", k)] = "fine"
	}
	bad.Fields["f07"] = "bell\a"
	bad.Fields["f21"] = strings.Repeat("x", 1001)
	bad.Fields["f03"] = "nul\x00"
	for range 50 {
		err := office.CheckExternal(bad)
		var te *truce.Error
		if !errors.As(err, &te) || te.Field != "external.fields.f03" {
			t.Fatalf("bad record: %v, want the error of external.fields.f03", err)
		}
	}
	bad.Fields["f03"] = "fine"
	if err := office.CheckExternal(bad); err == nil || !strings.Contains(err.Error(), "f07") {
		t.Fatalf("bad record: %v, want f07's error", err)
	}
	delete(bad.Fields, "f07")
	bad.Fields[""] = "no key"
	if err := office.CheckExternal(bad); err == nil || !strings.Contains(err.Error(), "external.fields") {
		t.Fatalf("empty key: %v", err)
	}
}
