// Package truce holds the domain of a ceasefire coordination office: parties,
// members and their roles, actors and designations, the journal entry format,
// the error codes of the contract and the interfaces the services and stores
// implement. It imports nothing of the project's own and neither net/http nor
// database/sql: storage and transport live in internal/.
package truce

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"regexp"
	"strings"
	"time"
)

// PartyKind tells a party that pledges from a neutral monitor.
type PartyKind string

// Party kinds.
const (
	KindParty   PartyKind = "party"
	KindMonitor PartyKind = "monitor"
)

// Valid reports whether k is a known party kind.
func (k PartyKind) Valid() bool { return k == KindParty || k == KindMonitor }

// Party is a participant of the arrangement with its own HQ space and signing key.
type Party struct {
	ID   string    `json:"id"`
	Name string    `json:"name"`
	Kind PartyKind `json:"kind"`
	// VerifierKey is the party's public key as a signed-note verifier key.
	VerifierKey string    `json:"verifier_key"`
	CreatedAt   time.Time `json:"created_at"`
}

// Role is a member's role within its party.
type Role string

// Member roles.
const (
	RoleOfficial Role = "official"
	RoleAnalyst  Role = "analyst"
	RolePlanner  Role = "planner"
	RoleObserver Role = "observer"
)

// Roles lists every party role in a stable order.
var Roles = []Role{RoleOfficial, RoleAnalyst, RolePlanner, RoleObserver}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Member is a person of one party, or a deployment administrator (Admin,
// with no party and no role).
type Member struct {
	Username     string    `json:"username"`
	Party        string    `json:"party,omitempty"`
	Role         Role      `json:"role,omitempty"`
	Admin        bool      `json:"admin"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// Session is a signed-in member's bearer token, stored only as a hash.
type Session struct {
	TokenHash []byte
	Username  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// ValidPartyID reports whether id can name a party: lower-case letters,
// digits and dashes, starting with a letter, at most 32 characters. The id is
// part of signed-note key names, so it may hold no spaces or '+'.
func ValidPartyID(id string) bool { return idPattern.MatchString(id) }

var userPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidUsername reports whether name can name a member.
func ValidUsername(name string) bool { return userPattern.MatchString(name) }

type callerKey struct{}

// WithCaller returns a context that carries the signed-in member.
func WithCaller(ctx context.Context, m *Member) context.Context {
	return context.WithValue(ctx, callerKey{}, m)
}

// CallerFrom returns the signed-in member carried by ctx, or nil.
func CallerFrom(ctx context.Context) *Member {
	m, _ := ctx.Value(callerKey{}).(*Member)
	return m
}

// NewID returns a new random item id with the given prefix, e.g. "act_3kq9x0c2mfa7".
func NewID(prefix string) string {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("truce: crypto/rand failed: " + err.Error())
	}
	return prefix + "_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}
