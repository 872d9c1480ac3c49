package passes

import (
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// gallery holds small hand-built graphs covering what the float passes
// rewrite. Each builder returns a fresh graph.
var gallery = map[string]func(t *testing.T) *ir.Graph{
	"classifier": func(t *testing.T) *ir.Graph {
		b := newBuilder(t)
		x := b.input("data", 1, 3, 8, 8)
		h := b.node(ir.OpRelu, nil, b.batchNorm(b.conv2d(x, 6, 3, true)))
		h = b.node(ir.OpMaxPool, ir.Attrs{"kernel": ir.IntsAttr(2, 2), "strides": ir.IntsAttr(2, 2), "pads": ir.IntsAttr(0, 0, 0, 0), "dilations": ir.IntsAttr(1, 1)}, h)
		h = b.node(ir.OpFlatten, ir.Attrs{"axis": ir.IntAttr(1)}, h) // [1, 96]
		h = b.node(ir.OpDropout, nil, h)
		h = b.node(ir.OpGemm, ir.Attrs{"alpha": ir.FloatAttr(1), "beta": ir.FloatAttr(1), "trans_b": ir.IntAttr(1)}, h, b.randConst("fc.w", -0.2, 0.2, 10, 96), b.randConst("fc.b", -1, 1, 10))
		h = b.batchNorm(h)
		return b.output(b.node(ir.OpSoftmax, ir.Attrs{"axis": ir.IntAttr(1)}, h))
	},
	"residual": func(t *testing.T) *ir.Graph {
		b := newBuilder(t)
		x := b.input("x", 1, 4, 5, 5)
		h := b.node(ir.OpRelu, nil, b.batchNorm(b.conv2d(x, 4, 3, false)))
		h = b.batchNorm(b.conv2d(h, 4, 3, false))
		s := b.node(ir.OpSum, nil, h, b.node(ir.OpIdentity, nil, x))
		y := b.node(ir.OpRelu, nil, s)
		g := b.node(ir.OpGlobalAvgPool, nil, y)
		return b.output(b.node(ir.OpSqueeze, ir.Attrs{"axes": ir.IntsAttr(2, 3)}, g))
	},
	"keras-mlp": func(t *testing.T) *ir.Graph {
		b := newBuilder(t)
		x := b.input("x", 1, 4, 4, 2)
		h := b.node(ir.OpTranspose, ir.Attrs{"perm": ir.IntsAttr(0, 3, 1, 2)}, x)
		h = b.node(ir.OpReshape, ir.Attrs{"shape": ir.IntsAttr(1, 32)}, h)
		h = b.node(ir.OpMatMul, nil, h, b.randConst("w1", -0.3, 0.3, 32, 8))
		h = b.node(ir.OpAdd, nil, h, b.randConst("b1", -1, 1, 8))
		h = b.node(ir.OpRelu, nil, h)
		h = b.node(ir.OpMatMul, nil, h, b.randConst("w2", -0.3, 0.3, 8, 3))
		h = b.node(ir.OpAdd, nil, h, b.randConst("b2", -1, 1, 1, 3))
		return b.output(b.node(ir.OpLogSoftmax, ir.Attrs{"axis": ir.IntAttr(1)}, h))
	},
	"shape-subgraph": func(t *testing.T) *ir.Graph {
		// The non-simplified PyTorch flatten computes the target shape with
		// shape/gather/concat (an i64 output here); a constant_of_shape
		// fill is added to the reshaped input.
		b := newBuilder(t)
		x := b.input("x", 2, 3, 2)
		s := b.node(ir.OpShape, ir.Attrs{"start": ir.IntAttr(0), "end": ir.IntAttr(3)}, x)
		d0 := b.node(ir.OpGather, ir.Attrs{"axis": ir.IntAttr(0)}, s, b.constI64("zero", []int64{0}, 1))
		shp := b.node(ir.OpConcat, ir.Attrs{"axis": ir.IntAttr(0)}, d0, b.constI64("six", []int64{6}, 1))
		fill := b.node(ir.OpConstantOfShape, ir.Attrs{"value": ir.TensorAttr(tensor.FromF32([]float32{0.5}, 1))}, b.constI64("shape", []int64{2, 6}, 2))
		r := b.node(ir.OpReshape, ir.Attrs{"shape": ir.IntsAttr(2, 6)}, x)
		return b.output(b.node(ir.OpAdd, nil, r, fill), shp)
	},
	"views": func(t *testing.T) *ir.Graph {
		b := newBuilder(t)
		x := b.input("x", 1, 2, 3, 4)
		h := b.node(ir.OpFlatten, ir.Attrs{"axis": ir.IntAttr(2)}, x)
		h = b.node(ir.OpUnsqueeze, ir.Attrs{"axes": ir.IntsAttr(0, 3)}, h)
		h = b.node(ir.OpReshape, ir.Attrs{"shape": ir.IntsAttr(2, 12)}, h)
		h = b.node(ir.OpIdentity, nil, h)
		return b.output(b.node(ir.OpReshape, ir.Attrs{"shape": ir.IntsAttr(2, 12)}, h))
	},
}

var floatPasses = []string{"identity-elim", "constant-fold", "reshape-canon", "matmul-canon", "bn-fold", "affine-fold", "dce", "canonicalize"}

// TestPassesKeepSemantics runs every float pass alone, and the whole
// canonicalize pipeline, on every gallery graph: outputs must stay within
// tolerance, every intermediate graph must verify, the changed flags must be
// honest, and a second run must change nothing.
func TestPassesKeepSemantics(t *testing.T) {
	for name, build := range gallery {
		for _, p := range floatPasses {
			t.Run(name+"/"+p, func(t *testing.T) {
				g := build(t)
				checkPipeline(t, g, p)
				checkIdempotent(t, g, p)
			})
		}
		t.Run(name+"/stage", func(t *testing.T) {
			g := build(t)
			checkPipeline(t, g, "canonicalize")
			if g.Stage != ir.StageCanonical {
				t.Fatalf("stage %v after canonicalize", g.Stage)
			}
			for _, n := range g.Nodes {
				switch n.Op {
				case ir.OpGemm, ir.OpBatchNorm, ir.OpIdentity, ir.OpDropout, ir.OpFlatten, ir.OpSqueeze, ir.OpUnsqueeze, ir.OpShape, ir.OpConstantOfShape:
					t.Errorf("%s left after canonicalize", n.Origin())
				}
			}
		})
	}
}
