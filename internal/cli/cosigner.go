package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// CosignerCmd manages a party's cosigner key.
type CosignerCmd struct {
	New CosignerNewCmd `cmd:"" help:"Make a cosigner key: the private key goes to FILE, the verifier key to stdout, to be set with PUT /api/v1/journal/cosigners/{party}."`
}

// CosignerNewCmd makes a cosigner key.
type CosignerNewCmd struct {
	File string `arg:"" help:"File for the private key (created, never overwritten; keep it off the server)." type:"path"`
	Name string `name:"name" required:"" help:"The key's name, e.g. verifier.us.example/truce (no spaces or '+')."`
}

// Run writes the key pair.
func (c *CosignerNewCmd) Run(_ context.Context, _ *Globals, stdio *IO) error {
	skey, vkey, err := note.GenerateKey(rand.Reader, c.Name)
	if err != nil {
		return fmt.Errorf("cosigner key %q: %w", c.Name, err)
	}
	cosig, err := fnote.VKeyToCosignatureV1(vkey)
	if err != nil {
		return fmt.Errorf("cosigner key %q: %w", c.Name, err)
	}
	f, err := os.OpenFile(c.File, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists: a key is never overwritten", c.File)
	}
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(f, skey); err != nil {
		f.Close()
		os.Remove(c.File)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(c.File)
		return err
	}
	fmt.Fprintln(stdio.Stdout, cosig)
	return nil
}
