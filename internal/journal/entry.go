package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/truce-org/truce"
	"golang.org/x/mod/sumdb/note"
)

// SignEntry returns e as a signed note: its JSON on one line, signed by s,
// which must be the key of e's party (its name ends in "/<party>"). The time
// is written in UTC. SignEntry refuses an entry that [ParseEntry] would
// refuse.
func SignEntry(e truce.Entry, s note.Signer) ([]byte, error) {
	return signEntry(e, s, false)
}

// SignEncodedEntry is SignEntry for an entry whose body is json.Marshal's
// encoding of a value, as the journal writer's bodies are: such a body is
// what json.Marshal writes of it again, so it is copied into the line as it
// is instead of being compacted and checked once more (a third of the cost
// of signing a large body).
func SignEncodedEntry(e truce.Entry, s note.Signer) ([]byte, error) {
	return signEntry(e, s, true)
}

func signEntry(e truce.Entry, s note.Signer, encoded bool) ([]byte, error) {
	e.Time = e.Time.UTC()
	if err := checkEntry(&e); err != nil {
		return nil, fmt.Errorf("journal: sign entry %q: %w", e.ID, err)
	}
	if name := s.Name(); !strings.HasSuffix(name, "/"+e.Party) {
		return nil, fmt.Errorf("journal: sign entry %q: key %q is not party %q's", e.ID, name, e.Party)
	}
	// Read back what we write, so that no entry is ever signed that a
	// verifier would refuse. The body is read back apart: json.Marshal
	// checks it is valid JSON and writes it compact as the last member
	// (SignEncodedEntry's caller did), and a verifier looks at no key
	// inside it, so only its being null after compaction (" null" passes
	// checkEntry above) could make a verifier refuse it. The rest of the
	// line is read back whole, with {} for the body, which spares
	// re-reading bodies of megabytes.
	stub, head, err := entryStub(e)
	if err != nil {
		return nil, fmt.Errorf("journal: sign entry %q: %w", e.ID, err)
	}
	var line []byte
	if encoded {
		line = make([]byte, 0, len(head)+len(e.Body)+2)
		line = append(append(append(line, head...), e.Body...), '}')
	} else if line, err = json.Marshal(e); err != nil {
		return nil, fmt.Errorf("journal: sign entry %q: %w", e.ID, err)
	}
	if bytes.IndexByte(line, '\n') >= 0 {
		return nil, fmt.Errorf("journal: sign entry %q: JSON is not one line", e.ID)
	}
	if err := readBack(e, stub, head, line); err != nil {
		return nil, fmt.Errorf("journal: sign entry %q: %w", e.ID, err)
	}
	msg, err := note.Sign(&note.Note{Text: string(append(line, '\n'))}, s)
	if err != nil {
		return nil, fmt.Errorf("journal: sign entry %q: %w", e.ID, err)
	}
	return msg, nil
}

// entryStub is e's JSON with {} for its body, and that JSON up to and
// including "body":.
func entryStub(e truce.Entry) (stub, head []byte, err error) {
	e.Body = json.RawMessage("{}")
	if stub, err = json.Marshal(e); err != nil {
		return nil, nil, err
	}
	head = stub[:len(stub)-len(`{}}`)]
	if !bytes.HasSuffix(head, []byte(`"body":`)) {
		return nil, nil, fmt.Errorf("%w: entry is not encoded with its body last", ErrMalformed)
	}
	return stub, head, nil
}

// readBack checks that line, the encoding of e, parses as an entry (see
// signEntry), given e's stub and its head.
func readBack(e truce.Entry, stub, head, line []byte) error {
	body, ok := bytes.CutPrefix(line, head)
	if !ok || !bytes.HasSuffix(body, []byte("}")) {
		return fmt.Errorf("%w: entry is not encoded with its body last", ErrMalformed)
	}
	if string(body[:len(body)-1]) == "null" {
		return fmt.Errorf("%w: entry %q: body is missing (write {} for none)", ErrMalformed, e.ID)
	}
	_, err := parseEntryText(append(stub, '\n'))
	return err
}

