// Package journal implements truce's journal (SPEC 4.5): the signed,
// append-only, tamper-evident record of everything that reaches the office.
//
// # Keys
//
// Every key is an Ed25519 key of golang.org/x/mod/sumdb/note. The journal has
// an origin, a schemeless URL such as "truce.example.org/ceasefire" (see
// [ValidOrigin]). The office signs checkpoints with a key named exactly the
// origin; party p signs its entries with a key named "<origin>/<p>"
// ([KeyName]). Verifier keys are exchanged as note verifier-key strings
// ("name+hash+keydata"), the form GET /api/v1/journal answers; [NewKeys]
// turns them into the [Keys] a verifier needs.
//
// # Entries
//
// An entry is a C2SP signed note. Its text is exactly one line, the JSON
// object of a [truce.Entry], followed by a newline:
//
//	{"v":1,"id":"…","party":"us","member":"alice","kind":"zone.release","subject":"…","time":"2026-01-02T03:04:05Z","party_seq":7,"body":{…}}
//
// It carries a valid signature by the key of the party it names. A signature
// by any other key, another party's or the office's included, does not count,
// and a note without its party's signature is rejected. Other, unknown
// signatures are ignored, as the note format requires.
//
// A reader accepts fields it does not know, and requires: v = 1; non-empty
// id, party, member and kind; a time; party_seq ≥ 1; a body that is present
// and not null. Object keys match exactly (case included) and never repeat, so
// that every JSON reader sees the same entry. Strings carry no control
// characters. [SignEntry] writes only what [ParseEntry] reads back, with the
// time in UTC.
//
// Each party numbers its own entries party_seq = 1, 2, 3, … in journal order,
// so that it can tell when one of its entries is missing.
//
// # Tree
//
// The journal is the RFC 6962 Merkle tree whose leaf i is the exact bytes of
// entry i's note: leaf hash SHA-256(0x00 ‖ note), as computed by
// golang.org/x/mod/sumdb/tlog ([tlog.RecordHash]). [MemoryHashes] keeps the
// tree's stored hashes ([tlog.StoredHashes]) in memory; inclusion and
// consistency proofs come from [tlog.ProveRecord] and [tlog.ProveTree] over
// it, or over any other [tlog.HashReader], and are checked with
// [tlog.CheckRecord] and [tlog.CheckTree].
//
// # Checkpoints
//
// A checkpoint is a C2SP tlog-checkpoint: a note whose text is the origin,
// the tree size in decimal without leading zeros and the base64 root hash,
// each on its own line, signed by the office key. Parties add cosignatures as
// further signature lines, which [OpenCheckpoint] leaves in the note's
// unverified signatures for the caller to check.
//
// # Entry lines and bundles
//
// Entries travel as JSON lines {"index":N,"note":"<exact note text>"}
// ([EntryLine]), the shape of GET /api/v1/journal/entries. A bundle, which
// `truce export journal` writes and `truce verify --bundle` reads, is one
// header line
//
//	{"truce_bundle":1,"origin":"…","office_key":"…","party_keys":{"us":"…"},"checkpoint":"…"}
//
// followed by one entry line per entry, indexes 0, 1, 2, … in order, and
// nothing else ([WriteBundle], [ReadBundle]). [ReadEntryLines] reads the API's
// entry lines, which may also carry convenience fields.
//
// # Verification
//
// [Verifier.Verify] checks a whole journal against a checkpoint: indexes run
// 0, 1, 2, … without gaps; every entry is well formed and signed by its own
// party's key; every party's party_seq runs 1, 2, 3, …; the tree recomputed
// over the notes has the checkpoint's size and root; the checkpoint is signed
// by the office key for the origin. Failures are [*VerifyError]s naming the
// first entry at fault, or index -1 for the checkpoint.
//
// An outside verifier needs none of this package: the keys, the entries, the
// checkpoint, golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog
// suffice (see the package example).
package journal

import (
	"errors"
	"fmt"
)

// Reasons a [VerifyError] gives.
const (
	ReasonRead       = "read"       // the source could not be read or a line is malformed
	ReasonIndex      = "index"      // an index is missing, repeated or out of order
	ReasonEntry      = "entry"      // the note or its JSON is malformed
	ReasonSignature  = "signature"  // no valid signature by the entry's party
	ReasonSequence   = "sequence"   // party_seq is not the party's next number
	ReasonFold       = "fold"       // the caller's fold rejected the entry
	ReasonCheckpoint = "checkpoint" // the checkpoint is invalid or does not match the tree
)

// VerifyError reports the first failure found by verification. Index is the
// entry at fault, or -1 when the failure is not about one entry (the
// checkpoint).
type VerifyError struct {
	Index  int64
	Reason string
	Err    error
}

func (e *VerifyError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("journal: %s: %v", e.Reason, e.Err)
	}
	return fmt.Sprintf("journal: entry %d: %s: %v", e.Index, e.Reason, e.Err)
}

func (e *VerifyError) Unwrap() error { return e.Err }

// Errors that entry and checkpoint checks wrap, for errors.Is.
var (
	// ErrMalformed is wrapped by errors about text that is not a well-formed
	// note, entry, checkpoint, entry line or bundle.
	ErrMalformed = errors.New("malformed")
	// ErrSignature is wrapped by errors about a missing or invalid signature,
	// or an unknown key.
	ErrSignature = errors.New("bad signature")
)
