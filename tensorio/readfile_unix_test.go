//go:build unix

package tensorio

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadTensorNonRegular: a named pipe nobody writes to reads as empty
// instead of hanging, and an endless character device is cut off at
// maxStreamBytes with an error naming the file.
func TestReadTensorNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.npy")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := Read(fifo); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "fifo.npy: empty file, holds no tensor") {
			t.Errorf("fifo: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading a named pipe without a writer hangs")
	}
	zero := filepath.Join(dir, "zero.pb")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Skipf("symlink: %v", err)
	}
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := Read(zero)
	if err == nil || !strings.Contains(err.Error(), "zero.pb is not a regular file (a character device) and holds more than 64 MiB") {
		t.Errorf("/dev/zero: %v", err)
	}
}
