package office

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"strings"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/geo"
	"github.com/truce-org/truce/internal/store"
)

// ImportID is the id a record from an outside dataset takes when party
// imports it: the same record imported again by the same party has the same
// id, which is what makes imports idempotent. Another party importing the
// same record makes its own report of it.
func ImportID(party, source, externalID string) string {
	h := sha256.Sum256([]byte(party + "\x00" + source + "\x00" + externalID))
	return "inc_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:10]))
}

// ImportState says where the caller's party already holds incident id.
type ImportState int

// Import states.
const (
	ImportNew      ImportState = iota // neither released nor a draft of the caller's party
	ImportDraft                       // a draft of the caller's party
	ImportReleased                    // released to the office
)

// ImportedState says whether incident id (an ImportID) is already released
// or a draft of the caller's party.
func (s *Service) ImportedState(ctx context.Context, id string) (ImportState, error) {
	m, err := caller(ctx)
	if err != nil {
		return ImportNew, err
	}
	if _, err := s.store.Incident(ctx, id); err == nil {
		return ImportReleased, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return ImportNew, err
	}
	if m.Admin || m.Party == "" {
		return ImportNew, nil
	}
	if _, err := s.store.IncidentDraft(ctx, m.Party, id); err == nil {
		return ImportDraft, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return ImportNew, err
	}
	return ImportNew, nil
}

// CheckImported validates a report read from a file as a draft or a
// release would, except that its actors may be created later (give it
// without perpetrator and target), and returns it with its geometry in
// canonical form.
func (s *Service) CheckImported(ctx context.Context, c truce.IncidentContent) (truce.IncidentContent, error) {
	if c.Sources == nil {
		c.Sources = []string{}
	}
	c, _, err := s.checkIncident(ctx, c)
	if err != nil {
		return c, err
	}
	if c.OccurredAt.After(s.clock().Add(futureSkew)) {
		return c, truce.Invalid("occurred_at", "occurred_at is in the future")
	}
	return c, nil
}

// SaveImportedDraft stores an imported report as a draft of the caller's
// party under id (an ImportID), replacing a draft of that id.
func (s *Service) SaveImportedDraft(ctx context.Context, id string, c truce.IncidentContent) (truce.Incident, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Incident{}, err
	}
	if err := requireRole(m, "import incidents", truce.RoleOfficial, truce.RoleAnalyst); err != nil {
		return truce.Incident{}, err
	}
	if err := checkItemID("incident", id); err != nil {
		return truce.Incident{}, err
	}
	c, box, err := s.checkIncident(ctx, IncidentInput{}.merge(c))
	if err != nil {
		return truce.Incident{}, err
	}
	now := s.clock()
	i := truce.Incident{
		ID: id, Owner: m.Party, Status: truce.IncidentDraft, IncidentContent: c,
		Violations: []truce.Violation{}, Responses: []truce.IncidentResponse{},
		Attributions: map[string]truce.Attribution{}, Verifications: map[string]truce.Verification{},
		CreatedBy: m.Username, CreatedAt: now, UpdatedAt: now, BBox: box,
	}
	if err := s.store.PutIncidentDraft(ctx, i); err != nil {
		if errors.Is(err, store.ErrExists) {
			return truce.Incident{}, truce.Errorf(truce.EConflict, "incident id %s is taken", id)
		}
		return truce.Incident{}, err
	}
	return s.presentIncident(i), nil
}

// ImportSize estimates the bytes a report adds to an incident.import body,
// for cutting an import into entries under MaxImportBody.
func ImportSize(in ImportedIncident) int {
	n := 400 + len(in.ID) + len(in.Description) + len(in.Geometry)
	for _, s := range in.Sources {
		n += len(s) + 8
	}
	if x := in.External; x != nil {
		n += len(x.ID) + 80
		for k, v := range x.Fields {
			n += len(k) + len(v) + 8
		}
	}
	return n
}

// ReleaseImported releases reports of the caller's party to the office in
// one incident.import entry: an official's import of a file. Their
// violations are computed as for any release. drafts names those of the
// reports that were drafts of the caller's party, which are removed once
// released.
func (s *Service) ReleaseImported(ctx context.Context, items []ImportedIncident, drafts []string) (Appended, error) {
	wait, err := s.SubmitImported(ctx, ImportChunk{Items: items, Drafts: drafts})
	if err != nil {
		return Appended{}, err
	}
	apps, err := wait(ctx)
	if err != nil {
		return Appended{}, err
	}
	return apps[0], nil
}

