// Command onboard bulk-onboards people from roster files (CSV or XLSX) into
// vendors' user APIs: read → map/validate → submit → reconcile.
package main

import (
	"os"

	_ "github.com/onboard/onboard/providers/all"
)

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}
