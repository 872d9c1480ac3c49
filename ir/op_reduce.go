package ir

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// The ONNX Reduce* family beyond reduce_mean (op.go), and ArgMax/ArgMin.
// Axes are resolved at import (sorted, non-negative; empty = all axes), as
// for reduce_mean.

// ReduceSpec is one reduction op and its tensor function.
type ReduceSpec = FuncSpec[tensor.ReduceOp]

var reduceSpecs = []ReduceSpec{
	{Fn: tensor.ReduceSum, Summary: "sum over axes"},
	{Fn: tensor.ReduceMax, Summary: "maximum over axes"},
	{Fn: tensor.ReduceMin, Summary: "minimum over axes"},
	{Fn: tensor.ReduceProd, Summary: "product over axes"},
	{Fn: tensor.ReduceL1, Summary: "sum of |x| over axes"},
	{Fn: tensor.ReduceL2, Summary: "sqrt of the sum of x^2 over axes"},
	{Fn: tensor.ReduceLogSum, Summary: "log of the sum over axes"},
	{Fn: tensor.ReduceLogSumExp, Summary: "log of the sum of exp(x) over axes"},
	{Fn: tensor.ReduceSumSquare, Summary: "sum of x^2 over axes"},
}

// ReduceSpecOf returns the spec of a reduction op, or nil.
func ReduceSpecOf(op Op) *ReduceSpec { return specOf(reduceSpecs, op) }

// ArgMax and ArgMin.
const (
	OpArgMax Op = "arg_max" // (x) {axis, keepdims, select_last_index}: i64 index of the maximum along axis
	OpArgMin Op = "arg_min" // (x) {axis, keepdims, select_last_index}
)

func registerReduceOps() {
	for i := range reduceSpecs {
		s := &reduceSpecs[i]
		s.Op = Op(s.Fn.String())
		Register(&OpInfo{Op: s.Op, Summary: s.Summary, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrSpec{{Name: "axes", Kind: AttrInts, Doc: "axes reduced; empty = all"},
				{Name: "keepdims", Kind: AttrInt, Required: true}},
			Infer: inferReduce, LastStage: StageCanonical})
	}
	for _, op := range []Op{OpArgMax, OpArgMin} {
		Register(&OpInfo{Op: op, Summary: "index of the " + map[Op]string{OpArgMax: "maximum", OpArgMin: "minimum"}[op] + " along axis (i64)",
			MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrSpec{{Name: "axis", Kind: AttrInt, Required: true}, {Name: "keepdims", Kind: AttrInt, Required: true},
				{Name: "select_last_index", Kind: AttrInt, Doc: "1: the last of equal extremes"}},
			Infer: inferArg, LastStage: StageCanonical})
	}
}

func inferReduce(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	if x.DType == tensor.Bool {
		return nil, fmt.Errorf("input is bool, want numbers")
	}
	axes := n.Ints("axes", nil)
	if err := sortedAxes(axes, len(x.Shape)); err != nil {
		return nil, err
	}
	out, err := tensor.ReduceShape(x.Shape, axes, n.Int("keepdims", 1) != 0)
	if err != nil {
		return nil, err
	}
	return one(typ(x.DType, out)), nil
}

func inferArg(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	if x.DType == tensor.Bool {
		return nil, fmt.Errorf("input is bool, want numbers")
	}
	axis := int(n.Int("axis", 0))
	if err := checkAxis("axis", axis, len(x.Shape)); err != nil {
		return nil, err
	}
	out, err := tensor.ReduceShape(slices.Clone(x.Shape), []int{axis}, n.Int("keepdims", 1) != 0)
	if err != nil {
		return nil, err
	}
	if x.Shape[axis] == 0 && tensor.NumElems(out) > 0 {
		return nil, fmt.Errorf("axis %d is empty: no extreme to index", axis)
	}
	return one(typ(tensor.Int64, out)), nil
}
