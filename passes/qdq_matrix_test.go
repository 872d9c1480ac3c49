package passes

import (
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir"
)

// TestConstantFoldKeepsQDQWeights: canonicalize keeps the dequantize_linear
// of a QDQ conv's weight and bias codes (testdata/qdq/matrix/conv), so the
// quantize pass sees the model's codes; when the conv's float output is
// also a graph output (no sandwich), they are folded as before.
func TestConstantFoldKeepsQDQWeights(t *testing.T) {
	for _, sandwich := range []bool{true, false} {
		g, err := frontend.Load("../testdata/qdq/matrix/conv/model.onnx", frontend.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !sandwich {
			for _, n := range g.Nodes {
				if n.Op == ir.OpConv {
					g.Outputs = append(g.Outputs, n.Outputs[0])
				}
			}
		}
		if err := NewManager().RunString(g, "canonicalize"); err != nil {
			t.Fatal(err)
		}
		kept := 0
		for _, n := range g.Nodes {
			if n.Op == ir.OpDequantizeLinear && n.Inputs[0].IsConst() {
				kept++
			}
		}
		if want := map[bool]int{true: 2, false: 0}[sandwich]; kept != want {
			t.Errorf("sandwich %v: %d dequantize_linear of constant codes kept, want %d\n%s", sandwich, kept, want, g)
		}
	}
}
