package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-org/truce/internal/journal"
	"github.com/truce-org/truce/internal/office"
)

// VerifyCmd verifies a journal from a database, a bundle or a server.
type VerifyCmd struct {
	Bundle  string `name:"bundle" help:"Verify an exported bundle file, offline." type:"path"`
	URL     string `name:"url" help:"Verify the journal a server publishes (base URL, e.g. http://127.0.0.1:8080)."`
	Token   string `name:"token" env:"TRUCE_TOKEN" help:"Bearer token for --url."`
	Workers int    `name:"workers" help:"Signature-checking goroutines (default: all cores)."`
	Cosign  string `name:"cosign" help:"With --url: once verified, cosign the checkpoint with the party's cosigner key in this file (see 'truce cosigner new') and hand the cosignature to the server." type:"path"`
}

// Run verifies and prints a summary; any failure is the error.
func (c *VerifyCmd) Run(ctx context.Context, g *Globals, stdio *IO) error {
	start := time.Now()
	res, err := c.verify(ctx, g, stdio)
	if err != nil {
		return fmt.Errorf("verification failed: %w", err)
	}
	state := "office state not checked (no database)"
	if res.StateChecked {
		state = "office state matches the journal"
	}
	fmt.Fprintf(stdio.Stdout, "ok: %d entries verified, root %s; %s (%.2fs)\n", res.Size, res.Root, state, time.Since(start).Seconds())
	if len(res.CosignedBy) > 0 {
		fmt.Fprintf(stdio.Stdout, "checkpoint cosigned by: %s\n", strings.Join(res.CosignedBy, ", "))
	}
	if len(res.Consistent) > 0 {
		fmt.Fprintf(stdio.Stdout, "consistent with the checkpoints cosigned by: %s\n", strings.Join(res.Consistent, ", "))
	}
	if res.Cosigned != "" {
		fmt.Fprintf(stdio.Stdout, "cosigned the checkpoint of size %d as %s\n", res.Size, res.Cosigned)
	}
	return nil
}

func (c *VerifyCmd) verify(ctx context.Context, g *Globals, stdio *IO) (*office.VerifyResult, error) {
	opt := func(total int64) (office.VerifyOptions, *progress) {
		bar := newProgress(stdio.Stderr, "verifying", total)
		return office.VerifyOptions{Workers: c.Workers, Progress: bar.Set}, bar
	}
	switch {
	case c.Bundle != "" && c.URL != "":
		return nil, errors.New("give --bundle or --url, not both")
	case c.Cosign != "" && c.URL == "":
		return nil, errors.New("--cosign needs --url: cosignatures are handed to a server")
	case c.Bundle != "":
		f, err := os.Open(c.Bundle)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		o, bar := opt(-1)
		defer bar.Done()
		return office.VerifyBundle(ctx, bufio.NewReaderSize(f, 1<<20), o)
	case c.URL != "":
		return c.verifyURL(ctx, opt)
	default:
		st, err := OpenStorage(ctx, g.DB, g.Keys)
		if err != nil {
			return nil, err
		}
		defer st.Close()
		size, err := st.Store.JournalSize(ctx)
		if err != nil {
			return nil, err
		}
		o, bar := opt(size)
		defer bar.Done()
		return office.VerifyStore(ctx, st.Store, o)
	}
}

