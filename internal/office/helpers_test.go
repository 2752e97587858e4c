package office_test

import (
	"errors"

	"github.com/truce-org/truce"
	"github.com/truce-org/truce/internal/store"
)

func storePage(n int) store.Page { return store.Page{Limit: n} }

func asError(err error, target **truce.Error) bool { return errors.As(err, target) }
