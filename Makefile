# Convenience targets around the go tool. CI calls 'make test' only.
GO ?= go
BENCHTIME ?= 1x

.PHONY: build test demo bench lint fmt

build:
	$(GO) build -o bin/onboard ./cmd/onboard

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
