package office_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
	"github.com/truce-org/truce/internal/testenv"
)

// drain returns the events waiting on s.
func drain(s *office.Subscription) []office.Event {
	var out []office.Event
	for {
		select {
		case ev := <-s.C:
			out = append(out, ev)
		default:
			return out
		}
	}
}

// TestFollowerWrote: a follower told of its node's appends (Wrote)
// publishes the same events as one that reads every entry back from the
// journal, and reads back what it was not told of.
func TestFollowerWrote(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	st := e.App.Storage.Store
	from := e.JournalSize(t)
	toldHub, readerHub := office.NewHub(64), office.NewHub(64)
	told := office.NewFollower(st, office.NewSpatial(), toldHub, from, false, nil)
	reader := office.NewFollower(st, office.NewSpatial(), readerHub, from, false, nil)
	toldSub, _ := toldHub.Subscribe()
	readerSub, _ := readerHub.Subscribe()
	actor := firstActor(t, e)
	appendOne := func(note string) office.Appended {
		t.Helper()
		app, err := e.App.Writer.Append(ctx, office.Request{Party: "us", Member: "us-official", Kind: truce.KindDesignationSet,
			Subject: actor, Body: office.DesignationSetBody{Party: "us", Designation: truce.DesignationExcluded, Note: note}})
		if err != nil {
			t.Fatal(err)
		}
		return app
	}
	// Not told of the first three: it reads them back.
	for i := range 3 {
		appendOne(fmt.Sprint("n", i))
	}
	var apps []office.Appended
	for _, f := range []*office.Follower{told, reader} {
		if err := f.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want := drain(readerSub)
	if len(want) != 3 || want[0].Index != from {
		t.Fatalf("reader published %+v, want 3 events from %d", want, from)
	}
	got := drain(toldSub)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("told follower published %+v, want %+v", got, want)
	}
	// Now told of every entry of the next range: the events are taken as told.
	for i := range 2 {
		apps = append(apps, appendOne(fmt.Sprint("m", i)))
	}
	told.Wrote(apps)
	for _, f := range []*office.Follower{told, reader} {
		if err := f.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want, got = drain(readerSub), drain(toldSub)
	if len(want) != 2 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("told follower published %+v, reader %+v", got, want)
	}
	// Told of only part of a range: it reads the whole range back.
	a := appendOne("x")
	b := appendOne("y")
	marked := a
	marked.Entry.Subject = "act_marker"
	told.Wrote([]office.Appended{marked}) // not b
	for _, f := range []*office.Follower{told, reader} {
		if err := f.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want, got = drain(readerSub), drain(toldSub)
	if len(want) != 2 || want[1].Index != b.Index || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("told follower published %+v, reader %+v", got, want)
	}
	// Told of the whole range, with a marked event: it is taken as told,
	// without reading the journal back.
	c := appendOne("z")
	marked = c
	marked.Entry.Subject = "act_marker"
	told.Wrote([]office.Appended{marked})
	if err := told.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	got = drain(toldSub)
	if len(got) != 1 || got[0].Index != c.Index || got[0].Subject != "act_marker" {
		t.Fatalf("told follower published %+v, want the told event of %d", got, c.Index)
	}
	// Told of a batch whose commit then failed (Forget): the entries that
	// take those indexes are read back.
	if err := reader.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	drain(readerSub)
	failed := office.Appended{Index: c.Index + 1, Entry: c.Entry}
	failed.Entry.Subject = "act_marker"
	told.Wrote([]office.Appended{failed})
	told.Forget([]office.Appended{failed})
	d := appendOne("w")
	for _, f := range []*office.Follower{told, reader} {
		if err := f.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want, got = drain(readerSub), drain(toldSub)
	if len(want) != 1 || want[0].Index != d.Index || want[0].Subject == "act_marker" || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("told follower published %+v, reader %+v", got, want)
	}
}
