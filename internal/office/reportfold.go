package office

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

// ReportReleaseBody is the body of a report.release entry and of a
// report.handling entry: only the salted hash of the report's content
// (truce.ReportContent.SealedHash). Nothing of the content, the handling
// label or the recipients is in the journal (docs/journal.md).
type ReportReleaseBody struct {
	Hash string `json:"hash"`
}

// RFICreateBody is the body of an rfi.create entry: whom the request is
// to, when it is due, and the salted hash of what it asks.
type RFICreateBody struct {
	To   string    `json:"to"`
	Due  time.Time `json:"due"`
	Hash string    `json:"hash"`
}

// RFIAnswerBody is the body of an rfi.answer entry.
type RFIAnswerBody struct {
	ReportID string `json:"report_id"`
}

// RFIDeclineBody is the body of an rfi.decline entry: the salted hash of
// the reason (SealHash(salt, reason) with the request's salt).
type RFIDeclineBody struct {
	ReasonHash string `json:"reason_hash"`
}

func checkHash(field, h string) error {
	if !truce.ValidHash(h) {
		return truce.Invalid(field, "%s must be 64 lower-case hex digits (SHA-256)", field)
	}
	return nil
}

func applyReportRelease(p store.Projection, index int64, e truce.Entry) error {
	var b ReportReleaseBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	if err := checkHash("hash", b.Hash); err != nil {
		return err
	}
	if err := checkItemID("report", e.Subject); err != nil {
		return err
	}
	if _, err := p.GetReport(e.Subject); err == nil {
		return truce.Errorf(truce.EConflict, "report %s is already released", e.Subject)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return p.PutReport(truce.ReportRecord{ID: e.Subject, Owner: e.Party, Hash: b.Hash, ReleasedAt: e.Time, UpdatedAt: e.Time, Entry: index})
}

func applyReportHandling(p store.Projection, index int64, e truce.Entry) error {
	var b ReportReleaseBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	if err := checkHash("hash", b.Hash); err != nil {
		return err
	}
	r, err := p.GetReport(e.Subject)
	if err != nil {
		return mapStore(err, "report")
	}
	if r.Owner != e.Party {
		return truce.Errorf(truce.EForbidden, "only %s, its originator, changes the handling of report %s", r.Owner, r.ID)
	}
	if r.Hash == b.Hash {
		return truce.Errorf(truce.EConflict, "report %s already stands as that hash says", r.ID)
	}
	r.Hash, r.UpdatedAt, r.Entry = b.Hash, e.Time, index
	r.Changes++
	return p.PutReport(r)
}

func applyRFICreate(p store.Projection, index int64, e truce.Entry) error {
	var b RFICreateBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	if b.To == e.Party {
		return truce.Invalid("to", "a party asks another party")
	}
	if _, err := p.PartyKind(b.To); err != nil {
		return truce.Invalid("to", "no party %q", b.To)
	}
	if b.Due.IsZero() {
		return truce.Invalid("due", "due is required")
	}
	if err := checkTime("due", b.Due); err != nil {
		return err
	}
	if err := checkHash("hash", b.Hash); err != nil {
		return err
	}
	if err := checkItemID("rfi", e.Subject); err != nil {
		return err
	}
	if _, err := p.GetRFI(e.Subject); err == nil {
		return truce.Errorf(truce.EConflict, "rfi %s exists", e.Subject)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return p.PutRFI(truce.RFIRecord{ID: e.Subject, From: e.Party, To: b.To, Due: b.Due, Hash: b.Hash, Status: truce.RFIOpen,
		CreatedBy: e.Member, CreatedAt: e.Time, UpdatedAt: e.Time, Entry: index})
}

// openRFI reads a request the entry's party may close: addressed to it, open.
func openRFI(p store.Projection, e truce.Entry) (truce.RFIRecord, error) {
	r, err := p.GetRFI(e.Subject)
	if err != nil {
		return r, mapStore(err, "rfi")
	}
	if r.To != e.Party {
		return r, truce.Errorf(truce.EForbidden, "only %s answers or declines rfi %s", r.To, r.ID)
	}
	if r.Status != truce.RFIOpen {
		return r, truce.Errorf(truce.EConflict, "rfi %s is %s", r.ID, r.Status)
	}
	return r, nil
}

func applyRFIAnswer(p store.Projection, index int64, e truce.Entry) error {
	var b RFIAnswerBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	r, err := openRFI(p, e)
	if err != nil {
		return err
	}
	rep, err := p.GetReport(b.ReportID)
	if err != nil {
		return truce.Invalid("report_id", "no released report %q", b.ReportID)
	}
	if rep.Owner != e.Party {
		return truce.Invalid("report_id", "report %s is not %s's", rep.ID, e.Party)
	}
	id := rep.ID
	r.Status, r.ReportID, r.UpdatedAt, r.Entry = truce.RFIAnswered, &id, e.Time, index
	return p.PutRFI(r)
}

func applyRFIDecline(p store.Projection, index int64, e truce.Entry) error {
	var b RFIDeclineBody
	if err := decodeBody(e.Body, &b); err != nil {
		return err
	}
	if err := checkHash("reason_hash", b.ReasonHash); err != nil {
		return err
	}
	r, err := openRFI(p, e)
	if err != nil {
		return err
	}
	r.Status, r.ReasonHash, r.UpdatedAt, r.Entry = truce.RFIDeclined, b.ReasonHash, e.Time, index
	return p.PutRFI(r)
}

// VerifySealed checks that the content stored outside the journal for each
// report and request of the snapshot hashes to what the journal says, so
// that a changed text, label or recipient list is found.
func VerifySealed(ctx context.Context, st store.Store, snap *store.Snapshot) error {
	for _, rec := range snap.Reports {
		r, err := st.ReportContent(ctx, rec.ID, rec.Hash)
		if err != nil {
			return &StateError{Item: "report " + rec.ID, Stored: fmt.Sprintf("no content for hash %s (%v)", rec.Hash, err), Built: "hash " + rec.Hash}
		}
		if got := r.SealedHash(r.Salt); got != rec.Hash || r.Owner != rec.Owner {
			return &StateError{Item: "report " + rec.ID, Stored: "content hashing to " + got + " of " + r.Owner, Built: "hash " + rec.Hash + " of " + rec.Owner}
		}
	}
	for _, rec := range snap.RFIs {
		c, err := rfiContent(ctx, st, rec)
		if err != nil {
			return &StateError{Item: "rfi " + rec.ID, Stored: err.Error(), Built: "hash " + rec.Hash}
		}
		if got := c.SealedHash(rec.To); got != rec.Hash {
			return &StateError{Item: "rfi " + rec.ID, Stored: "content hashing to " + got, Built: "hash " + rec.Hash}
		}
		if rec.ReasonHash != "" {
			reason, err := rfiReason(ctx, st, rec)
			if err != nil {
				return &StateError{Item: "rfi " + rec.ID + " reason", Stored: err.Error(), Built: "hash " + rec.ReasonHash}
			}
			if got := truce.SealHash(c.Salt, reason); got != rec.ReasonHash {
				return &StateError{Item: "rfi " + rec.ID + " reason", Stored: "reason hashing to " + got, Built: "hash " + rec.ReasonHash}
			}
		}
	}
	return nil
}

func rfiContent(ctx context.Context, st store.Store, rec truce.RFIRecord) (truce.RFIContent, error) {
	var c truce.RFIContent
	doc, err := st.Sealed(ctx, rec.ID, rec.Hash)
	if err != nil {
		return c, err
	}
	err = json.Unmarshal(doc, &c)
	return c, err
}

type sealedReason struct {
	Reason string `json:"reason"`
}

func rfiReason(ctx context.Context, st store.Store, rec truce.RFIRecord) (string, error) {
	doc, err := st.Sealed(ctx, rec.ID, rec.ReasonHash)
	if err != nil {
		return "", err
	}
	var r sealedReason
	err = json.Unmarshal(doc, &r)
	return r.Reason, err
}
