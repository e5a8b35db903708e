// Package outfile writes output files atomically and privately: a file is
// written to a temporary file in its own folder (mode 0600), synced, and
// renamed into place only when Close succeeds; on failure or Abort the
// temporary file is removed, so a reader sees the previous file or the
// whole new one, never a half-written or 0-byte file.
//
// A File may also own a spill folder beside it (SpillDir) for excelize's
// temporary files, removed with the File. Temporary files are named
// ".NAME.onboard-tmp-*" and locked while in use; Create removes stale ones
// that a killed run (kill -9) left in the same folder.
//
// Every output of onboard goes through this package: results, fix files,
// validation reports, templates, missing lists, plans.
package outfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Mode is the permission of every output file: rosters hold personal data.
const Mode os.FileMode = 0o600

// tmpMarker is in every temporary name; stale-file cleanup matches it.
const tmpMarker = ".onboard-tmp-"

// File is an output being written. It buffers its writes. It is not safe
// for concurrent use.
type File struct {
	path  string // final path
	tmp   *os.File
	w     *bufio.Writer // writes to wb
	wb    writeback
	spill string // spill folder, "" until SpillDir is called
	done  bool
	err   error // first write error, returned again by Close
}

var (
	openMu sync.Mutex
	open   = map[*File]struct{}{}
)

// Create starts writing path: it creates a temporary file beside path,
// mode 0600. Nothing at path changes until Close. It first removes stale
// temporary files (of runs that were killed) from path's folder.
//
// A path that names a directory, or whose folder does not exist or is not
// writable, fails here, before any work is done.
func Create(path string) (*File, error) {
	if path == "" {
		return nil, errors.New("output path is empty")
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	removeStale(dir)
	var tmp *os.File
	for try := 0; ; try++ {
		t, err := os.CreateTemp(dir, "."+base+tmpMarker+"*")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, unwrapPathError(err))
		}
		// CreateTemp uses 0600 already; Chmod makes it so under any umask.
		if err := t.Chmod(Mode); err != nil {
			_ = t.Close()
			_ = os.Remove(t.Name())
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if lockFile(t) || try == 3 { // the lock tells removeStale this one is in use
			tmp = t
			break
		}
		_ = t.Close() // removed under us by another run's cleanup
	}
	f := &File{path: path, tmp: tmp, wb: writeback{f: tmp}}
	f.w = bufio.NewWriterSize(&f.wb, 64<<10)
	openMu.Lock()
	open[f] = struct{}{}
	openMu.Unlock()
	return f, nil
}

// Name is the final path of the file.
func (f *File) Name() string { return f.path }

// TempName is the temporary file being written (for tests and messages).
func (f *File) TempName() string { return f.tmp.Name() }

// Write writes p to the temporary file. The first error sticks: later
// writes and Close return it.
func (f *File) Write(p []byte) (int, error) {
	if f.done {
		return 0, fmt.Errorf("%s: %w", f.path, os.ErrClosed)
	}
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.w.Write(p)
	if err != nil {
		f.err = fmt.Errorf("%s: %w", f.path, unwrapPathError(err))
		return n, f.err
	}
	return n, nil
}

// WriteString writes s.
func (f *File) WriteString(s string) (int, error) { return f.Write([]byte(s)) }

// SpillDir returns a private folder (0700) beside the output for
// temporary files that belong to it (excelize's Options.TmpDir), created
// on first use and removed by Close and Abort.
func (f *File) SpillDir() (string, error) {
	if f.spill != "" {
		return f.spill, nil
	}
	d := f.tmp.Name() + ".d"
	if err := os.Mkdir(d, 0o700); err != nil {
		return "", fmt.Errorf("%s: %w", f.path, err)
	}
	f.spill = d
	return d, nil
}

// Close flushes, syncs and closes the temporary file and renames it over
// path. On any error the temporary file is removed, path is left as it
// was, and the error names path. Close after Close or Abort returns nil.
func (f *File) Close() error {
	if f.done {
		return nil
	}
	err := f.err
	if err == nil {
		if err = f.w.Flush(); err == nil {
			err = f.tmp.Sync()
		}
	}
	if cerr := f.tmp.Close(); err == nil {
		err = cerr // closing also drops the lock
	}
	if err == nil {
		err = os.Rename(f.tmp.Name(), f.path)
	}
	if err == nil {
		syncDir(filepath.Dir(f.path))
	}
	f.finish(err != nil)
	if err != nil {
		if strings.HasPrefix(err.Error(), f.path+":") {
			return err
		}
		return fmt.Errorf("%s: %w", f.path, unwrapPathError(err))
	}
	return nil
}

// Abort drops the file: the temporary file and spill folder are removed
// and path is left as it was. Abort after Close or Abort does nothing, so
// `defer f.Abort()` is the usual pattern after Create.
func (f *File) Abort() {
	if f.done {
		return
	}
	_ = f.tmp.Close()
	f.finish(true)
}

func (f *File) finish(removeTmp bool) {
	f.done = true
	if removeTmp {
		_ = os.Remove(f.tmp.Name())
	}
	if f.spill != "" {
		_ = os.RemoveAll(f.spill)
	}
	openMu.Lock()
	delete(open, f)
	openMu.Unlock()
}

// writeback is the temporary file as the buffer writes to it: every
// writebackEvery bytes it has the kernel start writing them out (see
// startWriteback), so that Close's fsync finds most of the file on disk.
type writeback struct {
	f               *os.File
	written, queued int64
}

// writebackEvery is how many bytes are written before they are queued for
// disk: few calls, and a file under it is synced at Close alone.
const writebackEvery = 4 << 20

func (w *writeback) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.written += int64(n)
	if w.written-w.queued >= writebackEvery {
		startWriteback(w.f, w.queued, w.written-w.queued)
		w.queued = w.written
	}
	return n, err
}

// AbortAll aborts every File not yet closed. A command calls it before
// exiting in a hurry (a second Ctrl-C), so that no temporary file is left
// behind.
func AbortAll() {
	openMu.Lock()
	files := make([]*File, 0, len(open))
	for f := range open {
		files = append(files, f)
	}
	openMu.Unlock()
	for _, f := range files {
		f.Abort()
	}
}

// WriteFile writes data to path atomically, mode 0600.
func WriteFile(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Close()
}

// WriteTo writes path atomically with fn writing the content, mode 0600:
// the file appears only when fn and Close succeed.
func WriteTo(path string, fn func(w io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := fn(f); err != nil {
		if strings.Contains(err.Error(), path) {
			return err
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// removeStale removes temporary files and spill folders in dir that no
// live process holds (their writer was killed).
func removeStale(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, ".") || !strings.Contains(name, tmpMarker) {
			continue
		}
		p := filepath.Join(dir, name)
		if e.IsDir() {
			// A spill folder goes with its file: stale when the file is gone.
			if strings.HasSuffix(name, ".d") {
				if _, err := os.Lstat(strings.TrimSuffix(p, ".d")); errors.Is(err, os.ErrNotExist) {
					_ = os.RemoveAll(p)
				}
			}
			continue
		}
		if stale(p) {
			_ = os.Remove(p)
			_ = os.RemoveAll(p + ".d")
		}
	}
}

// unwrapPathError drops the *os.PathError's own path (a temporary name
// that means nothing to the user) and keeps the cause.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
