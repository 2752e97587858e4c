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
	// KindCosignerSet sets the entry's party's cosigner key; the subject
	// is the party.
	KindCosignerSet = "cosigner.set"
)

// Cosigner is the key with which a party cosigns the office's checkpoints
// once it has verified them (C2SP tlog-cosignature: an Ed25519
// cosignature/v1 key, held by the party's verifier, never by the server).
// A party sets it with a cosigner.set entry, so everyone knows whose
// cosignatures to trust.
type Cosigner struct {
	Party string `json:"party"`
	// Key is the cosigner's verifier key (name+hash+base64, type 0x04).
	Key       string    `json:"key"`
	SetBy     string    `json:"set_by"`
	UpdatedAt time.Time `json:"updated_at"`
	Entry     int64     `json:"entry"`
}

// Cosignature is a party's cosignature of the office's checkpoint of one
// size: the party's verifier checked the journal up to that checkpoint.
type Cosignature struct {
	Party string `json:"party"`
	Size  int64  `json:"size"`
	// Time is the time the cosignature itself states.
	Time time.Time `json:"time"`
	// Line is the signature line of the cosigned checkpoint note
	// ("— <name> <base64>\n").
	Line string `json:"line"`
	// Key is the cosigner key it verified with when it was received.
	Key string `json:"key"`
}
