//go:build !unix

package read

import (
	"os"
	"time"
)

func holdLock(*os.File) {}

// lockIsStale: without flock, a folder untouched for a day is taken as a
// killed reader's.
func lockIsStale(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && time.Since(fi.ModTime()) > 24*time.Hour
}
