package journal

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/truce-org/truce"
	"golang.org/x/mod/sumdb/note"
)

// flipSignature returns msg with one bit of its last signature's Ed25519
// part flipped.
func flipSignature(tb testing.TB, msg []byte) []byte {
	tb.Helper()
	body := msg[:len(msg)-1]
	i := bytes.LastIndexByte(body, ' ')
	sig, err := base64.StdEncoding.DecodeString(string(body[i+1:]))
	if err != nil || len(sig) < 10 {
		tb.Fatalf("no signature in %q", msg)
	}
	sig[9] ^= 0x01 // after the 4-byte key hash
	out := append(bytes.Clone(body[:i+1]), base64.StdEncoding.EncodeToString(sig)...)
	return append(out, '\n')
}

func TestSignEntryRoundTrip(t *testing.T) {
	f := newFixture(t)
	e := testEntry(7, "ru", 3)
	e.Time = time.Date(2026, 3, 1, 15, 4, 5, 6, time.FixedZone("MSK", 3*3600))
	e.Body = json.RawMessage("{\n  \"a\": [1, 2],\n  \"b\": \"x<y\"\n}") // compacted when signed
	msg := MustSignEntry(t, f, e, "ru")

	text, sigs, ok := bytes.Cut(msg, []byte("\n\n"))
	if !ok || bytes.Count(text, []byte("\n")) != 0 || !bytes.HasPrefix(text, []byte(`{"v":1,"id":"e-000007","party":"ru",`)) {
		t.Fatalf("note text is not one JSON line:\n%s", msg)
	}
	if !bytes.HasPrefix(sigs, []byte("— "+KeyName(testOrigin, "ru")+" ")) || bytes.Count(sigs, []byte("\n")) != 1 {
		t.Fatalf("signatures are not one line by ru:\n%s", sigs)
	}

	want := e
	want.Time = e.Time.UTC()
	want.Body = json.RawMessage(`{"a":[1,2],"b":"x\u003cy"}`)
	for name, open := range map[string]func([]byte) (truce.Entry, error){
		"ParseEntry": ParseEntry,
		"OpenEntry":  func(msg []byte) (truce.Entry, error) { return OpenEntry(msg, f.keys) },
	} {
		got, err := open(msg)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: entry differs (-want +got):\n%s", name, diff)
		}
	}
}

func TestSignEntryRefuses(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name string
		edit func(*truce.Entry)
		role string
	}{
		{"version 0", func(e *truce.Entry) { e.V = 0 }, "us"},
		{"version 2", func(e *truce.Entry) { e.V = 2 }, "us"},
		{"no id", func(e *truce.Entry) { e.ID = "" }, "us"},
		{"no party", func(e *truce.Entry) { e.Party = "" }, "us"},
		{"party with space", func(e *truce.Entry) { e.Party = "u s" }, "us"},
		{"party with slash", func(e *truce.Entry) { e.Party = "x/us" }, "us"},
		{"no member", func(e *truce.Entry) { e.Member = "" }, "us"},
		{"no kind", func(e *truce.Entry) { e.Kind = "" }, "us"},
		{"no time", func(e *truce.Entry) { e.Time = time.Time{} }, "us"},
		{"party_seq 0", func(e *truce.Entry) { e.PartySeq = 0 }, "us"},
		{"party_seq -1", func(e *truce.Entry) { e.PartySeq = -1 }, "us"},
		{"no body", func(e *truce.Entry) { e.Body = nil }, "us"},
		{"null body", func(e *truce.Entry) { e.Body = json.RawMessage("null") }, "us"},
		{"bad body", func(e *truce.Entry) { e.Body = json.RawMessage("{") }, "us"},
		{"control character in id", func(e *truce.Entry) { e.ID = "a\x00b" }, "us"},
		{"newline in subject", func(e *truce.Entry) { e.Subject = "a\nb" }, "us"},
		{"time out of range", func(e *truce.Entry) { e.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "us"},
		{"another party's key", func(*truce.Entry) {}, "ru"},
		{"the office key", func(*truce.Entry) {}, "office"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testEntry(1, "us", 1)
			tc.edit(&e)
			msg, err := SignEntry(e, f.signers[tc.role])
			if err == nil {
				t.Fatalf("SignEntry succeeded:\n%s", msg)
			}
			if !strings.HasPrefix(err.Error(), "journal: sign entry") {
				t.Errorf("error %q lacks context", err)
			}
		})
	}
}

