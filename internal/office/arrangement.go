package office

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/truce-org/truce/internal/journal"
	"github.com/truce-org/truce/internal/keyring"
	"github.com/truce-org/truce/internal/store"
)

// Arrangement is a deployment's identity: the journal's origin and the
// office's verifier key, fixed when the database is first set up.
type Arrangement struct {
	Origin    string
	OfficeKey string
}

const (
	metaOrigin    = "origin"
	metaOfficeKey = "office_key"
)

// DefaultOrigin returns a fresh origin for a new arrangement.
func DefaultOrigin() string {
	var b [6]byte
	rand.Read(b[:])
	return "truce.invalid/office-" + hex.EncodeToString(b[:])
}

// Setup fixes the arrangement's origin (origin is used only if none is set
// yet) and makes sure the office key exists and matches the one on record.
func Setup(ctx context.Context, st store.Store, ring *keyring.Ring, origin string) (Arrangement, error) {
	if origin == "" {
		origin = DefaultOrigin()
	}
	if err := journal.ValidOrigin(origin); err != nil {
		return Arrangement{}, err
	}
	origin, err := st.SetMetaOnce(ctx, metaOrigin, origin)
	if err != nil {
		return Arrangement{}, err
	}
	vkey, err := st.Meta(ctx, metaOfficeKey)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if ring.HasOffice() {
			return Arrangement{}, fmt.Errorf("office: %s holds an office key but the database has none on record: is this the right key directory?", ring.Dir())
		}
		created, err := ring.CreateOffice(origin)
		if err != nil {
			return Arrangement{}, err
		}
		if vkey, err = st.SetMetaOnce(ctx, metaOfficeKey, created); err != nil {
			return Arrangement{}, err
		}
	case err != nil:
		return Arrangement{}, err
	}
	if err := checkSigner(ring, vkey); err != nil {
		return Arrangement{}, err
	}
	return Arrangement{Origin: origin, OfficeKey: vkey}, nil
}

// LoadArrangement reads the arrangement of an existing database without
// touching keys (for verification).
func LoadArrangement(ctx context.Context, st store.Store) (Arrangement, error) {
	origin, err := st.Meta(ctx, metaOrigin)
	if err != nil {
		return Arrangement{}, fmt.Errorf("office: no arrangement in this database (run truce migrate): %w", err)
	}
	vkey, err := st.Meta(ctx, metaOfficeKey)
	if err != nil {
		return Arrangement{}, fmt.Errorf("office: no office key on record: %w", err)
	}
	return Arrangement{Origin: origin, OfficeKey: vkey}, nil
}

func checkSigner(ring *keyring.Ring, vkey string) error {
	s, err := ring.Office()
	if err != nil {
		return fmt.Errorf("office: office key: %w", err)
	}
	v, err := journal.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("office: office key on record: %w", err)
	}
	if s.Name() != v.Name() || s.KeyHash() != v.KeyHash() {
		return fmt.Errorf("office: the office key in %s is not the one on record", ring.Dir())
	}
	return nil
}
