// Package keyring keeps the office's and the parties' Ed25519 signing keys
// as files in a directory beside the database, readable by the owner only.
// Keys never leave it: not in logs, not in answers.
package keyring

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/truce-org/truce/internal/journal"
	"golang.org/x/mod/sumdb/note"
)

// ErrNoKey is returned (wrapped) when a key file does not exist.
var ErrNoKey = errors.New("keyring: no such key")

// Ring is a directory of signing keys. Signers are cached after first use.
type Ring struct {
	dir string

	mu      sync.Mutex
	signers map[string]note.Signer
}

// Open returns the ring in dir, creating the directory (mode 0700) if needed.
func Open(dir string) (*Ring, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	return &Ring{dir: dir, signers: map[string]note.Signer{}}, nil
}

// Dir is the ring's directory.
func (r *Ring) Dir() string { return r.dir }

const officeFile = "office"

func partyFile(party string) string { return "party-" + party }

func (r *Ring) path(file string) string { return filepath.Join(r.dir, file+".key") }

// CreateOffice creates the office key named origin and returns its verifier key.
func (r *Ring) CreateOffice(origin string) (string, error) { return r.create(officeFile, origin) }

// CreateParty creates party's key, named origin/party, and returns its verifier key.
func (r *Ring) CreateParty(origin, party string) (string, error) {
	return r.create(partyFile(party), journal.KeyName(origin, party))
}

func (r *Ring) create(file, name string) (string, error) {
	skey, vkey, err := journal.GenerateKey(name)
	if err != nil {
		return "", fmt.Errorf("keyring: generate %s: %w", file, err)
	}
	f, err := os.OpenFile(r.path(file), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("keyring: create %s key: %w", file, err)
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("keyring: write %s key: %w", file, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("keyring: sync %s key: %w", file, err)
	}
	return vkey, f.Close()
}

// Office returns the office's signer.
func (r *Ring) Office() (note.Signer, error) { return r.signer(officeFile) }

// Party returns party's signer.
func (r *Ring) Party(party string) (note.Signer, error) { return r.signer(partyFile(party)) }

// HasOffice reports whether the office key file exists.
func (r *Ring) HasOffice() bool {
	_, err := os.Stat(r.path(officeFile))
	return err == nil
}

func (r *Ring) signer(file string) (note.Signer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.signers[file]; ok {
		return s, nil
	}
	b, err := os.ReadFile(r.path(file))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("keyring: %s key: %w", file, ErrNoKey)
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: read %s key: %w", file, err)
	}
	s, err := journal.NewSigner(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("keyring: %s key: %w", file, err)
	}
	r.signers[file] = s
	return s, nil
}
