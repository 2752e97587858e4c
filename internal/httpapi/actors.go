package httpapi

import (
	"net/http"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
)

func (s *Server) listActors(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	q := p
	q.Limit++
	actors, err := s.office.Actors(r.Context(), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(actors, p, func(a truce.Actor) string { return a.ID }))
	return nil
}

func (s *Server) createActor(w http.ResponseWriter, r *http.Request) error {
	var in office.NewActor
	if err := s.decodeRequest(r, &in); err != nil {
		return err
	}
	a, err := s.office.CreateActor(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) getActor(w http.ResponseWriter, r *http.Request) error {
	a, err := s.office.Actor(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) designationHistory(w http.ResponseWriter, r *http.Request) error {
	h, err := s.office.DesignationHistory(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if h == nil {
		h = []truce.DesignationRecord{}
	}
	writeJSON(w, http.StatusOK, List[truce.DesignationRecord]{Items: h})
	return nil
}

func (s *Server) setDesignation(w http.ResponseWriter, r *http.Request) error {
	var in office.DesignationInput
	if err := s.decodeRequest(r, &in); err != nil {
		return err
	}
	a, err := s.office.SetDesignation(r.Context(), r.PathValue("id"), r.PathValue("party"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}
