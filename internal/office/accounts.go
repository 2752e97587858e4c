package office

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/auth"
	"github.com/truce-org/truce/internal/keyring"
	"github.com/truce-org/truce/internal/store"
)

// Accounts manages parties, members, sign-in and sessions.
type Accounts struct {
	store      store.Store
	ring       *keyring.Ring
	hasher     *auth.Hasher
	byUser     auth.RateLimiter
	byAddr     auth.RateLimiter
	sessionTTL time.Duration
	now        func() time.Time
	log        *slog.Logger
}

// AccountsConfig configures Accounts.
type AccountsConfig struct {
	Hasher     *auth.Hasher
	SessionTTL time.Duration // default 12h
	// Sign-in attempts allowed per username and per remote address.
	UserEvery, AddrEvery time.Duration
	UserBurst, AddrBurst int
	// Limiters makes those rate limiters (default: in this process's memory).
	Limiters auth.Limiters
	Now      func() time.Time
	Logger   *slog.Logger
}

// NewAccounts returns the account service.
func NewAccounts(st store.Store, ring *keyring.Ring, cfg AccountsConfig) *Accounts {
	if cfg.Hasher == nil {
		cfg.Hasher = auth.NewHasher(auth.DefaultParams, 2)
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.UserEvery <= 0 {
		cfg.UserEvery, cfg.UserBurst = 10*time.Second, 10
	}
	if cfg.AddrEvery <= 0 {
		cfg.AddrEvery, cfg.AddrBurst = time.Second, 60
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Limiters == nil {
		cfg.Limiters = auth.InMemory(100_000)
	}
	return &Accounts{
		store: st, ring: ring, hasher: cfg.Hasher,
		byUser:     cfg.Limiters("sign-in-user", cfg.UserEvery, cfg.UserBurst),
		byAddr:     cfg.Limiters("sign-in-addr", cfg.AddrEvery, cfg.AddrBurst),
		sessionTTL: cfg.SessionTTL, now: cfg.Now, log: cfg.Logger,
	}
}

// Session is a new session as the sign-in answers it.
type Session struct {
	Token     string
	ExpiresAt time.Time
	Member    truce.Member
}

func rateLimited(after time.Duration) error {
	secs := int((after + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &truce.RetryError{
		Err:               truce.Errorf(truce.ERateLimited, "too many sign-in attempts; retry in %d s", secs),
		RetryAfterSeconds: secs,
	}
}

// addrKey groups IPv6 addresses by /64 so one host cannot rotate through
// its own prefix to escape the limit.
func addrKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	if ip.Is6() && !ip.Is4In6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.Unmap().String()
}

// SignIn checks a username and password and opens a session. Attempts are
// limited per username and per address; an unknown username costs as much
// time as a wrong password.
func (a *Accounts) SignIn(ctx context.Context, username, password, addr string) (Session, error) {
	now := a.now()
	for _, l := range []struct {
		lim auth.RateLimiter
		key string
	}{{a.byAddr, "addr:" + addrKey(addr)}, {a.byUser, "user:" + username}} {
		ok, after, err := l.lim.Take(ctx, l.key, now)
		if err != nil {
			return Session{}, fmt.Errorf("office: sign-in rate: %w", err)
		}
		if !ok {
			return Session{}, rateLimited(after)
		}
	}
	bad := truce.Errorf(truce.EUnauthorized, "wrong username or password")
	m, err := a.store.Member(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		if err := a.hasher.DummyVerify(ctx, password); err != nil {
			return Session{}, err
		}
		return Session{}, bad
	}
	if err != nil {
		return Session{}, err
	}
	ok, err := a.hasher.Verify(ctx, password, m.PasswordHash)
	if err != nil {
		return Session{}, fmt.Errorf("office: verify password of %q: %w", username, err)
	}
	if !ok {
		a.log.Info("sign-in refused", "user", username)
		return Session{}, bad
	}
	return a.openSession(ctx, m, a.sessionTTL)
}

func (a *Accounts) openSession(ctx context.Context, m truce.Member, ttl time.Duration) (Session, error) {
	token, hash, err := auth.NewToken()
	if err != nil {
		return Session{}, err
	}
	now := a.now().UTC().Truncate(time.Second)
	s := truce.Session{TokenHash: hash, Username: m.Username, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := a.store.CreateSession(ctx, s); err != nil {
		return Session{}, err
	}
	return Session{Token: token, ExpiresAt: s.ExpiresAt, Member: m}, nil
}

// Authenticate returns the member of a bearer token.
func (a *Accounts) Authenticate(ctx context.Context, token string) (truce.Member, error) {
	m, _, err := a.store.SessionMember(ctx, auth.HashToken(token), a.now())
	if errors.Is(err, store.ErrNotFound) {
		return m, truce.Errorf(truce.EUnauthorized, "the session is unknown or has expired; sign in again")
	}
	return m, err
}

// SignOut ends the session of token.
func (a *Accounts) SignOut(ctx context.Context, token string) error {
	return a.store.DeleteSession(ctx, auth.HashToken(token))
}

// IssueToken opens a session for username without a password, for scripts
// run by the operator (truce token).
func (a *Accounts) IssueToken(ctx context.Context, username string, ttl time.Duration) (Session, error) {
	if ttl <= 0 || ttl > 366*24*time.Hour {
		return Session{}, truce.Invalid("ttl", "ttl must be positive and at most a year")
	}
	m, err := a.store.Member(ctx, username)
	if err != nil {
		return Session{}, mapStore(err, "member")
	}
	return a.openSession(ctx, m, ttl)
}

// AddParty creates a party and its signing key.
func (a *Accounts) AddParty(ctx context.Context, origin, id, name string, kind truce.PartyKind) (truce.Party, error) {
	if !truce.ValidPartyID(id) {
		return truce.Party{}, truce.Invalid("id", "a party id is 1-32 lower-case letters, digits or dashes, starting with a letter")
	}
	if err := CheckText("name", name, maxName, true); err != nil {
		return truce.Party{}, err
	}
	if !kind.Valid() {
		return truce.Party{}, truce.Invalid("kind", "kind must be party or monitor")
	}
	if _, err := a.store.Party(ctx, id); err == nil {
		return truce.Party{}, truce.Errorf(truce.EConflict, "party %q already exists", id)
	}
	vkey, err := a.ring.CreateParty(origin, id)
	if err != nil {
		return truce.Party{}, err
	}
	p := truce.Party{ID: id, Name: name, Kind: kind, VerifierKey: vkey, CreatedAt: a.now().UTC().Truncate(time.Second)}
	if err := a.store.CreateParty(ctx, p); err != nil {
		if errors.Is(err, store.ErrExists) {
			return p, truce.Errorf(truce.EConflict, "party %q already exists", id)
		}
		return p, err
	}
	return p, nil
}

// NewMember is what the operator gives to add a member.
type NewMember struct {
	Username string
	Party    string
	Role     truce.Role
	Admin    bool
	Password string
	// AllowWeak skips the password policy (the loopback demo's "demo").
	AllowWeak bool
}

// AddMember creates a member.
func (a *Accounts) AddMember(ctx context.Context, in NewMember) (truce.Member, error) {
	if !truce.ValidUsername(in.Username) {
		return truce.Member{}, truce.Invalid("username", "a username is 1-64 letters, digits, dots, dashes or underscores")
	}
	if in.Admin {
		if in.Party != "" || in.Role != "" {
			return truce.Member{}, truce.Invalid("admin", "an administrator has no party and no role")
		}
	} else {
		if !in.Role.Valid() {
			return truce.Member{}, truce.Invalid("role", "role must be official, analyst, planner or observer")
		}
		if _, err := a.store.Party(ctx, in.Party); err != nil {
			return truce.Member{}, mapStore(err, "party")
		}
	}
	if err := (auth.PasswordPolicy{AllowWeak: in.AllowWeak}).Check(in.Password); err != nil {
		return truce.Member{}, err
	}
	hash, err := a.hasher.Hash(ctx, in.Password)
	if err != nil {
		return truce.Member{}, err
	}
	m := truce.Member{Username: in.Username, Party: in.Party, Role: in.Role, Admin: in.Admin,
		PasswordHash: hash, CreatedAt: a.now().UTC().Truncate(time.Second)}
	if err := a.store.CreateMember(ctx, m); err != nil {
		if errors.Is(err, store.ErrExists) {
			return m, truce.Errorf(truce.EConflict, "member %q already exists", in.Username)
		}
		return m, err
	}
	return m, nil
}

// SetPassword changes a member's password and ends their sessions.
func (a *Accounts) SetPassword(ctx context.Context, username, password string) error {
	if err := auth.CheckPassword(password); err != nil {
		return err
	}
	hash, err := a.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	if err := a.store.SetPasswordHash(ctx, username, hash); err != nil {
		return mapStore(err, "member")
	}
	return a.store.DeleteSessions(ctx, username)
}

// RetryAfter returns the seconds to wait carried by err, if any.
func RetryAfter(err error) (string, bool) {
	var re *truce.RetryError
	if errors.As(err, &re) {
		return strconv.Itoa(re.RetryAfterSeconds), true
	}
	return "", false
}
