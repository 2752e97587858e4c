package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/truce-org/truce"
)

// Decode reads one JSON value from body into v, strictly: the body must be
// at most limit bytes, a single JSON value, with no unknown fields (names
// match exactly, not ignoring case), no field given twice, and every value of
// the right type. Errors are *truce.Error naming the field at fault.
func Decode(body io.Reader, limit int64, v any) error {
	data, err := readBody(body, limit)
	if err != nil {
		return err
	}
	return decodeBytes(data, v)
}

// DecodeOptional is Decode for actions whose body may be left out: an
// empty body leaves v as it is.
func DecodeOptional(body io.Reader, limit int64, v any) error {
	data, err := readBody(body, limit)
	if err != nil || len(bytes.TrimSpace(data)) == 0 {
		return err
	}
	return decodeBytes(data, v)
}

func readBody(body io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, truce.Invalid("", "the body could not be read: %v", err)
	}
	if int64(len(data)) > limit {
		return nil, &truce.Error{Code: truce.ETooLarge, Message: fmt.Sprintf("the body is larger than %d bytes", limit)}
	}
	return data, nil
}

func decodeBytes(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		// encoding/json names an unknown field without its path and a bad
		// time without its field: the strict walk locates both.
		if serr := strictKeys(data, reflect.TypeOf(v)); serr != nil {
			return serr
		}
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return truce.Invalid("", "unexpected data after the JSON value")
	}
	return strictKeys(data, reflect.TypeOf(v))
}

// strictKeys walks data beside type t and rejects object keys that match a
// field only when case is ignored (encoding/json accepts them) and keys given
// twice (encoding/json keeps the last).
func strictKeys(data []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return walkValue(dec, t, "")
}

func walkValue(dec *json.Decoder, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return truce.Invalid(path, "invalid JSON: %v", err)
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		if str, isStr := tok.(string); isStr && t == reflect.TypeOf(time.Time{}) {
			if _, err := time.Parse(time.RFC3339, str); err != nil {
				return truce.Invalid(path, "%s must be an RFC 3339 time, not %q", path, str)
			}
		}
		return nil
	}
	switch delim {
	case '{':
		fields := map[string]reflect.Type(nil)
		if t != nil && t.Kind() == reflect.Struct && t != reflect.TypeOf(json.RawMessage{}) {
			fields = jsonFields(t)
		}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return truce.Invalid(path, "invalid JSON: %v", err)
			}
			key, _ := kt.(string)
			field := joinPath(path, key)
			if seen[key] {
				return truce.Invalid(field, "field %q is given twice", key)
			}
			seen[key] = true
			var ft reflect.Type
			if fields != nil {
				var known bool
				if ft, known = fields[key]; !known {
					return truce.Invalid(field, "unknown field %q", key)
				}
			} else if t != nil && t.Kind() == reflect.Map {
				ft = t.Elem()
			}
			if err := walkValue(dec, ft, field); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	case '[':
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && t != reflect.TypeOf(json.RawMessage{}) {
			et = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walkValue(dec, et, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	}
	if err != nil {
		return truce.Invalid(path, "invalid JSON: %v", err)
	}
	return nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonFields maps the exact JSON names of t's fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					out[k] = v
				}
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
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
