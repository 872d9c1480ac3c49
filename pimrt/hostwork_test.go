package pimrt

import (
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// TestHostOpWork: each counting rule of hostwork.go on hand-sized tensors.
func TestHostOpWork(t *testing.T) {
	f := func(shape ...int) *tensor.Tensor { return tensor.New(tensor.Float32, shape...) }
	node := func(op ir.Op, attrs ir.Attrs) *ir.Node { return &ir.Node{Op: op, Attrs: attrs} }
	cases := []struct {
		name     string
		n        *ir.Node
		ins      []*tensor.Tensor
		outs     []*tensor.Tensor
		ops, fns int64
	}{
		// 8 filters of 4 channels x 3x3 over a 5x5 output: 200 outputs x 36 MACs x 2.
		{"conv", node(ir.OpConv, nil), []*tensor.Tensor{f(1, 4, 7, 7), f(8, 4, 3, 3)}, []*tensor.Tensor{f(1, 8, 5, 5)}, 2 * 200 * 36, 0},
		// every one of 2x3x3 inputs feeds 5 channels x 2x2 outputs.
		{"conv_transpose", node(ir.OpConvTranspose, nil), []*tensor.Tensor{f(1, 2, 3, 3), f(2, 5, 2, 2)}, []*tensor.Tensor{f(1, 5, 6, 6)}, 2 * 18 * 20, 0},
		{"matmul", node(ir.OpMatMul, nil), []*tensor.Tensor{f(3, 7), f(7, 4)}, []*tensor.Tensor{f(3, 4)}, 2 * 12 * 7, 0},
		{"gemm trans_a", node(ir.OpGemm, ir.Attrs{"trans_a": ir.IntAttr(1)}), []*tensor.Tensor{f(7, 3), f(7, 4)}, []*tensor.Tensor{f(3, 4)}, 2 * 12 * 7, 0},
		{"max_pool", node(ir.OpMaxPool, ir.Attrs{"kernel": ir.IntsAttr(3, 3)}), []*tensor.Tensor{f(1, 2, 6, 6)}, []*tensor.Tensor{f(1, 2, 2, 2)}, 8 * 9, 0},
		{"global_avg_pool", node(ir.OpGlobalAvgPool, nil), []*tensor.Tensor{f(1, 16, 4, 4)}, []*tensor.Tensor{f(1, 16, 1, 1)}, 256, 0},
		{"softmax", node(ir.OpSoftmax, ir.Attrs{"axis": ir.IntAttr(1)}), []*tensor.Tensor{f(2, 10)}, []*tensor.Tensor{f(2, 10)}, 60, 20},
		{"reduce_sum", node("reduce_sum", nil), []*tensor.Tensor{f(2, 10)}, []*tensor.Tensor{f(2, 1)}, 20, 0},
		{"sigmoid", node(ir.OpSigmoid, nil), []*tensor.Tensor{f(3, 5)}, []*tensor.Tensor{f(3, 5)}, 0, 15},
		{"erf", node("erf", nil), []*tensor.Tensor{f(3, 5)}, []*tensor.Tensor{f(3, 5)}, 0, 15},
		{"abs", node("abs", nil), []*tensor.Tensor{f(3, 5)}, []*tensor.Tensor{f(3, 5)}, 15, 0},
		{"add", node(ir.OpAdd, nil), []*tensor.Tensor{f(3, 5), f(5)}, []*tensor.Tensor{f(3, 5)}, 15, 0},
		{"quantize", node("quantize", nil), []*tensor.Tensor{f(3, 5)}, []*tensor.Tensor{tensor.New(tensor.Int8, 3, 5)}, 45, 0},
		{"hard_swish", node(ir.OpHardSwish, nil), []*tensor.Tensor{f(3, 5)}, []*tensor.Tensor{f(3, 5)}, 60, 0},
		{"split", node(ir.OpSplit, nil), []*tensor.Tensor{f(4, 5)}, []*tensor.Tensor{f(2, 5), f(2, 5)}, 20, 0},
		{"reshape", node(ir.OpReshape, nil), []*tensor.Tensor{f(4, 5)}, []*tensor.Tensor{f(20)}, 0, 0},
	}
	for _, c := range cases {
		if ops, fns := hostOpWork(c.n, c.ins, c.outs); ops != c.ops || fns != c.fns {
			t.Errorf("%s: %d element ops, %d functions; want %d, %d", c.name, ops, fns, c.ops, c.fns)
		}
	}
}
