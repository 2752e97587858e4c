package httpapi_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/httpapi"
	"github.com/truce-org/truce/internal/office"
)

// FuzzDecode checks that Decode never panics, answers only the contract's
// invalid or too_large errors, and accepts only one JSON value that fits
// the limit. Seeds are in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"name":"x","aliases":["a"],"answerable_party":"us"}`), uint16(1024))
	f.Add([]byte(`{"designation":"excluded","note":"n"}`), uint16(64))
	f.Add([]byte(`{"username":"us-official","password":"demo"}`), uint16(64))
	f.Fuzz(func(t *testing.T, data []byte, limit uint16) {
		targets := []struct {
			name string
			new  func() any
		}{
			{"NewActor", func() any { return new(office.NewActor) }},
			{"DesignationInput", func() any { return new(office.DesignationInput) }},
			{"SignIn", func() any { return new(httpapi.SignIn) }},
		}
		for _, tg := range targets {
			for _, lim := range []int64{int64(limit), 1 << 20} {
				v := tg.new()
				err := httpapi.Decode(bytes.NewReader(data), lim, v)
				if err == nil {
					if int64(len(data)) > lim {
						t.Fatalf("%s: accepted %d bytes over a limit of %d", tg.name, len(data), lim)
					}
					if !json.Valid(data) {
						t.Fatalf("%s: accepted %q, which is not one JSON value", tg.name, data)
					}
					if err := json.Unmarshal(data, tg.new()); err != nil {
						t.Fatalf("%s: accepted %q, which encoding/json refuses: %v", tg.name, data, err)
					}
					continue
				}
				te, ok := err.(*truce.Error)
				if !ok {
					t.Fatalf("%s: error %T %v, want a *truce.Error", tg.name, err, err)
				}
				switch te.Code {
				case truce.EInvalid:
				case truce.ETooLarge:
					if int64(len(data)) <= lim {
						t.Fatalf("%s: %d bytes called too large for a limit of %d", tg.name, len(data), lim)
					}
				default:
					t.Fatalf("%s: code %q, want invalid or too_large: %v", tg.name, te.Code, te)
				}
				if te.Message == "" {
					t.Fatalf("%s: error without a message", tg.name)
				}
			}
		}
	})
}
