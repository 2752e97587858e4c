package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/cli"
	"github.com/truce-org/truce/internal/testenv"
)

// maxBody is the body limit of the office TestBadInput runs: small enough
// to exceed cheaply, large enough for every other case to fit.
const maxBody = 8192

// badCase is one bad request and the error it must get.
type badCase struct {
	name   string
	body   string
	status int    // default 400
	code   string // default from status
	field  string // the field the error must name; "" for none
	// anyField: the error may or may not name a field (the body is not
	// about one).
	anyField bool
}

// shapeCases are bad bodies for any endpoint that takes a JSON object;
// valid is a valid body of that endpoint, unknown a field it does not have.
func shapeCases(valid string) []badCase {
	return []badCase{
		{name: "malformed", body: `{"name": "x",`, anyField: true},
		{name: "malformed token", body: `{"name": x}`, anyField: true},
		{name: "empty", body: ``, anyField: true},
		{name: "only whitespace", body: " \n\t ", anyField: true},
		{name: "trailing garbage", body: valid + `xyz`, anyField: true},
		{name: "trailing brace", body: valid + `}`, anyField: true},
		{name: "two values", body: valid + valid, anyField: true},
		{name: "two values spaced", body: valid + "\n" + valid, anyField: true},
		{name: "array", body: `[` + valid + `]`, anyField: true},
		{name: "string", body: `"hello"`, anyField: true},
		{name: "number", body: `42`, anyField: true},
		{name: "unknown field", body: strings.Replace(valid, "{", `{"colour":"red",`, 1), field: "colour"},
		{name: "unknown field last", body: strings.TrimSuffix(valid, "}") + `,"zz_extra":1}`, field: "zz_extra"},
		{name: "unknown nested object", body: strings.Replace(valid, "{", `{"x":{"y":1},`, 1), field: "x"},
		{name: "too large", body: strings.Replace(valid, "{", `{"pad":"`+strings.Repeat("a", maxBody)+`",`, 1),
			status: http.StatusRequestEntityTooLarge, anyField: true},
		// Both bodies are larger than the limit: whatever follows the value,
		// the limit holds.
		{name: "too large by trailing whitespace", body: valid + strings.Repeat(" ", maxBody),
			status: http.StatusRequestEntityTooLarge, anyField: true},
		{name: "too large with garbage past the limit", body: valid + strings.Repeat(" ", maxBody) + "garbage",
			status: http.StatusRequestEntityTooLarge, anyField: true},
	}
}

