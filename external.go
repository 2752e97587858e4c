package truce

import (
	"encoding/json"
	"maps"
	"slices"
)

// ExternalRecord is what an imported incident keeps of the record it came
// from: the source dataset, the record's own id, its precisions and the
// columns truce has no field for, so that an export writes the record back
// as it came.
type ExternalRecord struct {
	// Source names the dataset's format, e.g. "acled".
	Source string `json:"source"`
	// ID is the record's id in its dataset (ACLED's event_id_cnty).
	ID string `json:"id"`
	// GeoPrecision and TimePrecision are the dataset's codes (ACLED: 1, 2
	// or 3); 0 when not given.
	GeoPrecision  int `json:"geo_precision,omitempty"`
	TimePrecision int `json:"time_precision,omitempty"`
	// Fields are the record's other columns by name, as read.
	Fields Fields `json:"fields,omitempty"`
}

// Fields are an outside record's columns by name.
type Fields map[string]string

// MarshalJSON writes f as encoding/json writes a map[string]string, keys
// sorted, from one encoding of its keys and values as a list: encoding/json
// sorts a map's keys by reflection, and that was half the cost of encoding
// an imported incident.
func (f Fields) MarshalJSON() ([]byte, error) {
	if f == nil {
		return []byte("null"), nil
	}
	keys := slices.Sorted(maps.Keys(f))
	kv := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		kv = append(kv, k, f[k])
	}
	b, err := json.Marshal(kv) // ["k1","v1","k2","v2"], each string escaped as in a map
	if err != nil {
		return nil, err
	}
	// Into {"k1":"v1","k2":"v2"}: every other comma between the strings
	// becomes a colon. Inside an encoded string a quote is always escaped,
	// and so is a backslash.
	b[0], b[len(b)-1] = '{', '}'
	key := true
	for i := 1; i < len(b)-1; i++ {
		switch b[i] {
		case '"':
			for i++; b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case ',':
			if key {
				b[i] = ':'
			}
			key = !key
		}
	}
	return b, nil
}
