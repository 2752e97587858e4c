package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/truce-org/truce/internal/cli"
	"github.com/truce-org/truce/internal/testenv"
)

// signIn posts a sign-in from the address xff (used only when the office
// trusts X-Forwarded-For).
func signIn(tb testing.TB, e *testenv.Env, username, password, xff string) *testenv.Response {
	tb.Helper()
	r := request{method: http.MethodPost, path: "/api/v1/sessions",
		body: map[string]string{"username": username, "password": password}}
	if xff != "" {
		r.header = http.Header{"X-Forwarded-For": {xff}}
	}
	return send(tb, e, r)
}

// session is a sign-in's answer, with its raw keys.
type session struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
	User      struct {
		Username string   `json:"username"`
		Party    *string  `json:"party"`
		Roles    []string `json:"roles"`
	} `json:"user"`
}

// mustSession checks a sign-in answer's exact shape and returns it.
func mustSession(tb testing.TB, r *testenv.Response) session {
	tb.Helper()
	mustStatus(tb, r, http.StatusCreated, "sign in")
	var raw map[string]json.RawMessage
	r.JSON(tb, &raw)
	if keys := sortedKeys(raw); !slices.Equal(keys, []string{"expires_at", "token", "user"}) {
		tb.Errorf("sign-in keys %q, want exactly expires_at, token, user", keys)
	}
	var user map[string]json.RawMessage
	if err := json.Unmarshal(raw["user"], &user); err != nil {
		tb.Fatalf("user: %v", err)
	}
	if keys := sortedKeys(user); !slices.Equal(keys, []string{"party", "roles", "username"}) {
		tb.Errorf("user keys %q, want exactly party, roles, username", keys)
	}
	var s session
	r.JSON(tb, &s)
	if len(s.Token) < 32 {
		tb.Errorf("token %q is short", s.Token)
	}
	return s
}

// expiry parses an expires_at, which must be RFC 3339 in UTC.
func expiry(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatalf("expires_at %q: %v", s, err)
	}
	if !strings.HasSuffix(s, "Z") {
		tb.Errorf("expires_at %q is not in UTC", s)
	}
	return t
}

