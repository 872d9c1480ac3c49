package outfile

import "os"

// Disk is the file system as pimc writes it, for packages that are given
// a place to write instead of opening files themselves (passes.DumpFS: the
// pass manager's IR dumps). Its outputs follow the rules of the package:
// WriteFile publishes a complete file or none.
type Disk struct{}

// MkdirAll is the package's MkdirAll.
func (Disk) MkdirAll(dir string) error { return MkdirAll(dir) }

// WriteFile is the package's WriteFile with mode 0644.
func (Disk) WriteFile(name string, data []byte) error { return WriteFile(name, data, 0o644) }

// WriteTemp writes data to a new file in dir (os.TempDir() when dir is "")
// named after pattern as os.CreateTemp names it, and returns its name. It
// is for debugging dumps: a new name every time, never replacing a file.
func (Disk) WriteTemp(dir, pattern string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr != nil {
		return "", werr
	}
	if cerr != nil {
		return "", cerr
	}
	return f.Name(), nil
}
