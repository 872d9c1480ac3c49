//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package outfile

import (
	"errors"
	"os"
	"syscall"
)

// lockTemp takes the writer's exclusive lock on its temporary file f, held
// until f is closed (by Commit or Abort) or the process dies.
func lockTemp(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// unlocked reports whether no process holds the lock of the temporary file
// name, i.e. whether its writer is dead. A file this process may not open
// is left alone.
func unlocked(name string) (bool, error) {
	f, err := os.Open(name)
	if errors.Is(err, os.ErrPermission) {
		f, err = os.OpenFile(name, os.O_WRONLY, 0)
	}
	if errors.Is(err, os.ErrPermission) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close() // also drops the lock taken below
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, syscall.EWOULDBLOCK), errors.Is(err, syscall.EINTR):
		return false, nil
	}
	return false, err
}
