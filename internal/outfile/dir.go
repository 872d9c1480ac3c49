package outfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// CheckDir tells whether path can be a folder output (pimc run -o DIR,
// -print-dir, pimc demo -o): an existing folder this process may write in,
// or a path whose nearest existing ancestor is one, so MkdirAll can make
// it. Nothing is created. The error is an *os.PathError naming path.
func CheckDir(path string) error {
	refuse := func(err error) error { return &os.PathError{Op: "create folder", Path: path, Err: err} }
	if path == "" {
		return refuse(errors.New("empty folder name"))
	}
	p := filepath.Clean(path)
	for {
		fi, err := os.Stat(p)
		switch {
		case err == nil && !fi.IsDir():
			if p == filepath.Clean(path) {
				return refuse(errors.New("exists and is not a directory"))
			}
			return refuse(errors.New(p + " is not a directory"))
		case err == nil:
			if err := checkDirWritable(p); err != nil {
				return refuse(err)
			}
			return nil
		case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return refuse(unwrapPath(err))
		}
		parent := filepath.Dir(p)
		if parent == p {
			return refuse(unwrapPath(err))
		}
		p = parent
	}
}

// MkdirAll makes the folder output path and its missing parents (mode
// 0755 less the umask) after CheckDir's tests.
func MkdirAll(path string) error {
	if err := CheckDir(path); err != nil {
		return err
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return &os.PathError{Op: "create folder", Path: path, Err: unwrapPath(err)}
	}
	return nil
}
