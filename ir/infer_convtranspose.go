package ir

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// inferConvTranspose is the shape function of conv_transpose: per spatial
// axis stride*(in-1) + output_padding + ((k-1)*dilation+1) - pads, the
// formula of the ONNX ConvTranspose spec, over explicit attributes (auto_pad
// and output_shape were resolved at import).
func inferConvTranspose(n *Node) ([]Type, error) {
	x, w, err := inPair(n, in)
	if err != nil {
		return nil, err
	}
	if err := wantFloat("input", x); err != nil {
		return nil, err
	}
	if err := sameDType(x, w, "weight"); err != nil {
		return nil, err
	}
	p, err := ConvTransposeParams(n)
	if err != nil {
		return nil, err
	}
	out, err := tensor.ConvTransposeShape(x.Shape, w.Shape, p)
	if err != nil {
		return nil, err
	}
	if err := checkConvBias(n, x, out[1]); err != nil {
		return nil, err
	}
	return one(typ(x.DType, out)), nil
}

// ConvTransposeParams reads the attributes of a conv_transpose node; the
// lengths are checked by tensor.ConvTransposeShape.
func ConvTransposeParams(n *Node) (tensor.ConvTransposeParams, error) {
	p := tensor.ConvTransposeParams{
		Strides:       n.Ints("strides", nil),
		Pads:          n.Ints("pads", nil),
		Dilations:     n.Ints("dilations", nil),
		OutputPadding: n.Ints("output_padding", nil),
		Group:         int(n.Int("group", 1)),
	}
	for _, a := range []struct {
		name string
		v    []int
	}{{"strides", p.Strides}, {"pads", p.Pads}, {"dilations", p.Dilations}, {"output_padding", p.OutputPadding}} {
		if a.v == nil {
			return p, fmt.Errorf("missing attribute %q", a.name)
		}
	}
	return p, nil
}

// inferZeroInsert is the shape function of zero_insert: (in-1)*stride+1 per
// spatial axis of an [N,C,spatial...] input of any element type.
func inferZeroInsert(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	out, err := tensor.ZeroInsertShape(x.Shape, n.Ints("strides", nil))
	if err != nil {
		return nil, err
	}
	return one(typ(x.DType, out)), nil
}
