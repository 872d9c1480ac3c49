package tensor

import "fmt"

// QAffine is the integer per-channel affine map (a batch norm that no
// convolution absorbs, e.g. after a concat): two DPU requantizations per
// element. With c the channel (axis 1) of element e,
//
//	t = clamp(x[e] * scale[c], int32)              (vrq to i32, zero bias, shift 0)
//	y = clamp(roundshift(int64(sat32(t + bias[c])) * mult, shift, mode), lo, hi)
//
// scale[c] may be negative or zero. scale, bias and mult are int32 values.
// x has rank >= 2 ([N, C, spatial...]); dst has x's shape. docs/QUANT.md §2.
func QAffine(dst, x *Tensor, scale, bias []int64, mult int64, shift uint, mode RoundMode, lo, hi int64) error {
	if err := checkIntIn("qaffine input", x); err != nil {
		return err
	}
	if err := checkRequant(shift, lo, hi); err != nil {
		return err
	}
	if len(x.Shape) < 2 {
		return fmt.Errorf("qaffine: input %s, want rank >= 2 (N, C, ...)", ShapeString(x.Shape))
	}
	ch := x.Shape[1]
	if len(scale) != ch || len(bias) != ch {
		return fmt.Errorf("qaffine: %d scales and %d biases for %d channels", len(scale), len(bias), ch)
	}
	const lo32, hi32 = -1 << 31, 1<<31 - 1
	for c := range ch {
		if scale[c] < lo32 || scale[c] > hi32 || bias[c] < lo32 || bias[c] > hi32 {
			return fmt.Errorf("qaffine: channel %d: scale %d or bias %d outside int32", c, scale[c], bias[c])
		}
	}
	if mult < lo32 || mult > hi32 {
		return fmt.Errorf("qaffine: multiplier %d outside int32", mult)
	}
	if err := checkIntDst("qaffine", dst, x.Shape); err != nil {
		return err
	}
	inner := 1
	for _, d := range x.Shape[2:] {
		inner *= d
	}
	for e, v := range x.I64 {
		c := e / inner % ch
		t := Requant(v, 0, scale[c], 0, mode, lo32, hi32)
		dst.I64[e] = Requant(t, bias[c], mult, shift, mode, lo, hi)
	}
	return nil
}
