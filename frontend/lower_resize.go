package frontend

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Lowerings of Resize (opsets 10-19) and Upsample (7-9) to the resize op,
// with every input resolved: scales, sizes and roi must be constants.

func addResizeLowerers(m map[string]lowerFunc) {
	m["Resize"] = lowerResize
	m["Upsample"] = lowerUpsample
}

// lowerUpsample: Upsample-7 has a scales attribute, Upsample-9 a scales
// input; both are Resize-10 (asymmetric coordinates, nearest or linear).
func lowerUpsample(c *nodeCtx) error {
	var scales []float64
	if c.opset < 9 {
		if err := c.arity(1, 1, 1, 1); err != nil {
			return err
		}
		fs, ok, err := c.attrFloats("scales")
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("missing required attribute \"scales\"")
		}
		for _, f := range fs {
			scales = append(scales, float64(f))
		}
	} else {
		if err := c.arity(2, 2, 1, 1); err != nil {
			return err
		}
		t, err := c.constInput(1, "scales")
		if err != nil {
			return err
		}
		for i := 0; i < t.Len(); i++ {
			scales = append(scales, t.Float64At(i))
		}
	}
	return lowerResizeOld(c, scales)
}

// lowerResizeOld lowers Upsample and Resize-10: output size floor(in*scale),
// asymmetric coordinates, and for nearest onnxruntime's rule of these
// opsets (the cell at or left of the coordinate when upsampling, at or
// right of it when downsampling).
func lowerResizeOld(c *nodeCtx, scales []float64) error {
	x, err := c.input(0)
	if err != nil {
		return err
	}
	mode, err := c.attrString("mode", "nearest")
	if err != nil {
		return err
	}
	if mode == "bilinear" {
		mode = "linear"
	}
	if mode != "nearest" && mode != "linear" {
		return fmt.Errorf("attribute \"mode\" is %q, want nearest or linear", mode)
	}
	r := len(x.Type.Shape)
	if len(scales) != r {
		return fmt.Errorf("scales %v: want %d values", scales, r)
	}
	up, down := false, false
	for _, s := range scales {
		up = up || s > 1
		down = down || s < 1
	}
	nearest := "floor"
	if down {
		if up {
			return unsupported("nearest resize that upsamples some axes and downsamples others before opset 11")
		}
		nearest = "ceil"
	}
	sizes, err := scaledSizes(x.Type.Shape, scales)
	if err != nil {
		return err
	}
	return c.emitResize(x, sizes, floatScales(scales), ir.Attrs{"mode": ir.StringAttr(mode), "coord": ir.StringAttr("asymmetric"),
		"nearest_mode": ir.StringAttr(nearest)})
}

// scaledSizes is floor(in*scale) per axis, as the ONNX reference computes it.
func scaledSizes(in []int, scales []float64) ([]int, error) {
	out := make([]int, len(in))
	for i, s := range scales {
		if !(s > 0) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("scales %v: %v is not a positive number", scales, s)
		}
		f := math.Floor(s * float64(in[i]))
		if f > ir.MaxElems {
			return nil, fmt.Errorf("scales %v make axis %d larger than 2^%d", scales, i, ir.MaxElemsLog2)
		}
		out[i] = int(f)
	}
	return out, nil
}

