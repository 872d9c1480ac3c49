//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pimc-dev/pimc/internal/outfile"
)

// TestMain lets a test run this binary as pimc itself, signal handling
// included (PIMC_TEST_MAIN=1; PIMC_TEST_NAMED_TEMP=1 takes the named
// temporary files of systems without O_TMPFILE).
func TestMain(m *testing.M) {
	if os.Getenv("PIMC_TEST_MAIN") == "1" {
		outfile.UseNamedTemp(os.Getenv("PIMC_TEST_NAMED_TEMP") == "1")
		main()
	}
	os.Exit(m.Run())
}

// lockedBuffer collects a child's stderr while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startPimc starts this test binary as pimc in dir.
func startPimc(t *testing.T, dir string, named bool, env []string, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "PIMC_TEST_MAIN=1"), env...)
	if named {
		cmd.Env = append(cmd.Env, "PIMC_TEST_NAMED_TEMP=1")
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, stderr
}

// waitFor polls cond for up to 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// pendingOutput reports whether process pid has an unfinished output in
// dir: a named temporary file there, or an O_TMPFILE file open (its
// /proc/PID/fd link reads "DIR/#INODE (deleted)").
func pendingOutput(pid int, dir string, named bool) bool {
	if named {
		ms, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
		return len(ms) > 0
	}
	fds := "/proc/" + strconv.Itoa(pid) + "/fd"
	ents, _ := os.ReadDir(fds)
	for _, e := range ents {
		if l, _ := os.Readlink(fds + "/" + e.Name()); strings.HasPrefix(l, dir+"/#") {
			return true
		}
	}
	return false
}

// TestInterruptLeavesNoPartialOutput: pimc compile stopped by SIGINT,
// SIGTERM or SIGHUP while an output is pending (its -cpuprofile, open from
// the start; the model is a pipe nobody writes, so the run waits there)
// exits 128+signal and leaves the folder as it was: no temporary file, no
// output, with both kinds of temporary file; SIGKILL leaves nothing either
// with O_TMPFILE. The old code left the profile (written in place with
// os.Create) and exited by the signal.
func TestInterruptLeavesNoPartialOutput(t *testing.T) {
	for _, c := range []struct {
		sig   syscall.Signal
		named bool
		code  int
	}{
		{syscall.SIGINT, true, 130}, {syscall.SIGTERM, true, 143}, {syscall.SIGHUP, true, 129},
		{syscall.SIGINT, false, 130}, {syscall.SIGKILL, false, -1},
	} {
		dir := t.TempDir()
		if err := syscall.Mkfifo(filepath.Join(dir, "m.onnx"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "p.pimb"), []byte("old program"), 0o644)
		cmd, stderr := startPimc(t, dir, c.named, nil, "compile", "m.onnx", "-o", "p.pimb", "-S", "p.pasm", "-cpuprofile", "cpu.prof")
		waitFor(t, "the pending profile", func() bool { return pendingOutput(cmd.Process.Pid, dir, c.named) })
		cmd.Process.Signal(c.sig)
		err := cmd.Wait()
		code := cmd.ProcessState.ExitCode()
		if code != c.code || c.code > 0 && !strings.Contains(stderr.String(), "pimc: stopped by") {
			t.Errorf("%v (named temp %v): exit %d (%v), want %d; stderr:\n%s", c.sig, c.named, code, err, c.code, stderr)
		}
		if got := entries(t, dir); got != "m.onnx p.pimb" {
			t.Errorf("%v (named temp %v): left %s", c.sig, c.named, got)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "p.pimb")); string(b) != "old program" {
			t.Errorf("%v: p.pimb changed", c.sig)
		}
	}
}

// TestInterruptedDemoRemovesItsFolder: pimc demo without -o works in a new
// temporary folder; SIGINT removes it whole (the old code left it, with
// the model, the calibration images and some programs).
func TestInterruptedDemoRemovesItsFolder(t *testing.T) {
	needMNIST(t)
	tmp := t.TempDir()
	cmd, stderr := startPimc(t, tmp, false, []string{"TMPDIR=" + tmp}, "demo", "-j", "1")
	waitFor(t, "the demo's folder", func() bool { return strings.Contains(stderr.String(), "files in") })
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d, want 130; stderr:\n%s", code, stderr)
	}
	if got := entries(t, tmp); got != "" {
		t.Errorf("left in TMPDIR: %s", got)
	}
}

func TestVersionCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"version"}, &out, &errb); code != exitOK {
		t.Fatalf("pimc version: exit %d, stderr %q", code, errb.String())
	}
	if s := out.String(); !strings.HasPrefix(s, "pimc ") || !strings.Contains(s, ", ISA v1.") || !strings.Contains(s, " go1.") {
		t.Errorf("pimc version printed %q", s)
	}
	out.Reset()
	if code := run([]string{"version", "-json"}, &out, &errb); code != exitOK {
		t.Fatalf("pimc version -json: exit %d", code)
	}
	var in map[string]any
	if err := json.Unmarshal(out.Bytes(), &in); err != nil || in["isa"] == nil || in["go"] == nil {
		t.Errorf("pimc version -json printed %q (%v)", out.String(), err)
	}
	if code := run([]string{"version", "extra"}, &out, &errb); code != exitUsage {
		t.Errorf("pimc version extra: exit %d, want %d", code, exitUsage)
	}
}
