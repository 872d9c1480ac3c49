package tensor

import "fmt"

// QLinearAddParams are the scales and zero points of onnxruntime's contrib
// op com.microsoft.QLinearAdd: one value each; zero points may be nil (0).
type QLinearAddParams struct {
	AScale, AZero, BScale, BZero, CScale, CZero *Tensor
}

// QLinearAdd writes into dst (shape: the NumPy broadcast of a and b; its
// integer type sets the saturation range) onnxruntime's QLinearAdd:
//
//	c = saturate(round_half_even((sa*(a-za) + sb*(b-zb)) / sc) + zc)
//
// in float32, each operation rounded, as the reference kernel of
// onnxruntime's MLAS computes it (MlasQLinearAddKernelRawHelper). Its AVX2
// kernel uses a fixed-point form of the same expression (scale ratios as
// 22-bit multipliers and a shift), which can differ by one code where the
// float value lies within about 2^-20 of a rounding tie.
func QLinearAdd(dst, a, b *Tensor, q QLinearAddParams) error {
	return qlinearBinary("qlinear_add", dst, a, b, q, func(da, db float64, sa, sb, sc float32) float32 {
		return (sa*float32(da) + sb*float32(db)) / sc
	})
}

// qlinearBinary applies f to the zero-point-shifted codes of a and b
// (NumPy broadcasting) and the three scales, rounds its float32 result half
// to even, adds c's zero point and saturates to dst's type.
func qlinearBinary(what string, dst, a, b *Tensor, q QLinearAddParams, f func(da, db float64, sa, sb, sc float32) float32) error {
	if err := checkIntIn(what+" a", a); err != nil {
		return err
	}
	if err := checkIntIn(what+" b", b); err != nil {
		return err
	}
	var vals [6]float64
	for i, t := range []*Tensor{q.AScale, q.AZero, q.BScale, q.BZero, q.CScale, q.CZero} {
		if t == nil {
			if i%2 == 0 {
				return fmt.Errorf("%s: scale %d is missing", what, i/2)
			}
			continue
		}
		if err := checkStorage(what+" parameter", t); err != nil || t.Len() != 1 || (i%2 == 0) != t.DType.IsFloat() {
			return fmt.Errorf("%s: parameter %v: want one %s value", what, t, map[bool]string{true: "float", false: "integer"}[i%2 == 0])
		}
		vals[i] = t.Float64At(0)
	}
	out, err := BroadcastShape(a.Shape, b.Shape)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := checkIntDst(what, dst, out); err != nil {
		return err
	}
	sa, za, sb, zb := float32(vals[0]), vals[1], float32(vals[2]), vals[3]
	sc, zc := float32(vals[4]), int64(vals[5])
	lo, hi := dst.DType.IntRange()
	ia, ib := broadcastIndex(out, a.Shape), broadcastIndex(out, b.Shape)
	for i := range dst.I64 {
		v := f(float64(a.I64[ia[i]])-za, float64(b.I64[ib[i]])-zb, sa, sb, sc)
		dst.I64[i] = quantizeF32(v, 1, zc, lo, hi)
	}
	return nil
}

// broadcastIndex returns, for every element of the row-major shape out,
// the flat index of the element of a tensor of shape in that NumPy
// broadcasting reads there.
func broadcastIndex(out, in []int) []int {
	padded := make([]int, len(out))
	off := len(out) - len(in)
	for i := range padded {
		padded[i] = 1
		if i >= off {
			padded[i] = in[i-off]
		}
	}
	return sourceIndex(out, padded, func(ax, c int) int {
		if padded[ax] == 1 {
			return 0
		}
		return c
	})
}
