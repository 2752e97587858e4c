package office

import (
	"context"
	"errors"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// lookup answers the content checks from the stored office state, so the
// service rejects bad input before anything is appended.
type lookup struct {
	ctx context.Context
	st  store.Store
}

var _ Lookup = lookup{}

func (l lookup) PartyKind(id string) (truce.PartyKind, error) {
	p, err := l.st.Party(l.ctx, id)
	return p.Kind, err
}

func (l lookup) ActorExists(id string) (bool, error) {
	_, err := l.st.Actor(l.ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (l lookup) GetZone(id string) (truce.Zone, error) { return l.st.Zone(l.ctx, id) }
