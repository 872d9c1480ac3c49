//go:build unix

package battery

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Case is one hostile input given to the pimc binary.
//
// Beyond what a case states, every run is held to the generic rules of
// checkRun: exit code 3 (a bug) and panics are never acceptable, a failing
// run explains itself on stderr in a line starting with "pimc", every file
// Setup made is left as it was (regular files byte for byte, symlinks
// pointing where they pointed, devices and pipes still devices and pipes)
// unless Modify lists it, and no new file appears unless Keep lists it.
type Case struct {
	Name       string                         // unique subtest name
	Setup      func(t *testing.T, dir string) // makes the inputs in dir (the child's working directory)
	Args       []string                       // pimc arguments; relative paths resolve in dir
	Stdin      string                         // the child's standard input (default: empty)
	Code       int                            // wanted exit code
	Stderr     []string                       // substrings that must all appear in stderr (file/node/flag named)
	Stdout     []string                       // substrings that must all appear in stdout
	Keep       []string                       // globs (relative to dir) of new files the run may leave; "d/**" = all under d
	Modify     []string                       // globs of files made by Setup that the run may change (outputs written over)
	Check      func(t *testing.T, dir string) // extra assertions after the run
	MaxSeconds float64                        // wall-time limit (default defaultMaxSeconds)
	MaxRSSMiB  int64                          // child's peak resident set from rusage (default defaultMaxRSSMiB)
	NeedRoot   bool                           // skipped with a message when not root (mknod, chown, read-only dirs)
}

const (
	defaultMaxSeconds = 30
	defaultMaxRSSMiB  = 400
	// outputCap bounds what is kept of a child's stdout and stderr, so a
	// case that floods them fails on its assertions instead of filling
	// the test's memory.
	outputCap = 1 << 20
)

// pimcBin is the pimc binary TestMain builds.
var pimcBin string

// counts of cases run and skipped, printed by TestMain with -v.
var casesRun, casesSkipped atomic.Int64

func TestMain(m *testing.M) {
	if os.Getenv(measureEnv) != "" {
		os.Exit(trampoline(os.Args[1:]))
	}
	dir, err := os.MkdirTemp("", "pimc-battery-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "battery: %v\n", err)
		os.Exit(1)
	}
	pimcBin = filepath.Join(dir, "pimc")
	build := exec.Command(goTool(), "build", "-o", pimcBin, "./cmd/pimc")
	build.Dir = repoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "battery: building pimc: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	if testing.Verbose() {
		fmt.Printf("battery: %d cases run, %d skipped\n", casesRun.Load(), casesSkipped.Load())
	}
	cleanFixtures()
	os.RemoveAll(dir)
	os.Exit(code)
}

// goTool is the go command that runs these tests (so the binary is built
// by the same toolchain), else the one on PATH.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

// repoRoot is the module root, two levels above this package.
func repoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("BUG: battery: runtime.Caller cannot locate this file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// runCases runs every case as a parallel subtest of t.
func runCases(t *testing.T, cases []Case) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range cases {
		switch {
		case c.Name == "":
			t.Fatalf("a case has no name (args %q)", c.Args)
		case seen[c.Name]:
			t.Fatalf("two cases are named %q", c.Name)
		case c.Code == 3:
			t.Fatalf("case %q expects exit 3, which means a bug in pimc: fix pimc instead", c.Name)
		case c.Code != 0 && len(c.Stderr) == 0:
			t.Fatalf("case %q expects a failure but no message: list what stderr must name (the file, node or flag)", c.Name)
		}
		seen[c.Name] = true
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			runCase(t, c)
		})
	}
}

// runResult is what one child run produced.
type runResult struct {
	code           int // -1 when killed by a signal
	signal         string
	stdout, stderr string
	wall           time.Duration
	maxRSSMiB      float64
}

