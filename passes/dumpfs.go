package passes

import "errors"

// DumpFS is where a Manager writes its IR dumps: the files of PrintDir
// (NNN-<pass>[-before].pir) and the dump of a pass that panicked or broke
// the IR. The manager names the files and words the messages; DumpFS only
// writes, so passes itself opens no file. outfile.Disk writes to the file
// system (what the driver gives every manager); a test may keep the files
// in memory.
type DumpFS interface {
	// MkdirAll makes the folder dir and its parents, as outfile.MkdirAll.
	MkdirAll(dir string) error
	// WriteFile writes data to the file name, replacing it.
	WriteFile(name string, data []byte) error
	// WriteTemp writes data to a new file in dir (the system's temporary
	// folder when dir is "") named after pattern as os.CreateTemp names
	// it, and returns the file's name.
	WriteTemp(dir, pattern string, data []byte) (string, error)
}

// errNoDumpFS is what writing a dump reports without Manager.Files.
var errNoDumpFS = errors.New("no file system to write IR dumps to (passes.Manager.Files)")

// noDumpFS is the DumpFS of a manager without Files: every write fails.
type noDumpFS struct{}

func (noDumpFS) MkdirAll(string) error                            { return errNoDumpFS }
func (noDumpFS) WriteFile(string, []byte) error                   { return errNoDumpFS }
func (noDumpFS) WriteTemp(string, string, []byte) (string, error) { return "", errNoDumpFS }

// files is m.Files, or one that refuses every write.
func (m *Manager) files() DumpFS {
	if m.Files == nil {
		return noDumpFS{}
	}
	return m.Files
}
