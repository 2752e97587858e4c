package interchange_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/testenv"
)

func as(username string) context.Context {
	party, role, _ := strings.Cut(username, "-")
	return truce.WithCaller(context.Background(), &truce.Member{Username: username, Party: party, Role: truce.Role(role)})
}

func report(typ truce.IncidentType, lon, lat float64, at time.Time, perpetrator *string) truce.IncidentContent {
	g, _ := json.Marshal(map[string]any{"type": "Point", "coordinates": []float64{lon, lat}})
	return truce.IncidentContent{OccurredAt: at, Type: typ, Perpetrator: perpetrator, Sources: []string{}, Geometry: g,
		Description: "import test (illustrative)"}
}

// TestIncidentImportEntry: an incident.import entry releases each report
// as incident.release would (same violations, same accused party), and
// one bad report refuses the whole entry, changing nothing.
func TestIncidentImportEntry(t *testing.T) {
	e := testenv.New(t)
	svc := e.App.Office
	ctx := as("us-official")
	actors, err := svc.Actors(ctx, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var gfe string
	for _, a := range actors {
		if strings.HasPrefix(a.Name, "Government Forces") {
			gfe = a.ID
		}
	}
	at := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
	// In the hill villages (a zone in force), in the valley (proposed), and far away.
	contents := []truce.IncidentContent{
		report(truce.IncidentShelling, 36.40, 36.05, at, &gfe),
		report(truce.IncidentAirStrike, 36.62, 35.88, at, &gfe),
		report(truce.IncidentArmedClash, 10, 10, at, nil),
		report(truce.IncidentMovement, 36.40, 36.05, at, &gfe),
	}
	// The same reports released one by one, as the reference.
	var want []truce.Incident
	for _, c := range contents {
		d, err := svc.CreateIncident(as("us-analyst"), office.IncidentInput{Geometry: c.Geometry, OccurredAt: &c.OccurredAt,
			Type: &c.Type, Perpetrator: c.Perpetrator})
		if err != nil {
			t.Fatal(err)
		}
		r, err := svc.ReleaseIncident(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, r)
	}
	if len(want[0].Violations) == 0 {
		t.Fatal("the reference incident in the hill villages violates nothing: the test proves nothing")
	}

	items := make([]office.ImportedIncident, len(contents))
	for k, c := range contents {
		items[k] = office.ImportedIncident{ID: office.ImportID("us", "test", string(rune('a'+k))), IncidentContent: c}
	}
	size := e.JournalSize(t)
	bad := slices.Clone(items)
	bad[2].Type = "picnic"
	dup := slices.Clone(items)
	dup[3].ID = want[0].ID
	// Two taken ids: refused for the first in the body's order, whatever
	// order the ids sort in.
	dup2, dup2b := slices.Clone(items), slices.Clone(items)
	dup2[1].ID, dup2[3].ID = want[0].ID, want[1].ID
	dup2b[1].ID, dup2b[3].ID = want[1].ID, want[0].ID
	// The checks that read no state are made before the entry reaches the
	// writer (office.prepareImport), the others in the writer; a report is
	// still refused for the first fault in CheckIncidentContent's order:
	// fields, then actors, then the external record and geometry.
	nobody := "act_nobody"
	badExternal := &truce.ExternalRecord{Source: "", ID: "x"}
	fieldsFirst := slices.Clone(items)
	fieldsFirst[1].Perpetrator, fieldsFirst[1].Fatalities = &nobody, -1
	actorFirst := slices.Clone(items)
	actorFirst[1].Perpetrator, actorFirst[1].External = &nobody, badExternal
	externalLast := slices.Clone(items)
	externalLast[1].External = badExternal
	for _, c := range []struct {
		name  string
		ctx   context.Context
		items []office.ImportedIncident
		code  string
		field string
	}{
		{"bad type", ctx, bad, truce.EInvalid, "incidents[2].type"},
		{"already released", ctx, dup, truce.EConflict, "incidents[3]"},
		{"two already released", ctx, dup2, truce.EConflict, "incidents[1]"},
		{"two already released, swapped", ctx, dup2b, truce.EConflict, "incidents[1]"},
		{"twice", ctx, append(slices.Clone(items), items[0]), truce.EConflict, "incidents[4]"},
		{"fields before actors", ctx, fieldsFirst, truce.EInvalid, "incidents[1].fatalities"},
		{"actors before the external record", ctx, actorFirst, truce.EInvalid, "incidents[1].perpetrator"},
		{"external record", ctx, externalLast, truce.EInvalid, "incidents[1].external.source"},
		{"analyst", as("us-analyst"), items, truce.EForbidden, ""},
	} {
		_, err := svc.ReleaseImported(c.ctx, c.items, nil)
		var te *truce.Error
		if !errors.As(err, &te) || te.Code != c.code || te.Field != c.field {
			t.Errorf("%s: %v, want %s at %q", c.name, err, c.code, c.field)
		}
		if e.JournalSize(t) != size {
			t.Fatalf("%s: the journal grew", c.name)
		}
		for _, it := range items {
			if st, err := svc.ImportedState(ctx, it.ID); err != nil || st != office.ImportNew {
				t.Fatalf("%s: %s is %v (%v)", c.name, it.ID, st, err)
			}
		}
	}

	app, err := svc.ReleaseImported(ctx, items, nil)
	if err != nil {
		t.Fatal(err)
	}
	if app.Entry.Kind != truce.KindIncidentImport || e.JournalSize(t) != size+1 {
		t.Fatalf("entry %s, journal %d -> %d", app.Entry.Kind, size, e.JournalSize(t))
	}
	for k, it := range items {
		got, err := svc.Incident(as("ru-observer"), it.ID)
		if err != nil {
			t.Fatal(err)
		}
		w := want[k]
		zones := func(vs []truce.Violation) []string {
			var out []string
			for _, v := range vs {
				out = append(out, v.ZoneID+"/"+*v.AnswerableParty)
			}
			return out
		}
		if got.Status != truce.IncidentReported || got.Entry != app.Index || !slices.Equal(zones(got.Violations), zones(w.Violations)) ||
			(got.Accused == nil) != (w.Accused == nil) || got.BBox != w.BBox || string(got.Geometry) != string(w.Geometry) {
			t.Errorf("report %d imported as %+v\nreleased alone as %+v", k, got, w)
		}
	}
	// Importing the same reports again is refused whole.
	if _, err := svc.ReleaseImported(ctx, items[:1], nil); err == nil {
		t.Fatal("a report released twice")
	}
}
