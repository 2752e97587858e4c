package webui_test

// The browser tests drive Debian's Chromium with chromedp against a real
// office on loopback (internal/testenv: the demo seeded, real store and API,
// the UI mounted by the same Handler the binary serves). The harness fails a
// test on any console error or uncaught exception and on any request to a
// host other than the server's, and keeps a PNG screenshot of each page a
// test shows: run with -artifacts (and -outputdir DIR) to keep them, e.g.
//
//	go test -run Browser -artifacts -outputdir /tmp/ui ./internal/webui/
//
// Chromium: /usr/lib/chromium/chromium (apt-get install chromium). Without
// it the tests skip, unless TRUCE_TEST_BROWSER_REQUIRED=1 (CI), when they
// fail.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/truce-org/truce/internal/cli"
	"github.com/truce-org/truce/internal/testenv"
)

// chromiumPath finds Debian's Chromium (the real binary, not the wrapper
// script when both exist).
func chromiumPath() string {
	for _, p := range []string{"/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// needBrowser skips (or, with TRUCE_TEST_BROWSER_REQUIRED=1, fails) when
// Chromium or the built UI is missing, and returns Chromium's path.
func needBrowser(t testing.TB) string {
	t.Helper()
	required := os.Getenv("TRUCE_TEST_BROWSER_REQUIRED") == "1"
	miss := func(why string) {
		if required {
			t.Fatalf("TRUCE_TEST_BROWSER_REQUIRED=1 but %s", why)
		}
		t.Skip(why)
	}
	_, file, _, _ := runtime.Caller(0)
	if _, err := os.Stat(filepath.Join(filepath.Dir(file), "dist", "index.html")); err != nil {
		miss("the UI is not built (run make ui)")
	}
	p := chromiumPath()
	if p == "" {
		miss("Chromium is not installed (apt-get install chromium)")
	}
	return p
}

// Browser is one Chromium tab on a demo office.
type Browser struct {
	T   testing.TB
	Env *testenv.Env
	// Ctx is the tab's chromedp context (chromedp.Run(b.Ctx, ...)); prefer b.Run.
	Ctx  context.Context
	URL  string // the server's base URL, http://127.0.0.1:PORT
	host string

	mu       sync.Mutex
	problems []string // console errors, exceptions, foreign requests
	allowed  []string // console texts expected by the test
	requests []string // every URL the page requested
	resumes  []string // the Last-Event-ID of each /api/v1/events request ("" for none)
	shots    string
	nshot    int
}

// NewBrowser starts a demo office (testenv.New with opts) and a headless
// Chromium on it, both stopped when the test ends. Each test gets a fresh
// office and browser profile.
func NewBrowser(t testing.TB, opts ...testenv.Option) *Browser {
	t.Helper()
	exe := needBrowser(t)
	env := testenv.New(t, opts...)
	return NewBrowserOn(t, env, exe)
}

// NewBrowserOn starts a Chromium tab on env's server.
func NewBrowserOn(t testing.TB, env *testenv.Env, exe string) *Browser {
	t.Helper()
	u, _ := url.Parse(env.Server.URL)
	b := &Browser{T: t, Env: env, URL: env.Server.URL, host: u.Host}
	if at, ok := t.(interface{ ArtifactDir() string }); ok {
		b.shots = at.ArtifactDir()
	} else {
		b.shots = t.TempDir()
	}
	allocOpts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,AutofillServerCommunication"),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Errorf("browser: %s", p)
		}
		t.Logf("screenshots (%d) in %s", b.nshot, b.shots)
	})
	b.Ctx = ctx
	if err := chromedp.Do(ctx); err != nil { // starts the browser: no timeout on this first call
		t.Fatalf("start Chromium (%s): %v", exe, err)
	}
	if err := chromedp.Listen(ctx, b.listen); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdpruntime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *Browser) listen(ev any) {
	switch ev := ev.(type) {
	case *cdpruntime.EventConsoleAPICalled:
		if ev.Type == cdpruntime.ConsoleAPICalledTypeError || ev.Type == cdpruntime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			b.problem("console." + string(ev.Type) + ": " + strings.Join(parts, " "))
		}
	case *cdpruntime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		b.problem(fmt.Sprintf("uncaught exception: %s (%s:%d)", msg, d.URL, d.LineNumber))
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			b.problem("console (" + string(ev.Entry.Source) + "): " + ev.Entry.Text + " " + ev.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		u := ev.Request.URL
		b.mu.Lock()
		b.requests = append(b.requests, u)
		if strings.Contains(u, "/api/v1/events") {
			id, _ := ev.Request.Headers["Last-Event-ID"].(string)
			b.resumes = append(b.resumes, id)
		}
		b.mu.Unlock()
		if pu, err := url.Parse(u); err == nil && (pu.Scheme == "data" || pu.Scheme == "blob" || pu.Scheme == "about") {
			return
		} else if err != nil || pu.Host != b.host {
			b.problem("request to another host: " + u)
		}
	}
}

