// Package atomicfile writes files so that readers see either the old file or
// the complete new one, never a half-written output: data goes to a temporary
// file in the same directory, which is synced and renamed over the target.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile writes data to path atomically with permissions perm.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// File is a pending atomic write. Call Commit to publish it or Abort to drop it.
type File struct {
	*os.File
	path string
	perm os.FileMode
	done bool
}

// Create starts an atomic write of path.
func Create(path string, perm os.FileMode) (*File, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		// The error names the temporary file, which the user never asked
		// for; name the target and, when that is the cause, the missing
		// directory instead.
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("create %s: directory %s does not exist", path, dir)
		}
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &File{File: tmp, path: path, perm: perm}, nil
}

// Commit flushes the temporary file and renames it over the target.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("atomicfile: %s already committed or aborted", f.path)
	}
	f.done = true
	tmp := f.File.Name()
	if err := f.File.Sync(); err != nil {
		f.File.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := f.File.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := os.Chmod(tmp, f.perm); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := os.Rename(tmp, f.path); err != nil {
		os.Remove(tmp)
		if st, serr := os.Stat(f.path); serr == nil && st.IsDir() {
			return fmt.Errorf("write %s: is a directory", f.path)
		}
		var le *os.LinkError
		if errors.As(err, &le) {
			err = le.Err // its text names the temporary file
		}
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	return nil
}

// Abort removes the temporary file; the target is left untouched. It is safe
// to call after Commit (it then does nothing), so `defer f.Abort()` works.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	tmp := f.File.Name()
	f.File.Close()
	os.Remove(tmp)
}
