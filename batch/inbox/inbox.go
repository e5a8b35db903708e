// Package inbox is the folder a nightly HRIS drop lands in: which files are
// complete, taking one for a run, and where it goes afterwards. Every path
// it touches is a base name from the inbox's own listing joined to one of
// its folders, so no file name can point outside it.
package inbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The inbox's folders.
const (
	Processing = "processing" // taken, being run; found here at start-up means interrupted
	Archive    = "archive"    // the run finished
	Failed     = "failed"     // a fatal error: unreadable file, bad credentials, an early stop
	Results    = "results"    // results sheets and fix files
)

// DoneSuffix marks a file complete at once: NAME.done beside NAME.
const DoneSuffix = ".done"

// ErrorSuffix names the note beside a file in failed/ (NAME.error.txt):
// why, and the next step. Moved back into the inbox with its file, it is
// never taken as a roster.
const ErrorSuffix = ".error.txt"

// Inbox is an open inbox, locked against a second watcher.
type Inbox struct {
	dir  string
	lock *lock
	seen map[string]observation
	// Notice is told about files left alone (symlinks, hard links, other
	// kinds), once per name.
	Notice  func(string)
	noticed map[string]bool
}

type observation struct {
	size   int64
	mtime  time.Time
	stable time.Time // since when size and mtime are as recorded
}

// Open locks dir for this process and makes its folders. A second Open of
// the same inbox, from any process, fails with *LockedError.
func Open(dir string) (*Inbox, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("inbox %s is not a folder", dir)
	}
	lk, err := acquire(dir, filepath.Join(dir, ".onboard-watch.lock"))
	if err != nil {
		return nil, err
	}
	for _, sub := range []string{Processing, Archive, Failed, Results} {
		p := filepath.Join(dir, sub)
		if err := os.Mkdir(p, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
			lk.release()
			return nil, fmt.Errorf("inbox: %w", err)
		}
		// A folder replaced by a symlink would move files out of the inbox.
		if fi, err := os.Lstat(p); err != nil || !fi.IsDir() {
			lk.release()
			return nil, fmt.Errorf("inbox: %s must be a folder, not a link or a file", p)
		}
	}
	return &Inbox{dir: dir, lock: lk, seen: map[string]observation{}, noticed: map[string]bool{}}, nil
}

// Close releases the lock.
func (b *Inbox) Close() error { return b.lock.release() }

// Dir is the inbox folder as given to Open.
func (b *Inbox) Dir() string { return b.dir }

// Path is name inside folder sub ("" for the inbox itself). name must come
// from this package (a directory entry), so it has no separator.
func (b *Inbox) Path(sub, name string) string {
	return filepath.Join(b.dir, sub, filepath.Base(name))
}

// Ignored reports whether a name is never taken: hidden files, files still
// being uploaded under a temporary name, and completion markers.
func Ignored(name string) bool {
	l := strings.ToLower(name)
	return strings.HasPrefix(name, ".") || strings.HasSuffix(l, ".tmp") || strings.HasSuffix(l, ".part") ||
		strings.HasSuffix(l, ".filepart") || strings.HasSuffix(l, DoneSuffix) || strings.HasSuffix(l, ErrorSuffix) ||
		strings.HasSuffix(name, "~") || strings.HasPrefix(name, "~$") // editor backups, Excel lock files
}

