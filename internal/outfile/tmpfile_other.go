//go:build !linux

package outfile

import (
	"errors"
	"os"
)

// errUnsupported: only Linux has O_TMPFILE; a named temporary file is used.
var errUnsupported = errors.New("O_TMPFILE not supported")

func openUnnamed(dir string, perm os.FileMode) (*os.File, error) { return nil, errUnsupported }

func linkAt(f *os.File, name string) error { return errUnsupported }

// UseNamedTemp: outputs always use a named temporary file here.
func UseNamedTemp(on bool) {}
