//go:build linux

package outfile

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestMain lets a test run this binary as a child that starts an output
// and waits to be killed (OUTFILE_TEST_CHILD=path).
func TestMain(m *testing.M) {
	if p := os.Getenv("OUTFILE_TEST_CHILD"); p != "" {
		useTmpfile = os.Getenv("OUTFILE_TEST_NAMED") == ""
		f, err := Create(p, 0o644)
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		f.Write([]byte("half of the output"))
		os.Stdout.WriteString("ready\n")
		select {}
	}
	os.Exit(m.Run())
}

// unnamedOpen reports whether this process holds an O_TMPFILE file of dir
// open: its /proc/self/fd link reads "DIR/#INODE (deleted)".
func unnamedOpen(dir string) bool {
	ents, _ := os.ReadDir("/proc/self/fd")
	for _, e := range ents {
		l, _ := os.Readlink("/proc/self/fd/" + e.Name())
		if strings.HasPrefix(l, dir+"/#") && strings.HasSuffix(l, " (deleted)") {
			return true
		}
	}
	return false
}

// TestUnnamedWhilePending: with O_TMPFILE the pending output has no name in
// the folder at all; Commit gives it the target's name (new file) or
// replaces the target (existing file).
func TestUnnamedWhilePending(t *testing.T) {
	useTmpfileFor(t, true)
	dir := t.TempDir()
	for _, exists := range []bool{false, true} {
		p := filepath.Join(dir, "out.bin")
		if exists {
			must(t, os.WriteFile(p, []byte("old"), 0o644))
		}
		f, err := Create(p, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("new"))
		if f.tmp != "" || !unnamedOpen(dir) {
			t.Fatalf("exists %v: not an O_TMPFILE file (tmp %q)", exists, f.tmp)
		}
		if exists {
			onlyEntries(t, dir, "out.bin")
		} else {
			onlyEntries(t, dir)
		}
		must(t, f.Commit())
		if readString(t, p) != "new" || unnamedOpen(dir) {
			t.Fatalf("exists %v: %q after Commit", exists, readString(t, p))
		}
		onlyEntries(t, dir, "out.bin")
		os.Remove(p)
	}
}

// TestLinkWithoutProc: with no /proc/self/fd to link from, root links the
// unnamed file with AT_EMPTY_PATH.
func TestLinkWithoutProc(t *testing.T) {
	needRoot(t)
	useTmpfileFor(t, true)
	old := procFD
	procFD = "/nonexistent/proc/self/fd"
	t.Cleanup(func() { procFD = old })
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	must(t, os.WriteFile(p, []byte("old"), 0o644))
	f, err := Create(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("new"))
	if f.tmp != "" {
		t.Fatal("named temporary file used")
	}
	must(t, f.Commit())
	if readString(t, p) != "new" {
		t.Fatal(readString(t, p))
	}
	onlyEntries(t, dir, "out.bin")
}

// TestNamedTempAndAbortPending: without O_TMPFILE the pending output is a
// hidden temporary file next to the target; AbortPending (the CLI's signal
// handler) removes it, later commits fail and the target is untouched.
func TestNamedTempAndAbortPending(t *testing.T) {
	useTmpfileFor(t, false)
	t.Cleanup(func() { pending.Lock(); pending.aborted = false; pending.Unlock() })
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	must(t, os.WriteFile(p, []byte("old"), 0o644))
	f, err := Create(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("new"))
	if !strings.HasPrefix(filepath.Base(f.tmp), ".out.bin.tmp-") {
		t.Fatalf("temporary file %q", f.tmp)
	}
	onlyEntries(t, dir, filepath.Base(f.tmp), "out.bin")
	scratch := filepath.Join(dir, "scratch")
	must(t, os.Mkdir(scratch, 0o755))
	RemoveOnAbort(scratch)
	if n := AbortPending(); n != 2 {
		t.Fatalf("AbortPending removed %d, want 2", n)
	}
	onlyEntries(t, dir, "out.bin")
	if err := f.Commit(); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("Commit after AbortPending: %v", err)
	}
	if readString(t, p) != "old" {
		t.Fatal("target changed")
	}
	if _, err := Create(filepath.Join(dir, "later.bin"), 0o644); err == nil {
		t.Fatal("Create after AbortPending succeeded")
	}
	onlyEntries(t, dir, "out.bin")
}

// TestKilledLeavesNothing: a process killed with SIGKILL in the middle of
// an output leaves the folder as it was with O_TMPFILE (the old code, and
// the named fallback, leave a temporary file: the limit the package doc
// states).
func TestKilledLeavesNothing(t *testing.T) {
	for _, named := range []bool{false, true} {
		dir := t.TempDir()
		p := filepath.Join(dir, "out.bin")
		must(t, os.WriteFile(p, []byte("old"), 0o644))
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "OUTFILE_TEST_CHILD="+p)
		if named {
			cmd.Env = append(cmd.Env, "OUTFILE_TEST_NAMED=1")
		}
		out, err := cmd.StdoutPipe()
		must(t, err)
		must(t, cmd.Start())
		line, _ := bufio.NewReader(out).ReadString('\n')
		if line != "ready\n" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child: %q", line)
		}
		must(t, cmd.Process.Signal(syscall.SIGKILL))
		cmd.Wait()
		if readString(t, p) != "old" {
			t.Fatal("target changed")
		}
		ents, _ := os.ReadDir(dir)
		if named {
			if len(ents) != 2 {
				t.Fatalf("named fallback: %d entries, want the target and the temporary file", len(ents))
			}
			continue
		}
		onlyEntries(t, dir, "out.bin")
	}
}