// writeEndpoint is a write endpoint and its bad bodies.
type writeEndpoint struct {
	name   string
	method string
	path   string
	user   string // who calls it: one allowed to
	valid  string
	cases  []badCase
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	e := testenv.New(t, func(o *cli.Options) { o.MaxBody = maxBody })
	actor := actorNamed(t, e, "Free Hills Brigades")
	long := strings.Repeat("n", 201)
	aliases := `"` + strings.Repeat(`a","`, 50) + `a"`

	endpoints := []writeEndpoint{
		{
			name: "sign in", method: http.MethodPost, path: "/api/v1/sessions",
			valid: `{"username":"us-official","password":"demo"}`,
			cases: []badCase{
				{name: "username number", body: `{"username":5,"password":"demo"}`, field: "username"},
				{name: "password array", body: `{"username":"us-official","password":["demo"]}`, field: "password"},
				{name: "password object", body: `{"username":"us-official","password":{}}`, field: "password"},
				{name: "no username", body: `{"password":"demo"}`, field: "username"},
				{name: "empty username", body: `{"username":"","password":"demo"}`, field: "username"},
				{name: "no password", body: `{"username":"us-official"}`, field: "password"},
				{name: "null", body: `null`, anyField: true},
				{name: "field in other case", body: `{"Username":"us-official","password":"demo"}`, field: "Username"},
			},
		},
		{
			name: "create actor", method: http.MethodPost, path: "/api/v1/actors", user: "us-analyst",
			valid: `{"name":"Bad Input Group (illustrative)","aliases":["BIG"],"answerable_party":"us"}`,
			cases: []badCase{
				{name: "name number", body: `{"name":5}`, field: "name"},
				{name: "name bool", body: `{"name":true}`, field: "name"},
				{name: "aliases string", body: `{"name":"x","aliases":"GFE"}`, field: "aliases"},
				{name: "aliases of numbers", body: `{"name":"x","aliases":[1,2]}`, field: "aliases"},
				{name: "answerable_party number", body: `{"name":"x","answerable_party":7}`, field: "answerable_party"},
				{name: "answerable_party array", body: `{"name":"x","answerable_party":["us"]}`, field: "answerable_party"},
				{name: "no name", body: `{"aliases":["x"]}`, field: "name"},
				{name: "empty name", body: `{"name":""}`, field: "name"},
				{name: "blank name", body: `{"name":"  \t "}`, field: "name"},
				{name: "name over 200 bytes", body: `{"name":"` + long + `"}`, field: "name"},
				{name: "name over 200 bytes in runes", body: `{"name":"` + strings.Repeat("é", 101) + `"}`, field: "name"},
				{name: "too many aliases", body: `{"name":"x","aliases":[` + aliases + `]}`, field: "aliases"},
				{name: "empty alias", body: `{"name":"x","aliases":[""]}`, field: "aliases[0]"},
				{name: "long alias", body: `{"name":"x","aliases":["ok","` + long + `"]}`, field: "aliases[1]"},
				{name: "unknown answerable_party", body: `{"name":"x","answerable_party":"zz"}`, field: "answerable_party"},
				{name: "empty answerable_party", body: `{"name":"x","answerable_party":""}`, field: "answerable_party"},
				{name: "monitor as answerable_party", body: `{"name":"x","answerable_party":"mon"}`, field: "answerable_party"},
				{name: "null", body: `null`, anyField: true},
				{name: "field in other case", body: `{"Name":"x"}`, field: "Name"},
			},
		},
		{
			name: "set designation", method: http.MethodPut, path: "/api/v1/actors/" + actor.ID + "/designations/us", user: "us-official",
			valid: `{"designation":"excluded","note":"bad input"}`,
			cases: []badCase{
				{name: "designation number", body: `{"designation":1}`, field: "designation"},
				{name: "designation array", body: `{"designation":["excluded"]}`, field: "designation"},
				{name: "note number", body: `{"designation":"excluded","note":3}`, field: "note"},
				{name: "no designation", body: `{"note":"x"}`, field: "designation"},
				{name: "empty designation", body: `{"designation":""}`, field: "designation"},
				{name: "unknown designation", body: `{"designation":"enemy"}`, field: "designation"},
				{name: "designation in other case", body: `{"designation":"Excluded"}`, field: "designation"},
				{name: "note over 4000 bytes", body: `{"designation":"excluded","note":"` + strings.Repeat("n", 4001) + `"}`, field: "note"},
				{name: "null", body: `null`, anyField: true},
				{name: "field in other case", body: `{"Designation":"excluded"}`, field: "Designation"},
			},
		},
	}

	// The state a bad request must leave as it was.
	state := func(t *testing.T) any {
		t.Helper()
		h := get(t, e, "us-observer", "/api/v1/actors/"+actor.ID+"/designations")
		mustStatus(t, h, http.StatusOK, "designation history")
		return struct {
			Journal int64
			Actors  []truce.Actor
			History string
		}{e.JournalSize(t), allActors(t, e), string(h.Body)}
	}

	for _, ep := range endpoints {
		t.Run(ep.name, func(t *testing.T) {
			// The valid body works, so the bad ones fail for what they are.
			defer func() {
				r := e.Do(t, ep.user, ep.method, ep.path, ep.valid)
				if r.Status/100 != 2 {
					t.Errorf("valid body %s: status %d; body %s", ep.valid, r.Status, r.Body)
				}
			}()
			for _, c := range append(shapeCases(ep.valid), ep.cases...) {
				t.Run(c.name, func(t *testing.T) {
					if c.status == 0 {
						c.status = http.StatusBadRequest
					}
					if c.code == "" {
						c.code = codeOfStatus[c.status]
					}
					before := state(t)
					r := e.Do(t, ep.user, ep.method, ep.path, c.body)
					if r.Status != c.status {
						t.Errorf("status %d, want %d; body %.300s", r.Status, c.status, r.Body)
					}
					if r.Status >= 400 {
						code, msg, field := errorOf(t, r)
						if code != c.code {
							t.Errorf("code %q, want %q", code, c.code)
						}
						if !c.anyField && field != c.field {
							t.Errorf("field %q, want %q (message %q)", field, c.field, msg)
						}
						if len(msg) > 500 {
							t.Errorf("message of %d bytes: %.100s…", len(msg), msg)
						}
					}
					if diff := cmp.Diff(before, state(t)); diff != "" {
						t.Errorf("the bad request changed the state (-before +after):\n%s", diff)
					}
				})
			}
		})
	}
}

