package webui_test

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"strings"
	"testing"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// TestBrowserJournalCosigned: us declares a cosigner key and cosigns the
// latest checkpoint; the journal page still verifies that checkpoint (now
// carrying the cosignature after the office's signature) and lists us's
// cosignature of that size.
func TestBrowserJournalCosigned(t *testing.T) {
	b := NewBrowser(t)
	e := b.Env
	skey, vkey, err := note.GenerateKey(rand.Reader, "verifier.us.example/truce")
	if err == nil {
		vkey, err = fnote.VKeyToCosignatureV1(vkey)
	}
	if err != nil {
		t.Fatal(err)
	}
	signer, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.Do(t, "us-official", "PUT", "/api/v1/journal/cosigners/us", map[string]string{"key": vkey}); r.Status != 200 {
		t.Fatalf("set the cosigner key: %d %s", r.Status, r.Body)
	}
	office, err := note.NewVerifier(e.App.Arrangement.OfficeKey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(e.Do(t, "us-observer", "GET", "/api/v1/journal/checkpoint", nil).Body, note.VerifierList(office))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: n.Text, Sigs: n.Sigs}, signer)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.Do(t, "us-observer", "POST", "/api/v1/journal/cosignatures", msg); r.Status != 201 {
		t.Fatalf("cosign: %d %s", r.Status, r.Body)
	}
	size := e.JournalSize(t)
	if cp := e.Do(t, "ru-observer", "GET", "/api/v1/journal/checkpoint", nil).Body; strings.Count(string(cp), "\u2014 ") != 2 {
		t.Fatalf("the latest checkpoint does not carry the cosignature:\n%s", cp)
	}

	b.SignIn("ru-observer", "demo")
	b.Go("#/journal", "/journal")
	if state, text := waitVerify(b); state != "verified" || !strings.Contains(text, fmt.Sprintf("checkpoint of %d entries", size)) {
		t.Fatalf("journal page with a cosigned checkpoint: %s %q", state, text)
	}
	if got := b.Text(`tr[data-party=us][data-cosig=ok]`); !strings.Contains(got, "verifier.us.example/truce") || !strings.Contains(got, fmt.Sprint(size)) {
		t.Fatalf("us's row: %q, want its key and size %d, checked", got, size)
	}
	if got := b.Text(`#verify-detail`); !strings.Contains(got, fmt.Sprintf("us cosigned the checkpoint of %d entries; its root is the one of the first %d entries verified here", size, size)) {
		t.Errorf("detail: %q", got)
	}
	if n := countSel(b, `tr[data-party=ru][data-cosig=none]`); n != 0 {
		t.Errorf("ru, which declared no key, has a row")
	}

	// The server hands out us's cosignature changed by one byte: the page
	// says FAILED and names it.
	t.Run("tampered", func(t *testing.T) {
		b := NewBrowser(t)
		if r := b.Env.Do(t, "us-official", "PUT", "/api/v1/journal/cosigners/us", map[string]string{"key": vkey}); r.Status != 200 {
			t.Fatalf("set the cosigner key: %d %s", r.Status, r.Body)
		}
		office, _ := note.NewVerifier(b.Env.App.Arrangement.OfficeKey)
		n, err := note.Open(b.Env.Do(t, "us-observer", "GET", "/api/v1/journal/checkpoint", nil).Body, note.VerifierList(office))
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := note.Sign(&note.Note{Text: n.Text, Sigs: n.Sigs}, signer)
		if r := b.Env.Do(t, "us-observer", "POST", "/api/v1/journal/cosignatures", msg); r.Status != 201 {
			t.Fatalf("cosign: %d %s", r.Status, r.Body)
		}
		b.Intercept("*/api/v1/journal/checkpoint?size=*", func(u string) (int, string, []byte) {
			pu, _ := url.Parse(u)
			body := b.Env.Do(t, "us-observer", "GET", "/api/v1/journal/checkpoint?"+pu.RawQuery, nil).Body
			body = []byte(string(body))
			body[len(body)-4] ^= 1 // inside the last line's base64: the cosignature
			return 200, "text/plain; charset=utf-8", body
		})
		b.SignIn("ru-observer", "demo")
		b.Go("#/journal", "/journal")
		if state, text := waitVerify(b); state != "failed" || !strings.Contains(text, "us's cosignature") {
			t.Errorf("with a tampered cosignature: %s %q", state, text)
		}
	})
}
