package interp

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Kernels of the quantized stage: the integer reference semantics of
// docs/QUANT.md, exact in int64, with the saturation points of the ISA
// (sat32 before every vrq multiply and after every vadd). The simulator must
// reproduce these results bit for bit.

func init() {
	Register(ir.OpQuantize, quantizeKernel)
	Register(ir.OpDequantize, dequantizeKernel)
	Register(ir.OpQConv, qconvKernel)
	Register(ir.OpQFC, qfcKernel)
	Register(ir.OpQAdd, qaddKernel)
	Register(ir.OpQConcat, qconcatKernel)
	Register(ir.OpQAvgPool, qavgPoolKernel)
	Register(ir.OpQGlobalAvgPool, qglobalAvgPoolKernel)
	Register(ir.OpQClip, qclipKernel)
	Register(ir.OpQAffine, qaffineKernel)
}

// requantParams reads shift, round, lo and hi.
type requantParams struct {
	shift  uint
	mode   tensor.RoundMode
	lo, hi int64
}

func readRange(n *ir.Node) (lo, hi int64, err error) {
	l, err := reqInt64(n, "lo")
	if err != nil {
		return 0, 0, err
	}
	h, err := reqInt64(n, "hi")
	if err != nil {
		return 0, 0, err
	}
	if l > h || l < -1<<31 || h > 1<<31-1 {
		return 0, 0, fmt.Errorf("output range [%d, %d] is empty or outside int32", l, h)
	}
	return l, h, nil
}

func reqInt64(n *ir.Node, name string) (int64, error) {
	a, ok := n.Attrs[name]
	if !ok {
		return 0, fmt.Errorf("attribute %q is required", name)
	}
	if a.Kind != ir.AttrInt {
		return 0, fmt.Errorf("attribute %q: want int, got %v", name, a.Kind)
	}
	return a.Int, nil
}

func readRound(n *ir.Node) (tensor.RoundMode, error) {
	a, ok := n.Attrs["round"]
	if !ok || a.Kind != ir.AttrString {
		return 0, fmt.Errorf("attribute \"round\" (string) is required")
	}
	return tensor.ParseRoundMode(a.Str)
}

func readRequant(n *ir.Node) (requantParams, error) {
	var p requantParams
	s, err := reqInt64(n, "shift")
	if err != nil {
		return p, err
	}
	if s < 0 || s > 63 {
		return p, fmt.Errorf("attribute \"shift\": %d outside 0..63", s)
	}
	p.shift = uint(s)
	if p.mode, err = readRound(n); err != nil {
		return p, err
	}
	p.lo, p.hi, err = readRange(n)
	return p, err
}

// outDType is the element type of the codes in [lo, hi] (ir.QuantDType).
func (p requantParams) outDType() tensor.DType { return ir.QuantDType(p.lo, p.hi) }

func readScale(n *ir.Node) (float32, error) {
	a, ok := n.Attrs["scale"]
	if !ok || a.Kind != ir.AttrFloat {
		return 0, fmt.Errorf("attribute \"scale\" (float) is required")
	}
	return a.Float, nil
}

func quantizeKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if in[0] == nil {
		return nil, errMissing(0)
	}
	scale, err := readScale(n)
	if err != nil {
		return nil, err
	}
	lo, hi, err := readRange(n)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(ir.QuantDType(lo, hi), in[0].Shape)
	return one(out, tensor.QuantizeF32(out, in[0], scale, lo, hi))
}

func dequantizeKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if in[0] == nil {
		return nil, errMissing(0)
	}
	scale, err := readScale(n)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(tensor.Float32, in[0].Shape)
	return one(out, tensor.Dequantize(out, in[0], scale))
}

// channelVectors returns the bias and multiplier inputs of a matrix op.
func channelVectors(in []*tensor.Tensor) (bias, mult []int64, err error) {
	for i := 2; i < 4; i++ {
		if i >= len(in) || in[i] == nil {
			return nil, nil, errMissing(i)
		}
		if in[i].DType.Storage() != tensor.StoreI64 || len(in[i].I64) != in[i].Len() {
			return nil, nil, fmt.Errorf("input %d: want an integer vector, got %v", i, in[i])
		}
	}
	return in[2].I64, in[3].I64, nil
}

func qconvKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if len(in) < 4 || in[0] == nil || in[1] == nil {
		return nil, fmt.Errorf("qconv needs x, w, bias and mult")
	}
	var p tensor.ConvParams
	var err error
	if p.Strides, err = reqInts(n, "strides"); err != nil {
		return nil, err
	}
	if p.Pads, err = reqInts(n, "pads"); err != nil {
		return nil, err
	}
	if p.Dilations, err = reqInts(n, "dilations"); err != nil {
		return nil, err
	}
	if p.Group, err = reqInt(n, "group"); err != nil {
		return nil, err
	}
	rq, err := readRequant(n)
	if err != nil {
		return nil, err
	}
	bias, mult, err := channelVectors(in)
	if err != nil {
		return nil, err
	}
	shape, err := tensor.ConvShape(in[0].Shape, in[1].Shape, p)
	if err != nil {
		return nil, err
	}
	x, err := padWithZero(n, in[0], &p)
	if err != nil {
		return nil, err
	}
	acc := tensor.New(tensor.Int64, shape...)
	if err := tensor.QConvAcc(acc, x, in[1], p); err != nil {
		return nil, err
	}
	out := c.Alloc(rq.outDType(), shape)
	return one(out, requantZero(n, out, acc, bias, mult, rq))
}

// padWithZero pads x explicitly with its zero point (attribute x_zero) when
// that is not 0, setting p.Pads to 0: the padded cells of an imported
// model's convolution hold the code of real 0 (docs/QUANT.md §11).
func padWithZero(n *ir.Node, x *tensor.Tensor, p *tensor.ConvParams) (*tensor.Tensor, error) {
	xz := n.Int("x_zero", 0)
	if xz == 0 || !slices.ContainsFunc(p.Pads, func(v int) bool { return v != 0 }) {
		return x, nil
	}
	sp := len(p.Pads) / 2
	if sp != len(x.Shape)-2 {
		return nil, fmt.Errorf("pads %v for a rank-%d input", p.Pads, len(x.Shape))
	}
	pads := make([]int, 2*len(x.Shape))
	for d := range sp {
		pads[2+d], pads[len(x.Shape)+2+d] = p.Pads[d], p.Pads[sp+d]
	}
	shape, err := tensor.PadShape(x.Shape, pads)
	if err != nil {
		return nil, err
	}
	xp := tensor.New(x.DType, shape...)
	if err := tensor.Pad(xp, x, pads, float64(xz)); err != nil {
		return nil, err
	}
	p.Pads = make([]int, len(p.Pads))
	return xp, nil
}

// requantZero requantizes acc per channel; with an output zero point yz
// (attribute y_zero) the result is clamp(r + yz, lo, hi), computed as the
// device does: clamp(r, lo-yz, hi-yz) + yz.
func requantZero(n *ir.Node, out, acc *tensor.Tensor, bias, mult []int64, rq requantParams) error {
	yz := n.Int("y_zero", 0)
	if err := tensor.RequantChannels(out, acc, 1, bias, mult, rq.shift, rq.mode, rq.lo-yz, rq.hi-yz); err != nil {
		return err
	}
	if yz != 0 {
		for i := range out.I64 {
			out.I64[i] += yz
		}
	}
	return nil
}

func qfcKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if len(in) < 4 || in[0] == nil || in[1] == nil {
		return nil, fmt.Errorf("qfc needs x, w, bias and mult")
	}
	rq, err := readRequant(n)
	if err != nil {
		return nil, err
	}
	bias, mult, err := channelVectors(in)
	if err != nil {
		return nil, err
	}
	shape, err := tensor.FCShape(in[0].Shape, in[1].Shape)
	if err != nil {
		return nil, err
	}
	acc := tensor.New(tensor.Int64, shape...)
	if err := tensor.QFCAcc(acc, in[0], in[1]); err != nil {
		return nil, err
	}
	out := c.Alloc(rq.outDType(), shape)
	return one(out, requantZero(n, out, acc, bias, mult, rq))
}

