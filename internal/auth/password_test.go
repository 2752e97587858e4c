package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-org/truce"
)

// MustHash hashes password with h or fails the test.
func MustHash(tb testing.TB, h *Hasher, password string) string {
	tb.Helper()
	s, err := h.Hash(context.Background(), password)
	if err != nil {
		tb.Fatalf("Hash: %v", err)
	}
	return s
}

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(TestParams, 2)
	enc := MustHash(t, h, "correct horse")
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("Hash = %q, want PHC argon2id with TestParams", enc)
	}
	if again := MustHash(t, h, "correct horse"); again == enc {
		t.Errorf("two hashes of one password are equal: salt not random")
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{
		{"correct horse", true},
		{"correct horsE", false},
		{"correct horse ", false},
		{"", false},
	} {
		ok, err := h.Verify(ctx, tc.pw, enc)
		if err != nil || ok != tc.want {
			t.Errorf("Verify(%q) = %v, %v; want %v, nil", tc.pw, ok, err, tc.want)
		}
	}
}

func TestDefaultParamsFormat(t *testing.T) {
	if err := DefaultParams.Validate(); err != nil {
		t.Fatalf("DefaultParams.Validate: %v", err)
	}
	if err := TestParams.Validate(); err != nil {
		t.Fatalf("TestParams.Validate: %v", err)
	}
	h := NewHasher(DefaultParams, 1)
	enc := MustHash(t, h, "pw")
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=65536,t=2,p=2$") {
		t.Errorf("Hash = %q", enc)
	}
	// 16 bytes of salt and 32 of key are 22 and 43 base64 characters.
	f := strings.Split(enc, "$")
	if len(f[4]) != 22 || len(f[5]) != 43 {
		t.Errorf("salt %q, hash %q: wrong lengths", f[4], f[5])
	}
}

// Hashes made under older parameters must keep verifying after the defaults
// change, and be flagged for rehashing.
func TestVerifyOtherParams(t *testing.T) {
	old := NewHasher(Params{Memory: 128, Time: 2, Threads: 2, SaltLen: 8, KeyLen: 16}, 1)
	cur := NewHasher(TestParams, 1)
	enc := MustHash(t, old, "pw")
	ok, err := cur.Verify(context.Background(), "pw", enc)
	if !ok || err != nil {
		t.Fatalf("Verify = %v, %v; want true, nil", ok, err)
	}
	if !cur.NeedsRehash(enc) {
		t.Errorf("NeedsRehash(old) = false")
	}
	if cur.NeedsRehash(MustHash(t, cur, "pw")) {
		t.Errorf("NeedsRehash(current) = true")
	}
	if !cur.NeedsRehash("garbage") {
		t.Errorf("NeedsRehash(garbage) = false")
	}
}

func TestVerifyRejectsTampered(t *testing.T) {
	h := NewHasher(TestParams, 1)
	enc := MustHash(t, h, "pw")
	f := strings.Split(enc, "$")
	salt, key := f[4], f[5]
	with := func(params string) string { return "$argon2id$v=19$" + params + "$" + salt + "$" + key }
	for _, tc := range []struct{ name, enc string }{
		{"empty", ""},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", strings.Replace(enc, "argon2id", "argon2i", 1)},
		{"version 16", strings.Replace(enc, "v=19", "v=16", 1)},
		{"no version", strings.Replace(enc, "$v=19", "", 1)},
		{"memory above 1 GiB", with("m=1048577,t=1,p=1")},
		{"memory max uint32", with("m=4294967295,t=1,p=1")},
		{"memory overflows", with("m=4294967296,t=1,p=1")},
		{"memory below 8 KiB per lane", with("m=15,t=1,p=2")},
		{"time 0", with("m=64,t=0,p=1")},
		{"time 1000", with("m=64,t=1000,p=1")},
		{"threads 0", with("m=64,t=1,p=0")},
		{"threads 256", with("m=4096,t=1,p=256")},
		{"negative", with("m=-64,t=1,p=1")},
		{"plus sign", with("m=+64,t=1,p=1")},
		{"leading zero", with("m=064,t=1,p=1")},
		{"params reordered", with("t=1,m=64,p=1")},
		{"params missing", with("m=64,t=1")},
		{"params extra", with("m=64,t=1,p=1,k=2")},
		{"params spaces", with("m=64, t=1, p=1")},
		{"salt padded", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key},
		{"salt not base64", "$argon2id$v=19$m=64,t=1,p=1$!!!!$" + key},
		{"salt too short", "$argon2id$v=19$m=64,t=1,p=1$AAAAAAAA$" + key},
		{"salt with newline", "$argon2id$v=19$m=64,t=1,p=1$" + salt[:4] + "\n" + salt[4:] + "$" + key},
		{"hash too short", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$AAAAAAAAAAAAAAAAAAAA"},
		{"hash empty", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$"},
		{"hash urlsafe", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.Repeat("_", 43)},
		{"trailing field", enc + "$"},
		{"trailing newline", enc + "\n"},
		{"leading space", " " + enc},
		{"very long", enc + strings.Repeat("A", 1<<20)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := h.Verify(context.Background(), "pw", tc.enc)
			if ok || !errors.Is(err, ErrInvalidHash) {
				t.Fatalf("Verify = %v, %v; want false, ErrInvalidHash", ok, err)
			}
			if strings.Contains(err.Error(), salt) {
				t.Errorf("error %q quotes the hash", err)
			}
		})
	}
}

// A well-formed hash whose key was altered is a wrong password, not an error.
func TestVerifyAlteredKey(t *testing.T) {
	h := NewHasher(TestParams, 1)
	enc := MustHash(t, h, "pw")
	last := enc[len(enc)-2]
	alt := byte('A')
	if last == 'A' {
		alt = 'B'
	}
	tampered := enc[:len(enc)-2] + string(alt) + enc[len(enc)-1:]
	ok, err := h.Verify(context.Background(), "pw", tampered)
	if ok || err != nil {
		t.Fatalf("Verify = %v, %v; want false, nil", ok, err)
	}
}

func TestNewHasherPanicsOnBadParams(t *testing.T) {
	for _, p := range []Params{
		{},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 2 << 20, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 0},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewHasher(%+v) did not panic", p)
				}
			}()
			NewHasher(p, 1)
		}()
	}
}

