//go:build linux

package outfile

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"unsafe"
)

// Linux open(2) and linkat(2) flags the syscall package does not export.
// __O_TMPFILE is 020000000 on every architecture Go supports on Linux
// (alpha, parisc and sparc differ; Go runs on none of them).
const (
	oTmpfile        = 0o20000000 | syscall.O_DIRECTORY
	atSymlinkFollow = 0x400
	atEmptyPath     = 0x1000
)

// errUnsupported: this system or file system makes no O_TMPFILE files; the
// caller makes a named temporary file instead.
var errUnsupported = errors.New("O_TMPFILE not supported")

// Where the unnamed file is linked from, and whether to use O_TMPFILE at
// all; tests change them to exercise every path.
var (
	procFD     = "/proc/self/fd"
	useTmpfile = true
)

// openUnnamed opens an unnamed file in dir (O_TMPFILE): until linkAt gives
// it a name, a crash or SIGKILL leaves nothing behind. It needs a way to
// link it later: /proc/self/fd, or AT_EMPTY_PATH, which needs
// CAP_DAC_READ_SEARCH (assumed for root).
func openUnnamed(dir string, perm os.FileMode) (*os.File, error) {
	if !useTmpfile {
		return nil, errUnsupported
	}
	if _, err := os.Stat(procFD); err != nil && os.Geteuid() != 0 {
		return nil, errUnsupported
	}
	fd, err := syscall.Open(dir, oTmpfile|syscall.O_WRONLY|syscall.O_CLOEXEC, uint32(perm.Perm()))
	switch {
	case err == syscall.EOPNOTSUPP || err == syscall.EISDIR || err == syscall.EINVAL:
		// The file system refuses O_TMPFILE (EOPNOTSUPP), or the kernel
		// predates it and took the flags as O_DIRECTORY (EISDIR).
		return nil, errUnsupported
	case err != nil:
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	return os.NewFile(uintptr(fd), filepath.Join(dir, "(unnamed)")), nil
}

// linkAt gives the unnamed file f the name name.
func linkAt(f *os.File, name string) error {
	fd := int(f.Fd())
	if _, err := os.Stat(procFD); err == nil {
		return linkat(_AT_FDCWD, procFD+"/"+strconv.Itoa(fd), _AT_FDCWD, name, atSymlinkFollow)
	}
	return linkat(fd, "", _AT_FDCWD, name, atEmptyPath)
}

const _AT_FDCWD = -0x64

func linkat(olddirfd int, oldpath string, newdirfd int, newpath string, flags int) error {
	p1, err := syscall.BytePtrFromString(oldpath)
	if err != nil {
		return err
	}
	p2, err := syscall.BytePtrFromString(newpath)
	if err != nil {
		return err
	}
	_, _, e := syscall.Syscall6(syscall.SYS_LINKAT, uintptr(olddirfd), uintptr(unsafe.Pointer(p1)),
		uintptr(newdirfd), uintptr(unsafe.Pointer(p2)), uintptr(flags), 0)
	if e != 0 {
		return e
	}
	return nil
}

// UseNamedTemp makes later outputs use a named temporary file, as on
// systems without O_TMPFILE (on) or O_TMPFILE again (off). The CLI's tests
// use it to check that an interrupt removes the named files.
func UseNamedTemp(on bool) { useTmpfile = !on }
