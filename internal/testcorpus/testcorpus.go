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

// Root returns the shared ONNX corpus (see Dir) joined with the optional
// sub-path elements, skipping or failing t via Missing when it is absent.
func Root(t testing.TB, sub ...string) string {
	t.Helper()
	dir := filepath.Join(append([]string{Dir()}, sub...)...)
	return Path(t, dir, "the shared ONNX corpus ("+dir+")")
}

// Dir is where the shared ONNX corpus is expected: ../shared/onnx-corpus
// relative to the repository root. It does not check that it exists: a fuzz
// test takes seeds from it when present and runs without them otherwise.
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("BUG: testcorpus: runtime.Caller cannot locate this file")
	}
	// file is <repo>/internal/testcorpus/testcorpus.go.
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "onnx-corpus")
}
