package httpapi_test

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"strconv"
	"strings"
	"testing"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/truce-org/truce/internal/httpapi"
	"github.com/truce-org/truce/internal/testenv"
)

// cosignerKey is a party's cosigner key pair, as `truce cosigner new` makes it.
type cosignerKey struct {
	vkey     string // cosignature/v1 verifier key
	signer   note.Signer
	verifier note.Verifier
}

func newCosignerKey(tb testing.TB, name string) cosignerKey {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err == nil {
		vkey, err = fnote.VKeyToCosignatureV1(vkey)
	}
	var k cosignerKey
	if err == nil {
		k.signer, err = fnote.NewSignerForCosignatureV1(skey)
	}
	if err == nil {
		k.verifier, err = fnote.NewVerifierForCosignatureV1(vkey)
	}
	if err != nil {
		if tb == nil {
			panic(err)
		}
		tb.Fatal(err)
	}
	k.vkey = vkey
	return k
}

// cosign returns cp (as the office serves it) cosigned by k.
func (k cosignerKey) cosign(tb testing.TB, cp []byte, office note.Verifier) []byte {
	tb.Helper()
	n, err := note.Open(cp, note.VerifierList(office))
	if err != nil {
		tb.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: n.Text, Sigs: n.Sigs}, k.signer)
	if err != nil {
		tb.Fatal(err)
	}
	return msg
}

func cosignInfo(t *testing.T, e *testenv.Env) httpapi.JournalInfo {
	t.Helper()
	r := get(t, e, "ru-observer", "/api/v1/journal")
	mustStatus(t, r, http.StatusOK, "journal info")
	var info httpapi.JournalInfo
	r.JSON(t, &info)
	return info
}

