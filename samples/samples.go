// Package samples holds example rosters (good rows and realistic bad ones)
// and mapping files for every vendor, embedded so that 'onboard demo' runs
// on a fresh machine with nothing else.
package samples

import "embed"

// FS holds samples/<provider>/{roster.csv,roster.xlsx,map.yaml,roster-mapped.csv}.
//
//go:embed */*.csv */*.yaml */*.xlsx
var FS embed.FS
