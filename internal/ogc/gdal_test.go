package ogc_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/truce-org/truce/internal/testenv"
)

// ogrinfo returns the path of GDAL's ogrinfo. Without it the test skips,
// unless TRUCE_TEST_GDAL_REQUIRED=1 (CI installs Debian's gdal-bin), when
// it fails.
func ogrinfo(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("TRUCE_TEST_GDAL_REQUIRED") == "1" {
			t.Fatalf("ogrinfo not found and TRUCE_TEST_GDAL_REQUIRED=1: install gdal-bin: %v", err)
		}
		t.Skip("ogrinfo not found (Debian: apt-get install gdal-bin); set TRUCE_TEST_GDAL_REQUIRED=1 to fail instead")
	}
	return path
}

// runOgrinfo runs ogrinfo with args against the office, as token's member
// (GDAL_HTTP_HEADERS, as the docs tell users), and returns its output.
func runOgrinfo(t *testing.T, bin, token string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	env := []string{"GDAL_HTTP_HEADERS=Authorization: Bearer " + token, "NO_PROXY=*", "no_proxy=*"}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasSuffix(strings.ToLower(k), "_proxy") && !strings.HasPrefix(k, "GDAL_") && !strings.HasPrefix(k, "CPL_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

var (
	layerLine = regexp.MustCompile(`(?m)^Layer name: (\S+)$`)
	countLine = regexp.MustCompile(`(?m)^Feature Count: (\d+)$`)
	idLine    = regexp.MustCompile(`(?m)^  id \(String\) = (\S+)$`)
)

// layers splits ogrinfo's output by layer.
func layers(out string) map[string]string {
	m := map[string]string{}
	idx := layerLine.FindAllStringSubmatchIndex(out, -1)
	for i, loc := range idx {
		end := len(out)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		m[out[loc[2]:loc[3]]] = out[loc[0]:end]
	}
	return m
}

// TestOgrinfo runs the real GDAL against a running office on loopback with
// the demo's data: ogrinfo lists the three collections with the feature
// counts the API gives each caller, and paging two features at a time
// (following next links) brings every feature exactly once.
func TestOgrinfo(t *testing.T) {
	t.Parallel()
	bin := ogrinfo(t)
	e := testenv.New(t)
	newIncident(t, e, "us", 36.3, 35.9, time.Now().Add(-time.Hour), false) // a draft only us sees
	newDraftZone(t, e, "ru", "GDAL draft of ru (illustrative)", 36.4, 36.0)
	for _, user := range []string{"us-observer", "ru-official", "admin"} {
		source := "OAPIF:" + e.Server.URL + "/ogc"
		if user == "admin" {
			source += "/" // GDAL takes the landing page's URL with a trailing slash too
		}
		token := e.Token(t, user)
		summary := layers(runOgrinfo(t, bin, token, "-ro", "-so", "-al", source))
		paged := layers(runOgrinfo(t, bin, token, "-ro", "-al", "-oo", "PAGE_SIZE=2", source))
		var names []string
		for name := range summary {
			names = append(names, name)
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"incidents", "notices", "zones"}) {
			t.Fatalf("as %s: ogrinfo lists layers %v", user, names)
		}
		for _, c := range collections {
			want := idsOf(apiFeatures(t, e, user, c, ""))
			m := countLine.FindStringSubmatch(summary[c])
			if m == nil {
				t.Errorf("as %s: no feature count for %s in:\n%s", user, c, summary[c])
				continue
			}
			if n, _ := strconv.Atoi(m[1]); n != len(want) {
				t.Errorf("as %s: ogrinfo counts %d %s, the API lists %d", user, n, c, len(want))
			}
			var got []string
			for _, m := range idLine.FindAllStringSubmatch(paged[c], -1) {
				got = append(got, m[1])
			}
			if !slices.Equal(got, want) {
				t.Errorf("as %s: ogrinfo paged through %s as %v, the API lists %v", user, c, got, want)
			}
			if len(want) < 3 && c != "notices" {
				t.Errorf("as %s: only %d %s: paging by 2 is not tested", user, len(want), c)
			}
		}
		// -spat becomes bbox: the count is the API's for the same box.
		incidents := apiFeatures(t, e, user, "incidents", "")
		b := incidents[0].BBox
		box := []float64{b[0] - 0.05, b[1] - 0.05, b[2] + 0.05, b[3] + 0.05}
		want := apiFeatures(t, e, user, "incidents", fmt.Sprintf("&bbox=%g,%g,%g,%g", box[0], box[1], box[2], box[3]))
		args := []string{"-ro", "-so", "-spat"}
		for _, f := range box {
			args = append(args, strconv.FormatFloat(f, 'g', -1, 64))
		}
		out := runOgrinfo(t, bin, token, append(args, source, "incidents")...)
		m := countLine.FindStringSubmatch(out)
		if m == nil || m[1] != strconv.Itoa(len(want)) || len(want) == 0 || len(want) == len(incidents) {
			t.Errorf("as %s: ogrinfo -spat %v counts %v, the API lists %d of %d in the box:\n%s", user, box, m, len(want), len(incidents), out)
		}
	}
}
