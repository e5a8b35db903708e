//go:build unix

package outfile

import (
	"os"
	"syscall"
)

// lockFile takes a shared flock on the temporary file for as long as it is
// open. The kernel drops it when the process dies, kill -9 included, so a
// temporary file that can be locked exclusively is stale. It reports
// whether the file is still ours: another run's cleanup may have locked and
// removed it between its creation and our lock, and then Create tries again.
func lockFile(f *os.File) bool {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		return true // no flock here (some network file systems): keep going unlocked
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	cur, err := os.Lstat(f.Name())
	return err == nil && os.SameFile(fi, cur)
}

// stale reports whether no process holds the temporary file at p.
func stale(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}

// syncDir makes a rename durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
