package tensor

import (
	"fmt"
	"math"
)

// ResizeParams describe one ONNX Resize with every input resolved: the
// output shape, the per-axis scale factors the coordinate transformation
// uses, and the attributes. Names and meanings are ONNX's (opsets 10-19);
// Roi is [start..., end...] over all axes and only read by
// tf_crop_and_resize.
type ResizeParams struct {
	Sizes          []int
	Scales         []float64
	Mode           string // nearest, linear, cubic
	Coord          string // half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric, tf_crop_and_resize, tf_half_pixel_for_nn (opsets 11-12)
	Nearest        string // round_prefer_floor, round_prefer_ceil, floor, ceil
	CubicA         float64
	ExcludeOutside bool
	Extrapolation  float64
	Roi            []float64
	Antialias      bool
}

// Check validates p against an input of shape x.
func (p *ResizeParams) Check(x []int) error {
	r := len(x)
	if len(p.Sizes) != r || len(p.Scales) != r {
		return fmt.Errorf("resize: %d sizes and %d scales for rank %d", len(p.Sizes), len(p.Scales), r)
	}
	switch p.Mode {
	case "nearest", "linear", "cubic":
	default:
		return fmt.Errorf("resize: mode %q: want nearest, linear or cubic", p.Mode)
	}
	switch p.Coord {
	case "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn":
	case "tf_crop_and_resize":
		if len(p.Roi) != 2*r {
			return fmt.Errorf("resize: tf_crop_and_resize needs a roi of %d values, got %d", 2*r, len(p.Roi))
		}
	default:
		return fmt.Errorf("resize: coordinate_transformation_mode %q is not an ONNX mode", p.Coord)
	}
	switch p.Nearest {
	case "round_prefer_floor", "round_prefer_ceil", "floor", "ceil":
	default:
		return fmt.Errorf("resize: nearest_mode %q is not an ONNX mode", p.Nearest)
	}
	for i := range x {
		if p.Sizes[i] < 0 {
			return fmt.Errorf("resize: negative output size %v", p.Sizes)
		}
		if s := p.Scales[i]; !(s > 0) || math.IsInf(s, 0) {
			return fmt.Errorf("resize: scale %v of axis %d is not a positive number", s, i)
		}
		if x[i] == 0 && p.Sizes[i] > 0 {
			return fmt.Errorf("resize: axis %d is empty and cannot be resized to %d", i, p.Sizes[i])
		}
	}
	return nil
}

// Resize interpolates x to dst (shape p.Sizes), one axis after the other:
// every mode is a tensor product of one-dimensional rules, so this equals
// the ONNX reference's point-by-point evaluation (onnx.reference's Resize)
// up to the order of float64 additions. Each output coordinate maps to an
// input coordinate by the coordinate transformation, then takes the
// neighbouring cells with the weights of the mode (cubic with coefficient
// CubicA; with Antialias, linear and cubic widen their kernel by 1/scale
// when downsampling), cells beyond the border repeating the border cell,
// or weighted 0 and the rest renormalized with ExcludeOutside; with
// tf_crop_and_resize a coordinate outside the input gives Extrapolation.
// Arithmetic is float64, rounded once to the element type; integer results
// truncate toward zero, as the reference's cast back to the type does.
func Resize(dst, x *Tensor, p ResizeParams) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if x.DType == Bool {
		return fmt.Errorf("resize: not defined on bool")
	}
	if err := p.Check(x.Shape); err != nil {
		return err
	}
	if err := checkDst(dst, x.DType, p.Sizes); err != nil {
		return fmt.Errorf("resize: %w", err)
	}
	cur := make([]float64, x.Len())
	for i := range cur {
		cur[i] = x.Float64At(i)
	}
	shape := append([]int{}, x.Shape...)
	for ax := range shape {
		taps := resizeTaps(p, ax, shape[ax])
		if taps == nil {
			continue
		}
		cur = resizeAxis(cur, shape, ax, taps, p.Extrapolation)
		shape[ax] = p.Sizes[ax]
	}
	for i, v := range cur {
		switch x.DType.Storage() {
		case StoreF32:
			dst.F32[i] = float32(v)
		case StoreF64:
			dst.F64[i] = v
		default:
			dst.I64[i] = x.DType.Wrap(truncToInt64(v))
		}
	}
	if x.DType.Storage() == StoreF32 {
		RoundToType(x.DType, dst.F32)
	}
	return nil
}

// tap is one output coordinate's rule: the weighted input cells, or the
// extrapolation value when extrap is set.
type tap struct {
	idx    []int
	w      []float64
	extrap bool
}

