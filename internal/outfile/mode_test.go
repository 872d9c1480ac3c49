//go:build linux

package outfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestNewFileHonoursUmask: a new output gets the permissions asked for less
// the umask, as any file the user creates (the old code forced 0644).
func TestNewFileHonoursUmask(t *testing.T) {
	for _, tmpfile := range []bool{true, false} {
		useTmpfileFor(t, tmpfile)
		dir := t.TempDir()
		old := syscall.Umask(0o027)
		p := filepath.Join(dir, "new.bin")
		err := WriteFile(p, []byte("data"), 0o666)
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm() != 0o640 {
			t.Fatalf("O_TMPFILE %v: mode %v (%v), want 0640", tmpfile, st.Mode(), err)
		}
		if readString(t, p) != "data" {
			t.Fatal("contents")
		}
		onlyEntries(t, dir, "new.bin")
	}
}

// TestExistingFileKeepsMode: replacing a 0600 file leaves it 0600 and
// replaces its contents whole.
func TestExistingFileKeepsMode(t *testing.T) {
	for _, tmpfile := range []bool{true, false} {
		useTmpfileFor(t, tmpfile)
		dir := t.TempDir()
		p := filepath.Join(dir, "secret.bin")
		if err := os.WriteFile(p, []byte("old contents, longer"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := WriteFile(p, []byte("new"), 0o644); err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(p)
		if st.Mode().Perm() != 0o600 || readString(t, p) != "new" {
			t.Fatalf("O_TMPFILE %v: mode %v contents %q, want 0600 \"new\"", tmpfile, st.Mode(), readString(t, p))
		}
		onlyEntries(t, dir, "secret.bin")
	}
}
