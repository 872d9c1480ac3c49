package backend_test

import (
	"math/rand"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/target"
	"github.com/pimc-dev/pimc/tensorio"
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
			imported, err := frontend.Load(dir+"model.onnx", frontend.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var inputs [][]*tensor.Tensor
			r := rand.New(rand.NewSource(5))
			for range 40 {
				x := tensor.New(tensor.Float32, tc.shape...)
				for i := range x.F32 {
					x.F32[i] = float32(r.Float64()*4 - 2)
				}
				inputs = append(inputs, []*tensor.Tensor{x})
			}
			stored, err := tensorio.Read(dir + "test_data_set_0/input_0.pb")
			if err != nil {
				t.Fatal(err)
			}
			inputs = append(inputs, []*tensor.Tensor{stored})
			for i, in := range inputs {
				want, err := interp.Run(imported, in)
				if err != nil {
					t.Fatal(err)
				}
				got, err := interp.Run(g, in)
				if err != nil {
					t.Fatal(err)
				}
				if d := firstDiff(want[0], got[0]); d >= 0 {
					t.Fatalf("input %d, element %d: quantized graph %v, imported model %v", i, d, got[0].Float64At(d), want[0].Float64At(d))
				}
			}
			compileAndCheck(t, g, target.Default(), inputs...)
		})
	}
}
