package frontend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

func lowerFlatten(c *nodeCtx) error {
	x, err := c.soleInput()
	if err != nil {
		return err
	}
	axis, err := c.attrInt("axis", 1)
	if err != nil {
		return err
	}
	r := len(x.Type.Shape)
	if axis < int64(-r) || axis > int64(r) {
		return fmt.Errorf("attribute \"axis\" %d out of range [%d, %d]", axis, -r, r)
	}
	if axis < 0 {
		axis += int64(r)
	}
	_, err = c.emit1(ir.OpFlatten, []*ir.Value{x}, ir.Attrs{"axis": ir.IntAttr(axis)})
	return err
}

// lowerReshape resolves the target shape: 0 copies the input dim (unless
// allowzero=1, opset >= 14), one -1 takes the remaining size. The shape is an
// attribute before opset 5 and a constant input after.
func lowerReshape(c *nodeCtx) error {
	var shape []int
	var err error
	if c.opset < 5 {
		if err := c.arity(1, 1, 1, 1); err != nil {
			return err
		}
		var ok bool
		if shape, ok, err = c.attrInts("shape"); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("missing required attribute \"shape\"")
		}
	} else {
		if err := c.arity(2, 2, 1, 1); err != nil {
			return err
		}
		if shape, err = c.constInts(1, "shape"); err != nil {
			return err
		}
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	allowZero, err := c.attrInt("allowzero", 0)
	if err != nil {
		return err
	}
	out, err := resolveReshape(x.Type.Shape, shape, allowZero != 0)
	if err != nil {
		return err
	}
	_, err = c.emit1(ir.OpReshape, []*ir.Value{x}, ir.Attrs{"shape": ir.IntsFromInts(out)})
	return err
}

func resolveReshape(in, shape []int, allowZero bool) ([]int, error) {
	out := make([]int, len(shape))
	infer := -1
	known := 1
	for i, d := range shape {
		switch {
		case d == 0 && !allowZero:
			if i >= len(in) {
				return nil, fmt.Errorf("shape %v: 0 at position %d copies a dimension the input %v does not have", shape, i, in)
			}
			out[i] = in[i]
		case d == -1:
			if infer >= 0 {
				return nil, fmt.Errorf("shape %v has more than one -1", shape)
			}
			infer = i
			continue
		case d < 0:
			return nil, fmt.Errorf("shape %v: invalid dimension %d", shape, d)
		case d > tensorio.MaxElems:
			return nil, fmt.Errorf("shape %v is too large", shape)
		default:
			out[i] = d
		}
		known *= out[i]
		if known > tensorio.MaxElems {
			return nil, fmt.Errorf("shape %v is too large", shape)
		}
	}
	total := tensor.NumElems(in)
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v", in, total, shape)
		}
		out[infer] = total / known
	}
	if tensor.NumElems(out) != total {
		return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v", in, total, shape)
	}
	return out, nil
}

func lowerTranspose(c *nodeCtx) error {
	x, err := c.soleInput()
	if err != nil {
		return err
	}
	r := len(x.Type.Shape)
	perm, ok, err := c.attrInts("perm")
	if err != nil {
		return err
	}
	if !ok {
		perm = make([]int, r)
		for i := range perm {
			perm[i] = r - 1 - i
		}
	}
	for i := range perm {
		if perm[i] < 0 {
			perm[i] += r
		}
	}
	_, err = c.emit1(ir.OpTranspose, []*ir.Value{x}, ir.Attrs{"perm": ir.IntsFromInts(perm)})
	return err
}

func lowerConcat(c *nodeCtx) error {
	if err := c.arity(1, -1, 1, 1); err != nil {
		return err
	}
	ins, err := c.inputs()
	if err != nil {
		return err
	}
	def := int64(1) // Concat-1 defaulted to axis 1; it is required from opset 4
	if c.opset >= 4 && !c.hasAttr("axis") {
		return fmt.Errorf("missing required attribute \"axis\"")
	}
	axis, err := c.axisAttr(def, len(ins[0].Type.Shape))
	if err != nil {
		return err
	}
	_, err = c.emit1(ir.OpConcat, ins, ir.Attrs{"axis": ir.IntAttr(int64(axis))})
	return err
}

// lowerPad handles constant mode only. Before opset 11 pads (opset 1:
// "paddings") and value are attributes; from 11 pads and the optional
// constant_value are constant inputs, and from 18 an optional axes input
// says which axes pads covers.
func lowerPad(c *nodeCtx) error {
	mode, err := c.attrString("mode", "constant")
	if err != nil {
		return err
	}
	var border tensor.PadMode
	if mode != "constant" {
		if border, err = tensor.ParsePadMode(mode); err != nil {
			return fmt.Errorf("attribute \"mode\": %v", err)
		}
	}
	var pads []int
	value := float32(0)
	if c.opset < 11 {
		if err := c.arity(1, 1, 1, 1); err != nil {
			return err
		}
		name := "pads"
		if c.opset < 2 {
			name = "paddings"
		}
		var ok bool
		if pads, ok, err = c.attrInts(name); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("missing required attribute %q", name)
		}
		if value, err = c.attrFloat("value", 0); err != nil {
			return err
		}
	} else {
		if err := c.arity(2, 4, 1, 1); err != nil {
			return err
		}
		if pads, err = c.constInts(1, "pads"); err != nil {
			return err
		}
		if c.has(2) {
			t, err := c.constInput(2, "constant_value")
			if err != nil {
				return err
			}
			if t.Len() != 1 {
				return fmt.Errorf("input 2 (constant_value) has %d elements, want one", t.Len())
			}
			value = float32(t.Float64At(0))
		}
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	r := len(x.Type.Shape)
	if c.has(3) {
		axes, err := c.constInts(3, "axes")
		if err != nil {
			return err
		}
		if axes, err = normAxesKeepOrder(axes, r); err != nil {
			return err
		}
		if len(pads) != 2*len(axes) {
			return fmt.Errorf("pads %v: want %d values for axes %v", pads, 2*len(axes), axes)
		}
		full := make([]int, 2*r)
		for i, a := range axes {
			full[a], full[a+r] = pads[i], pads[i+len(axes)]
		}
		pads = full
	}
	if len(pads) != 2*r {
		return fmt.Errorf("pads %v: want %d values for rank %d", pads, 2*r, r)
	}
	if mode != "constant" {
		// edge, reflect, wrap: their own op (pad_border), a host op for
		// the device, which pads with zeros only.
		_, err = c.emit1(ir.OpPadBorder, []*ir.Value{x}, ir.Attrs{"pads": ir.IntsFromInts(pads), "mode": ir.StringAttr(border.String())})
		return err
	}
	_, err = c.emit1(ir.OpPad, []*ir.Value{x}, ir.Attrs{"pads": ir.IntsFromInts(pads), "value": ir.FloatAttr(value)})
	return err
}

