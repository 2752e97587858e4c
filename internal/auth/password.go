package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/truce-org/truce"
)

// Params are the argon2id cost parameters of a password hash.
//
// Hashes are accepted, and parameters validated, only within bounds that keep
// a tampered or corrupt hash from costing the server more than it can give:
// Memory from 8 KiB per thread up to 1 GiB, Time from 1 to 16 passes, at least
// one thread, salts of 8 to 64 bytes and keys of 16 to 64 bytes.
type Params struct {
	Memory  uint32 // KiB held for each hash in flight
	Time    uint32 // passes over the memory
	Threads uint8  // lanes, each hashed by its own goroutine
	SaltLen uint32 // bytes of random salt
	KeyLen  uint32 // bytes of derived key stored
}

// DefaultParams are the parameters new password hashes are made with: 64 MiB,
// two passes, two lanes (RFC 9106 §4's second recommendation with fewer
// passes, fitting a 2 vCPU server that bounds concurrent sign-ins).
var DefaultParams = Params{Memory: 64 * 1024, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32}

// TestParams are deliberately cheap parameters (64 KiB, one pass) for tests
// only, where thousands of hashes must not take minutes. They give no
// protection against offline guessing: never use them in a deployment.
var TestParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds on parameters, see Params.
const (
	maxMemory  = 1 << 20 // KiB, 1 GiB
	maxTime    = 16
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
	// maxEncodedLen is well above the longest hash within bounds (about 230
	// bytes); longer input is refused before any parsing.
	maxEncodedLen = 256
)

// Validate reports whether p is within the bounds documented on Params.
func (p Params) Validate() error {
	return p.validate(maxMemory, maxTime)
}

func (p Params) validate(memLimit, timeLimit uint32) error {
	switch {
	case p.Threads < 1:
		return errors.New("threads must be at least 1")
	// argon2 silently raises a smaller memory to 8 KiB per lane, which
	// would make the recorded parameter a lie.
	case p.Memory < 8*uint32(p.Threads):
		return fmt.Errorf("memory %d KiB is below 8 KiB per thread", p.Memory)
	case p.Memory > memLimit:
		return fmt.Errorf("memory %d KiB is above %d KiB", p.Memory, memLimit)
	case p.Time < 1 || p.Time > timeLimit:
		return fmt.Errorf("time %d is not within 1..%d", p.Time, timeLimit)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d is not within %d..%d", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d is not within %d..%d", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// ErrInvalidHash is wrapped by the errors of Verify for an encoded hash that
// is not a well-formed argon2id PHC string within bounds. It means corrupt or
// tampered data, not a wrong password, and is an internal error to callers.
var ErrInvalidHash = errors.New("auth: invalid password hash")

// Hasher makes and checks password hashes, running at most a fixed number of
// them at once. It is safe for concurrent use.
type Hasher struct {
	params Params
	// sem holds one element per hash in flight: argon2id holds
	// params.Memory KiB for the whole hash, so unbounded concurrent sign-ins
	// would exhaust memory long before CPU.
	sem chan struct{}

	// Limits on hashes accepted by Verify; tests of the parser lower them so
	// that fuzzing cannot ask for a gigabyte per input.
	memLimit, timeLimit uint32

	// dummySalt and dummyKey stand in for a stored hash in DummyVerify.
	dummySalt, dummyKey []byte

	// derive is argon2.IDKey; tests replace it to watch concurrency without
	// spending memory.
	derive func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
}

// NewHasher returns a Hasher that makes new hashes with p and runs at most
// maxConcurrent hashes at once (at least one). Peak memory is about
// maxConcurrent × p.Memory KiB. It panics if p fails Validate: parameters
// are a deployment constant, and a bad one should stop the server at start
// rather than fail every sign-in.
func NewHasher(p Params, maxConcurrent int) *Hasher {
	if err := p.Validate(); err != nil {
		panic("auth: NewHasher: " + err.Error())
	}
	maxConcurrent = max(maxConcurrent, 1)
	return &Hasher{
		params:    p,
		sem:       make(chan struct{}, maxConcurrent),
		memLimit:  maxMemory,
		timeLimit: maxTime,
		dummySalt: make([]byte, p.SaltLen),
		dummyKey:  make([]byte, p.KeyLen),
		derive:    argon2.IDKey,
	}
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the PHC-encoded argon2id hash of password with a fresh random
// salt. ctx cancels only the wait for a free slot; a hash once started runs
// to its end.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key, err := h.run(ctx, password, h.params, salt)
	if err != nil {
		return "", err
	}
	return encode(h.params, salt, key), nil
}

// Verify reports whether password matches encoded, a hash made by Hash,
// possibly with other parameters than h's. The keys are compared in constant
// time. An encoded hash that is malformed or outside the bounds documented on
// Params gives an error wrapping ErrInvalidHash; the error never quotes the
// hash, so it may be logged. ctx cancels only the wait for a free slot.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	p, salt, want, err := decode(encoded, h.memLimit, h.timeLimit)
	if err != nil {
		return false, err
	}
	return h.check(ctx, password, p, salt, want)
}

// DummyVerify does the work of verifying password against a hash made with
// h's parameters and discards the result. Call it when the username does not
// exist, so that a failed sign-in takes as long for an unknown member as for
// a wrong password and response times do not reveal which usernames exist.
// It returns an error only when ctx ends before a slot is free.
func (h *Hasher) DummyVerify(ctx context.Context, password string) error {
	_, err := h.check(ctx, password, h.params, h.dummySalt, h.dummyKey)
	return err
}

// NeedsRehash reports whether encoded was made with other parameters than
// h's (or cannot be read), so that the caller may store a fresh hash after a
// successful sign-in, the only moment the password is known.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, _, _, err := decode(encoded, h.memLimit, h.timeLimit)
	return err != nil || p != h.params
}

