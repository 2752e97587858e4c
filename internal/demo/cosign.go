package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
)

// Cosign gives each demo party a cosigner key, writes its private half to
// dir/<party>.key (in real use it lives on the party's own verifier, never
// beside the server), declares the keys in the journal and cosigns the
// latest checkpoint as each party, as `truce verify --url --cosign` would
// after verifying. It returns the key files by party.
func Cosign(ctx context.Context, svc *office.Service, officeKey, dir string) (map[string]string, error) {
	officeVerifier, err := note.NewVerifier(officeKey)
	if err != nil {
		return nil, fmt.Errorf("demo: office key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: cosigner keys: %w", err)
	}
	as := func(party string, role truce.Role) context.Context {
		return truce.WithCaller(ctx, &truce.Member{Username: party + "-" + string(role), Party: party, Role: role})
	}
	files := map[string]string{}
	signers := map[string]note.Signer{}
	for _, p := range Parties {
		skey, vkey, err := note.GenerateKey(rand.Reader, "verifier."+p.ID+".demo.truce.invalid/illustrative")
		if err == nil {
			vkey, err = fnote.VKeyToCosignatureV1(vkey)
		}
		if err == nil {
			signers[p.ID], err = fnote.NewSignerForCosignatureV1(skey)
		}
		if err != nil {
			return nil, fmt.Errorf("demo: cosigner key of %s: %w", p.ID, err)
		}
		path := filepath.Join(dir, p.ID+".key")
		if err := os.WriteFile(path, []byte(skey+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("demo: cosigner key of %s: %w", p.ID, err)
		}
		files[p.ID] = path
		if _, err := svc.SetCosigner(as(p.ID, truce.RoleOfficial), p.ID, vkey); err != nil {
			return nil, fmt.Errorf("demo: cosigner of %s: %w", p.ID, err)
		}
	}
	for _, p := range Parties {
		ctx := as(p.ID, truce.RoleObserver)
		cp, err := svc.Checkpoint(ctx, -1)
		if err != nil {
			return nil, err
		}
		n, err := note.Open(cp, note.VerifierList(officeVerifier))
		if err != nil {
			return nil, fmt.Errorf("demo: open the checkpoint: %w", err)
		}
		msg, err := note.Sign(&note.Note{Text: n.Text, Sigs: n.Sigs}, signers[p.ID])
		if err != nil {
			return nil, fmt.Errorf("demo: cosign as %s: %w", p.ID, err)
		}
		if _, err := svc.AddCosignature(ctx, msg); err != nil {
			return nil, fmt.Errorf("demo: cosign as %s: %w", p.ID, err)
		}
	}
	return files, nil
}