func TestSessions(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)

	t.Run("sign in", func(t *testing.T) {
		for _, c := range []struct {
			username string
			party    *string
			roles    []string
		}{
			{"us-official", ptr("us"), []string{"official"}},
			{"ru-planner", ptr("ru"), []string{"planner"}},
			{"mon-observer", ptr("mon"), []string{"observer"}},
			{"admin", nil, []string{"admin"}},
		} {
			start := time.Now()
			s := mustSession(t, signIn(t, e, c.username, "demo", ""))
			exp := expiry(t, s.ExpiresAt)
			// The default lifetime is hours, not seconds nor years.
			if d := exp.Sub(start); d < time.Hour || d > 7*24*time.Hour {
				t.Errorf("%s: session lasts %v", c.username, d)
			}
			if s.User.Username != c.username || !cmp.Equal(s.User.Party, c.party) || !slices.Equal(s.User.Roles, c.roles) {
				t.Errorf("%s: user %+v", c.username, s.User)
			}
			me := send(t, e, request{method: http.MethodGet, path: "/api/v1/me", token: s.Token})
			mustStatus(t, me, http.StatusOK, "me")
			var got map[string]any
			me.JSON(t, &got)
			var want map[string]any
			u, _ := json.Marshal(s.User)
			json.Unmarshal(u, &want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: /me differs from the sign-in's user (-sign-in +me):\n%s", c.username, diff)
			}
		}
	})

	t.Run("bad credentials", func(t *testing.T) {
		var messages []string
		for _, c := range []struct{ username, password string }{
			{"us-official", "wrong"},
			{"us-official", "Demo"},
			{"nobody-here", "demo"},
			{"nobody-here", "wrong"},
			{"us-official", strings.Repeat("p", 2000)},
			{strings.Repeat("u", 100), "demo"},
		} {
			r := signIn(t, e, c.username, c.password, "")
			if r.Status != http.StatusUnauthorized {
				t.Errorf("%.20s/%.20s: status %d, want 401; body %s", c.username, c.password, r.Status, r.Body)
				continue
			}
			_, msg, field := errorOf(t, r)
			if field != "" {
				t.Errorf("%.20s: field %q tells which one was wrong", c.username, field)
			}
			messages = append(messages, msg)
		}
		for _, m := range messages[1:] {
			if m != messages[0] {
				t.Errorf("messages differ, telling a known user from an unknown one: %q", messages)
				break
			}
		}
	})

	t.Run("sign out", func(t *testing.T) {
		s := mustSession(t, signIn(t, e, "ru-official", "demo", ""))
		other := mustSession(t, signIn(t, e, "ru-official", "demo", ""))
		mustStatus(t, send(t, e, request{method: http.MethodGet, path: "/api/v1/me", token: s.Token}), http.StatusOK, "me")
		r := send(t, e, request{method: http.MethodDelete, path: "/api/v1/sessions/current", token: s.Token})
		mustStatus(t, r, http.StatusNoContent, "sign out")
		if len(r.Body) != 0 {
			t.Errorf("204 with a body: %q", r.Body)
		}
		for _, path := range []string{"/api/v1/me", "/api/v1/actors"} {
			r = send(t, e, request{method: http.MethodGet, path: path, token: s.Token})
			mustStatus(t, r, http.StatusUnauthorized, "after sign out "+path)
			errorOf(t, r)
		}
		r = send(t, e, request{method: http.MethodDelete, path: "/api/v1/sessions/current", token: s.Token})
		mustStatus(t, r, http.StatusUnauthorized, "second sign out")
		// Other sessions of the same member go on.
		mustStatus(t, send(t, e, request{method: http.MethodGet, path: "/api/v1/me", token: other.Token}), http.StatusOK, "other session")
	})

	t.Run("bearer header", func(t *testing.T) {
		s := mustSession(t, signIn(t, e, "us-analyst", "demo", ""))
		for _, c := range []struct {
			auth string
			want int
		}{
			{"Bearer " + s.Token, http.StatusOK},
			{"bearer " + s.Token, http.StatusOK},
			{"Bearer  " + s.Token + " ", http.StatusOK},
			{"Bearer " + s.Token + "x", http.StatusUnauthorized},
			{"Bearer " + s.Token[:len(s.Token)-1], http.StatusUnauthorized},
			{"Bearer", http.StatusUnauthorized},
			{"Bearer ", http.StatusUnauthorized},
			{s.Token, http.StatusUnauthorized},
			{"Token " + s.Token, http.StatusUnauthorized},
		} {
			r := send(t, e, request{method: http.MethodGet, path: "/api/v1/me", auth: c.auth})
			if r.Status != c.want {
				t.Errorf("Authorization %q: status %d, want %d", c.auth, r.Status, c.want)
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }

// A session stops working once expires_at has passed, not later.
func TestSessionExpires(t *testing.T) {
	t.Parallel()
	e := testenv.New(t, func(o *cli.Options) { o.SessionTTL = 2 * time.Second })
	start := time.Now()
	s := mustSession(t, signIn(t, e, "us-planner", "demo", ""))
	end := time.Now()
	exp := expiry(t, s.ExpiresAt)
	// Sessions start on a whole second (truncated), so a 2 s session ends
	// between 1 s after the sign-in began and 2 s after it answered.
	if exp.After(end.Add(2*time.Second)) || exp.Before(start.Add(time.Second)) {
		t.Fatalf("a 2 s session signed in between %s and %s expires at %s", start, end, exp)
	}
	me := request{method: http.MethodGet, path: "/api/v1/me", token: s.Token}
	if time.Until(exp) > 300*time.Millisecond {
		mustStatus(t, send(t, e, me), http.StatusOK, "me before expiry")
	}
	time.Sleep(time.Until(exp) + 200*time.Millisecond)
	r := send(t, e, me)
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("me %v after expires_at %s: status %d, want 401", time.Since(exp).Round(time.Millisecond), s.ExpiresAt, r.Status)
	}
	errorOf(t, r)
}

// retryAfter checks a 429 answer and returns its Retry-After in seconds.
func retryAfter(tb testing.TB, r *testenv.Response) int {
	tb.Helper()
	mustStatus(tb, r, http.StatusTooManyRequests, "sign-in over the limit")
	if code, _, _ := errorOf(tb, r); code != "rate_limited" {
		tb.Errorf("code %q, want rate_limited", code)
	}
	h := r.Header.Get("Retry-After")
	n, err := strconv.Atoi(h)
	if err != nil || n < 1 {
		tb.Fatalf("Retry-After %q, want whole seconds, at least 1", h)
	}
	return n
}

func TestSignInRateLimit(t *testing.T) {
	t.Parallel()

	t.Run("per username", func(t *testing.T) {
		t.Parallel()
		e := testenv.New(t, func(o *cli.Options) { o.SignInEvery, o.SignInBurst = time.Minute, 3 })
		// Wrong and right passwords, and unknown names, all count.
		for i, pw := range []string{"wrong", "demo", "wrong"} {
			r := signIn(t, e, "us-official", pw, "")
			if r.Status == http.StatusTooManyRequests {
				t.Fatalf("attempt %d refused: %s", i+1, r.Body)
			}
		}
		n := retryAfter(t, signIn(t, e, "us-official", "demo", ""))
		if n > 60 {
			t.Errorf("Retry-After %d s, want at most the 60 s refill", n)
		}
		// Another username goes on; the limit is not global.
		mustSession(t, signIn(t, e, "ru-official", "demo", ""))
		for range 3 {
			signIn(t, e, "no-such-user", "demo", "")
		}
		retryAfter(t, signIn(t, e, "no-such-user", "demo", ""))
		// Sessions already open are not affected.
		mustStatus(t, e.Do(t, "us-official", http.MethodGet, "/api/v1/me", nil), http.StatusOK, "me")
	})

	t.Run("per address", func(t *testing.T) {
		t.Parallel()
		e := testenv.New(t, func(o *cli.Options) {
			o.AddrEvery, o.AddrBurst = time.Minute, 3
			o.TrustProxy = true
		})
		users := []string{"us-official", "us-analyst", "ru-official", "ru-analyst"}
		for _, u := range users[:3] {
			mustSession(t, signIn(t, e, u, "demo", "192.0.2.1"))
		}
		n := retryAfter(t, signIn(t, e, users[3], "demo", "192.0.2.1"))
		if n > 60 {
			t.Errorf("Retry-After %d s, want at most the 60 s refill", n)
		}
		// The same user from another address goes on.
		mustSession(t, signIn(t, e, users[3], "demo", "192.0.2.2"))
		mustSession(t, signIn(t, e, users[0], "demo", "198.51.100.7, 192.0.2.1"))

		// IPv6 addresses count by /64: one host owns its whole prefix.
		for _, a := range []string{"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"} {
			mustSession(t, signIn(t, e, users[1], "demo", a))
		}
		retryAfter(t, signIn(t, e, users[1], "demo", "2001:db8:1:2:abcd::9"))
		mustSession(t, signIn(t, e, users[1], "demo", "2001:db8:1:3::1"))
	})
}
