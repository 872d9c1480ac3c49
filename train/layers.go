package train

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// newLayer compiles node n; params[i] is the parameter input i is, or nil.
func newLayer(n *ir.Node, params []*Param, scratch *convScratch) (layer, error) {
	switch n.Op {
	case ir.OpConv:
		return newConvLayer(n, params, scratch)
	case ir.OpFC:
		return &gemmLayer{transB: true, alpha: 1, beta: 1, params: params, fc: true}, nil
	case ir.OpGemm:
		return &gemmLayer{transA: n.Int("trans_a", 0) != 0, transB: n.Int("trans_b", 0) != 0,
			alpha: n.Float("alpha", 1), beta: n.Float("beta", 1), params: params}, nil
	case ir.OpMatMul:
		if len(n.Inputs[0].Type.Shape) != 2 || len(n.Inputs[1].Type.Shape) != 2 {
			return nil, fmt.Errorf("only 2-D matmul has a gradient here, got %v x %v", n.Inputs[0].Type, n.Inputs[1].Type)
		}
		return &gemmLayer{alpha: 1, beta: 1, params: params}, nil
	case ir.OpAdd:
		return &addLayer{params: params}, nil
	case ir.OpRelu:
		return &unaryLayer{kind: unaryRelu}, nil
	case ir.OpLeakyRelu:
		return &unaryLayer{kind: unaryLeaky, alpha: n.Float("alpha", 0.01)}, nil
	case ir.OpClip:
		l := &unaryLayer{kind: unaryClip, lo: float32(negInf), hi: float32(posInf)}
		if a, ok := n.Attrs["min"]; ok {
			l.lo = a.Float
		}
		if a, ok := n.Attrs["max"]; ok {
			l.hi = a.Float
		}
		return l, nil
	case ir.OpMaxPool, ir.OpAvgPool:
		return newPoolLayer(n)
	case ir.OpGlobalAvgPool:
		return &globalAvgLayer{}, nil
	case ir.OpFlatten:
		return &reshapeLayer{flattenAxis: int(n.Int("axis", 1)), flatten: true}, nil
	case ir.OpReshape:
		return &reshapeLayer{target: n.Ints("shape", nil), static: n.Inputs[0].Type.Shape}, nil
	case ir.OpConcat:
		return newConcatLayer(int(n.Int("axis", 0)), len(n.Outputs[0].Type.Shape), params)
	case ir.OpIdentity, ir.OpDropout:
		return &reshapeLayer{identity: true}, nil
	case ir.OpBatchNorm:
		for i := 1; i < 5; i++ {
			if params[i] == nil {
				return nil, fmt.Errorf("batch_norm input %d must be a float32 constant", i)
			}
		}
		return &bnLayer{eps: n.Float("epsilon", 1e-5), params: params}, nil
	}
	return nil, fmt.Errorf("op %s has no gradient in package train", n.Op)
}

// shapeOf returns the shape of a float32 tensor, failing on other types.
func checkF32(what string, t *tensor.Tensor) error {
	if t == nil || t.DType != tensor.Float32 || len(t.F32) != t.Len() {
		return fmt.Errorf("%s: want a float32 tensor, got %v", what, t)
	}
	return nil
}
