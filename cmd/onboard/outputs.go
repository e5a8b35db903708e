package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// checkOutputDir says, before anything is read or sent, that an output's
// folder is missing, in those words: "no such file or directory" about
// a file we are about to create reads as if the file should exist.
func checkOutputDir(flag, path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case os.IsNotExist(err):
		return fmt.Errorf("%s %s: the folder %s does not exist; create it (mkdir -p %s) or write somewhere else", flag, path, dir, dir)
	case err != nil:
		return fmt.Errorf("%s %s: %w", flag, path, err)
	case !fi.IsDir():
		return fmt.Errorf("%s %s: %s is a file, not a folder", flag, path, dir)
	}
	return nil
}
