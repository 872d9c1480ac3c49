package tensorio

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/testcorpus"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// corpusDir returns the ONNX test corpus (../shared/onnx-corpus relative to
// the repository root). It skips the test when the corpus is absent, or
// fails it when PIMC_REQUIRE_CORPUS=1.
func corpusDir(t testing.TB) string {
	t.Helper()
	return testcorpus.Root(t)
}

func findFiles(t *testing.T, root, suffix string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, suffix) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// exoticType matches the error for element types pimc's tensors do not
// have (the sub-byte and 8-bit float types of the Q/DQ node tests).
var exoticType = regexp.MustCompile(`element type (FLOAT8\w+|U?INT[24]|FLOAT4E2M1) is not supported`)

// TestCorpusTensors reads every stored test tensor of the corpus.
func TestCorpusTensors(t *testing.T) {
	dir := corpusDir(t)
	n := 0
	for _, p := range findFiles(t, dir, ".pb") {
		_, err := Read(p)
		if err != nil && !exoticType.MatchString(err.Error()) {
			t.Errorf("%v", err)
		}
		n++
	}
	if n < 900 {
		t.Errorf("read only %d .pb tensors", n)
	}
}

func TestCorpusNPZ(t *testing.T) {
	dir := corpusDir(t)
	for i := 0; i < 3; i++ {
		p := filepath.Join(dir, "models", "mnist-cntk-zoo", fmt.Sprintf("test_data_%d.npz", i))
		m, err := ReadNPZ(p)
		if err != nil {
			t.Fatal(err)
		}
		in, out := m["inputs"], m["outputs"]
		if in == nil || out == nil {
			t.Fatalf("%s: arrays %v, want inputs and outputs", p, keys(m))
		}
		if in.String() != "f32[1,28,28]" || out.String() != "f32[1,10]" {
			t.Errorf("%s: inputs %s outputs %s, want f32[1,28,28] and f32[1,10]", p, in, out)
		}
	}
	// The three stored digits are 5, 0, 4 (PROVENANCE.md).
	for i, digit := range []int{5, 0, 4} {
		m, err := ReadNPZ(filepath.Join(dir, "models", "mnist-cntk-zoo", fmt.Sprintf("test_data_%d.npz", i)))
		if err != nil {
			t.Fatal(err)
		}
		best := 0
		for j, v := range m["outputs"].F32 {
			if v > m["outputs"].F32[best] {
				best = j
			}
		}
		if best != digit {
			t.Errorf("test_data_%d: argmax %d, want %d", i, best, digit)
		}
	}
	for _, p := range findFiles(t, filepath.Join(dir, "models", "tract-test-cases"), ".npz") {
		if _, err := ReadNPZ(p); err != nil {
			t.Error(err)
		}
	}
}

func keys(m map[string]*tensor.Tensor) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
