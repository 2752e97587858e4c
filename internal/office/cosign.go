package office

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/journal"
	"github.com/truce-org/truce/internal/store"
)

// Parties cosign the office's checkpoints (SPEC 4.5): a party's verifier
// checks the journal up to a checkpoint, signs that checkpoint with the
// party's cosigner key (C2SP tlog-cosignature, Ed25519 cosignature/v1) and
// hands the cosignature to the office, which adds it to the checkpoint it
// serves. Everyone then sees which parties verified which size; a party
// shown a checkpoint the others did not cosign, or inconsistent with one
// they did, has evidence of a split view. The cosigner key is the party's
// own, kept by its verifier and never by the server; the party declares
// its public half in the journal (cosigner.set), so no one, the operator
// included, can swap it unseen.

// CosignerSetBody is the body of a cosigner.set entry.
type CosignerSetBody struct {
	Key string `json:"key"`
}

// algCosignatureV1 is the key type byte of an Ed25519 cosignature/v1 key.
const algCosignatureV1 = 0x04

// maxCosignerKey bounds a cosigner verifier key's length.
const maxCosignerKey = 300

// CheckCosignerKey checks that key is an Ed25519 cosignature/v1 verifier
// key written in its one canonical form.
func CheckCosignerKey(key string) (note.Verifier, error) {
	if len(key) > maxCosignerKey {
		return nil, truce.Invalid("key", "key is longer than %d bytes", maxCosignerKey)
	}
	v, err := fnote.NewVerifierForCosignatureV1(key)
	if err != nil {
		return nil, truce.Invalid("key", "key is not a cosigner verifier key: %v", err)
	}
	// name+hash+base64: names hold no '+', base64 may.
	_, rest, _ := strings.Cut(key, "+")
	hash, b64, _ := strings.Cut(rest, "+")
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) == 0 || raw[0] != algCosignatureV1 {
		return nil, truce.Invalid("key", "key must be an Ed25519 cosignature/v1 key (type 0x04), as truce cosigner new writes")
	}
	if hash != fmt.Sprintf("%08x", v.KeyHash()) {
		return nil, truce.Invalid("key", "the key's hash %s does not match its name and key", hash)
	}
	return v, nil
}

func applyCosignerSet(p store.Projection, index int64, e truce.Entry) error {
	var b CosignerSetBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	if e.Subject != e.Party {
		return truce.Invalid("subject", "a party sets its own cosigner, not %q's", e.Subject)
	}
	if _, err := CheckCosignerKey(b.Key); err != nil {
		return err
	}
	parties, err := p.Parties()
	if err != nil {
		return err
	}
	for _, other := range parties {
		if other.ID == e.Party {
			continue
		}
		c, err := p.GetCosigner(other.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil && c.Key == b.Key {
			return truce.Errorf(truce.EConflict, "that key is %s's cosigner", other.ID)
		}
	}
	return p.PutCosigner(truce.Cosigner{Party: e.Party, Key: b.Key, SetBy: e.Member, UpdatedAt: e.Time, Entry: index})
}

// SetCosigner sets the caller's party's cosigner key (its officials).
func (s *Service) SetCosigner(ctx context.Context, party, key string) (truce.Cosigner, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Cosigner{}, err
	}
	if _, err := s.store.Party(ctx, party); err != nil {
		return truce.Cosigner{}, mapStore(err, "party")
	}
	if err := requireRole(m, "set the cosigner key", truce.RoleOfficial); err != nil {
		return truce.Cosigner{}, err
	}
	if party != m.Party {
		return truce.Cosigner{}, truce.Errorf(truce.EForbidden, "only %s sets its cosigner key", party)
	}
	if _, err := CheckCosignerKey(key); err != nil {
		return truce.Cosigner{}, err
	}
	// The same key again changes nothing and writes nothing.
	if c, err := s.cosigner(ctx, m.Party); err == nil && c.Key == key {
		return c, nil
	}
	if _, err := s.writer.Append(ctx, Request{Party: m.Party, Member: m.Username, Kind: truce.KindCosignerSet, Subject: m.Party, Body: CosignerSetBody{Key: key}}); err != nil {
		return truce.Cosigner{}, err
	}
	return s.cosigner(ctx, m.Party)
}