func runCase(t *testing.T, c Case) {
	if c.NeedRoot && os.Geteuid() != 0 {
		casesSkipped.Add(1)
		t.Skip("needs root (mknod, chown, permission checks that root bypasses differently): .ci/run runs the battery as root")
	}
	casesRun.Add(1)
	dir := t.TempDir()
	// Registered after TempDir, so it runs first: a case may leave
	// read-only directories, which RemoveAll cannot empty as a normal user.
	t.Cleanup(func() { makeWritable(dir) })
	tmp := filepath.Join(dir, ".tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	if c.Setup != nil {
		c.Setup(t, dir)
	}
	before := snapshot(t, dir)
	r := runPimc(t, dir, c)
	checkRun(t, c, r)
	checkFiles(t, c, before, snapshot(t, dir))
	if c.Check != nil {
		c.Check(t, dir)
	}
	if t.Failed() {
		t.Logf("pimc %s\nexit %d%s, %.2f s, peak RSS %.0f MiB\nstderr:\n%s\nstdout:\n%s",
			strings.Join(c.Args, " "), r.code, r.signal, r.wall.Seconds(), r.maxRSSMiB, indent(r.stderr), indent(r.stdout))
	}
}

// runPimc runs the binary in dir with TMPDIR inside dir (so temporary files
// it leaves are caught) and a hard deadline well past the case's limit.
func runPimc(t *testing.T, dir string, c Case) runResult {
	limit := c.MaxSeconds
	if limit == 0 {
		limit = defaultMaxSeconds
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(2*limit+5)*time.Second)
	defer cancel()
	var stdout, stderr cappedBuffer
	start := time.Now()
	m, err := runMeasured(ctx, c.Args, func(cmd *exec.Cmd) {
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TMPDIR="+filepath.Join(dir, ".tmp"))
		cmd.Stdin = strings.NewReader(c.Stdin)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
	})
	if err != nil {
		t.Fatalf("running pimc: %v", err)
	}
	r := runResult{wall: time.Since(start), stdout: stdout.String(), stderr: stderr.String(),
		code: m.code, maxRSSMiB: float64(m.maxRSSKiB) / 1024}
	if m.signal != 0 {
		r.signal = fmt.Sprintf(" (killed by %v)", m.signal)
	}
	return r
}

// maxRSSKiB converts rusage's peak resident set to KiB: Linux and the
// BSDs count KiB, macOS counts bytes.
func maxRSSKiB(ru *syscall.Rusage) int64 {
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss) / 1024
	}
	return int64(ru.Maxrss)
}

// checkRun holds the run to the case's wanted exit code, messages and
// limits, and to the rules every run must keep.
func checkRun(t *testing.T, c Case, r runResult) {
	t.Helper()
	if r.code != c.Code {
		t.Errorf("exit code %d%s, want %d", r.code, r.signal, c.Code)
	}
	for _, bad := range []string{"panic:", "goroutine ", "internal error", "BUG"} {
		if strings.Contains(r.stderr, bad) {
			t.Errorf("stderr contains %q: pimc crashed or hit a bug", bad)
		}
	}
	if c.Code != 0 {
		first, _, _ := strings.Cut(strings.TrimLeft(r.stderr, "\n"), "\n")
		if !strings.HasPrefix(first, "pimc") {
			t.Errorf("a failing run must say why on stderr, in a line starting with \"pimc\"; its first line is %q", first)
		}
	}
	for _, s := range c.Stderr {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr does not contain %q", s)
		}
	}
	for _, s := range c.Stdout {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("stdout does not contain %q", s)
		}
	}
	limit := c.MaxSeconds
	if limit == 0 {
		limit = defaultMaxSeconds
	}
	if r.wall.Seconds() > limit {
		t.Errorf("took %.1f s, limit %.0f s", r.wall.Seconds(), limit)
	}
	rss := c.MaxRSSMiB
	if rss == 0 {
		rss = defaultMaxRSSMiB
	}
	if r.maxRSSMiB > float64(rss) {
		t.Errorf("peak RSS %.0f MiB, limit %d MiB", r.maxRSSMiB, rss)
	}
}

// entry is what snapshot records of one file: enough to tell whether it
// was replaced, rewritten, retyped or re-pointed.
type entry struct {
	mode   fs.FileMode // type bits and permissions
	sum    [32]byte    // content of a regular file
	size   int64
	link   string // target of a symlink
	rdev   uint64 // device number of a device node
	uid    uint32
	gid    uint32
	inode  uint64 // a rename over the path changes it
	isTemp bool
}

