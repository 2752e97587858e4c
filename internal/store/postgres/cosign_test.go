package postgres

import (
	"errors"
	"testing"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
	"github.com/truce-org/truce/internal/store/postgres/pgtest"
)

// Text PostgreSQL cannot hold is refused before it is sent (an append goes
// on), and reads by such a party find nothing.
func TestCosignText(t *testing.T) {
	t.Parallel()
	db := mustOpen(t, pgtest.URL(t))
	ctx := t.Context()
	good := truce.Cosignature{Party: "us", Size: 3, Time: t0, Line: "— us-verifier AAAA\n", Key: "us-verifier+01234567+BAAA"}
	for _, bad := range []string{"a\x00b", "a\xffb"} {
		party, line, key := good, good, good
		party.Party, line.Line, key.Key = bad, bad, bad
		for name, c := range map[string]truce.Cosignature{"party": party, "line": line, "key": key} {
			if err := db.AddCosignature(ctx, c); !errors.Is(err, errBadText) {
				t.Errorf("AddCosignature with %q as its %s: err = %v, want errBadText", bad, name, err)
			}
		}
	}
	if got, err := db.LatestCosignatures(ctx); err != nil || len(got) != 0 {
		t.Errorf("LatestCosignatures after refused ones = %+v, %v; want none", got, err)
	}

	err := db.Append(ctx, func(tx store.AppendTx) error {
		for _, bad := range []string{"u\x00s", "u\xffs"} {
			if _, err := tx.GetCosigner(bad); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("tx.GetCosigner(%q): %v, want store.ErrNotFound", bad, err)
			}
			if err := tx.PutCosigner(truce.Cosigner{Party: bad, Key: good.Key}); !errors.Is(err, errBadText) {
				t.Errorf("tx.PutCosigner(%q): %v, want errBadText", bad, err)
			}
		}
		// The transaction is still good.
		return tx.PutCosigner(truce.Cosigner{Party: "us", Key: good.Key, SetBy: "us-official", UpdatedAt: t0, Entry: 1})
	})
	if err != nil {
		t.Fatalf("Append after rejected text: %v", err)
	}
	if got, err := db.Cosigners(ctx); err != nil || len(got) != 1 || got[0].Party != "us" {
		t.Errorf("Cosigners = %+v, %v; want us's", got, err)
	}
}