// ImportChunk is what one incident.import entry releases: reports, and
// those of them that were drafts of the caller's party.
type ImportChunk struct {
	Items  []ImportedIncident
	Drafts []string
}

// SubmitImported is ReleaseImported for several entries at once, in two
// steps: it checks and encodes the entries on the caller's goroutine and
// queues them for the journal, to be committed together; wait returns once
// they are written (and the drafts removed), or with the first refusal.
func (s *Service) SubmitImported(ctx context.Context, chunks ...ImportChunk) (wait func(context.Context) ([]Appended, error), err error) {
	m, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := requireRole(m, "release incidents", truce.RoleOfficial); err != nil {
		return nil, err
	}
	reqs := make([]Request, len(chunks))
	for c, chunk := range chunks {
		items := chunk.Items
		for k := range items {
			if items[k].Sources == nil {
				items[k].Sources = []string{}
			}
			// The geometry in canonical form, as a release of a draft has it.
			g, err := geo.Parse(items[k].Geometry, s.limits)
			if err != nil {
				return nil, prefixed(k, GeometryError("geometry", err))
			}
			if items[k].Geometry, err = g.MarshalJSON(); err != nil {
				return nil, err
			}
		}
		reqs[c] = Request{
			Party: m.Party, Member: m.Username, Kind: truce.KindIncidentImport, Subject: truce.NewID("imp"),
			Body: IncidentImportBody{Incidents: items, AnswerDue: s.clock().Add(s.answerWindow)},
		}
	}
	waits, err := s.writer.SubmitGroup(ctx, reqs)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) ([]Appended, error) {
		apps := make([]Appended, len(waits))
		var first error
		for c, wait := range waits {
			app, err := wait(ctx)
			if err != nil {
				first = cmp.Or(first, err)
				continue
			}
			apps[c] = app
			for _, id := range chunks[c].Drafts {
				if err := s.store.DeleteIncidentDraft(ctx, m.Party, id); err != nil {
					s.log.Error("delete released incident draft", "incident", id, "err", err)
				}
			}
		}
		return apps, first
	}, nil
}

// CheckZoneInput validates a new zone as CreateZone would, writing nothing.
func (s *Service) CheckZoneInput(ctx context.Context, in ZoneInput) error {
	m, err := caller(ctx)
	if err != nil {
		return err
	}
	if err := requireRole(m, "create zones", truce.RoleOfficial, truce.RoleAnalyst); err != nil {
		return err
	}
	_, _, err = s.checkContent(in.merge(truce.ZoneContent{ValidFrom: s.clock()}))
	return err
}

// CheckIncidentInput validates a new report as CreateIncident would,
// writing nothing.
func (s *Service) CheckIncidentInput(ctx context.Context, in IncidentInput) error {
	m, err := caller(ctx)
	if err != nil {
		return err
	}
	if err := requireRole(m, "report incidents", truce.RoleOfficial, truce.RoleAnalyst); err != nil {
		return err
	}
	_, _, err = s.checkIncident(ctx, in.merge(truce.IncidentContent{}))
	return err
}

// importChecker is what a store may offer to check many ids at once.
type importChecker interface {
	ExistingIncidents(ctx context.Context, ids []string) (map[string]bool, error)
	ExistingIncidentDrafts(ctx context.Context, owner string, ids []string) (map[string]bool, error)
}

// ImportedStates is ImportedState for many ids (ids absent from the
// answer are ImportNew).
func (s *Service) ImportedStates(ctx context.Context, ids []string) (map[string]ImportState, error) {
	m, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]ImportState{}
	ic, ok := s.store.(importChecker)
	if !ok {
		for _, id := range ids {
			st, err := s.ImportedState(ctx, id)
			if err != nil {
				return nil, err
			}
			if st != ImportNew {
				out[id] = st
			}
		}
		return out, nil
	}
	if !m.Admin && m.Party != "" {
		drafts, err := ic.ExistingIncidentDrafts(ctx, m.Party, ids)
		if err != nil {
			return nil, err
		}
		for id := range drafts {
			out[id] = ImportDraft
		}
	}
	released, err := ic.ExistingIncidents(ctx, ids)
	if err != nil {
		return nil, err
	}
	for id := range released {
		out[id] = ImportReleased
	}
	return out, nil
}
