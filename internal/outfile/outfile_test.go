package outfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWriteFileReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("new contents"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "new contents" {
		t.Fatalf("got %q", got)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temporary files left behind: %v", ents)
	}
}

func TestAbortLeavesTarget(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	os.WriteFile(p, []byte("old"), 0o644)
	f, err := Create(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("partial"))
	f.Abort()
	got, _ := os.ReadFile(p)
	if string(got) != "old" {
		t.Fatalf("target changed to %q", got)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temporary files left behind: %v", ents)
	}
}

// TestCreateInMissingDirectory: the error names the target and its missing
// directory, not the temporary file's random name.
func TestCreateInMissingDirectory(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nodir", "out.bin")
	err := WriteFile(p, []byte("x"), 0o644)
	if err == nil {
		t.Fatal("no error")
	}
	want := "create " + p + ": directory " + filepath.Dir(p) + " does not exist"
	if err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
}

// TestWriteOverDirectory: a target that is a directory is reported as such
// and the temporary file is removed.
func TestWriteOverDirectory(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub")
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(p, []byte("x"), 0o644)
	if err == nil || err.Error() != "write "+p+": is a directory" {
		t.Fatalf("error %v, want write %s: is a directory", err, p)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("temporary files left behind: %v", ents)
	}
}

// onlyEntries fails unless dir holds exactly the names want (no temporary
// file left behind).
func onlyEntries(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("%s holds %q, want %q", dir, got, want)
	}
}

func readString(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

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
