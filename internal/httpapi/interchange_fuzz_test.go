package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/truce-org/truce"
)

// FuzzGeoJSONImportReader feeds the GeoJSON import's reader (the
// collection, then each feature decoded as the API's create decodes it, the
// read-only properties of an export set aside) with arbitrary bytes: it
// never panics, answers only the contract's invalid or too_large errors,
// and every feature it accepts is a Feature whose error, if any, names its
// index. Seeds are in testdata/fuzz/FuzzGeoJSONImportReader.
func FuzzGeoJSONImportReader(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","name":"q","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":{"name":"z","category":"other","id":"zon_x","status":"draft"}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"occurred_at":"2024-01-01T00:00:00Z","type":"shelling","violations":[],"external":{"source":"acled","id":"X1"}}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"nme":"typo"}},null,1]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		raws, err := featureCollection(bytes.NewReader(data))
		if err != nil {
			var te *truce.Error
			if !errors.As(err, &te) || (te.Code != truce.EInvalid && te.Code != truce.ETooLarge) {
				t.Fatalf("collection error %T %v", err, err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted %q, which is not JSON", data)
		}
		for k, raw := range raws {
			for _, dec := range []func() error{
				func() error { _, err := decodeImported[zonePropsIn](raw, zoneReadOnly); return err },
				func() error { _, err := decodeImported[incidentPropsIn](raw, incidentReadOnly); return err },
			} {
				err := dec()
				if err == nil {
					var probe struct {
						Type string `json:"type"`
					}
					if json.Unmarshal(raw, &probe) != nil || probe.Type != "Feature" {
						t.Fatalf("feature %d accepted but is not a Feature: %s", k, raw)
					}
					continue
				}
				fe, ferr := asFeatureError(k, err)
				if ferr != nil {
					t.Fatalf("feature %d: error %T %v is not the contract's", k, err, err)
				}
				if !strings.HasPrefix(fe.Error(), "feature ") {
					t.Fatalf("feature error %q", fe.Error())
				}
			}
		}
	})
}
