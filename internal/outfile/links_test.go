//go:build linux

package outfile

import (
	"os"
	"path/filepath"
	"testing"
)

// isLink fails unless p is still a symbolic link to want.
func isLink(t *testing.T, p, want string) {
	t.Helper()
	got, err := os.Readlink(p)
	if err != nil || got != want {
		t.Fatalf("%s: link to %q (%v), want a link to %q", p, got, err, want)
	}
}

// TestSymlinkWrittenThrough: an output that is a symbolic link writes the
// file it points to, keeping that file's mode; the link stays a link (the
// old code replaced the link with a regular file).
func TestSymlinkWrittenThrough(t *testing.T) {
	for _, tmpfile := range []bool{true, false} {
		useTmpfileFor(t, tmpfile)
		dir := t.TempDir()
		real := filepath.Join(dir, "real.bin")
		os.WriteFile(real, []byte("old"), 0o640)
		link := filepath.Join(dir, "link.bin")
		if err := os.Symlink("real.bin", link); err != nil {
			t.Fatal(err)
		}
		if err := WriteFile(link, []byte("new"), 0o644); err != nil {
			t.Fatal(err)
		}
		isLink(t, link, "real.bin")
		st, _ := os.Stat(real)
		if readString(t, real) != "new" || st.Mode().Perm() != 0o640 {
			t.Fatalf("target: %q mode %v, want \"new\" 0640", readString(t, real), st.Mode())
		}
		onlyEntries(t, dir, "link.bin", "real.bin")
	}
}

// TestSymlinkChain: a chain of relative links across folders (each read
// relative to its own folder) leads to the file written; the temporary
// file is made in that file's folder, so the rename stays on one file
// system and nothing is left in the others.
func TestSymlinkChain(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"a", "b", "c"} {
		os.Mkdir(filepath.Join(dir, d), 0o755)
	}
	final := filepath.Join(dir, "c", "final.bin")
	os.WriteFile(final, []byte("old"), 0o644)
	must(t, os.Symlink("../c/final.bin", filepath.Join(dir, "b", "hop.bin")))
	must(t, os.Symlink("../b/hop.bin", filepath.Join(dir, "a", "first.bin")))
	// The folder on the way is a link too.
	must(t, os.Symlink("a", filepath.Join(dir, "alias")))
	p := filepath.Join(dir, "alias", "first.bin")
	if got, err := Resolve(p); err != nil || got != final {
		t.Fatalf("Resolve(%s) = %q, %v; want %s", p, got, err, final)
	}
	for _, tmpfile := range []bool{true, false} {
		useTmpfileFor(t, tmpfile)
		if err := WriteFile(p, []byte("new"), 0o644); err != nil {
			t.Fatal(err)
		}
		if readString(t, final) != "new" {
			t.Fatalf("final: %q", readString(t, final))
		}
		isLink(t, filepath.Join(dir, "a", "first.bin"), "../b/hop.bin")
		isLink(t, filepath.Join(dir, "b", "hop.bin"), "../c/final.bin")
		onlyEntries(t, filepath.Join(dir, "a"), "first.bin")
		onlyEntries(t, filepath.Join(dir, "b"), "hop.bin")
		onlyEntries(t, filepath.Join(dir, "c"), "final.bin")
	}
}

// TestDanglingSymlinkCreatesTarget: a link to a file that does not exist
// yet makes that file; the link stays.
func TestDanglingSymlinkCreatesTarget(t *testing.T) {
	for _, tmpfile := range []bool{true, false} {
		useTmpfileFor(t, tmpfile)
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, "sub"), 0o755)
		link := filepath.Join(dir, "link.bin")
		must(t, os.Symlink("sub/made.bin", link))
		if err := WriteFile(link, []byte("new"), 0o644); err != nil {
			t.Fatal(err)
		}
		isLink(t, link, "sub/made.bin")
		if readString(t, filepath.Join(dir, "sub", "made.bin")) != "new" {
			t.Fatal("target not written")
		}
		onlyEntries(t, filepath.Join(dir, "sub"), "made.bin")
	}
}

// TestDanglingSymlinkIntoMissingFolder: the error names the link, its
// target and the missing folder, and nothing is made.
func TestDanglingSymlinkIntoMissingFolder(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "link.bin")
	must(t, os.Symlink("nodir/x.bin", link))
	err := WriteFile(link, []byte("x"), 0o644)
	want := "create " + link + ": directory " + filepath.Join(dir, "nodir") + " does not exist (" + link + " is a symbolic link to " + filepath.Join(dir, "nodir", "x.bin") + ")"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v\nwant  %s", err, want)
	}
	onlyEntries(t, dir, "link.bin")
}

// TestSymlinkLoop: a loop of links is an error, not a hang.
func TestSymlinkLoop(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	must(t, os.Symlink("b", a))
	must(t, os.Symlink("a", b))
	if err := WriteFile(a, []byte("x"), 0o644); err == nil {
		t.Fatal("no error")
	}
	isLink(t, a, "b")
	isLink(t, b, "a")
	onlyEntries(t, dir, "a", "b")
}

// TestHardLink: writing one name of a file with two names replaces that
// name with a new file (mode kept); the other name keeps the old contents,
// so nothing is destroyed, and no temporary file is left.
func TestHardLink(t *testing.T) {
	for _, tmpfile := range []bool{true, false} {
		useTmpfileFor(t, tmpfile)
		dir := t.TempDir()
		a, b := filepath.Join(dir, "a.bin"), filepath.Join(dir, "b.bin")
		os.WriteFile(a, []byte("old"), 0o600)
		must(t, os.Link(a, b))
		if err := WriteFile(b, []byte("new"), 0o644); err != nil {
			t.Fatal(err)
		}
		sb, _ := os.Stat(b)
		if readString(t, a) != "old" || readString(t, b) != "new" || sb.Mode().Perm() != 0o600 {
			t.Fatalf("a %q, b %q mode %v; want old, new 0600", readString(t, a), readString(t, b), sb.Mode())
		}
		onlyEntries(t, dir, "a.bin", "b.bin")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