// cosigner reads party's cosigner; store.ErrNotFound when it set none.
func (s *Service) cosigner(ctx context.Context, party string) (truce.Cosigner, error) {
	cs, err := s.store.Cosigners(ctx)
	if err != nil {
		return truce.Cosigner{}, err
	}
	for _, c := range cs {
		if c.Party == party {
			return c, nil
		}
	}
	return truce.Cosigner{}, fmt.Errorf("office: cosigner of %s: %w", party, store.ErrNotFound)
}

// Cosigners lists the parties' cosigner keys and each party's latest
// cosignature made with the key it declares now.
func (s *Service) Cosigners(ctx context.Context) ([]truce.Cosigner, []truce.Cosignature, error) {
	if _, err := caller(ctx); err != nil {
		return nil, nil, err
	}
	keys, err := s.store.Cosigners(ctx)
	if err != nil {
		return nil, nil, err
	}
	latest, err := s.store.LatestCosignatures(ctx)
	if err != nil {
		return nil, nil, err
	}
	// Only what the key a party declares now can check: a cosignature by
	// a key it has since replaced is left out until it cosigns again.
	current := map[string]string{}
	for _, k := range keys {
		current[k.Party] = k.Key
	}
	out := latest[:0]
	for _, c := range latest {
		if current[c.Party] == c.Key {
			out = append(out, c)
		}
	}
	return keys, out, nil
}

// maxCosignatureSkew is how far in the future of the office's clock a
// cosignature's own time may be.
const maxCosignatureSkew = 10 * time.Minute

// AddCosignature takes a checkpoint of the office cosigned by the caller's
// party's cosigner key (the note the office served, with the cosignature
// line added) and keeps the cosignature. Any other signature on the note
// is ignored.
func (s *Service) AddCosignature(ctx context.Context, msg []byte) (truce.Cosignature, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Cosignature{}, err
	}
	if m.Admin || m.Party == "" {
		return truce.Cosignature{}, truce.Errorf(truce.EForbidden, "only a party's members hand in its cosignatures")
	}
	origin, err := s.store.Meta(ctx, metaOrigin)
	if err != nil {
		return truce.Cosignature{}, err
	}
	officeKey, err := s.store.Meta(ctx, metaOfficeKey)
	if err != nil {
		return truce.Cosignature{}, err
	}
	office, err := note.NewVerifier(officeKey)
	if err != nil {
		return truce.Cosignature{}, fmt.Errorf("office: office key: %w", err)
	}
	cp, _, err := journal.OpenCheckpoint(msg, origin, office)
	if err != nil {
		return truce.Cosignature{}, truce.Invalid("checkpoint", "not a checkpoint of this office: %v", err)
	}
	declared, err := s.cosigner(ctx, m.Party)
	if errors.Is(err, store.ErrNotFound) {
		return truce.Cosignature{}, truce.Errorf(truce.EConflict, "%s has no cosigner key: set one first (PUT /api/v1/journal/cosigners/%s)", m.Party, m.Party)
	}
	if err != nil {
		return truce.Cosignature{}, err
	}
	key := declared.Key
	cosigner, err := CheckCosignerKey(key)
	if err != nil {
		return truce.Cosignature{}, err
	}
	n, err := note.Open(msg, note.VerifierList(office, cosigner))
	if err != nil {
		return truce.Cosignature{}, truce.Invalid("checkpoint", "a signature does not verify: %v", err)
	}
	var sig *note.Signature
	for k := range n.Sigs {
		if n.Sigs[k].Name == cosigner.Name() && n.Sigs[k].Hash == cosigner.KeyHash() {
			sig = &n.Sigs[k]
		}
	}
	if sig == nil {
		return truce.Cosignature{}, truce.Invalid("checkpoint", "no cosignature by %s's cosigner key %s", m.Party, cosigner.Name())
	}
	at, err := fnote.CoSigV1Timestamp(*sig)
	if err != nil {
		return truce.Cosignature{}, truce.Invalid("checkpoint", "cosignature time: %v", err)
	}
	if at.After(s.now().Add(maxCosignatureSkew)) {
		return truce.Cosignature{}, truce.Invalid("checkpoint", "the cosignature is dated %s, in the future", at.UTC().Format(time.RFC3339))
	}
	// The office signed this checkpoint; it must also be the one it keeps
	// for that size (a log never signs two different trees of one size).
	stored, err := s.store.CheckpointAt(ctx, cp.Size)
	if errors.Is(err, store.ErrNotFound) {
		return truce.Cosignature{}, truce.Invalid("checkpoint", "the office keeps no checkpoint of size %d", cp.Size)
	}
	if err != nil {
		return truce.Cosignature{}, err
	}
	if sn, err := note.Open(stored, note.VerifierList(office)); err != nil || sn.Text != n.Text {
		return truce.Cosignature{}, truce.Invalid("checkpoint", "the checkpoint of size %d differs from the office's", cp.Size)
	}
	c := truce.Cosignature{Party: m.Party, Size: cp.Size, Time: at.UTC(), Key: key,
		Line: fmt.Sprintf("— %s %s\n", sig.Name, sig.Base64)}
	if err := s.store.AddCosignature(ctx, c); err != nil {
		return truce.Cosignature{}, err
	}
	all, err := s.store.Cosignatures(ctx, cp.Size)
	if err != nil {
		return truce.Cosignature{}, err
	}
	for _, x := range all {
		if x.Party == m.Party {
			return x, nil // the first one kept, if this one came again
		}
	}
	return c, nil
}

