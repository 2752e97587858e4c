package journal

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// GenerateKey returns a new Ed25519 signer key (secret) and verifier key for
// name, in note's encodings.
func GenerateKey(name string) (skey, vkey string, err error) {
	if err := validName(name); err != nil {
		return "", "", fmt.Errorf("journal: generate key %q: %w", name, err)
	}
	skey, vkey, err = note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", fmt.Errorf("journal: generate key %q: %w", name, err)
	}
	return skey, vkey, nil
}

// KeyName returns the name of party's signing key in the journal of origin.
func KeyName(origin, party string) string {
	return origin + "/" + party
}

// isKeyName reports whether name == KeyName(origin, party), without
// allocating.
func isKeyName(name, origin, party string) bool {
	return len(name) == len(origin)+1+len(party) &&
		strings.HasPrefix(name, origin) && name[len(origin)] == '/' && strings.HasSuffix(name, party)
}

// NewSigner returns the signer for an encoded signer key.
func NewSigner(skey string) (note.Signer, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		// The key is secret: never repeat it in the error.
		return nil, fmt.Errorf("journal: signer key: %w", err)
	}
	return s, nil
}

// NewVerifier returns the verifier for an encoded verifier key.
func NewVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("journal: verifier key %q: %w", vkey, err)
	}
	return v, nil
}

// validName applies note's rules for key names: non-empty UTF-8 with neither
// spaces nor '+'. We also refuse unprintable characters.
func validName(name string) error {
	switch {
	case name == "":
		return errors.New("empty name")
	case !utf8.ValidString(name):
		return errors.New("name is not UTF-8")
	case strings.Contains(name, "+"):
		return errors.New("name contains '+'")
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		return errors.New("name contains a space or an unprintable character")
	}
	return nil
}

// ValidOrigin reports whether origin can name a journal: a schemeless URL
// such as "truce.example.org/ceasefire" (a host, an optional port, optional
// non-empty path segments) that is also a valid key name. C2SP recommends this
// shape for checkpoint origins; we require it.
func ValidOrigin(origin string) error {
	if err := validOrigin(origin); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

func validOrigin(origin string) error {
	if err := validName(origin); err != nil {
		return fmt.Errorf("origin %q: %w", origin, err)
	}
	if len(origin) > 255 {
		return fmt.Errorf("origin %q: longer than 255 bytes", origin)
	}
	if strings.Contains(origin, "://") {
		return fmt.Errorf("origin %q: has a scheme (write it without)", origin)
	}
	if strings.ContainsAny(origin, `?#@\`) {
		return fmt.Errorf("origin %q: has a query, fragment, user or backslash", origin)
	}
	host, path, _ := strings.Cut(origin, "/")
	hostname, port, hasPort := strings.Cut(host, ":")
	if hostname == "" || strings.IndexFunc(hostname, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-')
	}) >= 0 {
		return fmt.Errorf("origin %q: host must be letters, digits, '.' and '-'", origin)
	}
	if hasPort && (port == "" || strings.IndexFunc(port, func(r rune) bool { return r < '0' || r > '9' }) >= 0) {
		return fmt.Errorf("origin %q: bad port", origin)
	}
	if strings.Contains(origin, "/") {
		for seg := range strings.SplitSeq(path, "/") {
			if seg == "" {
				return fmt.Errorf("origin %q: empty path segment", origin)
			}
		}
	}
	return nil
}

// ValidParty reports whether party can name a party in key names and
// entries: a valid key name without '/'.
func ValidParty(party string) error {
	if err := validParty(party); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

func validParty(party string) error {
	if err := validName(party); err != nil {
		return fmt.Errorf("party %q: %w", party, err)
	}
	if strings.Contains(party, "/") {
		return fmt.Errorf("party %q: contains '/'", party)
	}
	return nil
}

// Keys are the verifier keys of one journal: the office's, which signs
// checkpoints and is named Origin, and each party's, named
// KeyName(Origin, party). Build them with [NewKeys].
type Keys struct {
	Origin  string
	Office  note.Verifier
	Parties map[string]note.Verifier
}

// NewKeys returns the keys of the journal of origin from encoded verifier
// keys: the office's, and each party's by party name. Every key's name must
// be the one its role requires.
func NewKeys(origin, officeVKey string, partyVKeys map[string]string) (*Keys, error) {
	k, err := newKeys(origin, officeVKey, partyVKeys)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return k, nil
}

func newKeys(origin, officeVKey string, partyVKeys map[string]string) (*Keys, error) {
	if err := validOrigin(origin); err != nil {
		return nil, err
	}
	office, err := note.NewVerifier(officeVKey)
	if err != nil {
		return nil, fmt.Errorf("office key %q: %w", officeVKey, err)
	}
	if office.Name() != origin {
		return nil, fmt.Errorf("office key is named %q, want the origin %q", office.Name(), origin)
	}
	k := &Keys{Origin: origin, Office: office, Parties: make(map[string]note.Verifier, len(partyVKeys))}
	for party, vkey := range partyVKeys {
		if err := validParty(party); err != nil {
			return nil, err
		}
		v, err := note.NewVerifier(vkey)
		if err != nil {
			return nil, fmt.Errorf("key of party %q: %q: %w", party, vkey, err)
		}
		if want := KeyName(origin, party); v.Name() != want {
			return nil, fmt.Errorf("key of party %q is named %q, want %q", party, v.Name(), want)
		}
		k.Parties[party] = v
	}
	return k, nil
}

// oneVerifier is a note.Verifiers that knows one key: a signature by any
// other key is unknown to it, so it never counts.
type oneVerifier struct{ v note.Verifier }

func (o oneVerifier) Verifier(name string, hash uint32) (note.Verifier, error) {
	if name == o.v.Name() && hash == o.v.KeyHash() {
		return o.v, nil
	}
	return nil, &note.UnknownVerifierError{Name: name, KeyHash: hash}
}

// noVerifiers knows no key, for parsing a note without checking signatures.
type noVerifiers struct{}

func (noVerifiers) Verifier(name string, hash uint32) (note.Verifier, error) {
	return nil, &note.UnknownVerifierError{Name: name, KeyHash: hash}
}
