package passes

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/golden"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// goldenMinCos is the least cosine similarity between the float graph's
// float outputs and the quantized graph's, on random inputs, that a
// quantize golden may record.
const goldenMinCos = 0.95

// TestGolden runs the pass goldens (internal/golden), one txtar archive per
// case in testdata/canonical, testdata/quantize and testdata/map:
//
//	-- pipeline --    the pipeline string
//	-- input.pir --   the graph
//	-- output.pir --  expected: the graph after the pipeline, or
//	-- error --       expected: the pipeline's error
//
// A golden can only record a rewrite that keeps the graph's meaning: the
// interpreter runs on random inputs before and after, and the outputs must
// agree within float rounding (relTol) for a float pipeline, bit for bit
// once the input is quantized (integer semantics are exact), and within
// goldenMinCos where the pipeline quantizes. The printed output parses back
// to a graph the interpreter runs to the same bits, so the golden text is
// the graph. PIMC_UPDATE=1 rewrites the expected sections.
//
// The float kernels round differently on different CPUs (AVX-512, AVX2,
// pure Go), so a quantize golden calibrates only to ranges that do not
// depend on rounding: the input's, and clip bounds the calibration exceeds.
func TestGolden(t *testing.T) {
	for _, dir := range []string{"canonical", "quantize", "map"} {
		t.Run(dir, func(t *testing.T) {
			golden.Run(t, filepath.Join("testdata", dir, "*.txtar"), runPassGolden)
		})
	}
}

func runPassGolden(t *testing.T, c *golden.Case) {
	pipeline := strings.TrimSpace(c.Input("pipeline"))
	g, err := ir.Parse(c.Path+":input.pir", []byte(c.Input("input.pir")))
	if err != nil {
		t.Fatal(err)
	}
	before := ir.Clone(g)
	ins := randomInputs(g, 7)
	m := NewManager()
	m.CheckChanged = true
	m.DumpDir = t.TempDir()
	if err := m.RunString(g, pipeline); err != nil {
		if c.Has("output.pir") {
			t.Fatalf("%s: %v", pipeline, err)
		}
		c.Check("error", err.Error())
		return
	}
	if c.Has("error") {
		t.Fatalf("%s succeeded; the golden expects an error", pipeline)
	}
	var buf bytes.Buffer
	if err := ir.Print(&buf, g, ir.PrintOptions{}); err != nil {
		t.Fatal(err)
	}
	checkGoldenMeaning(t, before, g, ins)
	checkParsesBack(t, g, buf.Bytes(), ins)
	c.Check("output.pir", buf.String())
}

// checkGoldenMeaning compares the interpreter's outputs of the graph
// before and after the pipeline, as strictly as the stages allow.
func checkGoldenMeaning(t *testing.T, before, after *ir.Graph, ins []*tensor.Tensor) {
	t.Helper()
	integerBefore := before.Stage >= ir.StageQuantized
	switch {
	case !integerBefore && after.Stage >= ir.StageQuantized:
		for seed := range int64(4) {
			closeOutputs(t, before, after, randomInputs(before, 7+seed), goldenMinCos)
		}
	default:
		want, err := interp.Run(before, ins)
		if err != nil {
			t.Fatalf("interp before: %v", err)
		}
		got, err := interp.Run(after, ins)
		if err != nil {
			t.Fatalf("interp after: %v", err)
		}
		if integerBefore {
			checkSameBits(t, "before and after the pipeline", got, want)
		} else if err := compareOutputs(got, want); err != nil {
			t.Fatalf("before and after the pipeline: %v", err)
		}
	}
}

// checkParsesBack parses text, the printed g, and requires the interpreter
// to give the same bits on both graphs.
func checkParsesBack(t *testing.T, g *ir.Graph, text []byte, ins []*tensor.Tensor) {
	t.Helper()
	back, err := ir.Parse("output.pir", text)
	if err != nil {
		t.Fatalf("the printed output does not parse: %v", err)
	}
	want, err := interp.Run(g, ins)
	if err != nil {
		t.Fatal(err)
	}
	got, err := interp.Run(back, ins)
	if err != nil {
		t.Fatal(err)
	}
	checkSameBits(t, "the graph and its printed text", got, want)
}

// checkSameBits fails unless got and want are equal bit for bit.
func checkSameBits(t *testing.T, what string, got, want []*tensor.Tensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d outputs, want %d", what, len(got), len(want))
	}
	for k := range want {
		if !tensor.Equal(got[k], want[k]) {
			t.Fatalf("%s: output %d differs: %v, want %v", what, k, got[k], want[k])
		}
	}
}