// TestCosignatures: a party declares its cosigner key in the journal,
// cosigns a checkpoint it verified, and every member then finds the
// cosignature on that checkpoint and in the journal's summary. Every
// cosignature that is not the party's own key over a checkpoint the office
// signed is refused, and leaves nothing behind.
func TestCosignatures(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	office, err := note.NewVerifier(e.App.Arrangement.OfficeKey)
	if err != nil {
		t.Fatal(err)
	}
	us, ru := newCosignerKey(t, "verifier.us.example/truce"), newCosignerKey(t, "verifier.ru.example/truce")

	// Before any key: nothing to show, and nothing to accept.
	if info := cosignInfo(t, e); len(info.CosignerKeys) != 0 || len(info.Cosigned) != 0 {
		t.Fatalf("a new office shows cosigners: %+v", info)
	}
	cpResp := get(t, e, "us-observer", "/api/v1/journal/checkpoint")
	mustStatus(t, cpResp, http.StatusOK, "checkpoint")
	cp := cpResp.Body
	mustStatus(t, e.Do(t, "us-observer", "POST", "/api/v1/journal/cosignatures", us.cosign(t, cp, office)), http.StatusConflict, "a cosignature before the party set a key")

	// Setting the key: its officials only, a valid key only, one journal entry.
	before := e.JournalSize(t)
	for _, bad := range []string{"", "not a key", e.App.Arrangement.OfficeKey, strings.Replace(us.vkey, "+", "+0", 1)} {
		r := e.Do(t, "us-official", "PUT", "/api/v1/journal/cosigners/us", httpapi.CosignerInput{Key: bad})
		mustStatus(t, r, http.StatusBadRequest, "cosigner key "+strconv.Quote(bad))
	}
	mustStatus(t, e.Do(t, "us-analyst", "PUT", "/api/v1/journal/cosigners/us", httpapi.CosignerInput{Key: us.vkey}), http.StatusForbidden, "an analyst sets the key")
	mustStatus(t, e.Do(t, "ru-official", "PUT", "/api/v1/journal/cosigners/us", httpapi.CosignerInput{Key: ru.vkey}), http.StatusForbidden, "ru sets us's key")
	if got := e.JournalSize(t); got != before {
		t.Fatalf("refused keys appended %d entries", got-before)
	}
	mustStatus(t, e.Do(t, "us-official", "PUT", "/api/v1/journal/cosigners/us", httpapi.CosignerInput{Key: us.vkey}), http.StatusOK, "us sets its key")
	mustStatus(t, e.Do(t, "ru-official", "PUT", "/api/v1/journal/cosigners/ru", httpapi.CosignerInput{Key: us.vkey}), http.StatusConflict, "ru takes us's key")
	mustStatus(t, e.Do(t, "ru-official", "PUT", "/api/v1/journal/cosigners/ru", httpapi.CosignerInput{Key: ru.vkey}), http.StatusOK, "ru sets its key")
	if got := e.JournalSize(t); got != before+2 {
		t.Fatalf("two keys set: journal grew by %d", got-before)
	}
	if info := cosignInfo(t, e); info.CosignerKeys["us"] != us.vkey || info.CosignerKeys["ru"] != ru.vkey {
		t.Fatalf("cosigner keys: %v", info.CosignerKeys)
	}

	// The latest checkpoint now (the keys' entries moved it on).
	cp = get(t, e, "us-observer", "/api/v1/journal/checkpoint").Body
	size := strings.Split(string(cp), "\n")[1]

	// Refused: another party's key, a tampered checkpoint, a bad
	// signature, a checkpoint another key signed, no cosignature at all.
	tampered := bytes.Replace(us.cosign(t, cp, office), []byte("\n"+size+"\n"), []byte("\n1"+size+"\n"), 1)
	badSig := us.cosign(t, cp, office)
	badSig[len(badSig)-3] ^= 'A' ^ 'B'
	fake, err := note.Sign(&note.Note{Text: strings.SplitN(string(cp), "\n\n", 2)[0] + "\n"}, us.signer)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who, what string
		body      []byte
		want      int
	}{
		{"ru-observer", "us's cosignature handed in by ru", us.cosign(t, cp, office), http.StatusBadRequest},
		{"us-observer", "a tampered size", tampered, http.StatusBadRequest},
		{"us-observer", "a bad cosignature", badSig, http.StatusBadRequest},
		{"us-observer", "no office signature", fake, http.StatusBadRequest},
		{"us-observer", "no cosignature", cp, http.StatusBadRequest},
		{"admin", "the administrator", us.cosign(t, cp, office), http.StatusForbidden},
		{"us-observer", "a body over 16 KiB", bytes.Repeat([]byte("x"), 17<<10), http.StatusRequestEntityTooLarge},
	} {
		r := e.Do(t, c.who, "POST", "/api/v1/journal/cosignatures", c.body)
		mustStatus(t, r, c.want, c.what)
		errorOf(t, r)
	}
	if info := cosignInfo(t, e); len(info.Cosigned) != 0 {
		t.Fatalf("refused cosignatures were kept: %+v", info.Cosigned)
	}

	// Accepted: us's cosignature, handed in by any us member.
	r := e.Do(t, "us-observer", "POST", "/api/v1/journal/cosignatures", us.cosign(t, cp, office))
	mustStatus(t, r, http.StatusCreated, "us cosigns")
	var got struct {
		Party string `json:"party"`
		Size  int64  `json:"size"`
	}
	r.JSON(t, &got)
	if got.Party != "us" || strconv.FormatInt(got.Size, 10) != size {
		t.Fatalf("cosignature %+v, want us at %s", got, size)
	}
	// ru cosigns too, then the journal moves on.
	mustStatus(t, e.Do(t, "ru-analyst", "POST", "/api/v1/journal/cosignatures", ru.cosign(t, cp, office)), http.StatusCreated, "ru cosigns")
	before = e.JournalSize(t)
	mustStatus(t, e.Do(t, "us-official", "PUT", "/api/v1/journal/cosigners/us", httpapi.CosignerInput{Key: us.vkey}), http.StatusOK, "us sets the same key again")
	if got := e.JournalSize(t); got != before {
		t.Fatalf("the same key again appended %d entries", got-before)
	}
	other := newCosignerKey(t, "verifier2.us.example/truce")
	mustStatus(t, e.Do(t, "us-official", "PUT", "/api/v1/journal/cosigners/us", httpapi.CosignerInput{Key: other.vkey}), http.StatusOK, "us replaces its key")
	// us's cosignature was made with the key it replaced: no longer listed.
	if info := cosignInfo(t, e); info.Cosigned["us"].Size != 0 || info.Cosigned["ru"].Size == 0 {
		t.Fatalf("after us replaced its key: cosigned %+v, want ru alone", info.Cosigned)
	}
	mustStatus(t, e.Do(t, "us-official", "PUT", "/api/v1/journal/cosigners/us", httpapi.CosignerInput{Key: us.vkey}), http.StatusOK, "us goes back to its first key")
	if got := e.JournalSize(t); got != before+2 {
		t.Fatalf("two changes of key appended %d entries", got-before)
	}

	// Any member reads the checkpoint of that size with both cosignatures,
	// which verify; the latest checkpoint has none yet.
	old := get(t, e, "mon-observer", "/api/v1/journal/checkpoint?size="+size)
	mustStatus(t, old, http.StatusOK, "checkpoint of size "+size)
	n, err := note.Open(old.Body, note.VerifierList(office, us.verifier, ru.verifier))
	if err != nil {
		t.Fatalf("cosigned checkpoint: %v\n%s", err, old.Body)
	}
	if len(n.Sigs) != 3 || len(n.UnverifiedSigs) != 0 {
		t.Fatalf("checkpoint of size %s has %d verified signatures, %d unverified; want the office's and two cosignatures", size, len(n.Sigs), len(n.UnverifiedSigs))
	}
	latest := get(t, e, "mon-observer", "/api/v1/journal/checkpoint")
	if n, err := note.Open(latest.Body, note.VerifierList(office, us.verifier, ru.verifier)); err != nil || len(n.Sigs) != 1 {
		t.Fatalf("latest checkpoint: %v, %d signatures; want the office's alone", err, len(n.Sigs))
	}
	info := cosignInfo(t, e)
	if strconv.FormatInt(info.Cosigned["us"].Size, 10) != size || strconv.FormatInt(info.Cosigned["ru"].Size, 10) != size {
		t.Fatalf("cosigned: %+v, want us and ru at %s", info.Cosigned, size)
	}
	mustStatus(t, get(t, e, "us-observer", "/api/v1/journal/checkpoint?size=999999"), http.StatusNotFound, "a size never signed")
	mustStatus(t, get(t, e, "us-observer", "/api/v1/journal/checkpoint?size=-1"), http.StatusBadRequest, "a negative size")
}
