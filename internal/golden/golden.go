package golden

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// UpdateEnv is the environment variable that turns golden comparisons into
// updates: UpdateEnv=1 rewrites every expected output that differs.
const UpdateEnv = "PIMC_UPDATE"

// Updating reports whether this test run rewrites goldens (PIMC_UPDATE=1).
func Updating() bool { return os.Getenv(UpdateEnv) == "1" }

// maxDiffLines bounds the diff printed for one mismatch.
const maxDiffLines = 300

// Case is one golden archive under test.
type Case struct {
	// Path is the archive's file, as given to Load.
	Path string
	// Archive is its content; Check rewrites expected sections in it.
	Archive *Archive

	t       testing.TB
	updated []string // sections Check rewrote
}

// Run runs f as one subtest per file matching pattern (filepath.Glob),
// named after the file without its directory and ".txtar", in name order.
// A pattern matching no file fails the test.
func Run(t *testing.T, pattern string, f func(t *testing.T, c *Case)) {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files match %s (%v)", pattern, err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			f(t, Load(t, file))
		})
	}
}

// Load reads the archive at path. When updating, the sections Check
// rewrote are written back after the test, unless it failed.
func Load(t testing.TB, path string) *Case {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v", err)
	}
	c := &Case{Path: path, Archive: Parse(data), t: t}
	t.Cleanup(c.save)
	return c
}

// save writes the archive back if Check rewrote a section and the test
// passed otherwise.
func (c *Case) save() {
	if len(c.updated) == 0 {
		return
	}
	if c.t.Failed() {
		c.t.Logf("%s: not updated: the case fails", c.Path)
		return
	}
	if err := os.WriteFile(c.Path, Format(c.Archive), 0o644); err != nil {
		c.t.Errorf("%v", err)
		return
	}
	c.t.Logf("updated %s: %s", c.Path, strings.Join(c.updated, ", "))
}

// Has reports whether the archive has a section called name.
func (c *Case) Has(name string) bool {
	_, ok := c.Archive.Lookup(name)
	return ok
}

// Input returns the section called name; a missing one fails the test.
func (c *Case) Input(name string) string {
	c.t.Helper()
	f, ok := c.Archive.Lookup(name)
	if !ok {
		c.t.Fatalf("%s: no section %q", c.Path, name)
	}
	return string(f.Data)
}

// Check compares got, given a final newline if it lacks one, with the
// expected section called name. On a difference it rewrites the section
// when updating, and otherwise fails the test with a -want +got diff and
// the command that updates this golden. It reports whether got matched.
func (c *Case) Check(name, got string) bool {
	c.t.Helper()
	got = string(withNewline([]byte(got)))
	f, ok := c.Archive.Lookup(name)
	if ok && string(f.Data) == got {
		return true
	}
	if Updating() {
		c.Archive.Set(name, []byte(got))
		c.updated = append(c.updated, name)
		return false
	}
	if !ok {
		c.t.Errorf("%s: no expected section %q; got:\n%s\nto add it: %s", displayPath(c.Path), name, got, UpdateCommand(c.t))
		return false
	}
	c.t.Errorf("%s: section %q differs (-want +got):\n%s\nto update: %s", displayPath(c.Path), name, clip(Diff(string(f.Data), got)), UpdateCommand(c.t))
	return false
}

// CheckFile compares got with the whole file at path, for goldens that are
// not archives; when updating it rewrites the file (creating it) instead.
// It reports whether got matched.
func CheckFile(t testing.TB, path string, got []byte) bool {
	t.Helper()
	want, err := os.ReadFile(path)
	if err == nil && bytes.Equal(want, got) {
		return true
	}
	if Updating() {
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("%s: not updated: the test fails", path)
				return
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Errorf("%v", err)
				return
			}
			t.Logf("updated %s", path)
		})
		return false
	}
	if err != nil {
		t.Errorf("%v\nto create it: %s", err, UpdateCommand(t))
		return false
	}
	t.Errorf("%s differs (-want +got):\n%s\nto update: %s", displayPath(path), clip(Diff(string(want), string(got))), UpdateCommand(t))
	return false
}

// UpdateCommand is the shell command that reruns test t, and only t, with
// PIMC_UPDATE=1, from the module root.
func UpdateCommand(t testing.TB) string {
	var pattern []string
	for _, part := range strings.Split(t.Name(), "/") {
		pattern = append(pattern, "^"+regexp.QuoteMeta(part)+"$")
	}
	return fmt.Sprintf("%s=1 go test %s -run '%s'", UpdateEnv, packageDir(), strings.Join(pattern, "/"))
}

// packageDir is the package under test (the working directory of a test)
// as a path relative to the module root: "./passes", or "." for the root.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	root := moduleRoot(wd)
	rel, err := filepath.Rel(root, wd)
	if err != nil || rel == "." {
		return "."
	}
	return "./" + filepath.ToSlash(rel)
}

// moduleRoot is the nearest directory at or above dir holding a go.mod,
// or dir itself.
func moduleRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// displayPath names a golden file relative to the module root, so the
// message says where it is whatever the package.
func displayPath(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	abs := path
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(wd, path)
	}
	if rel, err := filepath.Rel(moduleRoot(wd), abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return path
}

// clip shortens a long diff to its first maxDiffLines lines.
func clip(diff string) string {
	lines := splitLines(diff)
	if len(lines) <= maxDiffLines {
		return diff
	}
	return strings.Join(lines[:maxDiffLines], "") + fmt.Sprintf("... %d more diff lines\n", len(lines)-maxDiffLines)
}
