package truce

import "time"

// Designation is one party's classification of an actor.
type Designation string

// Designations.
const (
	DesignationParty        Designation = "party_to_cessation"
	DesignationExcluded     Designation = "excluded"
	DesignationUndetermined Designation = "undetermined"
)

// Valid reports whether d is a known designation.
func (d Designation) Valid() bool {
	return d == DesignationParty || d == DesignationExcluded || d == DesignationUndetermined
}

// Actor is an armed group or force on the ground. Designations maps party
// ids to that party's current designation; Disputed is true when two parties'
// designations differ.
type Actor struct {
	ID              string                 `json:"id"`
	Name            string                 `json:"name"`
	Aliases         []string               `json:"aliases"`
	AnswerableParty *string                `json:"answerable_party"`
	Designations    map[string]Designation `json:"designations"`
	Disputed        bool                   `json:"disputed"`
	CreatedBy       string                 `json:"created_by"`
	CreatedAt       time.Time              `json:"created_at"`
	Entry           int64                  `json:"entry"`
}

// DesignationRecord is one party's designation of one actor as set by one
// journal entry. The records of an actor, in entry order, are its history.
type DesignationRecord struct {
	ActorID     string      `json:"actor_id"`
	Party       string      `json:"party"`
	Designation Designation `json:"designation"`
	Note        string      `json:"note"`
	Member      string      `json:"member"`
	Time        time.Time   `json:"time"`
	Entry       int64       `json:"entry"`
}

// RecomputeDisputed sets a.Disputed from a.Designations.
func (a *Actor) RecomputeDisputed() {
	a.Disputed = false
	var first Designation
	for _, d := range a.Designations {
		if first == "" {
			first = d
		} else if d != first {
			a.Disputed = true
			return
		}
	}
}