// verifyURL fetches the keys, checkpoint and entries over HTTP and checks
// them as an outside verifier would: the server is not trusted.
func (c *VerifyCmd) verifyURL(ctx context.Context, opt func(int64) (office.VerifyOptions, *progress)) (*office.VerifyResult, error) {
	base := strings.TrimRight(c.URL, "/")
	get := func(path string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		if err != nil {
			return nil, err
		}
		if c.Token != "" {
			req.Header.Set("Authorization", "Bearer "+c.Token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(b)))
		}
		return resp, nil
	}
	resp, err := get("/api/v1/journal")
	if err != nil {
		return nil, err
	}
	var info struct {
		Origin       string            `json:"origin"`
		OfficeKey    string            `json:"office_key"`
		PartyKeys    map[string]string `json:"party_keys"`
		CosignerKeys map[string]string `json:"cosigner_keys"`
		Cosigned     map[string]struct {
			Size int64 `json:"size"`
		} `json:"cosigned"`
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&info)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("journal info: %w", err)
	}
	resp, err = get("/api/v1/journal/checkpoint")
	if err != nil {
		return nil, err
	}
	cp, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	keys, err := journal.NewKeys(info.Origin, info.OfficeKey, info.PartyKeys)
	if err != nil {
		return nil, err
	}
	c0, _, err := journal.OpenCheckpoint(cp, info.Origin, keys.Office)
	if err != nil {
		return nil, err
	}
	cosigned, err := checkCosignatures(cp, keys.Office, info.CosignerKeys)
	if err != nil {
		return nil, err
	}
	resp, err = get(fmt.Sprintf("/api/v1/journal/entries?start=0&end=%d", c0.Size))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	h := &journal.BundleHeader{Origin: info.Origin, OfficeKey: info.OfficeKey, PartyKeys: info.PartyKeys, Checkpoint: cp}
	o, bar := opt(c0.Size)
	res, err := office.VerifyJournal(ctx, h, journal.ReadEntryLines(resp.Body, 0), o)
	bar.Done()
	if err != nil {
		return nil, err
	}
	res.CosignedBy = cosigned
	// Each party's latest cosigned checkpoint must be one of the history
	// just verified: its cosignature by the party's declared key, and an
	// RFC 6962 consistency proof from it to the checkpoint verified. A
	// server that showed a party another history cannot pass this.
	for _, party := range slices.Sorted(maps.Keys(info.Cosigned)) {
		n := info.Cosigned[party].Size
		if n > c0.Size || n < 1 {
			continue // cosigned after the checkpoint fetched: checked next time
		}
		if err := checkCosignedEarlier(get, info.Origin, keys.Office, party, info.CosignerKeys[party], n, c0); err != nil {
			return nil, fmt.Errorf("%s's cosigned checkpoint of size %d: %w", party, n, err)
		}
		res.Consistent = append(res.Consistent, fmt.Sprintf("%s (size %d)", party, n))
	}
	if c.Cosign != "" {
		if err := checkLastCosigned(get, c.Cosign+".last", c0); err != nil {
			return nil, fmt.Errorf("verified, but not cosigned: %w", err)
		}
		if res.Cosigned, err = c.cosign(ctx, base, cp, keys.Office); err != nil {
			return nil, fmt.Errorf("verified, but not cosigned: %w", err)
		}
	}
	return res, nil
}

// checkCosignedEarlier checks party's cosignature of the checkpoint of size
// n and that the tree of cur contains it (a consistency proof).
func checkCosignedEarlier(get func(string) (*http.Response, error), origin string, officeKey note.Verifier, party, key string, n int64, cur journal.Checkpoint) error {
	resp, err := get(fmt.Sprintf("/api/v1/journal/checkpoint?size=%d", n))
	if err != nil {
		return err
	}
	cp, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if err != nil {
		return err
	}
	old, _, err := journal.OpenCheckpoint(cp, origin, officeKey)
	if err != nil {
		return err
	}
	if old.Size != n {
		return fmt.Errorf("the server gave the checkpoint of size %d", old.Size)
	}
	by, err := checkCosignatures(cp, officeKey, map[string]string{party: key})
	if err != nil {
		return err
	}
	if !slices.Contains(by, party) {
		return fmt.Errorf("no cosignature by %s's declared key", party)
	}
	if err := checkExtends(get, cur, n, old.Hash); err != nil {
		return fmt.Errorf("not consistent with the checkpoint of size %d just verified (a split view?): %w", cur.Size, err)
	}
	return nil
}

// checkExtends checks, with the server's RFC 6962 consistency proof, that
// the tree of cur extends the tree of n entries whose root is root.
func checkExtends(get func(string) (*http.Response, error), cur journal.Checkpoint, n int64, root tlog.Hash) error {
	resp, err := get(fmt.Sprintf("/api/v1/journal/proofs/consistency?old=%d&new=%d", n, cur.Size))
	if err != nil {
		return err
	}
	var proof struct {
		Hashes []tlog.Hash `json:"hashes"`
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&proof)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("consistency proof: %w", err)
	}
	return tlog.CheckTree(proof.Hashes, cur.Size, cur.Hash, n, root)
}

