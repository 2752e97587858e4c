// This module exists only to keep web/ (and its node_modules) out of the
// truce module's ./... : go build, vet and test never walk into it.
module github.com/truce-org/truce/web

go 1.26
