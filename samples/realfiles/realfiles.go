// Package realfiles finds ../shared/real-files, real rosters nobody here
// wrote, kept beside the checkout (not part of the project), for the tests
// that read them.
package realfiles

import (
	"os"
	"path/filepath"
)

// Dir returns the folder, or "" and why it cannot be used: the tests
// skip saying so.
func Dir() (dir, why string) {
	here, err := os.Getwd()
	if err != nil {
		return "", err.Error()
	}
	for {
		if _, err := os.Stat(filepath.Join(here, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(here)
		if parent == here {
			return "", "no go.mod above the test: ../shared/real-files cannot be found"
		}
		here = parent
	}
	dir = filepath.Join(here, "..", "shared", "real-files")
	if _, err := os.Stat(dir); err != nil {
		return "", "../shared/real-files is absent (it is not part of the project; the test needs it beside the checkout)"
	}
	return dir, ""
}
