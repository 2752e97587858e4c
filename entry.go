package truce

import (
	"encoding/json"
	"time"
)

// EntryVersion is the version of the journal entry format.
const EntryVersion = 1

// Entry is one journal entry: what one member of one party did that reached
// the office. Its JSON, on a single line, is the text of a signed note signed
// by the party's key (SPEC 4.5); the field order here is the order on the wire.
type Entry struct {
	V        int             `json:"v"`
	ID       string          `json:"id"`
	Party    string          `json:"party"`
	Member   string          `json:"member"`
	Kind     string          `json:"kind"`
	Subject  string          `json:"subject"`
	Time     time.Time       `json:"time"`
	PartySeq int64           `json:"party_seq"`
	Body     json.RawMessage `json:"body"`
}

// Entry kinds of the office spine. Later capabilities add their own.
const (
	KindActorCreate    = "actor.create"
	KindDesignationSet = "designation.set"
)