// snapshot records every file under dir (symlinks not followed).
func snapshot(t *testing.T, dir string) map[string]entry {
	t.Helper()
	files := map[string]entry{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				return nil // an unreadable directory made by Setup
			}
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel == "." {
			return nil
		}
		info, err := os.Lstat(path)
		if err != nil {
			return err
		}
		e := entry{mode: info.Mode(), size: info.Size()}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			e.rdev, e.uid, e.gid, e.inode = uint64(st.Rdev), st.Uid, st.Gid, uint64(st.Ino)
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			e.link, _ = os.Readlink(path)
		case info.Mode().IsRegular():
			// Streamed, not read whole: the test process stays small
			// (see measure_test.go).
			sum, err := hashFile(path)
			if err != nil && !errors.Is(err, fs.ErrPermission) {
				return err
			}
			e.sum = sum
		}
		files[filepath.ToSlash(rel)] = e
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot of %s: %v", dir, err)
	}
	return files
}

// checkFiles compares the files before and after the run: nothing made by
// Setup may change unless Modify allows it, nothing new may appear unless
// Keep allows it.
func checkFiles(t *testing.T, c Case, before, after map[string]entry) {
	t.Helper()
	var names []string
	for name := range before {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b := before[name]
		a, ok := after[name]
		modifiable := matchAny(c.Modify, name)
		switch {
		case !ok:
			if !modifiable {
				t.Errorf("%s was removed", name)
			}
		case a.mode.Type() != b.mode.Type():
			t.Errorf("%s changed type from %v to %v", name, b.mode.Type(), a.mode.Type())
		case modifiable:
			// An output written over: type kept (checked above);
			// mode and owner are the output package's to keep.
			if a.mode.Perm() != b.mode.Perm() {
				t.Errorf("%s changed permissions from %v to %v", name, b.mode.Perm(), a.mode.Perm())
			}
			if a.uid != b.uid || a.gid != b.gid {
				t.Errorf("%s changed owner from %d:%d to %d:%d", name, b.uid, b.gid, a.uid, a.gid)
			}
		case a.link != b.link:
			t.Errorf("symlink %s now points to %q, was %q", name, a.link, b.link)
		case a.rdev != b.rdev:
			t.Errorf("device %s changed its device number", name)
		case a.mode.IsRegular() && (a.sum != b.sum || a.size != b.size):
			t.Errorf("%s was modified (%d -> %d bytes)", name, b.size, a.size)
		case a.mode.IsRegular() && a.inode != b.inode:
			t.Errorf("%s was replaced (new inode) though its content is the same", name)
		case a.mode.Perm() != b.mode.Perm():
			t.Errorf("%s changed permissions from %v to %v", name, b.mode.Perm(), a.mode.Perm())
		}
	}
	var added []string
	for name := range after {
		if _, ok := before[name]; !ok && !matchAny(c.Keep, name) {
			added = append(added, name)
		}
	}
	sort.Strings(added)
	for _, name := range added {
		t.Errorf("left behind: %s", name)
	}
}

// matchAny reports whether name matches one of the globs; "d/**" matches
// everything under d, and a directory pattern matches the directory too.
func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if prefix, ok := strings.CutSuffix(g, "/**"); ok {
			if name == prefix || strings.HasPrefix(name, prefix+"/") {
				return true
			}
			continue
		}
		if ok, err := filepath.Match(g, name); err != nil {
			panic(fmt.Sprintf("BUG: battery: bad glob %q: %v", g, err))
		} else if ok {
			return true
		}
	}
	return false
}

// makeWritable gives the owner write and search permission on every
// directory under dir so the test's cleanup can remove it.
func makeWritable(dir string) {
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if d != nil && d.IsDir() {
			if info, err := d.Info(); err == nil {
				os.Chmod(path, info.Mode().Perm()|0o700)
			}
		}
		return nil
	})
}

// cappedBuffer keeps the first outputCap bytes written to it and counts
// the rest.
type cappedBuffer struct {
	buf     bytes.Buffer
	dropped int64
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	room := outputCap - b.buf.Len()
	if room >= len(p) {
		return b.buf.Write(p)
	}
	if room > 0 {
		b.buf.Write(p[:room])
	}
	b.dropped += int64(len(p) - max(room, 0))
	return len(p), nil
}

func (b *cappedBuffer) String() string {
	if b.dropped > 0 {
		return b.buf.String() + fmt.Sprintf("\n[... %d more bytes not kept]", b.dropped)
	}
	return b.buf.String()
}

func indent(s string) string {
	if s == "" {
		return "    (empty)"
	}
	if len(s) > 4000 {
		s = s[:4000] + "\n[...]"
	}
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// hashFile is the SHA-256 of a file's content.
func hashFile(path string) (sum [32]byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