// checkCosignatures checks every cosignature on cp by a party's declared
// cosigner key (a bad one fails the whole note) and names those parties.
func checkCosignatures(cp []byte, officeKey note.Verifier, cosignerKeys map[string]string) ([]string, error) {
	vs := []note.Verifier{officeKey}
	party := map[string]string{}
	for p, k := range cosignerKeys {
		v, err := office.CheckCosignerKey(k)
		if err != nil {
			return nil, fmt.Errorf("cosigner key of %s: %w", p, err)
		}
		vs = append(vs, v)
		party[fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash())] = p
	}
	n, err := note.Open(cp, note.VerifierList(vs...))
	if err != nil {
		return nil, fmt.Errorf("checkpoint cosignatures: %w", err)
	}
	var out []string
	for _, s := range n.Sigs {
		if p, ok := party[fmt.Sprintf("%s+%08x", s.Name, s.Hash)]; ok {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out, nil
}

// cosign signs the verified checkpoint cp with the cosigner key in
// c.Cosign and hands it to the server; it returns the party it cosigned as.
func (c *VerifyCmd) cosign(ctx context.Context, base string, cp []byte, officeKey note.Verifier) (string, error) {
	skey, err := os.ReadFile(c.Cosign)
	if err != nil {
		return "", err
	}
	signer, err := fnote.NewSignerForCosignatureV1(strings.TrimSpace(string(skey)))
	if err != nil {
		return "", fmt.Errorf("%s: not a cosigner key: %w", c.Cosign, err)
	}
	n, err := note.Open(cp, note.VerifierList(officeKey))
	if err != nil {
		return "", err
	}
	msg, err := note.Sign(&note.Note{Text: n.Text, Sigs: n.Sigs}, signer)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/journal/cosignatures", bytes.NewReader(msg))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("POST /api/v1/journal/cosignatures: %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	var got struct {
		Party string `json:"party"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		return "", err
	}
	text, _, _ := strings.Cut(string(cp), "\n\n")
	if err := writeFileAtomic(c.Cosign+".last", []byte(text+"\n")); err != nil {
		return "", fmt.Errorf("cosigned, but its record not kept: %w", err)
	}
	return got.Party, nil
}

// checkLastCosigned refuses to cosign cur unless it extends the checkpoint
// this key cosigned last (kept in the file last, as a C2SP witness keeps
// its state): never a smaller tree, never another tree of the same size,
// and a larger one only with a consistency proof from the last.
func checkLastCosigned(get func(string) (*http.Response, error), last string, cur journal.Checkpoint) error {
	b, err := os.ReadFile(last)
	if errors.Is(err, os.ErrNotExist) {
		return nil // the key's first cosignature
	}
	if err != nil {
		return err
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 3 {
		return fmt.Errorf("%s: not a checkpoint", last)
	}
	m, err1 := strconv.ParseInt(lines[1], 10, 64)
	root, err2 := tlog.ParseHash(lines[2])
	if err1 != nil || err2 != nil {
		return fmt.Errorf("%s: not a checkpoint", last)
	}
	switch {
	case m > cur.Size:
		return fmt.Errorf("this key cosigned a tree of %d entries; the server now shows %d (rolled back?)", m, cur.Size)
	case m == cur.Size && root != cur.Hash:
		return fmt.Errorf("this key cosigned another tree of %d entries (a fork)", m)
	case m == cur.Size:
		return nil
	}
	if err := checkExtends(get, cur, m, root); err != nil {
		return fmt.Errorf("the tree of %d entries does not extend the one of %d this key cosigned (a fork?): %w", cur.Size, m, err)
	}
	return nil
}

// writeFileAtomic replaces path with data (mode 0600) through a temporary
// file, so a crash leaves the old content or the new, never half.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ExportCmd exports data.
type ExportCmd struct {
	Journal   ExportJournalCmd   `cmd:"" help:"Write a bundle (entries, checkpoint, verifier keys) that 'truce verify --bundle' checks offline."`
	Zones     ExportZonesCmd     `cmd:"" help:"Write the zones a member may see as GeoJSON."`
	Incidents ExportIncidentsCmd `cmd:"" help:"Write the incidents a member may see as GeoJSON or ACLED CSV."`
}

// ExportJournalCmd writes a journal bundle.
type ExportJournalCmd struct {
	File string `arg:"" help:"Output file ('-' for stdout)."`
}

// Run writes the bundle.
func (c *ExportJournalCmd) Run(ctx context.Context, g *Globals, stdio *IO) error {
	st, err := OpenStorage(ctx, g.DB, g.Keys)
	if err != nil {
		return err
	}
	defer st.Close()
	var w io.Writer = stdio.Stdout
	var f *os.File
	if c.File != "-" {
		if f, err = os.OpenFile(c.File, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644); err != nil {
			return err
		}
		w = f
	}
	n, err := office.ExportBundle(ctx, st.Store, w)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(c.File)
		}
	}
	if err != nil {
		return err
	}
	if c.File != "-" {
		fmt.Fprintf(stdio.Stderr, "wrote %d entries to %s\n", n, c.File)
	}
	return nil
}
