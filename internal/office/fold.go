package office

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// ActorCreateBody is the body of an actor.create entry; the entry's subject
// is the new actor's id.
type ActorCreateBody struct {
	Name            string   `json:"name"`
	Aliases         []string `json:"aliases"`
	AnswerableParty *string  `json:"answerable_party"`
}

// DesignationSetBody is the body of a designation.set entry; the subject is
// the actor, and Party must be the entry's own party.
type DesignationSetBody struct {
	Party       string            `json:"party"`
	Designation truce.Designation `json:"designation"`
	Note        string            `json:"note"`
}

// Limits on the text an office item may carry.
const (
	maxName    = 200
	maxAliases = 50
	maxNote    = 4000
)

// Apply folds the entry at index into the projection p. It is the one
// definition of how the journal makes the office state: the writer runs it
// inside each append, and verification runs it over an in-memory projection.
// Apply checks everything before it writes anything, so an entry it rejects
// (with a *truce.Error) leaves p unchanged.
func Apply(p store.Projection, index int64, e truce.Entry) error {
	switch e.Kind {
	case truce.KindActorCreate:
		var b ActorCreateBody
		if err := decodeBody(e.Body, &b); err != nil {
			return err
		}
		return applyActorCreate(p, index, e, b)
	case truce.KindDesignationSet:
		var b DesignationSetBody
		if err := decodeBody(e.Body, &b); err != nil {
			return err
		}
		return applyDesignationSet(p, index, e, b)
	case truce.KindCosignerSet:
		return applyCosignerSet(p, index, e)
	case truce.KindZoneRelease:
		return applyZoneRelease(p, index, e)
	case truce.KindZoneAcknowledge:
		return applyZoneAnswer(p, index, e, truce.ZoneAcknowledged)
	case truce.KindZoneDispute:
		return applyZoneAnswer(p, index, e, truce.ZoneDisputedBy)
	case truce.KindZoneWithdraw:
		return applyZoneWithdraw(p, index, e)
	case truce.KindSitesCommit:
		return applySitesCommit(p, index, e)
	case truce.KindSiteReveal:
		return applySiteReveal(p, index, e)
	case truce.KindNoticeSubmit:
		return applyNoticeSubmit(p, index, e)
	case truce.KindIncidentRelease:
		return applyIncidentRelease(p, index, e)
	case truce.KindIncidentImport:
		return applyIncidentImport(p, index, e)
	case truce.KindIncidentResponse:
		return applyIncidentResponse(p, index, e)
	case truce.KindIncidentAttribution:
		return applyAttribution(p, index, e)
	case truce.KindIncidentVerify:
		return applyVerification(p, index, e)
	case truce.KindCommitmentRelease:
		return applyCommitmentRelease(p, index, e)
	case truce.KindCommitmentAccept:
		return applyCommitmentAccept(p, index, e)
	case truce.KindCommitmentStatus:
		return applyCommitmentStatus(p, index, e)
	case truce.KindStepCreate:
		return applyStepCreate(p, index, e)
	case truce.KindStepUpdate:
		return applyStepUpdate(p, index, e)
	case truce.KindReportRelease:
		return applyReportRelease(p, index, e)
	case truce.KindReportHandling:
		return applyReportHandling(p, index, e)
	case truce.KindRFICreate:
		return applyRFICreate(p, index, e)
	case truce.KindRFIAnswer:
		return applyRFIAnswer(p, index, e)
	case truce.KindRFIDecline:
		return applyRFIDecline(p, index, e)
	default:
		return truce.Invalid("kind", "unknown entry kind %q", e.Kind)
	}
}

func decodeBody(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return truce.Invalid("body", "entry body: %v", err)
	}
	return nil
}

// CheckText validates a free-text field.
func CheckText(field, s string, max int, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return truce.Invalid(field, "%s is required", field)
	}
	if len(s) > max {
		return truce.Invalid(field, "%s is longer than %d bytes", field, max)
	}
	if !utf8.ValidString(s) {
		return truce.Invalid(field, "%s is not valid UTF-8", field)
	}
	for _, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
			return truce.Invalid(field, "%s holds a control character (U+%04X)", field, r)
		}
	}
	return nil
}

// CheckActor validates an actor's fields as a create would.
func CheckActor(p store.Projection, b ActorCreateBody) error {
	if err := CheckText("name", b.Name, maxName, true); err != nil {
		return err
	}
	if len(b.Aliases) > maxAliases {
		return truce.Invalid("aliases", "at most %d aliases", maxAliases)
	}
	for i, a := range b.Aliases {
		if err := CheckText(fmt.Sprintf("aliases[%d]", i), a, maxName, true); err != nil {
			return err
		}
	}
	if b.AnswerableParty != nil {
		kind, err := p.PartyKind(*b.AnswerableParty)
		if errors.Is(err, store.ErrNotFound) {
			return truce.Invalid("answerable_party", "no party %q", *b.AnswerableParty)
		}
		if err != nil {
			return err
		}
		if kind != truce.KindParty {
			return truce.Invalid("answerable_party", "%q is a monitor and answers for no actor", *b.AnswerableParty)
		}
	}
	return nil
}

func applyActorCreate(p store.Projection, index int64, e truce.Entry, b ActorCreateBody) error {
	if err := CheckActor(p, b); err != nil {
		return err
	}
	if exists, err := p.ActorExists(e.Subject); err != nil {
		return err
	} else if exists {
		return truce.Errorf(truce.EConflict, "actor %q already exists", e.Subject)
	}
	aliases := b.Aliases
	if aliases == nil {
		aliases = []string{}
	}
	return p.PutActor(truce.Actor{
		ID:              e.Subject,
		Name:            b.Name,
		Aliases:         aliases,
		AnswerableParty: b.AnswerableParty,
		Designations:    map[string]truce.Designation{},
		CreatedBy:       e.Party,
		CreatedAt:       e.Time,
		Entry:           index,
	})
}

func applyDesignationSet(p store.Projection, index int64, e truce.Entry, b DesignationSetBody) error {
	if b.Party != e.Party {
		return truce.Errorf(truce.EForbidden, "party %q cannot set the designation of party %q", e.Party, b.Party)
	}
	if !b.Designation.Valid() {
		return truce.Invalid("designation", "designation must be party_to_cessation, excluded or undetermined")
	}
	if err := CheckText("note", b.Note, maxNote, false); err != nil {
		return err
	}
	if exists, err := p.ActorExists(e.Subject); err != nil {
		return err
	} else if !exists {
		return truce.NotFound("actor")
	}
	return p.AddDesignation(truce.DesignationRecord{
		ActorID:     e.Subject,
		Party:       e.Party,
		Designation: b.Designation,
		Note:        b.Note,
		Member:      e.Member,
		Time:        e.Time,
		Entry:       index,
	})
}
