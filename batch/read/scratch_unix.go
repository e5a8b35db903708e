//go:build unix

package read

import (
	"os"
	"syscall"
)

// holdLock takes a shared flock on f for as long as it is open; the kernel
// drops it when the process dies, kill -9 included.
func holdLock(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_SH)
}

// lockIsStale reports whether no process holds the lock file at p.
func lockIsStale(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
