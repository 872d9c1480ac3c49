//go:build unix

package outfile

import (
	"io/fs"
	"os"
	"syscall"
)

// access(2) modes.
const (
	accessSearch = 0x1 // X_OK
	accessWrite  = 0x2 // W_OK
)

// access asks the kernel whether this process may use p in mode (with its
// real user and group, as access(2) does).
func access(p string, mode uint32) error {
	return syscall.Access(p, mode)
}

// keepOwner gives the temporary file f the owner and group of the file it
// replaces, when they differ and the process may set them: root may set
// both, a user only a group it belongs to. Failing that the new file is the
// process's own, as any file it creates.
func keepOwner(f *os.File, old fs.FileInfo) {
	want, ok := old.Sys().(*syscall.Stat_t)
	if !ok {
		return
	}
	fi, err := f.Stat()
	if err != nil {
		return
	}
	have, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || have.Uid == want.Uid && have.Gid == want.Gid {
		return
	}
	if f.Chown(int(want.Uid), int(want.Gid)) != nil {
		f.Chown(-1, int(want.Gid))
	}
}
