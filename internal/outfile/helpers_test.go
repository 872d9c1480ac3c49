//go:build linux

package outfile

import (
	"os"
	"testing"
)

// useTmpfileFor runs the rest of the test with O_TMPFILE on or off (the
// named temporary file of other systems), restoring it at the end.
func useTmpfileFor(t *testing.T, on bool) {
	old := useTmpfile
	useTmpfile = on
	t.Cleanup(func() { useTmpfile = old })
}

// needRoot skips a test that needs root (mknod, chown to another user).
func needRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (mknod or chown to another user); run the tests as root to include it")
	}
}
