package office_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
)

// cosignerVKey is a fixed cosigner verifier key of name.
func cosignerVKey(tb testing.TB, name string, seed byte) string {
	tb.Helper()
	_, vkey, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{seed}, 32)), name)
	if err == nil {
		vkey, err = fnote.VKeyToCosignatureV1(vkey)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return vkey
}

// TestApplyCosignerSet: a party sets, then replaces, its own cosigner key;
// setting another party's, a key that is not a canonical cosignature/v1
// key, or one another party declared is refused and changes nothing.
func TestApplyCosignerSet(t *testing.T) {
	l := &zoneLog{t: t, st: newState()}
	us1, us2, ru := cosignerVKey(t, "v.us/a", 1), cosignerVKey(t, "v.us/b", 2), cosignerVKey(t, "v.ru/a", 3)
	l.apply(entry("us", truce.KindCosignerSet, "us", office.CosignerSetBody{Key: us1}))
	idx := l.apply(entry("us", truce.KindCosignerSet, "us", office.CosignerSetBody{Key: us2}))
	if c, err := l.st.GetCosigner("us"); err != nil || c.Key != us2 || c.Entry != idx || c.SetBy != "us-official" {
		t.Fatalf("us's cosigner: %+v, %v; want the second key, entry %d", c, err, idx)
	}
	plain := strings.Replace(us1, "v.us/a", "v.us/c", 1) // a name whose hash no longer matches
	_, ed25519Key, _ := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{4}, 32)), "v.us/d")
	for _, c := range []struct {
		what string
		e    truce.Entry
		code string
	}{
		{"ru sets us's key", entry("ru", truce.KindCosignerSet, "us", office.CosignerSetBody{Key: ru}), truce.EInvalid},
		{"a hash that does not match", entry("us", truce.KindCosignerSet, "us", office.CosignerSetBody{Key: plain}), truce.EInvalid},
		{"a plain Ed25519 key (type 0x01)", entry("us", truce.KindCosignerSet, "us", office.CosignerSetBody{Key: ed25519Key}), truce.EInvalid},
		{"ru takes us's key", entry("ru", truce.KindCosignerSet, "ru", office.CosignerSetBody{Key: us2}), truce.EConflict},
		{"an unknown field", entry("us", truce.KindCosignerSet, "us", `{"key":"`+us1+`","x":1}`), truce.EInvalid},
	} {
		before, _ := json.Marshal(l.st.Snapshot())
		err := office.Apply(l.st, l.n, c.e)
		var te *truce.Error
		if !errors.As(err, &te) || te.Code != c.code {
			t.Errorf("%s: %v, want %s", c.what, err, c.code)
		}
		if after, _ := json.Marshal(l.st.Snapshot()); !bytes.Equal(before, after) {
			t.Errorf("%s changed the state", c.what)
		}
	}
}

// FuzzApplyCosigner feeds arbitrary cosigner.set bodies and subjects to the
// fold: it must never panic, a rejected entry changes nothing, and an
// accepted one holds a key CheckCosignerKey takes.
func FuzzApplyCosigner(f *testing.F) {
	vkey := cosignerVKey(f, "verifier.us.example/truce", 9)
	f.Add("us", []byte(`{"key":"`+vkey+`"}`))
	f.Add("ru", []byte(`{"key":"`+vkey+`"}`))
	f.Add("us", []byte(`{"key":"verifier+00000000+BA=="}`))
	f.Add("us", []byte(`{"key":""}`))
	f.Add("us", []byte(`{}`))
	f.Fuzz(func(t *testing.T, subject string, body []byte) {
		l := &zoneLog{t: t, st: newState()}
		before, _ := json.Marshal(l.st.Snapshot())
		e := entry("us", truce.KindCosignerSet, subject, nil)
		e.Body = body
		if err := office.Apply(l.st, l.n, e); err != nil {
			if after, _ := json.Marshal(l.st.Snapshot()); !bytes.Equal(before, after) {
				t.Fatalf("a rejected cosigner.set changed the state: %v", err)
			}
			return
		}
		c, err := l.st.GetCosigner("us")
		if err != nil {
			t.Fatalf("accepted, but no cosigner: %v", err)
		}
		if _, err := office.CheckCosignerKey(c.Key); err != nil {
			t.Fatalf("accepted a key CheckCosignerKey refuses: %q: %v", c.Key, err)
		}
	})
}
