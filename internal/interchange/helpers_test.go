package interchange_test

import "github.com/truce-org/truce/internal/store"

func storeFilter(violation *bool) store.IncidentFilter {
	return store.IncidentFilter{Violation: violation}
}