// Checkpoint returns the office's checkpoint of size (the latest when
// size is negative) with the cosignatures the parties handed in for it.
func (s *Service) Checkpoint(ctx context.Context, size int64) ([]byte, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	var cp []byte
	var err error
	if size < 0 {
		cp, err = s.store.Checkpoint(ctx)
	} else {
		cp, err = s.store.CheckpointAt(ctx, size)
	}
	if errors.Is(err, store.ErrNotFound) {
		if size < 0 {
			return nil, truce.Errorf(truce.ENotFound, "the journal is empty: no checkpoint yet")
		}
		return nil, truce.Errorf(truce.ENotFound, "no checkpoint of size %d", size)
	}
	if err != nil {
		return nil, err
	}
	n, err := checkpointSize(cp)
	if err != nil {
		return nil, err
	}
	cos, err := s.store.Cosignatures(ctx, n)
	if err != nil {
		return nil, err
	}
	out := cp
	for _, x := range cos {
		out = append(out, x.Line...)
	}
	return out, nil
}

// checkpointSize reads the size line (the second) of a stored checkpoint.
func checkpointSize(cp []byte) (int64, error) {
	lines := strings.SplitN(string(cp), "\n", 3)
	if len(lines) < 3 {
		return 0, errors.New("office: stored checkpoint is malformed")
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("office: stored checkpoint size: %w", err)
	}
	return n, nil
}

// VerifyCosignatures checks every cosignature st keeps: by a key its party
// declared in the journal (declared: the keys each party ever set, as the
// fold found them), over the checkpoint the office keeps for that size.
// The error names the first that fails.
func VerifyCosignatures(ctx context.Context, st store.Store, declared map[string]map[string]bool) error {
	officeKey, err := st.Meta(ctx, metaOfficeKey)
	if err != nil {
		return err
	}
	office, err := note.NewVerifier(officeKey)
	if err != nil {
		return fmt.Errorf("verify: office key: %w", err)
	}
	return st.EachCosignature(ctx, func(c truce.Cosignature) error {
		fail := func(format string, args ...any) error {
			return fmt.Errorf("verify: cosignature of the checkpoint of size %d by %s: %s", c.Size, c.Party, fmt.Sprintf(format, args...))
		}
		if !declared[c.Party][c.Key] {
			return fail("its key %s was never declared by %s in the journal", c.Key, c.Party)
		}
		v, err := CheckCosignerKey(c.Key)
		if err != nil {
			return fail("%v", err)
		}
		cp, err := st.CheckpointAt(ctx, c.Size)
		if errors.Is(err, store.ErrNotFound) {
			return fail("the office keeps no checkpoint of that size")
		}
		if err != nil {
			return err
		}
		if !strings.HasPrefix(c.Line, "— ") || !strings.HasSuffix(c.Line, "\n") || strings.Count(c.Line, "\n") != 1 {
			return fail("a malformed signature line")
		}
		n, err := note.Open(append(slices.Clip(cp), c.Line...), note.VerifierList(office, v))
		if err != nil {
			return fail("%v", err)
		}
		for _, s := range n.Sigs {
			if s.Name == v.Name() && s.Hash == v.KeyHash() {
				return nil
			}
		}
		return fail("no signature by its key")
	})
}