// ParseEntry returns the entry in the signed note msg without checking any
// signature. The note must be well formed and its text an entry.
func ParseEntry(msg []byte) (truce.Entry, error) {
	_, err := note.Open(msg, noVerifiers{})
	var unverified *note.UnverifiedNoteError
	if !errors.As(err, &unverified) {
		// With no known keys, Open fails either this way or on a malformed note.
		return truce.Entry{}, fmt.Errorf("journal: parse entry: %w: %w", ErrMalformed, err)
	}
	e, err := parseEntryText([]byte(unverified.Note.Text))
	if err != nil {
		return truce.Entry{}, fmt.Errorf("journal: parse entry: %w", err)
	}
	return e, nil
}

// OpenEntry returns the entry in the signed note msg after checking that the
// note carries a valid signature by the key of the party the entry names.
// Signatures by other keys do not count.
func OpenEntry(msg []byte, keys *Keys) (truce.Entry, error) {
	e, _, err := openEntry(msg, keys)
	if err != nil {
		return truce.Entry{}, fmt.Errorf("journal: %w", err)
	}
	return e, nil
}

// openEntry is OpenEntry, also returning a reason for [VerifyError], with
// errors not yet prefixed by the package name.
func openEntry(msg []byte, keys *Keys) (truce.Entry, string, error) {
	// The text is what precedes the last blank line, exactly as note.Open
	// splits it. The entry is parsed first only to learn whose key to check.
	split := bytes.LastIndex(msg, []byte("\n\n"))
	if split < 0 {
		return truce.Entry{}, ReasonEntry, fmt.Errorf("open entry: %w: no signature block", ErrMalformed)
	}
	e, err := parseEntryText(msg[:split+1])
	if err != nil {
		return truce.Entry{}, ReasonEntry, fmt.Errorf("open entry: %w", err)
	}
	fail := func(format string, args ...any) (truce.Entry, string, error) {
		return truce.Entry{}, ReasonSignature, fmt.Errorf("open entry %q of party %q: %w: %s",
			e.ID, e.Party, ErrSignature, fmt.Sprintf(format, args...))
	}
	if keys == nil {
		return fail("no keys")
	}
	v, ok := keys.Parties[e.Party]
	if !ok || v == nil {
		return fail("unknown party")
	}
	if !isKeyName(v.Name(), keys.Origin, e.Party) {
		return fail("the party's key is named %q, want %q", v.Name(), KeyName(keys.Origin, e.Party))
	}
	_, err = note.Open(msg, oneVerifier{v})
	var unverified *note.UnverifiedNoteError
	var invalid *note.InvalidSignatureError
	switch {
	case err == nil:
		return e, "", nil
	case errors.As(err, &unverified):
		return fail("not signed by the party's key %s", v.Name())
	case errors.As(err, &invalid):
		return fail("invalid signature by %s", v.Name())
	default:
		return truce.Entry{}, ReasonEntry, fmt.Errorf("open entry %q: %w: %w", e.ID, ErrMalformed, err)
	}
}

// entryKeys are the JSON keys of truce.Entry, which must appear at most once
// each and exactly so spelled.
var entryKeys = [...]string{"v", "id", "party", "member", "kind", "subject", "time", "party_seq", "body"}

// parseEntryText parses the text of an entry's note: one line of JSON and a
// newline.
func parseEntryText(text []byte) (truce.Entry, error) {
	line, ok := bytes.CutSuffix(text, []byte("\n"))
	if !ok || bytes.IndexByte(line, '\n') >= 0 {
		return truce.Entry{}, fmt.Errorf("%w: entry text is not one line", ErrMalformed)
	}
	if err := checkKeys(line); err != nil {
		return truce.Entry{}, fmt.Errorf("%w: entry: %w", ErrMalformed, err)
	}
	var e truce.Entry
	if err := json.Unmarshal(line, &e); err != nil {
		return truce.Entry{}, fmt.Errorf("%w: entry: %w", ErrMalformed, err)
	}
	if err := checkEntry(&e); err != nil {
		return truce.Entry{}, fmt.Errorf("%w: entry %q: %w", ErrMalformed, e.ID, err)
	}
	return e, nil
}

