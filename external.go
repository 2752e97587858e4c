package truce

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
	Fields map[string]string `json:"fields,omitempty"`
}
