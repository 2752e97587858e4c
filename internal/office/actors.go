package office

import (
	"context"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// NewActor is what a caller gives to create an actor.
type NewActor struct {
	Name            string   `json:"name"`
	Aliases         []string `json:"aliases"`
	AnswerableParty *string  `json:"answerable_party"`
}

// CreateActor records a new actor in the office (an actor.create entry).
// Actors are office items from the start: every party names the same groups.
func (s *Service) CreateActor(ctx context.Context, in NewActor) (truce.Actor, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Actor{}, err
	}
	if err := requireRole(m, "create actors", truce.RoleOfficial, truce.RoleAnalyst); err != nil {
		return truce.Actor{}, err
	}
	id := truce.NewID("act")
	app, err := s.writer.Append(ctx, Request{
		Party: m.Party, Member: m.Username, Kind: truce.KindActorCreate, Subject: id,
		Body: ActorCreateBody(in),
	})
	if err != nil {
		return truce.Actor{}, err
	}
	a, err := s.store.Actor(ctx, app.Entry.Subject)
	return a, mapStore(err, "actor")
}

// Actor returns one actor with its current designations.
func (s *Service) Actor(ctx context.Context, id string) (truce.Actor, error) {
	if _, err := caller(ctx); err != nil {
		return truce.Actor{}, err
	}
	a, err := s.store.Actor(ctx, id)
	return a, mapStore(err, "actor")
}

// Actors lists one page of actors.
func (s *Service) Actors(ctx context.Context, page store.Page) ([]truce.Actor, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	return s.store.Actors(ctx, page)
}

// DesignationHistory returns every designation ever set for an actor, in
// journal order: when each party changed its mind is part of the record.
func (s *Service) DesignationHistory(ctx context.Context, actorID string) ([]truce.DesignationRecord, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	if _, err := s.store.Actor(ctx, actorID); err != nil {
		return nil, mapStore(err, "actor")
	}
	return s.store.DesignationHistory(ctx, actorID)
}

// DesignationInput is a party's designation of an actor.
type DesignationInput struct {
	Designation truce.Designation `json:"designation"`
	Note        string            `json:"note"`
}

// SetDesignation records party's designation of an actor. Only that party's
// officials may set it.
func (s *Service) SetDesignation(ctx context.Context, actorID, party string, in DesignationInput) (truce.Actor, error) {
	m, err := caller(ctx)
	if err != nil {
		return truce.Actor{}, err
	}
	if _, err := s.store.Actor(ctx, actorID); err != nil {
		return truce.Actor{}, mapStore(err, "actor")
	}
	if _, err := s.store.Party(ctx, party); err != nil {
		return truce.Actor{}, mapStore(err, "party")
	}
	if err := requireRole(m, "set designations", truce.RoleOfficial); err != nil {
		return truce.Actor{}, err
	}
	if m.Party != party {
		return truce.Actor{}, truce.Errorf(truce.EForbidden, "only officials of %s set its designations", party)
	}
	if _, err := s.writer.Append(ctx, Request{
		Party: m.Party, Member: m.Username, Kind: truce.KindDesignationSet, Subject: actorID,
		Body: DesignationSetBody{Party: party, Designation: in.Designation, Note: in.Note},
	}); err != nil {
		return truce.Actor{}, err
	}
	a, err := s.store.Actor(ctx, actorID)
	return a, mapStore(err, "actor")
}