// normAxesKeepOrder normalizes axes without sorting (their order matters).
func normAxesKeepOrder(axes []int, rank int) ([]int, error) {
	out := make([]int, len(axes))
	seen := map[int]bool{}
	for i, a := range axes {
		n, err := normAxis(a, rank, "axes")
		if err != nil {
			return nil, err
		}
		if seen[n] {
			return nil, fmt.Errorf("axes %v: axis %d repeated", axes, n)
		}
		seen[n] = true
		out[i] = n
	}
	return out, nil
}

// axesOperand reads Squeeze/Unsqueeze axes: an attribute before opset 13,
// an (optional for Squeeze) constant input from 13.
func (c *nodeCtx) axesOperand() ([]int, bool, error) {
	if c.opset < 13 {
		if err := c.arity(1, 1, 1, 1); err != nil {
			return nil, false, err
		}
		return c.attrInts("axes")
	}
	if err := c.arity(1, 2, 1, 1); err != nil {
		return nil, false, err
	}
	if !c.has(1) {
		return nil, false, nil
	}
	axes, err := c.constInts(1, "axes")
	return axes, err == nil, err
}

func lowerSqueeze(c *nodeCtx) error {
	axes, given, err := c.axesOperand()
	if err != nil {
		return err
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	if !given { // all size-1 axes
		for d, s := range x.Type.Shape {
			if s == 1 {
				axes = append(axes, d)
			}
		}
	}
	if axes, err = normAxes(axes, len(x.Type.Shape), "axes"); err != nil {
		return err
	}
	_, err = c.emit1(ir.OpSqueeze, []*ir.Value{x}, ir.Attrs{"axes": ir.IntsFromInts(axes)})
	return err
}

func lowerUnsqueeze(c *nodeCtx) error {
	axes, given, err := c.axesOperand()
	if err != nil {
		return err
	}
	if !given {
		return fmt.Errorf("axes are required")
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	if axes, err = normAxes(axes, len(x.Type.Shape)+len(axes), "axes"); err != nil {
		return err
	}
	_, err = c.emit1(ir.OpUnsqueeze, []*ir.Value{x}, ir.Attrs{"axes": ir.IntsFromInts(axes)})
	return err
}

// lowerGather (Gather, GatherElements): data and indices, one axis
// (default 0) of the data.
func lowerGather(op ir.Op) lowerFunc {
	return func(c *nodeCtx) error {
		if err := c.arity(2, 2, 1, 1); err != nil {
			return err
		}
		ins, err := c.inputs()
		if err != nil {
			return err
		}
		axis, err := c.axisAttr(0, len(ins[0].Type.Shape))
		if err != nil {
			return err
		}
		_, err = c.emit1(op, ins, ir.Attrs{"axis": ir.IntAttr(int64(axis))})
		return err
	}
}

// lowerSplit: sizes come from the "split" attribute (opset < 13) or an
// optional constant input (>= 13); without them the axis is split equally
// into one part per output, or, from opset 18, into num_outputs parts of
// ceil(size/num_outputs) with a smaller last part.
func lowerSplit(c *nodeCtx) error {
	if err := c.arity(1, 2, 1, -1); err != nil {
		return err
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	axis, err := c.axisAttr(0, len(x.Type.Shape))
	if err != nil {
		return err
	}
	nout := len(c.np.GetOutput())
	var split []int
	switch {
	case c.has(1):
		if split, err = c.constInts(1, "split"); err != nil {
			return err
		}
	case c.opset < 13:
		if split, _, err = c.attrInts("split"); err != nil {
			return err
		}
	}
	size := x.Type.Shape[axis]
	if split == nil {
		num, err := c.attrInt("num_outputs", 0)
		if err != nil {
			return err
		}
		switch {
		case num != 0:
			if num != int64(nout) {
				return fmt.Errorf("attribute \"num_outputs\" is %d, the node has %d outputs", num, nout)
			}
			chunk := (size + nout - 1) / nout
			for i := 0; i < nout; i++ {
				split = append(split, max(0, min(chunk, size-i*chunk)))
			}
		case size%nout != 0:
			return fmt.Errorf("axis %d of size %d does not split equally into %d outputs", axis, size, nout)
		default:
			for i := 0; i < nout; i++ {
				split = append(split, size/nout)
			}
		}
	}
	if len(split) != nout {
		return fmt.Errorf("split %v has %d parts, the node has %d outputs", split, len(split), nout)
	}
	_, err = c.emit(ir.OpSplit, []*ir.Value{x}, ir.Attrs{"axis": ir.IntAttr(int64(axis)), "split": ir.IntsFromInts(split)}, c.np.GetOutput()...)
	return err
}
