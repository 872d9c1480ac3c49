package ir

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// OpResize is ONNX Resize (and Upsample) with its inputs resolved at import:
// the full output shape, the per-axis scale factors the coordinate
// transformation uses, and the attributes. The scale factors are either
// the given float32 scales, or, when the model gives sizes, the exact
// ratios of two integers (an output size over an input size): a float32
// rounding of those could move a nearest-neighbour coordinate across a
// rounding tie.
const OpResize Op = "resize" // (x) {sizes, scales | scale_ratios, mode, coord, nearest_mode, cubic_a, exclude_outside, extrapolation, roi, antialias}

func registerResizeOps() {
	Register(&OpInfo{Op: OpResize, Summary: "interpolate to a new size (nearest, linear, cubic)", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Attrs: []AttrSpec{
			{Name: "sizes", Kind: AttrInts, Required: true, Doc: "output shape"},
			{Name: "scales", Kind: AttrFloats, Doc: "scale factor per axis, used by the coordinate transformation"},
			{Name: "scale_ratios", Kind: AttrInts, Doc: "instead of scales: [num..., den...], scale i = num[i]/den[i]"},
			{Name: "mode", Kind: AttrString, Required: true, Doc: "nearest, linear or cubic"},
			{Name: "coord", Kind: AttrString, Required: true, Doc: "ONNX coordinate_transformation_mode"},
			{Name: "nearest_mode", Kind: AttrString, Doc: "ONNX nearest_mode, default round_prefer_floor"},
			{Name: "cubic_a", Kind: AttrFloat, Doc: "cubic coefficient, default -0.75"},
			{Name: "exclude_outside", Kind: AttrInt, Doc: "1: cells outside the input weigh 0"},
			{Name: "extrapolation", Kind: AttrFloat, Doc: "tf_crop_and_resize value outside the input, default 0"},
			{Name: "roi", Kind: AttrFloats, Doc: "tf_crop_and_resize region [starts..., ends...]"},
			{Name: "antialias", Kind: AttrInt, Doc: "1: linear/cubic widen their kernel when downsampling"},
		},
		Infer: inferResize, LastStage: StageCanonical})
}

// ResizeParams reads the resize attributes of n.
func ResizeParams(n *Node) tensor.ResizeParams {
	p := tensor.ResizeParams{
		Sizes: n.Ints("sizes", nil), Mode: n.Str("mode", ""), Coord: n.Str("coord", ""),
		Nearest: n.Str("nearest_mode", "round_prefer_floor"), CubicA: float64(n.Float("cubic_a", -0.75)),
		ExcludeOutside: n.Int("exclude_outside", 0) != 0, Extrapolation: float64(n.Float("extrapolation", 0)),
		Antialias: n.Int("antialias", 0) != 0,
	}
	for _, s := range n.Floats("scales", nil) {
		p.Scales = append(p.Scales, float64(s))
	}
	if rs := n.Ints("scale_ratios", nil); len(rs)%2 == 0 && len(p.Scales) == 0 {
		for i := 0; i < len(rs)/2; i++ {
			p.Scales = append(p.Scales, float64(rs[i])/float64(rs[len(rs)/2+i]))
		}
	}
	for _, s := range n.Floats("roi", nil) {
		p.Roi = append(p.Roi, float64(s))
	}
	return p
}

func inferResize(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	if x.DType == tensor.Bool {
		return nil, fmt.Errorf("input is bool, want numbers")
	}
	_, hasScales := n.Attrs["scales"]
	_, hasRatios := n.Attrs["scale_ratios"]
	if hasScales == hasRatios {
		return nil, fmt.Errorf("want exactly one of the attributes scales and scale_ratios")
	}
	p := ResizeParams(n)
	if err := p.Check(x.Shape); err != nil {
		return nil, err
	}
	for _, d := range p.Sizes {
		if d > MaxElems {
			return nil, fmt.Errorf("sizes %v: %d is beyond 2^%d", p.Sizes, d, MaxElemsLog2)
		}
	}
	return one(typ(x.DType, append([]int{}, p.Sizes...))), nil
}
