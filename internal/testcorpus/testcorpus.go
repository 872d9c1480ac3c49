// Package testcorpus locates the external test data that tests read (the
// shared ONNX corpus beside the repository, files of Debian packages) and
// applies the project's rule for it in one place: a test whose data is
// absent is skipped with a message naming what is missing, unless
// PIMC_REQUIRE_CORPUS=1 (set by .ci/run), which makes it fail instead.
//
// Only tests import this package. Allowed imports: the standard library.
package testcorpus

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Required reports whether missing test data must fail tests
// (PIMC_REQUIRE_CORPUS=1) rather than skip them.
func Required() bool { return os.Getenv("PIMC_REQUIRE_CORPUS") == "1" }

// Missing skips t (or fails it when Required) because what is unavailable;
// err says why.
func Missing(t testing.TB, what string, err error) {
	t.Helper()
	if Required() {
		t.Fatalf("%s is required (PIMC_REQUIRE_CORPUS=1) but unavailable: %v", what, err)
	}
	t.Skipf("%s not available, skipping (set PIMC_REQUIRE_CORPUS=1 to make this fatal): %v", what, err)
}

// Path returns path if it exists, else skips or fails t via Missing.
func Path(t testing.TB, path, what string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		Missing(t, what, err)
	}
	return path
}

// Root returns the shared ONNX corpus, ../shared/onnx-corpus relative to the
// repository root, joined with the optional sub-path elements.
func Root(t testing.TB, sub ...string) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("testcorpus: cannot locate the repository")
	}
	// file is <repo>/internal/testcorpus/testcorpus.go.
	dir := filepath.Join(append([]string{filepath.Dir(file), "..", "..", "..", "shared", "onnx-corpus"}, sub...)...)
	return Path(t, dir, "the shared ONNX corpus ("+dir+")")
}
