package read

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// scratchPrefix names the reader's private folders in os.TempDir.
const scratchPrefix = "onboard-read-"

// scratchLock is the file in a scratch folder that its reader holds a
// shared lock on while the folder is in use.
const scratchLock = ".lock"

// scratch is a private folder (0700) for the temporary files of one
// workbook read: the shared-strings store, the copy excelize reads without
// them, and excelize's own spilled parts (Options.TmpDir). They hold
// roster data: Close removes the folder, and since a killed run (kill -9)
// cannot, every new one first removes the folders no live reader holds.
type scratch struct {
	dir  string
	lock *os.File
}

func newScratch() (*scratch, error) {
	base := os.TempDir()
	removeStaleScratch(base)
	dir, err := os.MkdirTemp(base, scratchPrefix+"*")
	if err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(filepath.Join(dir, scratchLock), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	holdLock(lock)
	return &scratch{dir: dir, lock: lock}, nil
}

// Close removes the folder and all in it.
func (s *scratch) Close() error {
	if s == nil || s.dir == "" {
		return nil
	}
	err := s.lock.Close()
	if rerr := os.RemoveAll(s.dir); err == nil {
		err = rerr
	}
	s.dir = ""
	return err
}

// scratchGrace is how long a folder without its lock file is left alone:
// its reader may be creating it.
const scratchGrace = time.Minute

// removeStaleScratch removes the scratch folders in base that no live
// reader holds.
func removeStaleScratch(base string) {
	ents, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), scratchPrefix) {
			continue
		}
		dir := filepath.Join(base, e.Name())
		lock := filepath.Join(dir, scratchLock)
		if _, err := os.Lstat(lock); errors.Is(err, os.ErrNotExist) {
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > scratchGrace {
				_ = os.RemoveAll(dir)
			}
			continue
		}
		if lockIsStale(lock) {
			_ = os.RemoveAll(dir)
		}
	}
}
