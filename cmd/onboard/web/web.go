// Package web holds the page's templates and assets, embedded so that
// `onboard serve` is one binary that fetches nothing from the internet.
package web

import "embed"

// FS holds templates/*.html and static/* (htmx 2.0.11 vendored as one
// file, the page's own small script and style sheet).
//
//go:embed templates/*.html static/*
var FS embed.FS
