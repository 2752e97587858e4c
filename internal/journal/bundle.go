package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// BundleVersion is the version of the bundle format, the value of the header's
// "truce_bundle" field.
const BundleVersion = 1

// MaxBundleLine is the longest line a bundle may have, newline excluded.
const MaxBundleLine = 1 << 20

// BundleHeader is the first line of a bundle: what an offline verifier needs
// besides the entries.
type BundleHeader struct {
	Origin string
	// OfficeKey and PartyKeys are encoded verifier keys.
	OfficeKey string
	PartyKeys map[string]string
	// Checkpoint is the signed checkpoint the entries are verified against.
	Checkpoint []byte
}

// bundleHeader is the header line on the wire, in this field order.
type bundleHeader struct {
	Version    *int              `json:"truce_bundle"`
	Origin     string            `json:"origin"`
	OfficeKey  string            `json:"office_key"`
	PartyKeys  map[string]string `json:"party_keys"`
	Checkpoint string            `json:"checkpoint"`
}

// Keys returns the verifier keys the header names.
func (h *BundleHeader) Keys() (*Keys, error) {
	return NewKeys(h.Origin, h.OfficeKey, h.PartyKeys)
}

func (h *BundleHeader) keys() (*Keys, error) {
	return newKeys(h.Origin, h.OfficeKey, h.PartyKeys)
}

// WriteBundle writes a bundle: the header, then one entry line per entry of
// src, whose indexes must run 0, 1, 2, …. It checks the keys in h and the
// checkpoint's signature, but not the entries: verify what you export.
func WriteBundle(w io.Writer, h *BundleHeader, src EntrySource) error {
	keys, err := h.keys()
	if err != nil {
		return fmt.Errorf("journal: write bundle: %w", err)
	}
	if _, _, err := openCheckpoint(h.Checkpoint, keys.Origin, keys.Office); err != nil {
		return fmt.Errorf("journal: write bundle: %w", err)
	}
	if !utf8.Valid(h.Checkpoint) {
		return fmt.Errorf("journal: write bundle: checkpoint is not UTF-8")
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	version := BundleVersion
	if err := enc.Encode(bundleHeader{
		Version:    &version,
		Origin:     h.Origin,
		OfficeKey:  h.OfficeKey,
		PartyKeys:  h.PartyKeys,
		Checkpoint: string(h.Checkpoint),
	}); err != nil {
		return fmt.Errorf("journal: write bundle header: %w", err)
	}
	var next int64
	var werr error
	err = src(func(index int64, note []byte) bool {
		if index != next {
			werr = fmt.Errorf("journal: write bundle: entry %d follows entry %d", index, next-1)
			return false
		}
		if !utf8.Valid(note) {
			werr = fmt.Errorf("journal: write bundle: entry %d is not UTF-8", index)
			return false
		}
		if err := enc.Encode(EntryLine{Index: index, Note: string(note)}); err != nil {
			werr = fmt.Errorf("journal: write bundle: entry %d: %w", index, err)
			return false
		}
		next++
		return true
	})
	if werr != nil {
		return werr
	}
	if err != nil {
		return fmt.Errorf("journal: write bundle: read entry %d: %w", next, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("journal: write bundle: %w", err)
	}
	return nil
}

// ReadBundle reads a bundle's header from r and returns it with a source of
// its entries, which reads the rest of r once, in a single pass. The source
// reports a line that is malformed, longer than [MaxBundleLine], or whose
// index is not the next one as a [*VerifyError] naming the index expected.
func ReadBundle(r io.Reader) (*BundleHeader, EntrySource, error) {
	sc := newLineScanner(r)
	if !sc.Scan() {
		err := sc.Err()
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, nil, fmt.Errorf("journal: read bundle header: %w", lineErr(err))
	}
	var wire bundleHeader
	dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&wire); err != nil {
		if rerr := sc.Err(); rerr != nil {
			return nil, nil, fmt.Errorf("journal: read bundle header: %w", rerr)
		}
		return nil, nil, fmt.Errorf("journal: read bundle header: %w: %w", ErrMalformed, err)
	}
	if len(bytes.TrimSpace(sc.Bytes()[dec.InputOffset():])) != 0 {
		return nil, nil, fmt.Errorf("journal: read bundle header: %w: data after the object", ErrMalformed)
	}
	if wire.Version == nil {
		return nil, nil, fmt.Errorf("journal: read bundle header: %w: not a truce bundle", ErrMalformed)
	}
	if *wire.Version != BundleVersion {
		return nil, nil, fmt.Errorf("journal: read bundle header: %w: version %d, want %d", ErrMalformed, *wire.Version, BundleVersion)
	}
	h := &BundleHeader{
		Origin:     wire.Origin,
		OfficeKey:  wire.OfficeKey,
		PartyKeys:  wire.PartyKeys,
		Checkpoint: []byte(wire.Checkpoint),
	}
	if _, err := h.keys(); err != nil {
		return nil, nil, fmt.Errorf("journal: read bundle header: %w", err)
	}
	if len(h.Checkpoint) == 0 {
		return nil, nil, fmt.Errorf("journal: read bundle header: %w: no checkpoint", ErrMalformed)
	}

	return h, lineSource(sc, 0, 2, true), nil
}

// ReadEntryLines returns a source of the entry lines in r, the body of GET
// /api/v1/journal/entries?start=start: one [EntryLine] per line, indexes
// start, start+1, … in order. Unlike a bundle's, these lines may carry
// convenience fields, which are ignored. Errors are as for [ReadBundle]'s
// source; the source reads r once.
func ReadEntryLines(r io.Reader, start int64) EntrySource {
	return lineSource(newLineScanner(r), start, 1, false)
}

func newLineScanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxBundleLine+1)
	sc.Split(scanLines)
	return sc
}

// lineSource is a single-use source of the entry lines sc reads, the first
// of which has index start and is line firstLine of the input.
func lineSource(sc *bufio.Scanner, start, firstLine int64, strict bool) EntrySource {
	used := false
	return func(yield func(int64, []byte) bool) error {
		if used {
			return errors.New("journal: entry lines already read")
		}
		used = true
		next := start
		line := func() int64 { return firstLine + next - start }
		for sc.Scan() {
			l, err := parseEntryLine(sc.Bytes(), strict)
			if err != nil {
				if rerr := sc.Err(); rerr != nil {
					// A line cut short by a read error is the reader's fault.
					return fmt.Errorf("journal: read entry line %d: %w", line(), rerr)
				}
				return &VerifyError{Index: next, Reason: ReasonRead, Err: fmt.Errorf("line %d: %w", line(), err)}
			}
			if l.Index != next {
				return &VerifyError{Index: next, Reason: ReasonIndex, Err: fmt.Errorf("line %d has index %d", line(), l.Index)}
			}
			if !yield(next, []byte(l.Note)) {
				return nil
			}
			next++
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return &VerifyError{Index: next, Reason: ReasonRead, Err: fmt.Errorf("line %d: %w", line(), lineErr(err))}
			}
			return fmt.Errorf("journal: read entry line %d: %w", line(), err)
		}
		return nil
	}
}

func lineErr(err error) error {
	if errors.Is(err, bufio.ErrTooLong) {
		return fmt.Errorf("%w: line longer than %d bytes", ErrMalformed, MaxBundleLine)
	}
	return err
}

// scanLines splits at '\n' only, leaving any '\r' to the JSON decoder. A
// last line without its newline is accepted.
func scanLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