// checkKeys checks that line is one JSON object whose keys do not repeat and
// whose known keys are spelled exactly: encoding/json would take the last of
// repeated keys and match keys regardless of case, where other readers may
// not. It only scans for the object's keys, which is exact for valid JSON;
// json.Unmarshal checks validity afterwards. (A json.Decoder token walk does
// the same at three times the cost of the whole Unmarshal.)
func checkKeys(line []byte) error {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
		i++
	}
	if i == len(line) || line[i] != '{' {
		return errors.New("not a JSON object")
	}
	var seen [len(entryKeys)]bool
	var others map[string]bool
	depth, expectKey := 0, false
	for ; i < len(line); i++ {
		switch line[i] {
		case '{', '[':
			depth++
			expectKey = depth == 1
		case '}', ']':
			depth--
			expectKey = false
			if depth == 0 {
				return nil // anything after the object is left to json.Unmarshal
			}
		case ',':
			expectKey = depth == 1
		case ':':
			expectKey = false
		case '"':
			end := i + 1
			for end < len(line) && line[end] != '"' {
				if line[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(line) {
				return errors.New("unterminated string")
			}
			if expectKey {
				if err := checkKey(line[i:end+1], &seen, &others); err != nil {
					return err
				}
				expectKey = false
			}
			i = end
		}
	}
	return errors.New("unterminated object")
}

// checkKey checks one key, quoted, of an entry's object.
func checkKey(quoted []byte, seen *[len(entryKeys)]bool, others *map[string]bool) error {
	raw := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(raw, '\\') >= 0 {
		var unquoted string
		if err := json.Unmarshal(quoted, &unquoted); err != nil {
			return fmt.Errorf("bad key %s", quoted)
		}
		raw = []byte(unquoted)
	}
	for i, k := range entryKeys {
		if string(raw) == k {
			if seen[i] {
				return fmt.Errorf("repeated key %q", k)
			}
			seen[i] = true
			return nil
		}
	}
	key := string(raw)
	for _, k := range entryKeys {
		if strings.EqualFold(key, k) {
			return fmt.Errorf("key %q, want %q", key, k)
		}
	}
	if (*others)[key] {
		return fmt.Errorf("repeated key %q", key)
	}
	if *others == nil {
		*others = make(map[string]bool)
	}
	(*others)[key] = true
	return nil
}

// checkEntry checks the fields every entry must have.
func checkEntry(e *truce.Entry) error {
	switch {
	case e.V != truce.EntryVersion:
		return fmt.Errorf("v is %d, want %d", e.V, truce.EntryVersion)
	case e.ID == "":
		return errors.New("id is empty")
	case e.Member == "":
		return errors.New("member is empty")
	case e.Kind == "":
		return errors.New("kind is empty")
	case e.Time.IsZero():
		return errors.New("time is missing")
	case e.PartySeq < 1:
		return fmt.Errorf("party_seq is %d, want 1 or more", e.PartySeq)
	case len(e.Body) == 0 || string(e.Body) == "null":
		return errors.New("body is missing (write {} for none)")
	}
	if err := validParty(e.Party); err != nil {
		return err
	}
	for _, f := range [...]struct{ name, s string }{{"id", e.ID}, {"member", e.Member}, {"kind", e.Kind}, {"subject", e.Subject}} {
		if strings.ContainsFunc(f.s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return fmt.Errorf("%s contains a control character", f.name)
		}
	}
	return nil
}

// EntryLine is one line of GET /api/v1/journal/entries and of a bundle: an
// entry's index and its exact note text.
type EntryLine struct {
	Index int64  `json:"index"`
	Note  string `json:"note"`
}

// ParseEntryLine parses one entry line. Unknown fields (the API's convenience
// fields) are ignored; index and note are required. The note is not checked.
func ParseEntryLine(line []byte) (EntryLine, error) {
	l, err := parseEntryLine(line, false)
	if err != nil {
		return EntryLine{}, fmt.Errorf("journal: entry line: %w", err)
	}
	return l, nil
}

func parseEntryLine(line []byte, strict bool) (EntryLine, error) {
	var l struct {
		Index *int64  `json:"index"`
		Note  *string `json:"note"`
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(&l); err != nil {
		return EntryLine{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if len(bytes.TrimSpace(line[dec.InputOffset():])) != 0 {
		return EntryLine{}, fmt.Errorf("%w: data after the object", ErrMalformed)
	}
	if l.Index == nil || l.Note == nil {
		return EntryLine{}, fmt.Errorf("%w: index or note missing", ErrMalformed)
	}
	return EntryLine{Index: *l.Index, Note: *l.Note}, nil
}