// gate replaces a Hasher's key derivation with one that waits for release,
// so that tests can count the hashes in flight.
type gate struct {
	entered chan struct{}
	release chan struct{}
	mu      sync.Mutex
	active  int
	peak    int
	params  []Params
}

func newGate(h *Hasher) *gate {
	g := &gate{entered: make(chan struct{}, 100), release: make(chan struct{})}
	h.derive = func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		g.mu.Lock()
		g.active++
		g.peak = max(g.peak, g.active)
		g.params = append(g.params, Params{memory, time, threads, uint32(len(salt)), keyLen})
		g.mu.Unlock()
		g.entered <- struct{}{}
		<-g.release
		g.mu.Lock()
		g.active--
		g.mu.Unlock()
		return make([]byte, keyLen)
	}
	return g
}

func TestHasherBoundsConcurrency(t *testing.T) {
	const limit, callers = 3, 12
	h := NewHasher(TestParams, limit)
	g := newGate(h)
	enc := MustHashUngated(t, "pw")

	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			var err error
			switch i % 3 {
			case 0:
				_, err = h.Hash(context.Background(), "pw")
			case 1:
				_, err = h.Verify(context.Background(), "pw", enc)
			case 2:
				err = h.DummyVerify(context.Background(), "pw")
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	for range limit {
		<-g.entered
	}
	// With the slots full, nobody else may get in however long we wait.
	select {
	case <-g.entered:
		t.Fatalf("a hash started beyond the limit of %d", limit)
	case <-time.After(100 * time.Millisecond):
	}
	close(g.release)
	wg.Wait()
	if g.peak != limit {
		t.Errorf("peak concurrent hashes = %d, want %d", g.peak, limit)
	}
}

// MustHashUngated returns a TestParams hash of password from a fresh Hasher.
func MustHashUngated(tb testing.TB, password string) string {
	tb.Helper()
	return MustHash(tb, NewHasher(TestParams, 1), password)
}

func TestHasherContextCancelsWait(t *testing.T) {
	h := NewHasher(TestParams, 1)
	g := newGate(h)
	done := make(chan struct{})
	go func() {
		defer close(done)
		MustHash(t, h, "first")
	}()
	<-g.entered

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "second"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash while full = %v, want DeadlineExceeded", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if err := h.DummyVerify(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("DummyVerify cancelled = %v, want Canceled", err)
	}
	close(g.release)
	<-done
	// A cancelled context does not start a hash even when a slot is free.
	if _, err := h.Verify(ctx, "x", MustHashUngated(t, "x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify cancelled = %v, want Canceled", err)
	}
	if n := len(g.params); n != 1 {
		t.Errorf("%d hashes ran, want 1", n)
	}
}