func TestParseEntry(t *testing.T) {
	f := newFixture(t)
	const valid = `"v":1,"id":"e1","party":"us","member":"m","kind":"k","subject":"s","time":"2026-03-01T12:00:00Z","party_seq":1,"body":{}`
	for _, tc := range []struct {
		name, text string
		ok         bool
	}{
		{"valid", "{" + valid + "}\n", true},
		{"unknown fields", `{"extra":{"x":[1,{"y":null}]},` + valid + `,"more":2}` + "\n", true},
		{"spaces", "{ " + strings.ReplaceAll(valid, ",", " , ") + " }\n", true},
		{"no subject", `{"v":1,"id":"e1","party":"us","member":"m","kind":"k","time":"2026-03-01T12:00:00Z","party_seq":1,"body":[]}` + "\n", true},
		{"two lines", "{" + valid + "}\n{}\n", false},
		{"line split inside", "{" + strings.Replace(valid, ",", ",\n", 1) + "}\n", false},
		{"trailing data", "{" + valid + "} {}\n", false},
		{"trailing brace", "{" + valid + "}}\n", false},
		{"array", "[{" + valid + "}]\n", false},
		{"string", `"x"` + "\n", false},
		{"empty", "\n", false},
		{"repeated key", `{"party":"ru",` + valid + "}\n", false},
		{"repeated unknown key", `{"x":1,"x":2,` + valid + "}\n", false},
		{"key in other case", `{"Party":"ru",` + strings.Replace(valid, `"party":"us",`, "", 1) + "}\n", false},
		{"escaped key", `{"p\u0061rty":"ru",` + valid + "}\n", false},
		{"v missing", "{" + strings.Replace(valid, `"v":1,`, "", 1) + "}\n", false},
		{"v 2", "{" + strings.Replace(valid, `"v":1`, `"v":2`, 1) + "}\n", false},
		{"v string", "{" + strings.Replace(valid, `"v":1`, `"v":"1"`, 1) + "}\n", false},
		{"id empty", "{" + strings.Replace(valid, `"id":"e1"`, `"id":""`, 1) + "}\n", false},
		{"member missing", "{" + strings.Replace(valid, `"member":"m",`, "", 1) + "}\n", false},
		{"kind missing", "{" + strings.Replace(valid, `"kind":"k",`, "", 1) + "}\n", false},
		{"time missing", "{" + strings.Replace(valid, `"time":"2026-03-01T12:00:00Z",`, "", 1) + "}\n", false},
		{"time not RFC 3339", "{" + strings.Replace(valid, `2026-03-01T12:00:00Z`, `2026-03-01 12:00`, 1) + "}\n", false},
		{"party_seq 0", "{" + strings.Replace(valid, `"party_seq":1`, `"party_seq":0`, 1) + "}\n", false},
		{"party_seq fraction", "{" + strings.Replace(valid, `"party_seq":1`, `"party_seq":1.5`, 1) + "}\n", false},
		{"body missing", "{" + strings.Replace(valid, `,"body":{}`, "", 1) + "}\n", false},
		{"body null", "{" + strings.Replace(valid, `"body":{}`, `"body":null`, 1) + "}\n", false},
		{"NUL in id", "{" + strings.Replace(valid, `"id":"e1"`, `"id":"e\u00001"`, 1) + "}\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := mustSignText(t, f, tc.text, "us")
			_, perr := ParseEntry(msg)
			_, oerr := OpenEntry(msg, f.keys)
			if tc.ok {
				if perr != nil || oerr != nil {
					t.Fatalf("ParseEntry: %v; OpenEntry: %v", perr, oerr)
				}
				return
			}
			if perr == nil || oerr == nil {
				t.Fatalf("ParseEntry: %v; OpenEntry: %v; want errors", perr, oerr)
			}
			if !errors.Is(perr, ErrMalformed) || !errors.Is(oerr, ErrMalformed) {
				t.Errorf("errors do not wrap ErrMalformed: %v; %v", perr, oerr)
			}
		})
	}
}

func TestParseEntryMalformedNote(t *testing.T) {
	f := newFixture(t)
	msg := MustSignEntry(t, f, testEntry(1, "us", 1), "us")
	for name, bad := range map[string][]byte{
		"empty":              nil,
		"no signatures":      msg[:bytes.Index(msg, []byte("\n\n"))+1],
		"no blank line":      bytes.Replace(msg, []byte("\n\n"), []byte("\n"), 1),
		"control character":  bytes.Replace(msg, []byte("e-000001"), []byte("e-\x01"), 1),
		"bad signature line": bytes.Replace(msg, []byte("— "), []byte("- "), 1),
		"no final newline":   msg[:len(msg)-1],
		"not UTF-8":          append([]byte{0xff}, msg...),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseEntry(bad); !errors.Is(err, ErrMalformed) {
				t.Errorf("ParseEntry: %v, want ErrMalformed", err)
			}
			if _, err := OpenEntry(bad, f.keys); err == nil {
				t.Errorf("OpenEntry succeeded")
			}
		})
	}
}

