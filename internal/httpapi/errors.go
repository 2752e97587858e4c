package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/office"
)

// statusOf is the one table from error codes to HTTP status.
var statusOf = map[string]int{
	truce.EInvalid:      http.StatusBadRequest,
	truce.EUnauthorized: http.StatusUnauthorized,
	truce.EForbidden:    http.StatusForbidden,
	truce.ENotFound:     http.StatusNotFound,
	truce.EConflict:     http.StatusConflict,
	truce.ETooLarge:     http.StatusRequestEntityTooLarge,
	truce.ERateLimited:  http.StatusTooManyRequests,
	truce.EUnavailable:  http.StatusServiceUnavailable,
	truce.EInternal:     http.StatusInternalServerError,
}

// ErrorBody is the contract's error shape.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

// writeError answers err in the contract's shape. Errors that are not a
// *truce.Error are logged once here and shown only as "internal error".
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var te *truce.Error
	if !errors.As(err, &te) {
		if s.databaseDown(r) {
			// A lost database is the operator's to fix and the caller's to
			// retry: 503 with Retry-After, not 500.
			s.log.Warn("database unavailable", "method", r.Method, "route", r.Pattern, "err", err)
			te = &truce.Error{Code: truce.EUnavailable, Message: "the database is not reachable; try again"}
		} else {
			s.log.Error("internal error", "method", r.Method, "route", r.Pattern, "err", err)
			te = &truce.Error{Code: truce.EInternal, Message: "internal error"}
		}
	}
	status, ok := statusOf[te.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if after, ok := office.RetryAfter(err); ok {
		w.Header().Set("Retry-After", after)
	} else if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="truce"`)
	}
	writeJSON(w, status, ErrorBody{Error: ErrorDetail{Code: te.Code, Message: te.Message, Field: te.Field}})
}

// databaseDown probes the database after an unexpected error: if it does
// not answer within a second, the error was (most likely) its loss.
func (s *Server) databaseDown(r *http.Request) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Second)
	defer cancel()
	_, err := s.store.JournalSize(ctx)
	return err != nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.Encode(v)
}
