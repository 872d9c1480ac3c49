//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package outfile

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// namedTemps makes the test's writes use named temporary files (as on
// systems without O_TMPFILE), the ones a killed writer can leave.
func namedTemps(t *testing.T) {
	UseNamedTemp(true)
	t.Cleanup(func() { UseNamedTemp(false) })
}

const deadTemp = ".out.bin.tmp-0123456789abcdef"

// TestRemoveStaleKeepsLiveWriters: a temporary file nobody holds (its
// writer died) is removed; a pending write's is kept, and so are files
// that only look similar.
func TestRemoveStaleKeepsLiveWriters(t *testing.T) {
	namedTemps(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	live, err := Create(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Abort()
	lookAlikes := []string{".out.bin.tmp-", ".out.bin.tmp-0123456789ABCDEF", ".out.bin.tmp-0123", ".other.tmp-0123456789abcdef", "out.bin.tmp-0123456789abcdef"}
	for _, n := range append([]string{deadTemp}, lookAlikes...) {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := RemoveStale(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(dir, deadTemp)}; !slices.Equal(removed, want) {
		t.Errorf("removed %q, want %q", removed, want)
	}
	got := dirNames(t, dir)
	if !slices.Contains(got, filepath.Base(live.tmp)) || slices.Contains(got, deadTemp) || len(got) != 1+len(lookAlikes) {
		t.Errorf("left %q: want the live writer's %s and the look-alikes", got, filepath.Base(live.tmp))
	}
	if _, err := live.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := live.Commit(); err != nil {
		t.Fatalf("the live writer cannot commit after RemoveStale: %v", err)
	}
}

// TestCreateRemovesStale: the next write of a path, through a symbolic
// link too, cleans up the temporary file a dead writer left beside the
// file the link points to. With O_TMPFILE and without.
func TestCreateRemovesStale(t *testing.T) {
	for _, named := range []bool{false, true} {
		UseNamedTemp(named)
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, "real"), 0o755)
		os.WriteFile(filepath.Join(dir, "real", deadTemp), []byte("partial"), 0o644)
		os.Symlink(filepath.Join("real", "out.bin"), filepath.Join(dir, "link"))
		if err := WriteFile(filepath.Join(dir, "link"), []byte("whole"), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := dirNames(t, filepath.Join(dir, "real")); !slices.Equal(got, []string{"out.bin"}) {
			t.Errorf("named %v: left %q, want only out.bin", named, got)
		}
	}
	UseNamedTemp(false)
}

// TestRemoveStaleAfterSIGKILL: a writer in another process holds its
// temporary file until it is killed with SIGKILL, after which the file is
// stale. The child is this test binary running TestHelperPendingWrite.
func TestRemoveStaleAfterSIGKILL(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperPendingWrite$")
	cmd.Env = append(os.Environ(), "OUTFILE_HELPER_PATH="+p)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "pending ") {
		t.Fatalf("helper: %q, %v", line, err)
	}
	tmp := strings.TrimSpace(strings.TrimPrefix(line, "pending "))
	if removed, err := RemoveStale(p); err != nil || len(removed) != 0 {
		t.Fatalf("RemoveStale with the writer alive: removed %q, %v", removed, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(tmp); err != nil {
		t.Fatalf("the killed writer's temporary file is not there: %v", err)
	}
	removed, err := RemoveStale(p)
	if err != nil || !slices.Equal(removed, []string{tmp}) {
		t.Fatalf("RemoveStale after SIGKILL: removed %q, %v; want %s", removed, err, tmp)
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Errorf("left %q", got)
	}
}

// TestHelperPendingWrite is the child of TestRemoveStaleAfterSIGKILL: it
// starts a write to a named temporary file, prints its name and waits to
// be killed.
func TestHelperPendingWrite(t *testing.T) {
	p := os.Getenv("OUTFILE_HELPER_PATH")
	if p == "" {
		t.Skip("helper process of TestRemoveStaleAfterSIGKILL")
	}
	UseNamedTemp(true)
	f, err := Create(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("partial"))
	os.Stdout.WriteString("pending " + f.tmp + "\n")
	time.Sleep(time.Hour) // until killed
}
