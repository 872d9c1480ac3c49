package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// output is one output file a command will write, under the flag that names
// it.
type output struct{ flag, path string }

// checkOutputDirs fails fast when the directory of an output file does not
// exist or the output names a directory, so a typo in -o is reported before minutes of compiling, training
// or simulating rather than after them. Empty paths and "-" (stdout) are
// skipped. The files themselves are written atomically later
// (internal/atomicfile), so a failed run never leaves a partial file.
func checkOutputDirs(outs ...output) error {
	for _, o := range outs {
		if o.path == "" || o.path == "-" {
			continue
		}
		dir := filepath.Dir(o.path)
		st, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("%s %s: directory %s does not exist", o.flag, o.path, dir)
		case err != nil:
			return fmt.Errorf("%s %s: %w", o.flag, o.path, err)
		case !st.IsDir():
			return fmt.Errorf("%s %s: %s is not a directory", o.flag, o.path, dir)
		}
		if st, err := os.Stat(o.path); err == nil && st.IsDir() {
			return fmt.Errorf("%s %s: is a directory (want a file name)", o.flag, o.path)
		}
	}
	return nil
}

// tensorFileOutput is the output of `-o` for run and sim, which is a tensor
// file when it ends in .pb or .npy and otherwise a folder that the command
// creates (with its parents); only a file needs its directory checked.
func tensorFileOutput(path string) output {
	if strings.HasSuffix(path, ".pb") || strings.HasSuffix(path, ".npy") {
		return output{"-o", path}
	}
	return output{}
}
