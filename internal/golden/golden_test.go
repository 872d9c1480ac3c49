package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeT records what the harness reports instead of failing the real test.
// Fatalf records too and does not stop the caller, which the harness
// tolerates by returning after it.
type fakeT struct {
	testing.TB
	name     string
	errors   []string
	logs     []string
	failed   bool
	cleanups []func()
}

func (f *fakeT) Helper()      {}
func (f *fakeT) Name() string { return f.name }
func (f *fakeT) Failed() bool { return f.failed }
func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
	f.failed = true
}
func (f *fakeT) Fatalf(format string, args ...any) { f.Errorf(format, args...) }
func (f *fakeT) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *fakeT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

// finish runs the cleanups, last registered first, as testing does.
func (f *fakeT) finish() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// archiveText is a golden case whose comment and input section must stay
// byte for byte through an update, trailing spaces and blank lines included.
const archiveText = "# A comment with trailing spaces   \n\n  indented line\n" +
	"-- input.pir --\npir 1\n\n\tkeep   this\n" +
	"-- output.pir --\nold line 1\nsame line\n" +
	"-- notes --\nnot an expected section\n"

func writeCase(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "case.txtar")
	if err := os.WriteFile(path, []byte(archiveText), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCheckMismatch: a differing section fails with the diff and the exact
// command that updates this golden, and the file is left alone.
func TestCheckMismatch(t *testing.T) {
	t.Setenv(UpdateEnv, "")
	path := writeCase(t)
	ft := &fakeT{TB: t, name: "TestGolden/canonical/dce"}
	c := Load(ft, path)
	if got := c.Input("input.pir"); got != "pir 1\n\n\tkeep   this\n" {
		t.Errorf("Input = %q", got)
	}
	if c.Check("output.pir", "new line 1\nsame line") {
		t.Error("Check reported a match")
	}
	ft.finish()
	if len(ft.errors) != 1 {
		t.Fatalf("errors %q, want one", ft.errors)
	}
	msg := ft.errors[0]
	for _, want := range []string{
		`section "output.pir" differs (-want +got):`,
		"--- want\n+++ got\n@@ -1,2 +1,2 @@\n-old line 1\n+new line 1\n same line\n",
		"to update: PIMC_UPDATE=1 go test ./internal/golden -run '^TestGolden$/^canonical$/^dce$'",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if data, _ := os.ReadFile(path); string(data) != archiveText {
		t.Errorf("file changed without PIMC_UPDATE:\n%s", data)
	}
}

// TestCheckMatch: an equal output (the final newline supplied) passes.
func TestCheckMatch(t *testing.T) {
	t.Setenv(UpdateEnv, "")
	ft := &fakeT{TB: t, name: "TestX"}
	c := Load(ft, writeCase(t))
	if !c.Check("output.pir", "old line 1\nsame line") || !c.Check("notes", "not an expected section\n") {
		t.Error("equal outputs reported as different")
	}
	ft.finish()
	if ft.failed {
		t.Errorf("errors: %q", ft.errors)
	}
}

// TestCheckMissingSection: an expected section the archive lacks fails
// with the output and the command that adds it; Input of a missing section
// fails.
func TestCheckMissingSection(t *testing.T) {
	t.Setenv(UpdateEnv, "")
	ft := &fakeT{TB: t, name: "TestX"}
	c := Load(ft, writeCase(t))
	c.Check("output.pasm", "halt\n")
	c.Input("pipeline")
	ft.finish()
	if len(ft.errors) != 2 || !strings.Contains(ft.errors[0], `no expected section "output.pasm"; got:`+"\nhalt\n") ||
		!strings.Contains(ft.errors[0], "to add it: PIMC_UPDATE=1 go test ./internal/golden -run '^TestX$'") ||
		!strings.Contains(ft.errors[1], `no section "pipeline"`) {
		t.Errorf("errors: %q", ft.errors)
	}
}

// TestUpdateRewritesOnlyExpected: with PIMC_UPDATE=1 a differing section
// is rewritten and a missing one appended, the test passes, and the comment,
// the input section and sections Check was not given stay byte for byte.
func TestUpdateRewritesOnlyExpected(t *testing.T) {
	t.Setenv(UpdateEnv, "1")
	path := writeCase(t)
	ft := &fakeT{TB: t, name: "TestX"}
	c := Load(ft, path)
	c.Check("output.pir", "new line 1\nsame line\n")
	c.Check("error", "none")
	ft.finish()
	if ft.failed {
		t.Fatalf("errors: %q", ft.errors)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(archiveText, "old line 1", "new line 1", 1) + "-- error --\nnone\n"
	if string(data) != want {
		t.Errorf("updated file:\n%s\nwant:\n%s\ndiff:\n%s", data, want, Diff(want, string(data)))
	}
	if len(ft.logs) != 1 || !strings.Contains(ft.logs[0], "updated") || !strings.Contains(ft.logs[0], "output.pir, error") {
		t.Errorf("logs: %q", ft.logs)
	}
}

// TestUpdateSkipsFailingCase: a case that fails another check (e.g. the
// interpreter disagrees before and after) is not rewritten.
func TestUpdateSkipsFailingCase(t *testing.T) {
	t.Setenv(UpdateEnv, "1")
	path := writeCase(t)
	ft := &fakeT{TB: t, name: "TestX"}
	c := Load(ft, path)
	c.Check("output.pir", "new\n")
	ft.Errorf("outputs differ before and after the pipeline")
	ft.finish()
	if data, _ := os.ReadFile(path); string(data) != archiveText {
		t.Errorf("a failing case was rewritten:\n%s", data)
	}
	if len(ft.logs) != 1 || !strings.Contains(ft.logs[0], "not updated") {
		t.Errorf("logs: %q", ft.logs)
	}
}

// TestCheckFile: a whole-file golden fails with a diff and the command, is
// created or rewritten when updating, and passes when equal.
func TestCheckFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prog.pimb.hex")

	t.Setenv(UpdateEnv, "")
	ft := &fakeT{TB: t, name: "TestHex/dot.pasm"}
	CheckFile(ft, path, []byte("00000000: 0102\n"))
	ft.finish()
	if len(ft.errors) != 1 || !strings.Contains(ft.errors[0], "to create it: PIMC_UPDATE=1 go test ./internal/golden -run '^TestHex$/^dot\\.pasm$'") {
		t.Fatalf("missing file: %q", ft.errors)
	}

	t.Setenv(UpdateEnv, "1")
	ft = &fakeT{TB: t, name: "TestHex"}
	CheckFile(ft, path, []byte("00000000: 0102\n"))
	ft.finish()
	if data, err := os.ReadFile(path); ft.failed || err != nil || string(data) != "00000000: 0102\n" {
		t.Fatalf("update: %q %v %q", data, err, ft.errors)
	}

	t.Setenv(UpdateEnv, "")
	ft = &fakeT{TB: t, name: "TestHex"}
	if !CheckFile(ft, path, []byte("00000000: 0102\n")) || CheckFile(ft, path, []byte("00000000: 0103\n")) {
		t.Error("CheckFile results wrong")
	}
	ft.finish()
	if len(ft.errors) != 1 || !strings.Contains(ft.errors[0], "-00000000: 0102\n+00000000: 0103\n") {
		t.Errorf("mismatch: %q", ft.errors)
	}
}

// TestRun: one subtest per file, named after it, each with its case.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b", "a"} {
		if err := os.WriteFile(filepath.Join(dir, n+".txtar"), []byte("-- x --\n"+n+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	Run(t, filepath.Join(dir, "*.txtar"), func(t *testing.T, c *Case) {
		seen = append(seen, t.Name()+"="+strings.TrimSpace(c.Input("x")))
	})
	if got := strings.Join(seen, " "); got != "TestRun/a=a TestRun/b=b" {
		t.Errorf("ran %s", got)
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("+x\n", maxDiffLines+5)
	if got := clip(long); !strings.HasSuffix(got, "... 5 more diff lines\n") || strings.Count(got, "\n") != maxDiffLines+1 {
		t.Errorf("clip: %d lines, ends %q", strings.Count(got, "\n"), got[len(got)-30:])
	}
}