// resizeTaps returns the rule of every output coordinate of axis ax (input
// length in), or nil when the axis is left unchanged.
func resizeTaps(p ResizeParams, ax, in int) []tap {
	out := p.Sizes[ax]
	scale := p.Scales[ax]
	r := len(p.Sizes)
	var roiStart, roiEnd float64
	if p.Coord == "tf_crop_and_resize" {
		roiStart, roiEnd = p.Roi[ax], p.Roi[r+ax]
	}
	if out == in && scale == 1 && (p.Coord != "tf_crop_and_resize" || roiStart == 0 && roiEnd == 1) {
		return nil
	}
	taps := make([]tap, out)
	outWidth := scale * float64(in) // the reference's output_width: a float
	for c := range taps {
		xc := float64(c)
		var xo float64
		switch p.Coord {
		case "align_corners":
			if outWidth != 1 {
				xo = xc * float64(in-1) / (outWidth - 1)
			}
		case "asymmetric":
			xo = xc / scale
		case "tf_crop_and_resize":
			if outWidth == 1 {
				xo = (roiEnd - roiStart) * float64(in-1) / 2
			} else {
				xo = xc * (roiEnd - roiStart) * float64(in-1) / (outWidth - 1)
			}
			xo += roiStart * float64(in-1)
			if xo < 0 || xo > float64(in-1) {
				taps[c] = tap{extrap: true}
				continue
			}
		case "pytorch_half_pixel":
			xo = -0.5
			if outWidth != 1 {
				xo = (xc+0.5)/scale - 0.5
			}
		case "half_pixel":
			xo = (xc+0.5)/scale - 0.5
		case "tf_half_pixel_for_nn":
			xo = (xc + 0.5) / scale
		case "half_pixel_symmetric":
			adjust := float64(out) / outWidth
			center := float64(in) / 2
			xo = center*(1-adjust) + (xc+0.5)/scale - 0.5
		}
		// The reference takes the cells left of xo with a ratio in (0, 1].
		base := math.Ceil(xo) - 1
		ratio := xo - base
		start, w := resizeWeights(p, ratio, scale)
		t := tap{idx: make([]int, len(w)), w: w}
		sum := 0.0
		for k := range w {
			i := int(base) + start + k
			if p.ExcludeOutside && (i < 0 || i >= in) {
				w[k] = 0
			}
			sum += w[k]
			t.idx[k] = min(max(i, 0), in-1)
		}
		if p.ExcludeOutside && sum != 0 {
			for k := range w {
				w[k] /= sum
			}
		}
		taps[c] = t
	}
	return taps
}

// resizeWeights returns the weights of the cells base+start, base+start+1,
// ... for an input coordinate base+ratio.
func resizeWeights(p ResizeParams, ratio, scale float64) (int, []float64) {
	switch p.Mode {
	case "nearest":
		up := false // true: the cell right of base
		switch {
		case ratio == 1:
			up = true
		case p.Nearest == "round_prefer_floor":
			up = ratio > 0.5
		case p.Nearest == "round_prefer_ceil":
			up = ratio >= 0.5
		case p.Nearest == "ceil":
			up = true
		}
		if up {
			return 1, []float64{1}
		}
		return 0, []float64{1}
	case "linear":
		s := 1.0
		if p.Antialias && scale < 1 {
			s = scale
		}
		start := int(math.Floor(-1/s) + 1)
		n := 2 - 2*start
		w := make([]float64, n)
		sum := 0.0
		for k := range w {
			w[k] = math.Max(0, math.Min(1, 1-math.Abs((float64(start+k)-ratio)*s)))
			sum += w[k]
		}
		return start, normalize(w, sum, p.Antialias)
	}
	s := 1.0
	if p.Antialias && scale < 1 {
		s = scale
	}
	start := int(math.Floor(-2/s) + 1)
	n := 2 - 2*start
	w := make([]float64, n)
	sum := 0.0
	for k := range w {
		w[k] = cubicKernel(math.Abs((float64(start+k)-ratio)*s), p.CubicA)
		sum += w[k]
	}
	return start, normalize(w, sum, p.Antialias)
}

// normalize divides w by sum for the antialiasing kernels, which the
// reference normalizes (the plain kernels already sum to 1).
func normalize(w []float64, sum float64, antialias bool) []float64 {
	if antialias && sum != 0 {
		for k := range w {
			w[k] /= sum
		}
	}
	return w
}

// cubicKernel is Keys' cubic convolution kernel with parameter a.
func cubicKernel(x, a float64) float64 {
	switch {
	case x <= 1:
		return ((a+2)*x-(a+3))*x*x + 1
	case x < 2:
		return ((a*x-5*a)*x+8*a)*x - 4*a
	}
	return 0
}

// resizeAxis applies the taps along axis ax of cur (shape) and returns the
// result, whose axis ax has len(taps) cells; extrap fills the cells of
// coordinates outside the input.
func resizeAxis(cur []float64, shape []int, ax int, taps []tap, extrap float64) []float64 {
	outer := NumElems(shape[:ax])
	inner := NumElems(shape[ax+1:])
	in := shape[ax]
	out := make([]float64, outer*len(taps)*inner)
	for o := 0; o < outer; o++ {
		src := cur[o*in*inner : (o+1)*in*inner]
		for c, t := range taps {
			d := out[(o*len(taps)+c)*inner : (o*len(taps)+c+1)*inner]
			if t.extrap {
				for j := range d {
					d[j] = extrap
				}
				continue
			}
			for k, i := range t.idx {
				w := t.w[k]
				if w == 0 {
					continue
				}
				row := src[i*inner : (i+1)*inner]
				for j := range d {
					d[j] += w * row[j]
				}
			}
		}
	}
	return out
}

// ResizeNearestIndex returns, for a nearest-mode resize p of an input of
// length in along axis ax, the input cell each output coordinate copies:
// the rule Resize applies (coordinate transformation, then nearest_mode),
// so a compiler can decide at compile time what a resize moves. Nil when p
// is not nearest, when a coordinate takes tf_crop_and_resize's
// extrapolation value, or when the axis is left unchanged.
func ResizeNearestIndex(p ResizeParams, ax, in int) []int {
	if p.Mode != "nearest" || ax < 0 || ax >= len(p.Sizes) || ax >= len(p.Scales) {
		return nil
	}
	taps := resizeTaps(p, ax, in)
	if taps == nil {
		return nil
	}
	idx := make([]int, len(taps))
	for o, t := range taps {
		if t.extrap || len(t.idx) != 1 {
			return nil
		}
		idx[o] = t.idx[0]
	}
	return idx
}
