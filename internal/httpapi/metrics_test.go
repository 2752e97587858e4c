package httpapi_test

import (
	"bufio"
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/truce-org/truce/internal/testenv"
)

// scrape reads /metrics and returns each sample by its name and labels as
// exposed, e.g. `truce_journal_size` or `x_total{code="200",route="GET /"}`.
func scrape(tb testing.TB, e *testenv.Env) map[string]float64 {
	tb.Helper()
	r := get(tb, e, "", "/metrics")
	mustStatus(tb, r, http.StatusOK, "metrics")
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		tb.Errorf("metrics Content-Type %q, want Prometheus text", ct)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			tb.Fatalf("metrics line %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			tb.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	const me = `truce_http_requests_total{code="200",route="GET /api/v1/me"}`
	const denied = `truce_http_requests_total{code="401",route="GET /api/v1/me"}`
	const unmatched = `truce_http_requests_total{code="404",route="unmatched"}`

	mustStatus(t, e.Do(t, "us-official", http.MethodGet, "/api/v1/me", nil), http.StatusOK, "me")
	m := scrape(t, e)
	if m[me] != 1 {
		t.Errorf("%s = %v after one request, want 1", me, m[me])
	}
	if got, want := m["truce_journal_size"], float64(e.JournalSize(t)); got != want || want == 0 {
		t.Errorf("truce_journal_size = %v, want %v", got, want)
	}

	mustStatus(t, e.Do(t, "ru-observer", http.MethodGet, "/api/v1/me", nil), http.StatusOK, "me")
	mustStatus(t, e.Do(t, "", http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized, "me")
	mustStatus(t, e.Do(t, "", http.MethodGet, "/nowhere", nil), http.StatusNotFound, "nowhere")
	mustStatus(t, e.Do(t, "us-analyst", http.MethodPost, "/api/v1/actors", map[string]any{"name": "Metrics Group (illustrative)"}),
		http.StatusCreated, "create actor")
	m2 := scrape(t, e)
	if m2[me] != 2 || m2[denied] != 1 {
		t.Errorf("after two more requests: %s = %v, %s = %v; want 2 and 1", me, m2[me], denied, m2[denied])
	}
	if m2[unmatched] < 1 {
		t.Errorf("a request no route serves is not counted as %s", unmatched)
	}
	if got, want := m2["truce_journal_size"], float64(e.JournalSize(t)); got != want || got != m["truce_journal_size"]+1 {
		t.Errorf("truce_journal_size = %v after one more entry, want %v", got, want)
	}
	if n := m2[`truce_http_request_duration_seconds_count{route="GET /api/v1/me"}`]; n != 3 {
		t.Errorf("request duration count for GET /api/v1/me = %v, want 3", n)
	}
	// Paths are not labels: a route's label is its pattern, so clients
	// cannot grow the series without bound.
	for k := range m2 {
		if strings.Contains(k, "/nowhere") || strings.Contains(k, "act_") {
			t.Errorf("metric %s has a raw path in its labels", k)
		}
	}
}