func TestOpenEntrySignatures(t *testing.T) {
	f := newFixture(t)
	e := testEntry(1, "us", 1)
	line, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	text := string(line) + "\n"
	good := mustSignText(t, f, text, "us")
	flipped := flipSignature(t, good)
	unknown := mustSignText(t, f, strings.Replace(text, `"party":"us"`, `"party":"xx"`, 1), "us")

	for _, tc := range []struct {
		name  string
		msg   []byte
		ok    bool
		sigOK bool // the failure is about signatures
	}{
		{"party's key", good, true, true},
		{"party's key and another party's", mustSignText(t, f, text, "ru", "us"), true, true},
		{"party's key and an unknown key", append(bytes.Clone(good), []byte("— someone.example/x AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")...), true, true},
		{"another party's key", mustSignText(t, f, text, "ru"), false, true},
		{"all other parties' keys", mustSignText(t, f, text, "ru", "mon"), false, true},
		{"the office key", mustSignText(t, f, text, "office"), false, true},
		{"a key named like the party's", mustSignText(t, f, text, "us-other"), false, true},
		{"an edited signature", flipped, false, true},
		{"an edited text", bytes.Replace(good, []byte("Zone 1"), []byte("Zone 2"), 1), false, true},
		{"an unknown party", unknown, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := OpenEntry(tc.msg, f.keys)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(e, got); diff != "" {
					t.Errorf("entry differs (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatal("OpenEntry succeeded")
			}
			if tc.sigOK && !errors.Is(err, ErrSignature) {
				t.Errorf("error %v does not wrap ErrSignature", err)
			}
			if _, perr := ParseEntry(tc.msg); perr != nil {
				t.Errorf("ParseEntry, which does not check signatures: %v", perr)
			}
		})
	}

	// Keys built by hand must still name the party's key as the origin says.
	wrong := *f.keys
	wrong.Parties = map[string]note.Verifier{"us": f.keys.Parties["ru"]}
	if _, err := OpenEntry(good, &wrong); !errors.Is(err, ErrSignature) {
		t.Errorf("OpenEntry with ru's key under us: %v, want ErrSignature", err)
	}
	if _, err := OpenEntry(good, nil); !errors.Is(err, ErrSignature) {
		t.Errorf("OpenEntry without keys: %v, want ErrSignature", err)
	}
}

