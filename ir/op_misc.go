package ir

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// More ONNX ops of the node tests: Mod, Trilu, CumSum, GatherElements,
// Hardmax and TopK, with their constant operands (Trilu's k, CumSum's axis,
// TopK's k) resolved into attributes at import.
const (
	OpMod            Op = "mod"             // (a, b) {fmod}: remainder with broadcasting; fmod=1: sign of a (floats), else of b
	OpTrilu          Op = "trilu"           // (x) {upper, k}: keep a triangle of the last two axes
	OpCumSum         Op = "cumsum"          // (x) {axis, exclusive, reverse}: running sums along axis
	OpGatherElements Op = "gather_elements" // (data, indices) {axis}: out[i] = data[i with its axis coordinate replaced by indices[i]]
	OpHardmax        Op = "hardmax"         // (x) {axis}: 1 at the first maximum along axis, 0 elsewhere
	OpTopK           Op = "top_k"           // (x) {k, axis, smallest} -> values, i64 indices: sorted, ties by index
)

func registerMiscOps() {
	intA := func(name, doc string, req bool) AttrSpec {
		return AttrSpec{Name: name, Kind: AttrInt, Required: req, Doc: doc}
	}
	for _, info := range []*OpInfo{
		{Op: OpMod, Summary: "remainder (ONNX Mod)", MinInputs: 2, MaxInputs: 2, Attrs: []AttrSpec{intA("fmod", "1: the sign of the dividend", false)}, Infer: inferMod},
		{Op: OpTrilu, Summary: "lower or upper triangle of the last two axes", MinInputs: 1, MaxInputs: 1,
			Attrs: []AttrSpec{intA("upper", "1: upper triangle", true), intA("k", "diagonal offset", true)}, Infer: inferTrilu},
		{Op: OpCumSum, Summary: "cumulative sum along an axis", MinInputs: 1, MaxInputs: 1,
			Attrs: []AttrSpec{intA("axis", "summed axis", true), intA("exclusive", "1: leave out each element itself", false), intA("reverse", "1: from the end", false)}, Infer: inferCumSum},
		{Op: OpGatherElements, Summary: "take elements along an axis by index (ONNX GatherElements)", MinInputs: 2, MaxInputs: 2,
			Attrs: []AttrSpec{intA("axis", "indexed axis", true)}, Infer: inferGatherElements},
		{Op: OpHardmax, Summary: "one-hot of the first maximum along an axis", MinInputs: 1, MaxInputs: 1,
			Attrs: []AttrSpec{intA("axis", "the axis", true)}, Infer: inferHardmax},
	} {
		info.MinOutputs, info.MaxOutputs, info.LastStage = 1, 1, StageCanonical
		Register(info)
	}
	Register(&OpInfo{Op: OpTopK, Summary: "the k largest or smallest values along an axis, and their indices", MinInputs: 1, MaxInputs: 1,
		MinOutputs: 2, MaxOutputs: 2, Attrs: []AttrSpec{intA("k", "how many", true), intA("axis", "the axis", true), intA("smallest", "1: the smallest", false)},
		Infer: inferTopK, LastStage: StageCanonical})
}

func inferTopK(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	if x.DType == tensor.Bool {
		return nil, fmt.Errorf("input is bool, want numbers")
	}
	axis, k := int(n.Int("axis", 0)), int(n.Int("k", 0))
	if err := checkAxis("axis", axis, len(x.Shape)); err != nil {
		return nil, err
	}
	if k < 0 || k > x.Shape[axis] {
		return nil, fmt.Errorf("k %d out of range [0, %d]", k, x.Shape[axis])
	}
	shape := slices.Clone(x.Shape)
	shape[axis] = k
	return []Type{typ(x.DType, shape), typ(tensor.Int64, slices.Clone(shape))}, nil
}

func inferMod(n *Node) ([]Type, error) {
	a, b, err := inPair(n, in)
	if err != nil {
		return nil, err
	}
	if err := sameDType(a, b, "input 1"); err != nil {
		return nil, err
	}
	if a.DType == tensor.Bool || (a.DType.IsFloat() && n.Int("fmod", 0) == 0) {
		return nil, fmt.Errorf("element type %s needs fmod=1 (floats) and a numeric type", a.DType)
	}
	shape, err := BroadcastShapes(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	return one(typ(a.DType, shape)), nil
}

func inferTrilu(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	if len(x.Shape) < 2 {
		return nil, fmt.Errorf("input has rank %d, want at least 2", len(x.Shape))
	}
	return one(typ(x.DType, slices.Clone(x.Shape))), nil
}

func inferCumSum(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	if x.DType == tensor.Bool {
		return nil, fmt.Errorf("input is bool, want numbers")
	}
	if err := checkAxis("axis", int(n.Int("axis", 0)), len(x.Shape)); err != nil {
		return nil, err
	}
	return one(typ(x.DType, slices.Clone(x.Shape))), nil
}

func inferGatherElements(n *Node) ([]Type, error) {
	d, idx, err := inPair(n, in)
	if err != nil {
		return nil, err
	}
	if !idx.DType.IsInt() || len(idx.Shape) != len(d.Shape) {
		return nil, fmt.Errorf("indices %s: want integers of data's rank %d", idx, len(d.Shape))
	}
	axis := int(n.Int("axis", 0))
	if err := checkAxis("axis", axis, len(d.Shape)); err != nil {
		return nil, err
	}
	for ax, s := range idx.Shape {
		if ax != axis && s > d.Shape[ax] {
			return nil, fmt.Errorf("indices %s exceed data %s on axis %d", idx, d, ax)
		}
	}
	return one(typ(d.DType, slices.Clone(idx.Shape))), nil
}

func inferHardmax(n *Node) ([]Type, error) {
	x, err := floatIn(n, 0)
	if err != nil {
		return nil, err
	}
	if err := checkAxis("axis", int(n.Int("axis", 0)), len(x.Shape)); err != nil {
		return nil, err
	}
	return one(x), nil
}
