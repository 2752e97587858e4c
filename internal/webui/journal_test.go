package webui_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// waitVerify waits until the journal page has a verdict and returns it.
func waitVerify(b *Browser) (state, text string) {
	b.T.Helper()
	b.WaitFor(`['verified', 'failed'].includes(document.querySelector('#verify-state')?.dataset.state)`)
	b.Eval(`document.querySelector('#verify-state').dataset.state`, &state)
	return state, b.Text(`#verify-state`)
}

// TestBrowserJournalVerified: the journal page checks, in the browser, the
// office's signature of the checkpoint, every entry's signature and the
// Merkle root over all entries, and says "verified"; the same with
// inclusion proofs; and a new entry arriving live is checked too.
func TestBrowserJournalVerified(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn("mon-observer", "demo")
	b.Go("#/journal", "/journal")
	state, text := waitVerify(b)
	size := b.Env.JournalSize(t)
	if state != "verified" || !strings.Contains(text, fmt.Sprintf("checkpoint of %d entries", size)) {
		t.Fatalf("journal page: %s %q, want verified at size %d", state, text, size)
	}
	if n := countSel(b, `tr[data-sig=ok]`); n != min(int(size), 100) {
		t.Errorf("%d entries shown with a valid signature, want %d", n, min(int(size), 100))
	}
	if n := countSel(b, `tr[data-sig=bad]`); n != 0 {
		t.Errorf("%d entries with a bad signature", n)
	}
	b.Screenshot("journal")

	// A new entry arrives (us-official designates an actor): checked live.
	var actors struct {
		Items []struct{ ID string } `json:"items"`
	}
	b.Env.Do(t, "us-official", "GET", "/api/v1/actors", nil).JSON(t, &actors)
	res := b.Env.Do(t, "us-official", "PUT", "/api/v1/actors/"+actors.Items[0].ID+"/designations/us",
		map[string]string{"designation": "undetermined", "note": "browser test"})
	if res.Status != 200 {
		t.Fatalf("designation: %d %s", res.Status, res.Body)
	}
	b.WaitFor(fmt.Sprintf(`document.querySelector('#verify-state').dataset.state === 'verified' && document.querySelector('#verify-state').dataset.size === '%d'`, size+1))
	if got := b.Text(`tbody tr[data-index] td:nth-child(5)`); got != "designation.set" {
		t.Errorf("newest entry shown: %q, want designation.set", got)
	}

	// Inclusion proofs instead of the whole tree.
	b.Go("#/journal?check=proofs", "/journal")
	if state, text := waitVerify(b); state != "verified" || !strings.Contains(text, "inclusion proofs") {
		t.Errorf("with inclusion proofs: %s %q", state, text)
	}
}

// TestBrowserJournalTampered: a forged office key, or one entry changed by
// a byte, makes the page say FAILED with the reason, not "verified".
func TestBrowserJournalTampered(t *testing.T) {
	t.Run("office key", func(t *testing.T) {
		b := NewBrowser(t)
		var info map[string]any
		b.Env.Do(t, "us-observer", "GET", "/api/v1/journal", nil).JSON(t, &info)
		origin := info["origin"].(string)
		_, vkey, err := note.GenerateKey(rand.Reader, origin)
		if err != nil {
			t.Fatal(err)
		}
		info["office_key"] = vkey // same name, another key
		forged, _ := json.Marshal(info)
		b.Intercept("*/api/v1/journal", func(string) (int, string, []byte) { return 200, "application/json", forged })
		b.SignIn("us-observer", "demo")
		b.Go("#/journal", "/journal")
		state, text := waitVerify(b)
		if state != "failed" || !strings.Contains(text, "another key") {
			t.Errorf("with a forged office key: %s %q", state, text)
		}
		b.Screenshot("journal-forged-key")
	})
	t.Run("entry", func(t *testing.T) {
		b := NewBrowser(t)
		// One of the latest entries: the page's table shows the newest.
		victim := int(b.Env.JournalSize(t)) - 3
		b.Intercept("*/api/v1/journal/entries*", func(u string) (int, string, []byte) {
			pu, _ := url.Parse(u)
			res := b.Env.Do(t, "us-observer", "GET", "/api/v1/journal/entries?"+pu.RawQuery, nil)
			var out bytes.Buffer
			for line := range bytes.Lines(res.Body) {
				var e struct {
					Index int    `json:"index"`
					Note  string `json:"note"`
				}
				if json.Unmarshal(line, &e) == nil && e.Index == victim {
					e.Note = strings.Replace(e.Note, `"party_seq":`, `"party_seq": `, 1) // one byte more
					line, _ = json.Marshal(e)
					line = append(line, '\n')
				}
				out.Write(line)
			}
			return res.Status, "application/x-ndjson", out.Bytes()
		})
		b.SignIn("us-observer", "demo")
		b.Go("#/journal", "/journal")
		state, text := waitVerify(b)
		if state != "failed" || !strings.Contains(text, fmt.Sprintf("entry %d", victim)) {
			t.Errorf("with entry %d changed: %s %q", victim, state, text)
		}
		if n := countSel(b, fmt.Sprintf(`tr[data-index="%d"][data-sig=bad]`, victim)); n != 1 {
			t.Errorf("entry %d is not marked bad", victim)
		}
		b.Screenshot("journal-tampered-entry")
	})
}

// TestBrowserEventsResume: when the event stream breaks, the page
// reconnects with Last-Event-ID and so still learns of an entry appended
// while it was away (the journal page shows it verified).
func TestBrowserEventsResume(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn("ru-official", "demo")
	b.Go("#/journal", "/journal")
	if state, _ := waitVerify(b); state != "verified" {
		t.Fatal("journal not verified")
	}
	var actors struct {
		Items []struct{ ID string } `json:"items"`
	}
	b.Env.Do(t, "ru-official", "GET", "/api/v1/actors", nil).JSON(t, &actors)
	designate := func(d string) {
		t.Helper()
		if res := b.Env.Do(t, "ru-official", "PUT", "/api/v1/actors/"+actors.Items[1].ID+"/designations/ru",
			map[string]string{"designation": d, "note": "browser test"}); res.Status != 200 {
			t.Fatalf("designation: %d %s", res.Status, res.Body)
		}
	}
	waitSize := func(n int64) {
		t.Helper()
		b.WaitFor(fmt.Sprintf(`document.querySelector('#verify-state').dataset.state === 'verified' && document.querySelector('#verify-state').dataset.size === '%d'`, n))
	}
	designate("undetermined")
	size := b.Env.JournalSize(t)
	waitSize(size) // the stream has delivered entry size-1
	b.WaitFor(`document.querySelector('#live').dataset.state === 'on'`)
	b.AllowConsole("ERR_") // the broken stream
	b.Env.Server.CloseClientConnections()
	b.Env.Server.Client().CloseIdleConnections() // the test's own were cut too
	designate("excluded")                        // while the page is away
	waitSize(size + 1)
	resumes := b.EventResumes()
	// Event ids are "J.H" (journal index, HQ sequence): the page must
	// resume after journal entry size-1.
	want := fmt.Sprint(size - 1)
	if !slices.ContainsFunc(resumes, func(id string) bool { j, _, _ := strings.Cut(id, "."); return j == want }) {
		t.Errorf("the page reopened the stream with Last-Event-ID %q, want one after journal entry %s", resumes, want)
	}
}
