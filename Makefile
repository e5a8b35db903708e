# Convenience targets around the go tool. CI calls 'make test' only.
GO ?= go
BENCHTIME ?= 1x

.PHONY: build test demo bench lint fmt

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

bench:
	$(GO) run ./cmd/benchreport

fmt:
	gofmt -w $$(git ls-files '*.go')

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) vet ./...
