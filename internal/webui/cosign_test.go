package webui_test

import (
	"crypto/rand"
	"fmt"
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
	b.WaitFor(`[...document.querySelectorAll('table')].some((t) => t.textContent.includes('verifier.us.example/truce'))`)
	var row string
	b.Eval(`[...document.querySelectorAll('tr')].map((r) => r.textContent).find((t) => t.includes('verifier.us.example/truce')) || ''`, &row)
	if !strings.Contains(row, "us") || !strings.Contains(row, fmt.Sprint(size)) {
		t.Fatalf("cosigners table row %q, want us at size %d", row, size)
	}
}