func lowerResize(c *nodeCtx) error {
	if c.opset < 11 {
		if err := c.arity(2, 2, 1, 1); err != nil {
			return err
		}
		t, err := c.constInput(1, "scales")
		if err != nil {
			return err
		}
		scales := make([]float64, t.Len())
		for i := range scales {
			scales[i] = t.Float64At(i)
		}
		return lowerResizeOld(c, scales)
	}
	if err := c.arity(1, 4, 1, 1); err != nil {
		return err
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	r := len(x.Type.Shape)
	axes := make([]int, r)
	for i := range axes {
		axes[i] = i
	}
	if a, ok, err := c.attrInts("axes"); err != nil {
		return err
	} else if ok {
		if axes, err = normAxesKeepOrder(a, r); err != nil {
			return err
		}
	}
	attrs := ir.Attrs{}
	for _, s := range []struct{ onnx, ir, def string }{
		{"mode", "mode", "nearest"}, {"coordinate_transformation_mode", "coord", "half_pixel"},
		{"nearest_mode", "nearest_mode", "round_prefer_floor"},
	} {
		v, err := c.attrString(s.onnx, s.def)
		if err != nil {
			return err
		}
		attrs[s.ir] = ir.StringAttr(v)
	}
	for _, s := range []struct {
		onnx, ir string
		def      float32
	}{{"cubic_coeff_a", "cubic_a", -0.75}, {"extrapolation_value", "extrapolation", 0}} {
		v, err := c.attrFloat(s.onnx, s.def)
		if err != nil {
			return err
		}
		attrs[s.ir] = ir.FloatAttr(v)
	}
	for _, s := range []struct{ onnx, ir string }{{"exclude_outside", "exclude_outside"}, {"antialias", "antialias"}} {
		v, err := c.attrInt(s.onnx, 0)
		if err != nil {
			return err
		}
		attrs[s.ir] = ir.IntAttr(boolInt(v != 0))
	}
	policy, err := c.attrString("keep_aspect_ratio_policy", "stretch")
	if err != nil {
		return err
	}
	var scalesT, sizesT *tensor.Tensor
	if c.has(2) {
		if scalesT, err = c.constInput(2, "scales"); err != nil {
			return err
		}
		if scalesT.Len() == 0 {
			scalesT = nil // an empty scales input stands for "absent" (opset 11)
		}
	}
	if c.has(3) {
		if sizesT, err = c.constInput(3, "sizes"); err != nil {
			return err
		}
	}
	if (scalesT == nil) == (sizesT == nil) {
		return fmt.Errorf("want exactly one of scales (input 2) and sizes (input 3)")
	}
	scales := make([]float64, r)
	sizes := append([]int{}, x.Type.Shape...)
	for i := range scales {
		scales[i] = 1
	}
	var scaleAttr ir.Attr
	if scalesT != nil {
		if scalesT.Len() != len(axes) {
			return fmt.Errorf("input 2 (scales) has %d values, want %d", scalesT.Len(), len(axes))
		}
		for i, a := range axes {
			scales[a] = scalesT.Float64At(i)
		}
		if sizes, err = scaledSizes(x.Type.Shape, scales); err != nil {
			return err
		}
		scaleAttr = floatScales(scales)
	} else {
		if sizesT.Len() != len(axes) {
			return fmt.Errorf("input 3 (sizes) has %d values, want %d", sizesT.Len(), len(axes))
		}
		for i, a := range axes {
			sizes[a] = int(sizesT.Int64At(i))
			if sizes[a] < 0 || sizes[a] > ir.MaxElems {
				return fmt.Errorf("input 3 (sizes) %v: %d is out of range", sizesT.Ints(), sizes[a])
			}
			if x.Type.Shape[a] == 0 {
				return fmt.Errorf("axis %d is empty and cannot be resized", a)
			}
			scales[a] = float64(sizes[a]) / float64(x.Type.Shape[a])
		}
		num, den := append([]int{}, sizes...), append([]int{}, x.Type.Shape...)
		if err := keepAspectRatio(policy, x.Type.Shape, axes, sizes, num, den); err != nil {
			return err
		}
		scaleAttr = ir.IntsFromInts(append(num, den...))
	}
	if attrs["coord"].Str == "tf_crop_and_resize" {
		if !c.has(1) {
			return fmt.Errorf("tf_crop_and_resize needs the roi input")
		}
		roiT, err := c.constInput(1, "roi")
		if err != nil {
			return err
		}
		if roiT.Len() != 2*len(axes) {
			return fmt.Errorf("input 1 (roi) has %d values, want %d", roiT.Len(), 2*len(axes))
		}
		roi := make([]float32, 2*r)
		for i := 0; i < r; i++ {
			roi[r+i] = 1
		}
		for i, a := range axes {
			roi[a], roi[r+a] = float32(roiT.Float64At(i)), float32(roiT.Float64At(len(axes)+i))
		}
		attrs["roi"] = ir.FloatsAttr(roi...)
	}
	return c.emitResize(x, sizes, scaleAttr, attrs)
}

// floatScales is the scales attribute of given scale factors (float32 in
// the model, so exact).
func floatScales(scales []float64) ir.Attr {
	fs := make([]float32, len(scales))
	for i, s := range scales {
		fs[i] = float32(s)
	}
	return ir.FloatsAttr(fs...)
}

// keepAspectRatio applies Resize-18's keep_aspect_ratio_policy to sizes
// given as input, whose scale factors are num[i]/den[i]: one scale for all
// resized axes (the smallest with not_larger, the largest with
// not_smaller) and sizes scale*in rounded half up, as the reference does.
func keepAspectRatio(policy string, in, axes, sizes, num, den []int) error {
	if policy == "stretch" {
		return nil
	}
	if policy != "not_larger" && policy != "not_smaller" {
		return fmt.Errorf("attribute \"keep_aspect_ratio_policy\" is %q, want stretch, not_larger or not_smaller", policy)
	}
	best := axes[0]
	for _, a := range axes[1:] {
		// float64 quotients, as the reference compares them
		sa, sb := float64(num[a])/float64(den[a]), float64(num[best])/float64(den[best])
		if (policy == "not_larger" && sa < sb) || (policy == "not_smaller" && sa > sb) {
			best = a
		}
	}
	s := float64(num[best]) / float64(den[best])
	n, d := num[best], den[best]
	for _, a := range axes {
		num[a], den[a] = n, d
		sizes[a] = int(s*float64(in[a]) + 0.5)
	}
	return nil
}

// emitResize emits the resize op with the scale attribute scale (scales or
// scale_ratios), or an identity when nothing changes.
func (c *nodeCtx) emitResize(x *ir.Value, sizes []int, scale ir.Attr, attrs ir.Attrs) error {
	name := "scales"
	if scale.Kind == ir.AttrInts {
		name = "scale_ratios"
	}
	attrs["sizes"] = ir.IntsFromInts(sizes)
	attrs[name] = scale
	n := &ir.Node{Op: ir.OpResize, Attrs: attrs}
	p := ir.ResizeParams(n)
	same := tensor.SameShape(sizes, x.Type.Shape) && p.Coord != "tf_crop_and_resize"
	for _, s := range p.Scales {
		same = same && s == 1
	}
	if same {
		_, err := c.emit1(ir.OpIdentity, []*ir.Value{x}, nil)
		return err
	}
	_, err := c.emit1(ir.OpResize, []*ir.Value{x}, attrs)
	return err
}
