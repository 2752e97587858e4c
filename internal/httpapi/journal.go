package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/journal"
)

// JournalInfo answers GET /api/v1/journal.
type JournalInfo struct {
	Origin    string            `json:"origin"`
	Size      int64             `json:"size"`
	OfficeKey string            `json:"office_key"`
	PartyKeys map[string]string `json:"party_keys"`
	// CosignerKeys are the parties' cosigner keys (cosignature/v1 verifier
	// keys), for those that set one.
	CosignerKeys map[string]string `json:"cosigner_keys"`
	// Cosigned is each party's latest cosigned checkpoint.
	Cosigned map[string]Cosigned `json:"cosigned"`
}

// Cosigned is the latest checkpoint a party cosigned.
type Cosigned struct {
	Size int64     `json:"size"`
	Time time.Time `json:"time"`
}

func (s *Server) journalInfo(w http.ResponseWriter, r *http.Request) error {
	size, err := s.store.JournalSize(r.Context())
	if err != nil {
		return err
	}
	parties, err := s.store.Parties(r.Context())
	if err != nil {
		return err
	}
	keys := make(map[string]string, len(parties))
	for _, p := range parties {
		keys[p.ID] = p.VerifierKey
	}
	cosigners, latest, err := s.office.Cosigners(r.Context())
	if err != nil {
		return err
	}
	info := JournalInfo{Origin: s.arrangement.Origin, Size: size, OfficeKey: s.arrangement.OfficeKey, PartyKeys: keys,
		CosignerKeys: map[string]string{}, Cosigned: map[string]Cosigned{}}
	for _, c := range cosigners {
		info.CosignerKeys[c.Party] = c.Key
	}
	for _, c := range latest {
		info.Cosigned[c.Party] = Cosigned{Size: c.Size, Time: c.Time}
	}
	writeJSON(w, http.StatusOK, info)
	return nil
}

// checkpoint answers the latest checkpoint, or the one of ?size=, with the
// parties' cosignatures of it.
func (s *Server) checkpoint(w http.ResponseWriter, r *http.Request) error {
	size := int64(-1)
	if r.URL.Query().Has("size") {
		n, err := intParam(r, "size", 0, true)
		if err != nil {
			return err
		}
		size = n
	}
	cp, err := s.office.Checkpoint(r.Context(), size)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(cp)
	return nil
}

// CosignerInput is the body of PUT /api/v1/journal/cosigners/{party}.
type CosignerInput struct {
	Key string `json:"key"`
}

func (s *Server) setCosigner(w http.ResponseWriter, r *http.Request) error {
	var in CosignerInput
	if err := s.decodeRequest(r, &in); err != nil {
		return err
	}
	c, err := s.office.SetCosigner(r.Context(), r.PathValue("party"), in.Key)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// maxCosignedCheckpoint bounds the body of POST /api/v1/journal/cosignatures:
// a checkpoint with a few signature lines.
const maxCosignedCheckpoint = 16 << 10

func (s *Server) addCosignature(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r.Body, maxCosignedCheckpoint)
	if err != nil {
		return err
	}
	c, err := s.office.AddCosignature(r.Context(), body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

// intParam reads a non-negative integer query parameter; def when absent.
func intParam(r *http.Request, name string, def int64, required bool) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		if required {
			return 0, truce.Invalid(name, "%s is required", name)
		}
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, truce.Invalid(name, "%s must be a whole number, 0 or more", name)
	}
	return n, nil
}

func (s *Server) entries(w http.ResponseWriter, r *http.Request) error {
	size, err := s.store.JournalSize(r.Context())
	if err != nil {
		return err
	}
	start, err := intParam(r, "start", 0, false)
	if err != nil {
		return err
	}
	end, err := intParam(r, "end", size, false)
	if err != nil {
		return err
	}
	end = min(end, size)
	if start > end {
		return truce.Invalid("start", "start (%d) is past end (%d)", start, end)
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	err = s.store.Entries(r.Context(), start, end, func(index int64, note []byte) error {
		return enc.Encode(journal.EntryLine{Index: index, Note: string(note)})
	})
	if err != nil {
		// The status is sent; a broken stream is all the client can be told.
		s.log.Warn("entries stream cut", "err", err)
		return nil
	}
	return bw.Flush()
}

// hashReader reads stored hashes for proofs.
func (s *Server) hashReader(ctx context.Context) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return s.store.ReadHashes(ctx, idx) })
}

// Proof answers the proof endpoints.
type Proof struct {
	Hashes []tlog.Hash `json:"hashes"`
}

func (s *Server) inclusionProof(w http.ResponseWriter, r *http.Request) error {
	index, err := intParam(r, "index", 0, true)
	if err != nil {
		return err
	}
	journalSize, err := s.store.JournalSize(r.Context())
	if err != nil {
		return err
	}
	size, err := intParam(r, "size", journalSize, false)
	if err != nil {
		return err
	}
	if size > journalSize {
		return truce.Invalid("size", "size %d is larger than the journal (%d)", size, journalSize)
	}
	if index >= size {
		return truce.Invalid("index", "index %d is not below size %d", index, size)
	}
	p, err := tlog.ProveRecord(size, index, s.hashReader(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Proof{Hashes: nonNilHashes(p)})
	return nil
}

func (s *Server) consistencyProof(w http.ResponseWriter, r *http.Request) error {
	old, err := intParam(r, "old", 0, true)
	if err != nil {
		return err
	}
	journalSize, err := s.store.JournalSize(r.Context())
	if err != nil {
		return err
	}
	nw, err := intParam(r, "new", journalSize, false)
	if err != nil {
		return err
	}
	if nw > journalSize {
		return truce.Invalid("new", "new %d is larger than the journal (%d)", nw, journalSize)
	}
	if old < 1 || old > nw {
		return truce.Invalid("old", "old must be from 1 to new (%d)", nw)
	}
	p, err := tlog.ProveTree(nw, old, s.hashReader(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Proof{Hashes: nonNilHashes(p)})
	return nil
}

func nonNilHashes[T ~[]tlog.Hash](p T) []tlog.Hash {
	if p == nil {
		return []tlog.Hash{}
	}
	return p
}
