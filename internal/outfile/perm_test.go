//go:build linux

package outfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestKeepsOwnerAndSpecialBits: replacing a file owned by another user and
// group (nobody:nogroup, made by root) keeps that owner, its 0600 mode and
// a set-group-ID bit, on both temporary-file paths.
func TestKeepsOwnerAndSpecialBits(t *testing.T) {
	needRoot(t)
	for _, tmpfile := range []bool{true, false} {
		useTmpfileFor(t, tmpfile)
		dir := t.TempDir()
		p := filepath.Join(dir, "theirs.bin")
		must(t, os.WriteFile(p, []byte("old"), 0o600))
		must(t, os.Chown(p, 65534, 65534))
		must(t, os.Chmod(p, 0o600|fs.ModeSetgid))
		if err := WriteFile(p, []byte("new"), 0o644); err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(p)
		sys := st.Sys().(*syscall.Stat_t)
		if sys.Uid != 65534 || sys.Gid != 65534 || st.Mode()&(fs.ModePerm|fs.ModeSetgid) != 0o600|fs.ModeSetgid || readString(t, p) != "new" {
			t.Fatalf("O_TMPFILE %v: owner %d:%d mode %v contents %q; want 65534:65534 g-s rw------- new", tmpfile, sys.Uid, sys.Gid, st.Mode(), readString(t, p))
		}
		onlyEntries(t, dir, "theirs.bin")
	}
}

// TestReadOnlyFileRefused: a file without write bits is refused, even for
// root (whom access(2) lets write anything): its contents stay and no
// temporary file is made.
func TestReadOnlyFileRefused(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "ro.bin")
	must(t, os.WriteFile(p, []byte("keep me"), 0o444))
	err := WriteFile(p, []byte("new"), 0o644)
	if err == nil || err.Error() != "write "+p+": is read-only (mode -r--r--r--)" {
		t.Fatalf("error %v, want write %s: is read-only (mode -r--r--r--)", err, p)
	}
	if readString(t, p) != "keep me" {
		t.Fatal("read-only file changed")
	}
	if Check(p) == nil {
		t.Fatal("Check accepts a read-only file")
	}
	onlyEntries(t, dir, "ro.bin")
}

// TestReadOnlyFolderRefused: a folder without write bits takes no new
// output and no replacement, even for root.
func TestReadOnlyFolderRefused(t *testing.T) {
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro")
	must(t, os.Mkdir(ro, 0o755))
	must(t, os.WriteFile(filepath.Join(ro, "old.bin"), []byte("old"), 0o644))
	must(t, os.Chmod(ro, 0o555))
	t.Cleanup(func() { os.Chmod(ro, 0o755) })
	for _, name := range []string{"new.bin", "old.bin"} {
		p := filepath.Join(ro, name)
		err := WriteFile(p, []byte("x"), 0o644)
		if err == nil || !strings.HasSuffix(err.Error(), ": directory "+ro+" is not writable (mode dr-xr-xr-x)") {
			t.Fatalf("%s: error %v, want directory %s is not writable", name, err, ro)
		}
	}
	onlyEntries(t, ro, "old.bin")
	if readString(t, filepath.Join(ro, "old.bin")) != "old" {
		t.Fatal("old.bin changed")
	}
	// A folder output under it cannot be made either.
	if err := MkdirAll(filepath.Join(ro, "sub", "dir")); err == nil || !strings.Contains(err.Error(), "is not writable") {
		t.Fatalf("MkdirAll under a read-only folder: %v", err)
	}
	onlyEntries(t, ro, "old.bin")
}

// TestCheckDir: folder outputs: an existing folder, a new one under an
// existing folder, a file in the way.
func TestCheckDir(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "file")
	must(t, os.WriteFile(f, nil, 0o644))
	for _, c := range []struct{ path, err string }{
		{dir, ""},
		{filepath.Join(dir, "new", "deeper"), ""},
		{f, "create folder " + f + ": exists and is not a directory"},
		{filepath.Join(f, "sub"), "create folder " + filepath.Join(f, "sub") + ": " + f + " is not a directory"},
	} {
		err := CheckDir(c.path)
		if (err == nil) != (c.err == "") || err != nil && err.Error() != c.err {
			t.Errorf("CheckDir(%s) = %v, want %q", c.path, err, c.err)
		}
	}
	must(t, MkdirAll(filepath.Join(dir, "new", "deeper")))
	if st, err := os.Stat(filepath.Join(dir, "new", "deeper")); err != nil || !st.IsDir() {
		t.Fatal("MkdirAll made no folder")
	}
}
