package backend_test

import (
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/target"
)

// TestQDQMoves compiles the QDQ sandwiches of testdata/qdq/moves
// (gen_moves.py): DequantizeLinear, then Concat, Reshape, Transpose, Slice
// or Split in float, then QuantizeLinear. The moves run on the codes on the
// device (no float data movement left on the host), an input of the ending
// encoding as it is and any other through one requantization table; the
// quantized graph's outputs equal the imported model's on the interpreter
// exactly, and the simulator is bit-exact with it.
func TestQDQMoves(t *testing.T) {
	for _, tc := range []struct {
		name   string
		shape  []int
		tables int
	}{{"shuffle_equal", []int{1, 4, 5, 5}, 0}, {"shuffle_requant", []int{1, 4, 5, 5}, 2}, {"split_slice", []int{1, 4, 6, 6}, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := "../testdata/qdq/moves/" + tc.name + "/"
			g := quantizeModel(t, dir+"model.onnx", "")
			tables := 0
			for _, n := range g.Nodes {
				switch n.Op {
				case ir.OpQLut:
					tables++
				case ir.OpConcat, ir.OpReshape, ir.OpTranspose, ir.OpSlice, ir.OpSplit:
					if !n.Outputs[0].Type.DType.IsInt() {
						t.Errorf("%s %q moves floats on the host", n.Op, n.Name)
					}
				}
			}
			if tables != tc.tables {
				t.Errorf("%d requantization tables, want %d", tables, tc.tables)
			}
			inputs := inputsWithStored(t, dir, tc.shape, 5, -2, 4, 40)
			checkSameAsModel(t, dir+"model.onnx", "imported model", g, inputs)
			compileAndCheck(t, g, target.Default(), inputs...)
		})
	}
}
