package ir_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/testcorpus"
	"github.com/pimc-dev/pimc/ir"
)

// corpusDir returns ../shared/onnx-corpus relative to the repository root.
// It skips the test when the corpus is absent, or fails it when
// PIMC_REQUIRE_CORPUS=1.
func corpusDir(t *testing.T) string {
	t.Helper()
	return testcorpus.Root(t)
}

// TestCorpusRoundTrip imports every model of the corpus (models/ and
// light/) that the frontend accepts, verifies it, prints it with full
// constants, parses the text back and checks the result is bit-identical
// and prints to the same bytes. Models the frontend rejects are skipped
// here: that is the frontend's test. -short skips the models with over a
// million constant elements (seconds each).
func TestCorpusRoundTrip(t *testing.T) {
	dir := corpusDir(t)
	var paths []string
	for _, sub := range []string{"models", "light"} {
		err := filepath.WalkDir(filepath.Join(dir, sub), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".onnx") {
				paths = append(paths, p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(paths)
	if len(paths) == 0 {
		t.Fatal("no .onnx files in the corpus")
	}
	done := 0
	for _, p := range paths {
		rel, _ := filepath.Rel(dir, p)
		t.Run(rel, func(t *testing.T) {
			g, err := frontend.Load(p, frontend.Options{})
			if err != nil {
				t.Skipf("not importable: %v", firstLine(err.Error()))
			}
			if testing.Short() && constElems(g) > 1<<20 {
				t.Skip("large constants: skipped in -short mode")
			}
			if err := ir.Verify(g); err != nil {
				t.Errorf("imported graph fails Verify: %v", err)
			}
			var text bytes.Buffer
			if err := ir.Print(&text, g, ir.PrintOptions{}); err != nil {
				t.Fatal(err)
			}
			h, err := ir.Parse(rel+".pir", text.Bytes())
			if err != nil {
				t.Fatalf("Parse(Print(g)): %v", err)
			}
			if d := ir.DiffGraphs(g, h); len(d) > 0 {
				t.Fatalf("Parse(Print(g)) differs from g:\n%s", strings.Join(d, "\n"))
			}
			if constElems(g) <= 1<<20 {
				// (Implied by the exact comparison above and a
				// deterministic printer; checked where it is cheap.)
				var again bytes.Buffer
				if err := ir.Print(&again, h, ir.PrintOptions{}); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(text.Bytes(), again.Bytes()) {
					t.Fatal("printing the parsed graph gives different text")
				}
			}
			if err := ir.WriteDot(&bytes.Buffer{}, g); err != nil {
				t.Fatal(err)
			}
			if d := ir.DiffGraphs(g, ir.Clone(g)); len(d) > 0 {
				t.Fatalf("Clone differs:\n%s", strings.Join(d, "\n"))
			}
			done++
		})
	}
	t.Logf("%d of %d models round-tripped", done, len(paths))
}

// constElems counts the constant elements of g (the round trip's cost).
func constElems(g *ir.Graph) int {
	n := 0
	for _, c := range g.Consts {
		n += c.Type.NumElems()
	}
	return n
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}
