# Convenience targets around the go tool. CI calls 'make test' only.
GO ?= go
BENCHTIME ?= 1x

.PHONY: build test demo bench lint fmt fuzz

# The version and commit 'onboard --version' prints.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)

build:
	$(GO) build -ldflags "-X main.version=$(VERSION) -X main.commit=$(COMMIT)" -o bin/onboard ./cmd/onboard

test:
	$(GO) vet ./...
	$(GO) test -race -timeout 10m ./...

# The README's main command: a sample roster against the built-in simulator.
demo:
	$(GO) run ./cmd/onboard demo

# Every native fuzz target for FUZZTIME each (the seed corpora in
# testdata/fuzz/ run in 'make test' already). Keep every input that finds a
# defect: go test writes it to testdata/fuzz/<target>/, commit it with the fix.
FUZZTIME ?= 60s
FUZZ_TARGETS = ./batch/read:FuzzCSV ./batch/read:FuzzXLSX ./batch/read:FuzzXLSXPart \
	./schema:FuzzMappingFile ./schema:FuzzHeaderMatch \
	./providers/all:FuzzVendorRowMapping ./providers/all:FuzzVendorAnswers

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME); \
	done

bench:
	$(GO) run ./cmd/benchreport

fmt:
	gofmt -w $$(git ls-files '*.go')

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) vet ./...