func (b *Browser) problem(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, a := range b.allowed {
		if strings.Contains(s, a) {
			return
		}
	}
	b.problems = append(b.problems, s)
}

// AllowConsole lets console errors containing substr pass (an expected 401
// or 409 the page handles, say). Keep substr specific.
func (b *Browser) AllowConsole(substr string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.allowed = append(b.allowed, substr)
}

// EventResumes returns the Last-Event-ID header of each event stream the
// page opened ("" when it sent none).
func (b *Browser) EventResumes() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.resumes)
}

// Requests returns every URL the page has requested so far.
func (b *Browser) Requests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.requests)
}

// Run runs chromedp actions with a 30 s limit; on failure it saves a
// screenshot named "failed" and fails the test.
func (b *Browser) Run(actions ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	if err := b.RunErr(30*time.Second, actions...); err != nil {
		b.Screenshot("failed")
		b.T.Fatalf("browser: %v", err)
	}
}

// RunErr runs chromedp actions within limit and returns their error.
func (b *Browser) RunErr(limit time.Duration, actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.Ctx, limit)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// Screenshot saves a PNG of the viewport as NN-name.png in the test's
// artifact directory.
func (b *Browser) Screenshot(name string) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.T.Logf("screenshot %s: %v", name, err)
		return
	}
	b.nshot++
	p := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.nshot, name))
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.T.Logf("screenshot %s: %v", name, err)
	}
}

// Open loads the UI at hash (e.g. "#/map") in a fresh page load.
func (b *Browser) Open(hash string) {
	b.T.Helper()
	b.Run(chromedp.Navigate(b.URL + "/" + hash))
}

// SignIn signs in through the sign-in form and waits for the header to
// show username. It loads the page first when it is not already showing.
func (b *Browser) SignIn(username, password string) {
	b.T.Helper()
	loc, _ := chromedp.Run(b.Ctx, chromedp.Location())
	if !strings.HasPrefix(loc, b.URL) {
		b.Open("#/signin")
	}
	b.Run(
		chromedp.WaitVisible(chromedp.CSS(`form.signin input[name=username]`)),
		chromedp.SetValue(chromedp.CSS(`form.signin input[name=username]`), username),
		chromedp.SetValue(chromedp.CSS(`form.signin input[name=password]`), password),
		chromedp.Click(chromedp.CSS(`form.signin button[data-action=signin]`)),
		waitText(`#who-member`, username),
	)
}

// SignOut clicks Sign out and waits for the sign-in form.
func (b *Browser) SignOut() {
	b.T.Helper()
	b.Run(
		chromedp.Click(chromedp.CSS(`button[data-action=signout]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.signin`)),
	)
}

// Go moves to a hash route in the running page (no reload) and waits for
// the page's <main data-page=pattern>.
func (b *Browser) Go(hash, pattern string) {
	b.T.Helper()
	b.Run(
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf("void (location.hash = %q)", hash)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`main[data-page=%q]`, pattern))),
	)
}

// Eval evaluates a JavaScript expression (awaiting a promise) and decodes
// its value into out (a pointer).
func (b *Browser) Eval(expr string, out any) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expr, chromedp.EvalAwaitPromise))
	if err == nil && out != nil {
		err = json.Unmarshal(raw, out)
	}
	if err != nil {
		b.Screenshot("failed")
		b.T.Fatalf("browser: eval %s: %v", expr, err)
	}
}

// WaitFor polls a JavaScript expression until it is truthy (limit 20 s).
func (b *Browser) WaitFor(expr string) {
	b.T.Helper()
	b.Run(waitJS(expr, 20*time.Second))
}

// Text returns the text content of the first element matching a CSS selector.
func (b *Browser) Text(sel string) string {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		b.Screenshot("failed")
		b.T.Fatalf("browser: text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// Intercept answers the page's requests whose URL matches pattern (Chrome's
// Fetch patterns: '*' any run, '?' one character) with what fn returns, in
// place of the server. Call it before the page makes the requests.
func (b *Browser) Intercept(pattern string, fn func(url string) (status int, contentType string, body []byte)) {
	b.T.Helper()
	paused := chromedp.Events(b.Ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(b.Ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern}}}); err != nil {
		b.T.Fatal(err)
	}
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			status, ct, body := fn(ev.Request.URL)
			_, err := chromedp.Call(b.Ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
				RequestID: ev.RequestID, ResponseCode: int64(status), Body: body,
				ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: ct}, {Name: "Cache-Control", Value: "no-store"}},
			})
			if err != nil && b.Ctx.Err() == nil {
				b.problem("intercept " + ev.Request.URL + ": " + err.Error())
			}
		}
	}()
}