// Query parameters out of range answer 400 naming the parameter.
func TestBadQuery(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	size := e.JournalSize(t)
	if size < 3 {
		t.Fatalf("journal of %d entries: the demo should have more", size)
	}
	cases := []struct {
		path  string
		field string
	}{
		{"/api/v1/journal/entries?start=x", "start"},
		{"/api/v1/journal/entries?start=-1", "start"},
		{"/api/v1/journal/entries?start=1.5", "start"},
		{"/api/v1/journal/entries?end=x", "end"},
		{"/api/v1/journal/entries?end=-3", "end"},
		{"/api/v1/journal/entries?start=3&end=2", "start"},
		{fmt.Sprintf("/api/v1/journal/entries?start=%d", size+1), "start"},
		{"/api/v1/journal/entries?start=99999999999999999999", "start"},
		{"/api/v1/journal/proofs/inclusion", "index"},
		{"/api/v1/journal/proofs/inclusion?index=", "index"},
		{"/api/v1/journal/proofs/inclusion?index=x", "index"},
		{"/api/v1/journal/proofs/inclusion?index=-1", "index"},
		{fmt.Sprintf("/api/v1/journal/proofs/inclusion?index=%d", size), "index"},
		{"/api/v1/journal/proofs/inclusion?index=2&size=2", "index"},
		{"/api/v1/journal/proofs/inclusion?index=0&size=0", "index"},
		{fmt.Sprintf("/api/v1/journal/proofs/inclusion?index=0&size=%d", size+1), "size"},
		{"/api/v1/journal/proofs/inclusion?index=0&size=x", "size"},
		{"/api/v1/journal/proofs/consistency", "old"},
		{"/api/v1/journal/proofs/consistency?old=0", "old"},
		{"/api/v1/journal/proofs/consistency?old=x", "old"},
		{"/api/v1/journal/proofs/consistency?old=3&new=2", "old"},
		{fmt.Sprintf("/api/v1/journal/proofs/consistency?old=%d", size+1), "old"},
		{fmt.Sprintf("/api/v1/journal/proofs/consistency?old=1&new=%d", size+1), "new"},
		{"/api/v1/journal/proofs/consistency?old=1&new=x", "new"},
		{"/api/v1/actors?limit=0", "limit"},
		{"/api/v1/actors?limit=-1", "limit"},
		{"/api/v1/actors?limit=abc", "limit"},
		{"/api/v1/actors?limit=1.5", "limit"},
		{"/api/v1/actors?cursor=!!!", "cursor"},
		{"/api/v1/actors?cursor=a b", "cursor"},
	}
	for _, c := range cases {
		r := get(t, e, "ru-observer", strings.ReplaceAll(c.path, " ", "%20"))
		if r.Status != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400; body %s", c.path, r.Status, r.Body)
			continue
		}
		if _, _, field := errorOf(t, r); field != c.field {
			t.Errorf("GET %s: field %q, want %q", c.path, field, c.field)
		}
	}
	if got := e.JournalSize(t); got != size {
		t.Errorf("journal size %d after bad queries, want %d", got, size)
	}
}