// readRescale reads in_mults and in_shifts for k inputs.
func readRescale(n *ir.Node, k int) ([]int64, []uint, error) {
	a, ok1 := n.Attrs["in_mults"]
	b, ok2 := n.Attrs["in_shifts"]
	if !ok1 || !ok2 || a.Kind != ir.AttrInts || b.Kind != ir.AttrInts {
		return nil, nil, fmt.Errorf("attributes \"in_mults\" and \"in_shifts\" (ints) are required")
	}
	if len(a.Ints) != k || len(b.Ints) != k {
		return nil, nil, fmt.Errorf("want one multiplier and shift per input (%d), got %d and %d", k, len(a.Ints), len(b.Ints))
	}
	shifts := make([]uint, k)
	for i, s := range b.Ints {
		if s < 0 || s > 63 || a.Ints[i] < -1<<31 || a.Ints[i] > 1<<31-1 {
			return nil, nil, fmt.Errorf("input %d: multiplier %d or shift %d out of range", i, a.Ints[i], s)
		}
		shifts[i] = uint(s)
	}
	return a.Ints, shifts, nil
}

func qaddKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if err := allPresent(in); err != nil {
		return nil, err
	}
	rq, err := readRequant(n)
	if err != nil {
		return nil, err
	}
	mults, shifts, err := readRescale(n, len(in))
	if err != nil {
		return nil, err
	}
	mult, err := reqInt64(n, "mult")
	if err != nil {
		return nil, err
	}
	out := c.Alloc(rq.outDType(), in[0].Shape)
	return one(out, tensor.QAdd(out, in, mults, shifts, mult, rq.shift, rq.mode, rq.lo, rq.hi))
}

func qaffineKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if err := allPresent(in); err != nil {
		return nil, err
	}
	if len(in) != 3 {
		return nil, fmt.Errorf("qaffine needs x, scale and bias, got %d inputs", len(in))
	}
	for i := 1; i < 3; i++ {
		if in[i].DType.Storage() != tensor.StoreI64 || len(in[i].I64) != in[i].Len() {
			return nil, fmt.Errorf("input %d: want an integer vector, got %v", i, in[i])
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
	return one(out, tensor.QAffine(out, in[0], in[1].I64, in[2].I64, mult, rq.shift, rq.mode, rq.lo, rq.hi))
}

func qconcatKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if err := allPresent(in); err != nil {
		return nil, err
	}
	mode, err := readRound(n)
	if err != nil {
		return nil, err
	}
	lo, hi, err := readRange(n)
	if err != nil {
		return nil, err
	}
	mults, shifts, err := readRescale(n, len(in))
	if err != nil {
		return nil, err
	}
	axis, err := reqInt(n, "axis")
	if err != nil {
		return nil, err
	}
	dt := ir.QuantDType(lo, hi)
	parts := make([]*tensor.Tensor, len(in))
	shapes := make([][]int, len(in))
	for i, x := range in {
		parts[i] = tensor.New(dt, x.Shape...)
		if err := tensor.QRescale(parts[i], x, mults[i], shifts[i], mode, lo, hi); err != nil {
			return nil, fmt.Errorf("input %d: %w", i, err)
		}
		shapes[i] = x.Shape
	}
	shape, err := tensor.ConcatShape(shapes, axis)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(dt, shape)
	return one(out, tensor.Concat(out, axis, parts...))
}

func qavgPoolKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if in[0] == nil {
		return nil, errMissing(0)
	}
	p, err := poolParams(n)
	if err != nil {
		return nil, err
	}
	rq, err := readRequant(n)
	if err != nil {
		return nil, err
	}
	shape, err := tensor.PoolShape(in[0].Shape, p)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(rq.outDType(), shape)
	return one(out, tensor.QAvgPool(out, in[0], p, rq.shift, rq.mode, rq.lo, rq.hi))
}

func qglobalAvgPoolKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if in[0] == nil {
		return nil, errMissing(0)
	}
	rq, err := readRequant(n)
	if err != nil {
		return nil, err
	}
	shape, err := tensor.GlobalPoolShape(in[0].Shape)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(rq.outDType(), shape)
	return one(out, tensor.QGlobalAvgPool(out, in[0], rq.shift, rq.mode, rq.lo, rq.hi))
}

func qclipKernel(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if in[0] == nil {
		return nil, errMissing(0)
	}
	lo, hi, err := readRange(n)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(ir.QuantDType(lo, hi), in[0].Shape)
	return one(out, tensor.QClip(out, in[0], lo, hi))
}

// allPresent checks that a variadic op got at least one input and no absent one.
func allPresent(in []*tensor.Tensor) error {
	if len(in) == 0 {
		return errMissing(0)
	}
	for i, t := range in {
		if t == nil {
			return errMissing(i)
		}
	}
	return nil
}
