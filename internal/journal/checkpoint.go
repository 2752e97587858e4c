package journal

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is a signed statement of the journal's size and root hash.
type Checkpoint struct {
	Origin string
	Size   int64
	Hash   tlog.Hash
}

// SignCheckpoint returns c as a C2SP checkpoint signed by the office key,
// whose name must be c's origin.
func SignCheckpoint(c Checkpoint, office note.Signer) ([]byte, error) {
	if err := validOrigin(c.Origin); err != nil {
		return nil, fmt.Errorf("journal: sign checkpoint: %w", err)
	}
	if c.Size < 0 {
		return nil, fmt.Errorf("journal: sign checkpoint: size %d", c.Size)
	}
	if name := office.Name(); name != c.Origin {
		return nil, fmt.Errorf("journal: sign checkpoint: key %q is not the office key of %q", name, c.Origin)
	}
	text := log.Checkpoint{Origin: c.Origin, Size: uint64(c.Size), Hash: c.Hash[:]}.Marshal()
	msg, err := note.Sign(&note.Note{Text: string(text)}, office)
	if err != nil {
		return nil, fmt.Errorf("journal: sign checkpoint: %w", err)
	}
	return msg, nil
}

// OpenCheckpoint returns the checkpoint in msg after checking its signature
// by the office key, whose name must be origin, and that its origin is
// origin. It also returns the note, whose UnverifiedSigs hold the
// cosignatures for the caller to check. Extension lines are allowed and
// ignored.
func OpenCheckpoint(msg []byte, origin string, office note.Verifier) (Checkpoint, *note.Note, error) {
	c, n, err := openCheckpoint(msg, origin, office)
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("journal: %w", err)
	}
	return c, n, nil
}

// openCheckpoint is OpenCheckpoint, with errors not yet prefixed by the
// package name.
func openCheckpoint(msg []byte, origin string, office note.Verifier) (Checkpoint, *note.Note, error) {
	if office == nil {
		return Checkpoint{}, nil, errors.New("open checkpoint: no office key")
	}
	if office.Name() != origin {
		return Checkpoint{}, nil, fmt.Errorf("open checkpoint: %w: office key %q is not named for origin %q",
			ErrSignature, office.Name(), origin)
	}
	// Checked before the library parses it, to tell a bad signature from a
	// malformed checkpoint.
	if _, err := note.Open(msg, oneVerifier{office}); err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		if errors.As(err, &unverified) || errors.As(err, &invalid) {
			return Checkpoint{}, nil, fmt.Errorf("open checkpoint: %w: %w", ErrSignature, err)
		}
		return Checkpoint{}, nil, fmt.Errorf("open checkpoint: %w: %w", ErrMalformed, err)
	}
	cp, _, n, err := log.ParseCheckpoint(msg, origin, office)
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("open checkpoint: %w: %w", ErrMalformed, err)
	}
	c, err := checkCheckpointText(n.Text, cp)
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("open checkpoint: %w: %w", ErrMalformed, err)
	}
	return c, n, nil
}

// MaxSize is the largest journal size a checkpoint may claim. tlog's proof
// checks do not return for trees beyond 2^62 entries, and no journal comes
// near 2^48: a larger claim is refused rather than worked on.
const MaxSize = 1 << 48

// checkCheckpointText holds the text to what C2SP requires and the library
// lets pass: a size without leading zeros up to MaxSize, a 32-byte hash in
// canonical base64, non-empty extension lines.
func checkCheckpointText(text string, cp *log.Checkpoint) (Checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 {
		return Checkpoint{}, errors.New("too few lines")
	}
	if cp.Size > MaxSize || lines[1] != strconv.FormatUint(cp.Size, 10) {
		return Checkpoint{}, fmt.Errorf("bad size %q", lines[1])
	}
	var c Checkpoint
	if len(cp.Hash) != len(c.Hash) || lines[2] != base64.StdEncoding.EncodeToString(cp.Hash) {
		return Checkpoint{}, fmt.Errorf("bad root hash %q", lines[2])
	}
	if ext := lines[3]; ext != "" && (strings.HasPrefix(ext, "\n") || strings.Contains(ext, "\n\n")) {
		return Checkpoint{}, errors.New("empty extension line")
	}
	c.Origin = cp.Origin
	c.Size = int64(cp.Size)
	copy(c.Hash[:], cp.Hash)
	return c, nil
}
