# truce: see README.md. Every target sets up what it needs from the Go module proxy.
GO        ?= go
BIN       := bin/truce
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/truce-org/truce/internal/cli.Version=$(VERSION)
TESTFLAGS ?=

.PHONY: build demo test lint bench fuzz clean ui

# The web UI (web/): npm packages from the lockfile, bundled by esbuild into
# internal/webui/dist, which the binary embeds. Needs Node.js and npm.
ui:
	cd web && npm ci --no-audit --no-fund && node build.mjs

build: ui
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/truce

demo: build
	./$(BIN) demo

# The whole suite, with the race detector; ends with gotestsum's summary line.
# With TRUCE_TEST_POSTGRES set, the API and office tests run first on PostgreSQL.
test: ui
	@echo "The web UI's journal verifier against Go's vectors:"
	cd web && node --test test/
	$(GO) mod download
	@if [ -n "$$TRUCE_TEST_POSTGRES" ]; then \
	  echo "API and office tests on PostgreSQL:"; \
	  TRUCE_TEST_BACKEND=postgres $(GO) tool gotestsum --format pkgname-and-test-fails -- -race -count=1 $(TESTFLAGS) ./internal/httpapi/ ./internal/office/ ./internal/cli/; \
	fi
	@echo "Everything on SQLite (and the store suites on both):"
	$(GO) tool gotestsum --format pkgname-and-test-fails -- -race -count=1 $(TESTFLAGS) ./...

lint:
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)

# Benchmarks of the hot paths (see docs/benchmarks.md for the figures).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Geometry beside PostGIS (docs/benchmarks.md, Geometry): installs Debian's PostGIS for the local
# PostgreSQL 15 if missing, then runs package geo's benchmarks and the comparison with PostGIS
# and a linear scan in one process (about 6 minutes here; loading 1,000,000 zones into
# PostgreSQL took 18-28 s of it and is bounded at 30 minutes).
.PHONY: bench-postgis
POSTGIS_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
BENCHCOUNT  ?= 3
bench-postgis:
	@dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || apt-get install -y postgresql-15-postgis-3
	TRUCE_BENCH_POSTGIS='$(POSTGIS_URL)' $(GO) test -run '^$$' -bench . -count=$(BENCHCOUNT) -timeout 2h -v ./internal/geo/ ./internal/geo/geobench/

# A short run of every fuzz target; crashers land in testdata/fuzz/.
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 3s $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin web/node_modules
	find internal/webui/dist -mindepth 1 ! -name PLACEHOLDER.txt -delete
