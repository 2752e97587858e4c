package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/truce-org/truce"
)

// Decode reads one JSON value from body into v, strictly: the body must be
// at most limit bytes, a single JSON value, with no unknown fields and every
// value of the right type. Errors are *truce.Error naming the field at fault.
func Decode(body io.Reader, limit int64, v any) error {
	lr := &io.LimitedReader{R: body, N: limit + 1}
	dec := json.NewDecoder(lr)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if lr.N <= 0 {
		return &truce.Error{Code: truce.ETooLarge, Message: fmt.Sprintf("the body is larger than %d bytes", limit)}
	}
	if err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return truce.Invalid("", "the body holds more than one JSON value")
	}
	var rest [1]byte
	if n, _ := dec.Buffered().Read(rest[:]); n > 0 && strings.TrimSpace(string(rest[:n])) != "" {
		return truce.Invalid("", "unexpected data after the JSON value")
	}
	return nil
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return truce.Invalid("", "the body is empty; a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return truce.Invalid("", "the body ends in the middle of a JSON value")
	case errors.As(err, &syn):
		return truce.Invalid("", "malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return truce.Invalid("", "the body must be a JSON object")
		}
		return truce.Invalid(field, "%s must be %s, not %s", field, describeType(typ.Type.String()), typ.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return truce.Invalid(name, "unknown field %q", name)
	}
	var te *truce.Error
	if errors.As(err, &te) {
		return te
	}
	return truce.Invalid("", "invalid JSON: %v", err)
}

func describeType(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "struct"):
		return "an object"
	case strings.Contains(t, "int"), strings.Contains(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case strings.Contains(t, "string"), strings.Contains(t, "Designation"), strings.Contains(t, "Role"), strings.Contains(t, "Kind"):
		return "a string"
	case strings.Contains(t, "Time"):
		return "an RFC 3339 time"
	}
	return "of type " + t
}

// decodeRequest decodes r's body into v. The content type is not checked:
// the API speaks only JSON, and bearer tokens are never sent by a browser on
// its own, so a form post cannot act for anyone.
func (s *Server) decodeRequest(r *http.Request, v any) error {
	return Decode(r.Body, s.cfg.MaxBody, v)
}
