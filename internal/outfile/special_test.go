//go:build linux

package outfile

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// mknod makes a device node in dir (root only).
func mknod(t *testing.T, p string, mode uint32, major, minor int) {
	t.Helper()
	needRoot(t)
	if err := syscall.Mknod(p, mode|0o666, major<<8|minor); err != nil {
		t.Skipf("mknod %s: %v (no CAP_MKNOD here)", p, err)
	}
}

// modeType fails unless p is still of the file type want.
func modeType(t *testing.T, p string, want fs.FileMode) {
	t.Helper()
	st, err := os.Lstat(p)
	if err != nil || st.Mode().Type() != want {
		t.Fatalf("%s: type %v (%v), want %v", p, st.Mode().Type(), err, want)
	}
}

// TestDevNull: /dev/null is written directly and stays a character device
// (the old code, run as root, renamed a regular file over it). The check
// comes first, so even broken code cannot replace the real /dev/null.
func TestDevNull(t *testing.T) {
	if !WritesThrough("/dev/null") {
		t.Fatal("/dev/null would be replaced, not written through; not writing it")
	}
	if err := WriteFile("/dev/null", []byte("discarded"), 0o644); err != nil {
		t.Fatal(err)
	}
	modeType(t, "/dev/null", fs.ModeDevice|fs.ModeCharDevice)
}

// TestCharDevice: a character device made in a temporary folder (the null
// device, 1:3), reached directly and through a symbolic link, is written in
// place: it stays a device and no temporary file appears next to it.
func TestCharDevice(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "null")
	mknod(t, dev, syscall.S_IFCHR, 1, 3)
	must(t, os.Symlink("null", filepath.Join(dir, "link")))
	for _, tmpfile := range []bool{true, false} {
		useTmpfileFor(t, tmpfile)
		for _, p := range []string{dev, filepath.Join(dir, "link")} {
			if err := WriteFile(p, []byte("discarded"), 0o644); err != nil {
				t.Fatal(err)
			}
			modeType(t, dev, fs.ModeDevice|fs.ModeCharDevice)
			isLink(t, filepath.Join(dir, "link"), "null")
			onlyEntries(t, dir, "link", "null")
		}
	}
}

// TestFullDevice: a write error on a device (the full device, 1:7: "no
// space left") is returned naming the output, and the device survives.
func TestFullDevice(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "full")
	mknod(t, dev, syscall.S_IFCHR, 1, 7)
	err := WriteFile(dev, make([]byte, 54<<10), 0o644)
	if err == nil || !errors.Is(err, syscall.ENOSPC) || err.Error() != "write "+dev+": no space left on device" {
		t.Fatalf("error %v, want write %s: no space left on device", err, dev)
	}
	modeType(t, dev, fs.ModeDevice|fs.ModeCharDevice)
	onlyEntries(t, dir, "full")
	// Create + Write + Commit: Commit reports the write error again.
	f, err := Create(dev, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("x"))
	if err := f.Commit(); err == nil || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Commit after a failed write: %v", err)
	}
}

// TestBlockDeviceRefused: a block device is refused before anything is
// opened: neither written (it could be a disk) nor replaced.
func TestBlockDeviceRefused(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "loop")
	mknod(t, dev, syscall.S_IFBLK, 7, 200)
	err := WriteFile(dev, []byte("x"), 0o644)
	if err == nil || !strings.Contains(err.Error(), "is a block device") {
		t.Fatalf("error %v, want a refusal naming a block device", err)
	}
	modeType(t, dev, fs.ModeDevice)
	onlyEntries(t, dir, "loop")
}

// TestFIFO: a named pipe is written directly to its reader, and stays a
// pipe; no temporary file appears.
func TestFIFO(t *testing.T) {
	for _, tmpfile := range []bool{true, false} {
		useTmpfileFor(t, tmpfile)
		dir := t.TempDir()
		p := filepath.Join(dir, "pipe")
		must(t, syscall.Mkfifo(p, 0o644))
		got := make(chan string)
		go func() {
			f, err := os.Open(p)
			if err != nil {
				got <- err.Error()
				return
			}
			b, _ := io.ReadAll(f)
			f.Close()
			got <- string(b)
		}()
		f, err := Create(p, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if _, err := f.Write([]byte("part" + strconv.Itoa(i) + " ")); err != nil {
				t.Fatal(err)
			}
		}
		onlyEntries(t, dir, "pipe")
		if err := f.Commit(); err != nil {
			t.Fatal(err)
		}
		if s := <-got; s != "part0 part1 part2 " {
			t.Fatalf("reader got %q", s)
		}
		modeType(t, p, fs.ModeNamedPipe)
		onlyEntries(t, dir, "pipe")
	}
}

// TestUnixSocket: a Unix socket is connected to and written; the socket
// file stays.
func TestUnixSocket(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", p)
	if err != nil {
		t.Skipf("unix sockets: %v", err)
	}
	defer l.Close()
	got := make(chan string)
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(c)
		c.Close()
		got <- string(b)
	}()
	if err := WriteFile(p, []byte("over the socket"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "over the socket" {
		t.Fatalf("server got %q", s)
	}
	modeType(t, p, fs.ModeSocket)
	onlyEntries(t, dir, "sock")
}

// TestProcFD: a path through /proc (here /proc/self/fd/N, where /dev/stdout
// leads) is written to the open file itself: a pipe gets the data, and a
// file opened for appending is appended to, not replaced (same inode).
func TestProcFD(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	path := "/proc/self/fd/" + strconv.Itoa(int(w.Fd()))
	if err := WriteFile(path, []byte("through the pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if b, _ := io.ReadAll(r); string(b) != "through the pipe" {
		t.Fatalf("pipe got %q", b)
	}

	dir := t.TempDir()
	log := filepath.Join(dir, "log.txt")
	os.WriteFile(log, []byte("line 1\n"), 0o644)
	before, _ := os.Stat(log)
	f, err := os.OpenFile(log, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := WriteFile("/proc/self/fd/"+strconv.Itoa(int(f.Fd())), []byte("line 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(log)
	if s := readString(t, log); s != "line 1\nline 2\n" || !os.SameFile(before, after) {
		t.Fatalf("log %q, same file %v; want both lines in the same file", s, os.SameFile(before, after))
	}
	onlyEntries(t, dir, "log.txt")
}
