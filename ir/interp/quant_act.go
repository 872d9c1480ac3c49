package interp

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Kernels of the device activations (ir/qops_act.go): qlut and qmul.

func init() {
	Register(ir.OpQLut, qlutKernel)
	Register(ir.OpQMul, qmulKernel)
}

func qlutKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if in[0] == nil {
		return nil, errMissing(0)
	}
	lo, hi, err := readRange(n)
	if err != nil {
		return nil, err
	}
	inLo, err := reqInt64(n, "in_lo")
	if err != nil {
		return nil, err
	}
	a, ok := n.Attrs["table"]
	if !ok || a.Kind != ir.AttrInts || len(a.Ints) == 0 {
		return nil, fmt.Errorf("attribute \"table\" (ints) is required")
	}
	out := c.Alloc(ir.QuantDType(lo, hi), in[0].Shape)
	return one(out, tensor.QLut(out, in[0], a.Ints, inLo))
}

func qmulKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	for i := range 2 {
		if in[i] == nil {
			return nil, errMissing(i)
		}
	}
	rq, err := readRequant(n)
	if err != nil {
		return nil, err
	}
	mult, err := reqInt64(n, "mult")
	if err != nil {
		return nil, err
	}
	out := c.Alloc(rq.outDType(), in[0].Shape)
	return one(out, tensor.QMul(out, in[0], in[1], mult, rq.shift, rq.mode, rq.lo, rq.hi))
}