func TestEntryLine(t *testing.T) {
	f := newFixture(t)
	msg := MustSignEntry(t, f, testEntry(1, "us", 1), "us")
	line, err := json.Marshal(EntryLine{Index: 42, Note: string(msg)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseEntryLine(line)
	if err != nil {
		t.Fatal(err)
	}
	if got.Index != 42 || got.Note != string(msg) {
		t.Errorf("ParseEntryLine = %+v", got)
	}
	// The API may add convenience fields.
	if _, err := ParseEntryLine([]byte(`{"index":1,"note":"x","kind":"zone.release"}`)); err != nil {
		t.Errorf("convenience field: %v", err)
	}
	for _, bad := range []string{``, `{}`, `{"index":1}`, `{"note":"x"}`, `{"index":"1","note":"x"}`, `{"index":1,"note":"x"}x`, `{"index":1,"note":"x"}}`, `[]`} {
		if _, err := ParseEntryLine([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseEntryLine(%q) = %v, want ErrMalformed", bad, err)
		}
	}
}

func TestKeys(t *testing.T) {
	f := newFixture(t)
	if got := KeyName("a.example/j", "us"); got != "a.example/j/us" {
		t.Errorf("KeyName = %q", got)
	}
	if !isKeyName("a.example/j/us", "a.example/j", "us") || isKeyName("a.example/jj/us", "a.example/j", "us") ||
		isKeyName("a.example/j/usa", "a.example/j", "us") || isKeyName("a.example/jXus", "a.example/j", "us") {
		t.Error("isKeyName is wrong")
	}
	for _, tc := range []struct {
		name    string
		office  string
		parties map[string]string
	}{
		{"office key of a party", testKeys["us"][1], nil},
		{"party key named for another", testKeys["office"][1], map[string]string{"ru": testKeys["us"][1]}},
		{"party key of the office", testKeys["office"][1], map[string]string{"us": testKeys["office"][1]}},
		{"garbage key", testKeys["office"][1], map[string]string{"us": "us+123+abc"}},
		{"signer key", testKeys["office"][0], nil},
		{"bad party name", testKeys["office"][1], map[string]string{"u s": testKeys["us"][1]}},
	} {
		if _, err := NewKeys(testOrigin, tc.office, tc.parties); err == nil {
			t.Errorf("%s: NewKeys succeeded", tc.name)
		}
	}
	if len(f.keys.Parties) != 3 || f.keys.Office.Name() != testOrigin {
		t.Errorf("fixture keys: %+v", f.keys)
	}

	skey, vkey, err := GenerateKey(KeyName(testOrigin, "new"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != v.Name() || s.KeyHash() != v.KeyHash() {
		t.Errorf("signer %s/%x, verifier %s/%x", s.Name(), s.KeyHash(), v.Name(), v.KeyHash())
	}
	for _, bad := range []string{"", "a b", "a+b", "a\x00b"} {
		if _, _, err := GenerateKey(bad); err == nil {
			t.Errorf("GenerateKey(%q) succeeded", bad)
		}
	}
	if _, err := NewSigner("PRIVATE+KEY+x+00000000+AAAA"); err == nil || strings.Contains(err.Error(), "AAAA") {
		t.Errorf("NewSigner of a bad key: %v (must not repeat the key)", err)
	}
}

func TestValidOrigin(t *testing.T) {
	for _, ok := range []string{"truce.example.org", "truce.example.org/demo", "localhost:8080/a/b", "10.0.0.1/j", "Example.COM/x-y_z.1"} {
		if err := ValidOrigin(ok); err != nil {
			t.Errorf("ValidOrigin(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "https://truce.example.org", "truce example", "truce.example.org/a+b", "truce.example.org/",
		"/truce", "truce.example.org//x", "a@b.example", "x.example/?q", "x.example/#f", "x.example:/a", "x.example:8a",
		"x.example/\u00a0", "x.example/\x7f", "\xff", "x_y.example", strings.Repeat("a", 256)} {
		if err := ValidOrigin(bad); err == nil {
			t.Errorf("ValidOrigin(%q) succeeded", bad)
		}
	}
}

// TestSignEntryReadBack checks that SignEntry's read-back, which reads the
// body apart, signs exactly json.Marshal's line and refuses what a verifier
// would refuse.
func TestSignEntryReadBack(t *testing.T) {
	f := newFixture(t)
	signer, keys := f.signers["us"], f.keys
	base := testEntry(1, "us", 1)
	for _, body := range []string{`{}`, ` { "a" : [1, 2, {"b": "<&>"}] } `, `[]`, `"x"`, `0`, `{"body":{"id":1}}`} {
		e := base
		e.Body = json.RawMessage(body)
		msg, err := SignEntry(e, signer)
		if err != nil {
			t.Fatalf("body %s: %v", body, err)
		}
		line, _ := json.Marshal(e)
		if !bytes.HasPrefix(msg, append(line, '\n')) {
			t.Errorf("body %s: signed text %q, want %q", body, msg, line)
		}
		if _, err := OpenEntry(msg, keys); err != nil {
			t.Errorf("body %s: verifier refuses what was signed: %v", body, err)
		}
	}
	for _, body := range []string{` null`, "null\n", `{`, `{"a":}`, `nul`} {
		e := base
		e.Body = json.RawMessage(body)
		if msg, err := SignEntry(e, signer); err == nil {
			t.Errorf("body %q: signed %q, want an error", body, msg)
		}
	}
}

// TestSignEncodedEntry: for a body json.Marshal wrote, SignEncodedEntry
// signs the very bytes SignEntry does.
func TestSignEncodedEntry(t *testing.T) {
	f := newFixture(t)
	signer := f.signers["us"]
	for _, v := range []any{
		map[string]any{}, []int{}, "x", 0, nil,
		map[string]any{"a": []any{1, 2.5, "<&>", "\u2028\u2029", "é\x00", json.RawMessage(` { "b" : [ 1 ] } `)}},
		struct {
			T time.Time       `json:"t"`
			R json.RawMessage `json:"r"`
		}{time.Date(2026, 3, 1, 15, 4, 5, 6, time.FixedZone("MSK", 3*3600)), json.RawMessage("[1,\n2]")},
		json.RawMessage("{\"a\": \"x<y\"}"),
		"\xff",
	} {
		body, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		e := testEntry(1, "us", 1)
		e.Body = body
		want, errWant := SignEntry(e, signer)
		got, errGot := SignEncodedEntry(e, signer)
		if string(got) != string(want) || (errGot == nil) != (errWant == nil) {
			t.Errorf("body %s: SignEncodedEntry gives %q, %v; SignEntry %q, %v", body, got, errGot, want, errWant)
		}
	}
}
