package ir

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// Ops that copy cells to new places without arithmetic: broadcasting
// (expand), repetition (tile), border padding (pad_border) and strided
// slicing (slice); and the
// element type conversion cast. Their shape inputs are resolved at import
// into attributes.
const (
	OpCast      Op = "cast"       // (x) {to}: converted to element type to (a type name such as "f32", "i64", "bool")
	OpExpand    Op = "expand"     // (x) {shape}: x broadcast to shape (the resolved output shape)
	OpTile      Op = "tile"       // (x) {repeats}: x repeated repeats[i] times along axis i
	OpPadBorder Op = "pad_border" // (x) {pads, mode}: pad (or crop) with edge, reflect or wrap cells
	OpSlice     Op = "slice"      // (x) {begin, step, shape}: cells begin[i] + c*step[i], c < shape[i], on every axis
)

func registerCopyOps() {
	Register(&OpInfo{Op: OpCast, Summary: "convert to another element type (ONNX Cast)", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Attrs: []AttrSpec{{Name: "to", Kind: AttrString, Required: true, Doc: "element type name"}}, Infer: inferCast, LastStage: StageCanonical})
	Register(&OpInfo{Op: OpExpand, Summary: "broadcast to a shape", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Attrs: []AttrSpec{{Name: "shape", Kind: AttrInts, Required: true, Doc: "output shape"}}, Infer: inferExpand, LastStage: StageCanonical})
	Register(&OpInfo{Op: OpTile, Summary: "repeat along every axis", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Attrs: []AttrSpec{{Name: "repeats", Kind: AttrInts, Required: true, Doc: "repetitions per axis"}}, Infer: inferTile, LastStage: StageCanonical})
	Register(&OpInfo{Op: OpPadBorder, Summary: "pad with border cells (edge, reflect, wrap)", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Attrs: []AttrSpec{{Name: "pads", Kind: AttrInts, Required: true, Doc: "[d0_begin, ..., d0_end, ...] over all axes, may be negative"},
			{Name: "mode", Kind: AttrString, Required: true, Doc: "edge, reflect or wrap"}},
		Infer: inferPadBorder, LastStage: StageCanonical})
	Register(&OpInfo{Op: OpSlice, Summary: "strided slice (ONNX Slice, resolved)", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Attrs: []AttrSpec{{Name: "begin", Kind: AttrInts, Required: true, Doc: "first index per axis"},
			{Name: "step", Kind: AttrInts, Required: true, Doc: "step per axis, not 0, may be negative"},
			{Name: "shape", Kind: AttrInts, Required: true, Doc: "output shape"}},
		Infer: inferSlice, LastStage: StageCanonical})
}

func inferSlice(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	r := len(x.Shape)
	begin, step, shape := n.Ints("begin", nil), n.Ints("step", nil), n.Ints("shape", nil)
	if len(begin) != r || len(step) != r || len(shape) != r {
		return nil, fmt.Errorf("attributes begin %v, step %v, shape %v: want %d values each", begin, step, shape, r)
	}
	for ax, c := range shape {
		if c < 0 || c > x.Shape[ax] || step[ax] == 0 || step[ax] > MaxElems || step[ax] < -MaxElems {
			return nil, fmt.Errorf("axis %d: %d cells by step %d from an axis of %d", ax, c, step[ax], x.Shape[ax])
		}
		if c == 0 {
			continue
		}
		first, last := begin[ax], begin[ax]+(c-1)*step[ax]
		if min(first, last) < 0 || max(first, last) >= x.Shape[ax] {
			return nil, fmt.Errorf("axis %d: %d cells from %d by %d leave [0, %d)", ax, c, first, step[ax], x.Shape[ax])
		}
	}
	return one(typ(x.DType, slices.Clone(shape))), nil
}

func inferExpand(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	shape := n.Ints("shape", nil)
	out, err := tensor.ExpandShape(x.Shape, shape)
	if err != nil {
		return nil, err
	}
	if !tensor.SameShape(out, shape) {
		return nil, fmt.Errorf("attribute \"shape\" %v is not the broadcast %v of the input and itself", shape, out)
	}
	return one(typ(x.DType, out)), nil
}

func inferTile(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	rep := n.Ints("repeats", nil)
	for i, r := range rep {
		if i < len(x.Shape) && x.Shape[i] > 0 && r > MaxElems/x.Shape[i] {
			return nil, fmt.Errorf("repeats %v: axis %d would exceed 2^%d cells", rep, i, MaxElemsLog2)
		}
	}
	out, err := tensor.TileShape(x.Shape, rep)
	if err != nil {
		return nil, err
	}
	return one(typ(x.DType, out)), nil
}

func inferPadBorder(n *Node) ([]Type, error) {
	t, err := inferPad(n)
	if err != nil {
		return nil, err
	}
	if _, err := tensor.ParsePadMode(n.Str("mode", "")); err != nil {
		return nil, err
	}
	x := n.Inputs[0].Type
	for ax, d := range x.Shape {
		if d == 0 && t[0].Shape[ax] > 0 {
			return nil, fmt.Errorf("axis %d is empty and cannot be padded with border cells", ax)
		}
	}
	t[0].Shape = slices.Clone(t[0].Shape)
	return t, nil
}

func inferCast(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	to, err := tensor.ParseDType(n.Str("to", ""))
	if err != nil {
		return nil, fmt.Errorf("attribute \"to\": %v", err)
	}
	return one(typ(to, slices.Clone(x.Shape))), nil
}
