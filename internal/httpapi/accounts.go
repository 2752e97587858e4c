package httpapi

import (
	"net/http"
	"time"

	"github.com/truce-org/truce"
)

// User is a member as the API shows it.
type User struct {
	Username string   `json:"username"`
	Party    *string  `json:"party"`
	Roles    []string `json:"roles"`
}

func userOf(m truce.Member) User {
	u := User{Username: m.Username}
	if m.Admin {
		u.Roles = []string{"admin"}
	} else {
		p := m.Party
		u.Party = &p
		u.Roles = []string{string(m.Role)}
	}
	return u
}

// SignIn is the body of POST /api/v1/sessions.
type SignIn struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// SessionBody answers a sign-in.
type SessionBody struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      User      `json:"user"`
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) error {
	var in SignIn
	if err := s.decodeRequest(r, &in); err != nil {
		return err
	}
	if in.Username == "" {
		return truce.Invalid("username", "username is required")
	}
	if in.Password == "" {
		return truce.Invalid("password", "password is required")
	}
	if len(in.Password) > 1024 || len(in.Username) > 64 {
		return truce.Errorf(truce.EUnauthorized, "wrong username or password")
	}
	sess, err := s.accounts.SignIn(r.Context(), in.Username, in.Password, s.clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, SessionBody{Token: sess.Token, ExpiresAt: sess.ExpiresAt, User: userOf(sess.Member)})
	return nil
}

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) error {
	token, _ := bearer(r)
	if err := s.accounts.SignOut(r.Context(), token); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, userOf(*truce.CallerFrom(r.Context())))
	return nil
}

// PartyBody is a party as the API shows it.
type PartyBody struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Kind        truce.PartyKind `json:"kind"`
	VerifierKey string          `json:"verifier_key"`
}

func partyOf(p truce.Party) PartyBody {
	return PartyBody{ID: p.ID, Name: p.Name, Kind: p.Kind, VerifierKey: p.VerifierKey}
}

func (s *Server) listParties(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.office.Parties(r.Context())
	if err != nil {
		return err
	}
	out := make([]PartyBody, len(ps))
	for i, p := range ps {
		out[i] = partyOf(p)
	}
	writeJSON(w, http.StatusOK, List[PartyBody]{Items: out})
	return nil
}

func (s *Server) getParty(w http.ResponseWriter, r *http.Request) error {
	p, err := s.office.Party(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, partyOf(p))
	return nil
}