func (h *Hasher) check(ctx context.Context, password string, p Params, salt, want []byte) (bool, error) {
	got, err := h.run(ctx, password, p, salt)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// run derives the key once a slot is free.
func (h *Hasher) run(ctx context.Context, password string, p Params, salt []byte) ([]byte, error) {
	// Checked first because select picks at random when both cases are
	// ready, and a cancelled caller should not start a hash.
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("auth: wait for hash slot: %w", err)
	}
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("auth: wait for hash slot: %w", ctx.Err())
	}
	defer func() { <-h.sem }()
	return h.derive([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
}

var b64 = base64.RawStdEncoding

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses a PHC argon2id string. It accepts only the canonical form
// encode writes (it re-encodes and compares), which rules out leading zeros,
// stray newlines the base64 decoder would skip, and padding, so that one hash
// has one spelling.
func decode(encoded string, memLimit, timeLimit uint32) (p Params, salt, key []byte, err error) {
	fail := func(format string, args ...any) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: %s", ErrInvalidHash, fmt.Sprintf(format, args...))
	}
	if len(encoded) > maxEncodedLen {
		return fail("longer than %d bytes", maxEncodedLen)
	}
	f := strings.Split(encoded, "$")
	if len(f) != 6 || f[0] != "" {
		return fail("want 5 fields separated by $")
	}
	if f[1] != "argon2id" {
		return fail("algorithm is not argon2id")
	}
	v, ok := strings.CutPrefix(f[2], "v=")
	if !ok || v != strconv.Itoa(argon2.Version) {
		return fail("version is not %d", argon2.Version)
	}
	kv := strings.Split(f[3], ",")
	if len(kv) != 3 {
		return fail("want parameters m, t and p")
	}
	var n [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		s, ok := strings.CutPrefix(kv[i], name)
		bits := 32
		if name == "p=" {
			bits = 8
		}
		if n[i], err = strconv.ParseUint(s, 10, bits); !ok || err != nil {
			return fail("parameter %d is not %sN", i+1, name)
		}
	}
	p = Params{Memory: uint32(n[0]), Time: uint32(n[1]), Threads: uint8(n[2])}
	if salt, err = b64.DecodeString(f[4]); err != nil {
		return fail("salt is not base64")
	}
	if key, err = b64.DecodeString(f[5]); err != nil {
		return fail("hash is not base64")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.validate(memLimit, timeLimit); err != nil {
		return fail("%v", err)
	}
	if encode(p, salt, key) != encoded {
		return fail("not in canonical form")
	}
	return p, salt, key, nil
}

// Password length bounds of PasswordPolicy.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 1024
)

// PasswordPolicy decides which new passwords are accepted. Apply it where a
// password is set (creating a member, changing a password), never at sign-in:
// a stricter policy must not lock out members whose passwords predate it.
type PasswordPolicy struct {
	// AllowWeak lifts the minimum length, and nothing else, for the demo
	// deployment whose published password is "demo". The empty password
	// and the maximum length, which bounds the work a request can ask of
	// the server, still apply.
	AllowWeak bool
}

// Check returns nil if pw is acceptable as a new password, else an EInvalid
// *truce.Error on field "password" that may be shown to the user.
func (pol PasswordPolicy) Check(pw string) error {
	switch {
	case pw == "":
		return truce.Invalid("password", "password is empty")
	case len(pw) > MaxPasswordLen:
		return truce.Invalid("password", "password is longer than %d bytes", MaxPasswordLen)
	case len(pw) < MinPasswordLen && !pol.AllowWeak:
		return truce.Invalid("password", "password is shorter than %d bytes", MinPasswordLen)
	}
	return nil
}

// CheckPassword applies the strict PasswordPolicy to pw: at least
// MinPasswordLen and at most MaxPasswordLen bytes. Use
// PasswordPolicy{AllowWeak: true}.Check only for the demo.
func CheckPassword(pw string) error { return PasswordPolicy{}.Check(pw) }