// Interrupted lists the files left in processing/ by a run that did not
// finish, oldest first by name.
func (b *Inbox) Interrupted() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(b.dir, Processing))
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	var names []string
	for _, e := range entries {
		if b.regular(filepath.Join(b.dir, Processing), e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// Scan lists the files that are complete at now: a NAME.done marker beside
// them, or size and modification time unchanged for settle. pending counts
// the files seen but not complete yet.
func (b *Inbox) Scan(now time.Time, settle time.Duration) (ready []string, pending int, err error) {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return nil, 0, fmt.Errorf("inbox: %w", err)
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	for _, e := range entries {
		name := e.Name()
		if Ignored(name) || !b.regular(b.dir, name) {
			continue
		}
		fi, err := os.Lstat(filepath.Join(b.dir, name))
		if err != nil {
			continue // gone since the listing
		}
		o, ok := b.seen[name]
		if !ok || o.size != fi.Size() || !o.mtime.Equal(fi.ModTime()) {
			o = observation{size: fi.Size(), mtime: fi.ModTime(), stable: now}
			// Unchanged since its mtime: a file that was complete before
			// we looked need not be watched for settle again.
			if m := fi.ModTime(); m.Before(now) {
				o.stable = m
			}
			b.seen[name] = o
		}
		if names[name+DoneSuffix] || now.Sub(o.stable) >= settle {
			ready = append(ready, name)
		} else {
			pending++
		}
	}
	for name := range b.seen {
		if !names[name] {
			delete(b.seen, name)
		}
	}
	slices.Sort(ready)
	return ready, pending, nil
}

// regular reports whether dir/name is a plain file with one link: a
// symlink or a hard link could make a run read, and the moves touch, a file
// from outside the inbox.
func (b *Inbox) regular(dir, name string) bool {
	fi, err := os.Lstat(filepath.Join(dir, name))
	if err != nil {
		return false
	}
	why := ""
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		why = "a symbolic link"
	case fi.IsDir():
		return false
	case !fi.Mode().IsRegular():
		why = "not a regular file"
	case links(fi) > 1:
		why = "a hard link to another file"
	default:
		return true
	}
	if !Ignored(name) && !b.noticed[name] && b.Notice != nil {
		b.noticed[name] = true
		b.Notice(fmt.Sprintf("%s: left alone: %s", filepath.Join(dir, name), why))
	}
	return false
}

// Take moves an inbox file into processing/ and returns its new path. The
// move is a rename, so a run never sees a file another writer still has
// under its inbox name; its .done marker goes too.
func (b *Inbox) Take(name string) (string, error) {
	name = filepath.Base(name)
	dst, err := b.move(filepath.Join(b.dir, name), Processing, name)
	if err != nil {
		return "", err
	}
	delete(b.seen, name)
	_ = os.Remove(filepath.Join(b.dir, name+DoneSuffix))
	// Checked again where the run will read it.
	if !b.regular(filepath.Join(b.dir, Processing), filepath.Base(dst)) {
		return "", fmt.Errorf("inbox: %s changed while being taken", name)
	}
	return dst, nil
}

// Finish moves a file from processing/ to archive/ or failed/ under a name
// that exists nowhere yet there, and returns its new path.
func (b *Inbox) Finish(processing, sub string) (string, error) {
	name := filepath.Base(processing)
	return b.move(filepath.Join(b.dir, Processing, name), sub, name)
}

// move renames src into folder sub as name, or name-2, name-3... when that
// is taken: nothing is ever overwritten.
func (b *Inbox) move(src, sub, name string) (string, error) {
	dst, err := b.Free(sub, name, "")
	if err != nil {
		return "", err
	}
	// A hard link fails when dst exists, which a rename would overwrite.
	if err := os.Link(src, dst); err == nil {
		if err := os.Remove(src); err != nil {
			return "", fmt.Errorf("inbox: %w", err)
		}
		return dst, nil
	}
	if err := os.Rename(src, dst); err != nil { // file systems without hard links
		return "", fmt.Errorf("inbox: %w", err)
	}
	return dst, nil
}

// Free returns a path in folder sub for stem+suffix+ext of name that no
// file has yet: name's stem, the suffix, then -2, -3... before the
// extension. ext replaces name's extension when not "".
func (b *Inbox) Free(sub, name, suffix string, ext ...string) (string, error) {
	e := filepath.Ext(name)
	stem := strings.TrimSuffix(name, e)
	if len(ext) > 0 {
		e = ext[0]
	}
	for i := 1; i < 10000; i++ {
		n := stem + suffix + e
		if i > 1 {
			n = fmt.Sprintf("%s%s-%d%s", stem, suffix, i, e)
		}
		p := filepath.Join(b.dir, sub, filepath.Base(n))
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
	}
	return "", fmt.Errorf("inbox: no free name for %s in %s", name, sub)
}
