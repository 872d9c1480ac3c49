package frontend

import (
	"fmt"
	"slices"

	"github.com/advancedclimatesystems/gonnx/onnx"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// Export of the ops of issue 13 (ir/op_math.go, op_reduce.go, op_copy.go with cast and slice,
// op_resize.go) in their opset-13 ONNX forms. Forms that need a later
// opset (Gelu 20, Mish 18, LayerNormalization 17, Resize's antialias and
// keep_aspect_ratio_policy 18, half_pixel_symmetric 19) are errors, as is
// max_pool_indices, which only exists beside a MaxPool node.

// exportNames maps each new IR op with an opset-13 ONNX form to its name.
var exportNames = func() map[ir.Op]string {
	m := map[ir.Op]string{ir.OpPow: "Pow", ir.OpWhere: "Where", ir.OpArgMax: "ArgMax", ir.OpArgMin: "ArgMin",
		ir.OpExpand: "Expand", ir.OpTile: "Tile", ir.OpPadBorder: "Pad", ir.OpResize: "Resize", ir.OpCast: "Cast", ir.OpSlice: "Slice",
		ir.OpMod: "Mod", ir.OpTrilu: "Trilu", ir.OpCumSum: "CumSum", ir.OpGatherElements: "GatherElements", ir.OpHardmax: "Hardmax", ir.OpTopK: "TopK"}
	for name, fn := range onnxMath {
		if fn != tensor.Mish {
			m[ir.Op(fn.String())] = name
		}
	}
	for name, fn := range onnxCompare {
		m[ir.Op(fn.String())] = name
	}
	for name, fn := range onnxReduce {
		m[ir.Op(fn.String())] = name
	}
	return m
}()

// exportExt fills np for the ops above; ok is false for other ops.
func (e *exporter) exportExt(n *ir.Node, np *onnx.NodeProto) (ok bool, err error) {
	if ir.IsONNXQuantOp(n.Op) {
		return true, e.exportQLinear(n, np) // export_qlinear.go
	}
	name, ok := exportNames[n.Op]
	if !ok {
		return false, nil
	}
	np.OpType = name
	addAttr := func(onnxName string, a ir.Attr) error {
		ap, err := attrProto(onnxName, a)
		if err == nil {
			np.Attribute = append(np.Attribute, ap)
		}
		return err
	}
	intsInput := func(suffix string, v []int64) error {
		in, err := e.constInput(np.Output[0]+"_"+suffix, tensor.FromI64(tensor.Int64, slices.Clone(v), len(v)))
		np.Input = append(np.Input, in)
		return err
	}
	scalarInput := func(suffix string, v int64) error { // a 0-D int64 input
		in, err := e.constInput(np.Output[0]+"_"+suffix, tensor.FromI64(tensor.Int64, []int64{v}))
		np.Input = append(np.Input, in)
		return err
	}
	switch {
	case ir.MathSpecOf(n.Op) != nil:
		s := ir.MathSpecOf(n.Op)
		for _, k := range s.Attrs {
			a, ok := n.Attrs[k]
			if k == "" || !ok {
				continue
			}
			if s.Fn == tensor.IsInf { // ints in ONNX
				a = ir.IntAttr(int64(a.Float))
			}
			if err := addAttr(k, a); err != nil {
				return true, err
			}
		}
	case ir.ReduceSpecOf(n.Op) != nil:
		if err := addAttr("keepdims", n.Attrs["keepdims"]); err != nil {
			return true, err
		}
		if axes, ok := n.Attrs["axes"]; ok && len(axes.Ints) > 0 {
			if n.Op == ir.Op(tensor.ReduceSum.String()) { // an input from ReduceSum-13 on
				return true, intsInput("axes", axes.Ints)
			}
			return true, addAttr("axes", axes)
		}
	case n.Op == ir.OpArgMax || n.Op == ir.OpArgMin:
		for _, k := range []string{"axis", "keepdims", "select_last_index"} {
			if a, ok := n.Attrs[k]; ok {
				if err := addAttr(k, a); err != nil {
					return true, err
				}
			}
		}
	case n.Op == ir.OpCast:
		to, err := tensor.ParseDType(n.Str("to", ""))
		if err != nil {
			return true, err
		}
		code, err := tensorio.DTypeToONNX(to)
		if err != nil {
			return true, err
		}
		return true, addAttr("to", ir.IntAttr(int64(code)))
	case n.Op == ir.OpMod || n.Op == ir.OpGatherElements || n.Op == ir.OpHardmax:
		for _, k := range []string{"fmod", "axis"} {
			if a, ok := n.Attrs[k]; ok {
				if err := addAttr(k, a); err != nil {
					return true, err
				}
			}
		}
	case n.Op == ir.OpTopK:
		for _, a := range [][2]string{{"axis", "axis"}} {
			if err := addAttr(a[1], n.Attrs[a[0]]); err != nil {
				return true, err
			}
		}
		if err := addAttr("largest", ir.IntAttr(1-n.Int("smallest", 0))); err != nil {
			return true, err
		}
		return true, intsInput("k", []int64{n.Int("k", 0)})
	case n.Op == ir.OpTrilu:
		if err := addAttr("upper", n.Attrs["upper"]); err != nil {
			return true, err
		}
		return true, scalarInput("k", n.Int("k", 0))
	case n.Op == ir.OpCumSum:
		for _, k := range []string{"exclusive", "reverse"} {
			if err := addAttr(k, ir.IntAttr(n.Int(k, 0))); err != nil {
				return true, err
			}
		}
		return true, scalarInput("axis", n.Int("axis", 0))
	case n.Op == ir.OpSlice:
		return true, e.slice(n, intsInput)
	case n.Op == ir.OpExpand:
		return true, intsInput("shape", n.Attrs["shape"].Ints)
	case n.Op == ir.OpTile:
		return true, intsInput("repeats", n.Attrs["repeats"].Ints)
	case n.Op == ir.OpPadBorder:
		if err := addAttr("mode", n.Attrs["mode"]); err != nil {
			return true, err
		}
		return true, intsInput("pads", n.Attrs["pads"].Ints)
	case n.Op == ir.OpResize:
		return true, e.resize(n, np, addAttr)
	}
	return true, nil
}

// resize writes Resize-13: X, roi (for tf_crop_and_resize), then scales or
// sizes as constant inputs.
func (e *exporter) resize(n *ir.Node, np *onnx.NodeProto, addAttr func(string, ir.Attr) error) error {
	p := ir.ResizeParams(n)
	switch {
	case p.Antialias:
		return fmt.Errorf("resize with antialias needs opset 18")
	case p.Coord == "half_pixel_symmetric":
		return fmt.Errorf("resize with half_pixel_symmetric needs opset 19")
	case p.Coord == "tf_half_pixel_for_nn":
		return fmt.Errorf("resize with tf_half_pixel_for_nn exists in opsets 11-12 only")
	}
	for _, k := range [][2]string{{"mode", "mode"}, {"coord", "coordinate_transformation_mode"}, {"nearest_mode", "nearest_mode"},
		{"cubic_a", "cubic_coeff_a"}, {"exclude_outside", "exclude_outside"}, {"extrapolation", "extrapolation_value"}} {
		if a, ok := n.Attrs[k[0]]; ok {
			if err := addAttr(k[1], a); err != nil {
				return err
			}
		}
	}
	x := n.Input(0)
	roi := ""
	if r := n.Floats("roi", nil); len(r) > 0 {
		name, err := e.constInput(np.Output[0]+"_roi", tensor.FromF32(slices.Clone(r), len(r)))
		if err != nil {
			return err
		}
		roi = name
	}
	np.Input = append(np.Input, roi)
	if s := n.Floats("scales", nil); len(s) > 0 {
		name, err := e.constInput(np.Output[0]+"_scales", tensor.FromF32(slices.Clone(s), len(s)))
		np.Input = append(np.Input, name)
		return err
	}
	// Ratios: sizes reproduce them only when each is output/input size.
	rs := n.Ints("scale_ratios", nil)
	r := len(p.Sizes)
	if len(rs) != 2*r || len(x.Type.Shape) != r {
		return fmt.Errorf("resize: %d scale_ratios for rank %d", len(rs), r)
	}
	for i := 0; i < r; i++ {
		if rs[i]*x.Type.Shape[i] != p.Sizes[i]*rs[r+i] {
			return fmt.Errorf("resize with keep_aspect_ratio_policy scales needs opset 18")
		}
	}
	name, err := e.constInput(np.Output[0]+"_sizes", tensor.FromI64(tensor.Int64, ints64(p.Sizes), r))
	np.Input = append(np.Input, "", name)
	return err
}

// slice writes Slice-13 over every axis: ends one step past the last cell,
// or below the axis (-d-1, which Slice clamps to -1) when a negative step
// ends at the first cell.
func (e *exporter) slice(n *ir.Node, intsInput func(string, []int64) error) error {
	x := n.Input(0)
	begin, step, shape := n.Ints("begin", nil), n.Ints("step", nil), n.Ints("shape", nil)
	if x == nil || len(begin) != len(x.Type.Shape) || len(step) != len(begin) || len(shape) != len(begin) {
		return fmt.Errorf("slice: attributes do not match the input's rank")
	}
	ends := make([]int64, len(begin))
	for i := range ends {
		end := begin[i] + shape[i]*step[i]
		if end < 0 {
			end = -x.Type.Shape[i] - 1
		}
		ends[i] = int64(end)
	}
	for _, in := range []struct {
		name string
		v    []int64
	}{{"starts", ints64(begin)}, {"ends", ends}, {"axes", ints64(seq(len(begin)))}, {"steps", ints64(step)}} {
		if err := intsInput(in.name, in.v); err != nil {
			return err
		}
	}
	return nil
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