// DummyVerify must do the same work as verifying a hash made with the
// Hasher's parameters; comparing the parameters it derives with is exact
// where comparing wall-clock times would be flaky.
func TestDummyVerifyDoesRealWork(t *testing.T) {
	p := Params{Memory: 256, Time: 3, Threads: 2, SaltLen: 24, KeyLen: 48}
	h := NewHasher(p, 1)
	enc := MustHash(t, h, "pw")
	g := newGate(h)
	close(g.release)
	if _, err := h.Verify(context.Background(), "pw", enc); err != nil {
		t.Fatal(err)
	}
	if err := h.DummyVerify(context.Background(), "pw"); err != nil {
		t.Fatal(err)
	}
	if len(g.params) != 2 || g.params[0] != p || g.params[1] != p {
		t.Errorf("derived with %+v, want Verify and DummyVerify both with %+v", g.params, p)
	}
}

func TestDummyVerifyTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	// Costly enough that the hash dominates, cheap enough under -race.
	h := NewHasher(Params{Memory: 16 * 1024, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32}, 1)
	enc := MustHash(t, h, "pw")
	ctx := context.Background()
	// Interleaved, best of five each, so a burst of load on this shared
	// machine hits both alike. The parameters are proven equal by the test
	// above; this only catches a DummyVerify that skips the work, so it
	// checks the lower bound alone.
	verify, dummy := time.Duration(1<<62), time.Duration(1<<62)
	for range 5 {
		start := time.Now()
		_, _ = h.Verify(ctx, "wrong", enc)
		verify = min(verify, time.Since(start))
		start = time.Now()
		_ = h.DummyVerify(ctx, "wrong")
		dummy = min(dummy, time.Since(start))
	}
	if dummy < verify/3 {
		t.Errorf("DummyVerify took %v, Verify %v: it skips the work", dummy, verify)
	}
}

func TestPasswordPolicy(t *testing.T) {
	long := strings.Repeat("x", MaxPasswordLen)
	for _, tc := range []struct {
		pw         string
		strict, ok bool // accepted by CheckPassword, by AllowWeak
	}{
		{"", false, false},
		{"demo", false, true},
		{"1234567", false, true},
		{"12345678", true, true},
		{long, true, true},
		{long + "x", false, false},
	} {
		for _, c := range []struct {
			name  string
			check func(string) error
			want  bool
		}{
			{"CheckPassword", CheckPassword, tc.strict},
			{"AllowWeak", PasswordPolicy{AllowWeak: true}.Check, tc.ok},
		} {
			err := c.check(tc.pw)
			if (err == nil) != c.want {
				t.Errorf("%s(%d bytes) = %v, want ok %v", c.name, len(tc.pw), err, c.want)
			}
			if err == nil {
				continue
			}
			var te *truce.Error
			if !errors.As(err, &te) || te.Code != truce.EInvalid || te.Field != "password" {
				t.Errorf("%s(%d bytes) = %#v, want truce.Invalid on password", c.name, len(tc.pw), err)
			}
		}
	}
}

// FuzzVerifyEncoded checks that no encoded hash makes Verify panic, that it
// fails only with ErrInvalidHash, that whatever it parses is canonical, and
// that a hash that matches one password does not match another.
func FuzzVerifyEncoded(f *testing.F) {
	h := NewHasher(TestParams, 1)
	// Keep each input cheap: the bounds under test are the parser's, not
	// argon2's cost.
	h.memLimit, h.timeLimit = 1024, 2
	f.Add("pw", MustHash(f, h, "pw"))
	f.Fuzz(func(t *testing.T, password, encoded string) {
		ok, err := h.Verify(context.Background(), password, encoded)
		if err != nil {
			if ok || !errors.Is(err, ErrInvalidHash) {
				t.Fatalf("Verify = %v, %v", ok, err)
			}
			return
		}
		p, salt, key, err := decode(encoded, h.memLimit, h.timeLimit)
		if err != nil {
			t.Fatalf("Verify accepted what decode refuses: %v", err)
		}
		if encode(p, salt, key) != encoded {
			t.Fatalf("accepted a non-canonical hash")
		}
		if ok {
			if other, _ := h.Verify(context.Background(), password+"x", encoded); other {
				t.Fatalf("hash matches both %q and %q", password, password+"x")
			}
		}
	})
}

func BenchmarkHashDefault(b *testing.B) { benchmarkHash(b, DefaultParams) }
func BenchmarkHashTest(b *testing.B)    { benchmarkHash(b, TestParams) }

func benchmarkHash(b *testing.B, p Params) {
	h := NewHasher(p, 1)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
