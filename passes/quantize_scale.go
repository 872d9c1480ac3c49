package passes

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Scale, code-range and fixed-point multiplier selection of the quantize
// pass (docs/QUANT.md §3). All arithmetic is float64 on float32 scales, so
// the integers chosen depend only on the stored scales.

// maxInt32 is the largest multiplier, bias or accumulator bound.
const maxInt32 = math.MaxInt32

// actType describes the codes of a quantized activation: bits and
// signedness give the range [lo, hi] (the vrq output type uN or iN).
type actType struct {
	bits   int
	signed bool
}

func (a actType) lo() int64 {
	if a.signed {
		return -(int64(1) << (a.bits - 1))
	}
	return 0
}

func (a actType) hi() int64 {
	if a.signed {
		return int64(1)<<(a.bits-1) - 1
	}
	return int64(1)<<a.bits - 1
}

// absMax is the largest code magnitude, the max|x| of the accumulator bound.
func (a actType) absMax() int64 { return max(-a.lo(), a.hi()) }

// levels is the code that represents the calibrated range: 2^N-1 unsigned,
// 2^(N-1)-1 signed (symmetric; the extra negative code only absorbs
// clamping).
func (a actType) levels() float64 {
	if a.signed {
		return float64(int64(1)<<(a.bits-1) - 1)
	}
	return float64(int64(1)<<a.bits - 1)
}

// newActType returns the type of N-bit activations; signed ones need at
// least 2 bits (1-bit signed codes would only hold {-1, 0}).
func newActType(bits int, signed bool) actType {
	if signed && bits < 2 {
		bits = 2
	}
	return actType{bits: bits, signed: signed}
}

// actScale is the scale that maps the magnitude r onto the type's levels;
// a range of 0 (a dead value) gets scale 1.
func actScale(r float64, t actType) float32 {
	s := float32(r / t.levels())
	if !(s > 0) || math.IsInf(float64(s), 0) {
		return 1
	}
	return s
}

func quantParams(t actType, scale float32) *ir.QuantParams {
	return &ir.QuantParams{Bits: t.bits, Signed: t.signed, Axis: -1, Scale: []float32{scale}, ZeroPoint: nil}
}

// fixedPoint picks one shift for the real multipliers ms: the largest s in
// 0..63 with every round(|m| * 2^s) <= 2^31-1, and returns the int32
// multipliers round_half_even(m * 2^s). It fails when even s = 0 does not
// fit (a multiplier >= 2^31: the scales are inconsistent).
func fixedPoint(ms []float64) (mults []int64, shift uint, err error) {
	big := 0.0
	for _, m := range ms {
		if m != m || math.IsInf(m, 0) {
			return nil, 0, fmt.Errorf("multiplier %v is not finite", m)
		}
		big = math.Max(big, math.Abs(m))
	}
	if math.RoundToEven(big) > maxInt32 {
		return nil, 0, fmt.Errorf("multiplier %g does not fit int32 even with shift 0", big)
	}
	s := 63
	if big > 0 {
		s = min(63, int(math.Floor(math.Log2(maxInt32/big))))
		for s > 0 && math.RoundToEven(math.Ldexp(big, s)) > maxInt32 {
			s--
		}
		for s < 63 && math.RoundToEven(math.Ldexp(big, s+1)) <= maxInt32 {
			s++
		}
		s = max(s, 0)
	}
	mults = make([]int64, len(ms))
	for i, m := range ms {
		mults[i] = int64(math.RoundToEven(math.Ldexp(m, s)))
	}
	return mults, uint(s), nil
}

// quantWeights quantizes the float weights w [F, ...] to bits-bit codes,
// symmetric, per output channel (axis 0) or per layer. For bits >= 2 the
// codes are round_half_even(w/s) clamped to +-(2^(bits-1)-1) with s =
// max|w|/(2^(bits-1)-1); for bits = 1 they are sign(w) in {-1, +1} (0 maps
// to +1) with s = mean|w| (the L2-optimal scale of a binary code). A
// channel of zeros gets the smallest scale of the other channels (1 if
// all are zero), so it never forces a large multiplier.
func quantWeights(w *tensor.Tensor, bits int, perChannel bool) (codes *tensor.Tensor, scales []float32) {
	f := w.Shape[0]
	per := w.Len() / max(f, 1)
	groups := f
	if !perChannel {
		groups = 1
	}
	gsize := w.Len() / max(groups, 1)
	scales = make([]float32, groups)
	qmax := float64(int64(1)<<(bits-1) - 1)
	for gi := 0; gi < groups; gi++ {
		var amax, asum float64
		for i := gi * gsize; i < (gi+1)*gsize; i++ {
			a := math.Abs(w.Float64At(i))
			amax = math.Max(amax, a)
			asum += a
		}
		if bits == 1 {
			scales[gi] = float32(asum / float64(max(gsize, 1)))
		} else {
			scales[gi] = float32(amax / qmax)
		}
	}
	fill := float32(math.Inf(1))
	for _, s := range scales {
		if s > 0 && s < fill {
			fill = s
		}
	}
	if math.IsInf(float64(fill), 0) {
		fill = 1
	}
	for i, s := range scales {
		if !(s > 0) {
			scales[i] = fill
		}
	}
	codes = tensor.New(tensor.Int8, w.Shape...)
	for i := range codes.I64 {
		s := float64(scales[0])
		if perChannel {
			s = float64(scales[i/max(per, 1)])
		}
		x := w.Float64At(i)
		if bits == 1 {
			if x >= 0 {
				codes.I64[i] = 1
			} else {
				codes.I64[i] = -1
			}
			continue
		}
		q := math.RoundToEven(x / s)
		codes.I64[i] = int64(math.Max(-qmax, math.Min(qmax, q)))
	}
	return codes, scales
}

// channelScale returns the weight scale of output channel c.
func channelScale(scales []float32, c int) float64 {
	if len(scales) == 1 {
		return float64(scales[0])
	}
	return float64(scales[c])
}