// waitJS is an action that polls expr until it is truthy.
func waitJS(expr string, limit time.Duration) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool]("!!("+expr+")", chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(limit))(ctx, t)
		if err != nil {
			return fmt.Errorf("wait for %s: %w", expr, err)
		}
		return nil
	})
}

// waitText waits until the element matching sel has exactly text.
func waitText(sel, text string) chromedp.Action[chromedp.Void] {
	js, _ := json.Marshal(sel)
	want, _ := json.Marshal(text)
	return waitJS(fmt.Sprintf("(document.querySelector(%s)||{}).textContent === %s", js, want), 20*time.Second)
}

// TestBrowserSignIn signs in with a wrong password (an error beside the
// form, no session), then rightly (the header shows member, party and role),
// reloads (the session survives in the tab), signs out (back at the form; the
// token no longer works).
func TestBrowserSignIn(t *testing.T) {
	b := NewBrowser(t)
	b.AllowConsole("status of 401") // the wrong password's answer
	b.Open("#/signin")
	b.Run(
		chromedp.WaitVisible(chromedp.CSS(`form.signin`)),
		chromedp.SetValue(chromedp.CSS(`input[name=username]`), "us-official"),
		chromedp.SetValue(chromedp.CSS(`input[name=password]`), "wrong"),
		chromedp.Click(chromedp.CSS(`button[data-action=signin]`)),
		chromedp.WaitVisible(chromedp.CSS(`.form-errors`)),
	)
	if got := b.Text(`.field-error[data-field=password]`); !strings.Contains(got, "Wrong member name or password") {
		t.Errorf("bad password: error beside the field = %q", got)
	}
	var token string
	b.Eval(`sessionStorage.getItem('truce.session') || ''`, &token)
	if token != "" {
		t.Errorf("a session was stored after a bad password: %s", token)
	}
	b.Screenshot("signin-error")

	b.SignIn("us-official", "demo")
	if got := b.Text(`#who-party`); got != "us" {
		t.Errorf("header party = %q, want us", got)
	}
	if got := b.Text(`#who-role`); got != "official" {
		t.Errorf("header role = %q, want official", got)
	}
	b.Run(chromedp.Reload(), waitText(`#who-member`, "us-official"))
	b.Eval(`JSON.parse(sessionStorage.getItem('truce.session')).token`, &token)
	if !strings.HasPrefix(token, "truce_") {
		t.Fatalf("stored token = %q", token)
	}
	b.SignOut()
	if got := b.Text(`form.signin .notice`); got != "Signed out." {
		t.Errorf("after sign-out the form says %q", got)
	}
	req := b.Env.NewRequest(t, "GET", "/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if res := b.Env.Send(t, req); res.Status != 401 {
		t.Errorf("the signed-out token still answers %d on /api/v1/me", res.Status)
	}
}

// TestBrowserSessionExpired: a session the server no longer knows sends the
// next page to the sign-in form with "Your session expired", not an error.
func TestBrowserSessionExpired(t *testing.T) {
	b := NewBrowser(t)
	b.AllowConsole("status of 401")
	b.SignIn("ru-analyst", "demo")
	var token, href string
	b.Eval(`JSON.parse(sessionStorage.getItem('truce.session')).token`, &token)
	b.Eval(`location.href`, &href)
	// The session ends while the page is away: were it open, its event
	// stream could hear the 401 first and sign out before the reload, which
	// would then find no session to call expired.
	b.Run(chromedp.Navigate("about:blank"))
	req := b.Env.NewRequest(t, "DELETE", "/api/v1/sessions/current", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if res := b.Env.Send(t, req); res.Status != 204 {
		t.Fatalf("revoke the session: %d", res.Status)
	}
	// Coming back asks /api/v1/me again, which answers 401.
	b.Run(chromedp.Navigate(href), chromedp.WaitVisible(chromedp.CSS(`form.signin .notice`)))
	if got := b.Text(`form.signin .notice`); !strings.Contains(got, "Your session expired") {
		t.Errorf("the sign-in form says %q", got)
	}
}

// TestBrowserSessionTimesOut: when the session's time is up the page goes
// back to the sign-in form by itself, saying so, and keeps no token.
func TestBrowserSessionTimesOut(t *testing.T) {
	b := NewBrowser(t, func(o *cli.Options) { o.SessionTTL = 4 * time.Second })
	b.SignIn("mon-official", "demo")
	b.WaitFor(`document.querySelector('#map[data-ready]')`)
	b.Run(waitJS(`document.querySelector('form.signin .notice')`, 15*time.Second))
	if got := b.Text(`form.signin .notice`); !strings.Contains(got, "Your session expired") {
		t.Errorf("after the session's end the form says %q", got)
	}
	var stored string
	b.Eval(`sessionStorage.getItem('truce.session') || ''`, &stored)
	if stored != "" {
		t.Errorf("the expired session is still stored: %s", stored)
	}
}
