package tensor

import (
	"fmt"
	"math"
)

// Integer arithmetic of the quantized stage (docs/QUANT.md is the normative
// description). Every function here mirrors one step of the accelerator's
// DPU (docs/ISA.md §2 and §3.4) but is written independently of
// isa: the interpreter built on it is the oracle the simulator must
// match bit for bit, so the two must not share code.

// RoundMode is the rounding of RoundShift; the numbering is the ISA's M field.
type RoundMode uint8

// Rounding modes of roundshift (ISA §2).
const (
	RoundUp    RoundMode = iota // floor(x/2^s + 1/2): ties toward +inf
	RoundAway                   // ties away from zero
	RoundEven                   // ties to even
	RoundFloor                  // floor(x/2^s)
)

var roundNames = [...]string{RoundUp: "up", RoundAway: "away", RoundEven: "even", RoundFloor: "floor"}

func (m RoundMode) String() string {
	if int(m) < len(roundNames) {
		return roundNames[m]
	}
	return fmt.Sprintf("round(%d)", uint8(m))
}

// ParseRoundMode is the inverse of RoundMode.String.
func ParseRoundMode(s string) (RoundMode, error) {
	for i, n := range roundNames {
		if n == s {
			return RoundMode(i), nil
		}
	}
	return 0, fmt.Errorf("unknown rounding mode %q (want up, away, even or floor)", s)
}

// RoundShift divides x by 2^s (s in 0..63) and rounds by mode. It is exact
// for every int64 x: the quotient and remainder are taken separately, so
// adding the rounding constant can never overflow.
func RoundShift(x int64, s uint, mode RoundMode) int64 {
	if s == 0 {
		return x
	}
	if s > 63 {
		panic(fmt.Sprintf("BUG: RoundShift: shift %d outside 0..63", s))
	}
	q := x >> s                  // floor(x / 2^s)
	r := uint64(x) & (1<<s - 1)  // x - q*2^s, in [0, 2^s)
	half := uint64(1) << (s - 1) // 2^s / 2
	switch mode {
	case RoundUp:
		if r >= half {
			q++
		}
	case RoundAway:
		// A tie is q + 1/2, which is positive exactly when q >= 0.
		if r > half || (r == half && q >= 0) {
			q++
		}
	case RoundEven:
		if r > half || (r == half && q&1 != 0) {
			q++
		}
	case RoundFloor:
	default:
		panic(fmt.Sprintf("BUG: RoundShift: mode %d", mode))
	}
	return q
}

// Sat clamps x to the signed b-bit range [-2^(b-1), 2^(b-1)-1], b in 1..64.
func Sat(x int64, b int) int64 {
	if b >= 64 {
		return x
	}
	lo, hi := -(int64(1) << (b - 1)), int64(1)<<(b-1)-1
	return min(max(x, lo), hi)
}

// Sat32 is Sat(x, 32): the saturation of every DPU lane operation.
func Sat32(x int64) int64 { return min(max(x, math.MinInt32), math.MaxInt32) }

// Clamp limits x to [lo, hi].
func Clamp(x, lo, hi int64) int64 { return min(max(x, lo), hi) }

// Requant is the DPU's vrq followed by the clamp of the output range:
// clamp(roundshift(int64(sat32(acc+bias)) * mult, shift, mode), lo, hi).
// acc is the exact accumulator value; bias and mult are int32 values. The
// product of an int32 and an int32 always fits an int64.
func Requant(acc, bias, mult int64, shift uint, mode RoundMode, lo, hi int64) int64 {
	t := Sat32(acc+bias) * mult
	return Clamp(RoundShift(t, shift, mode), lo, hi)
}

// AvgMultiplier is the multiplier of an average over count elements:
// round(2^shift / count), ties rounded up, computed exactly in integers as
// floor((2^(shift+1) + count) / (2*count)). shift must be in 0..61.
func AvgMultiplier(count int, shift uint) int64 {
	if count < 1 || shift > 61 {
		panic(fmt.Sprintf("BUG: AvgMultiplier(%d, %d)", count, shift))
	}
	c := int64(count)
	return (int64(1)<<(shift+1) + c) / (2 * c)
}

// QuantizeF32 writes clamp(round_half_even(x / scale), lo, hi) for every
// element of the float tensor x into the integer tensor dst. The division is
// done in float64 on the float32 values, so the result is deterministic.
// ±Inf saturate to hi and lo like any value beyond them; NaN maps to the
// zero point 0 (clamped into [lo, hi]): it has no value to round, and 0 is
// the code that stands for nothing, so a NaN input adds no spurious signal
// (docs/QUANT.md §1, "NaN and infinities").
func QuantizeF32(dst, x *Tensor, scale float32, lo, hi int64) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if x.DType.Storage() != StoreF32 && x.DType.Storage() != StoreF64 {
		return fmt.Errorf("quantize: want a float input, got %v", x)
	}
	if !(scale > 0) || math.IsInf(float64(scale), 0) {
		return fmt.Errorf("quantize: scale %v is not a positive finite number", scale)
	}
	if lo > hi {
		return fmt.Errorf("quantize: empty range [%d, %d]", lo, hi)
	}
	if dst == nil || dst.DType.Storage() != StoreI64 || !SameShape(dst.Shape, x.Shape) || len(dst.I64) != x.Len() {
		return fmt.Errorf("quantize: destination must be an integer tensor of shape %s", ShapeString(x.Shape))
	}
	s := float64(scale)
	nan := float64(Clamp(0, lo, hi))
	for i := range dst.I64 {
		v := x.Float64At(i) / s
		switch {
		case v != v:
			v = nan
		case v < float64(lo):
			v = float64(lo)
		case v > float64(hi):
			v = float64(hi)
		}
		dst.I64[i] = int64(math.RoundToEven(v))
	}
	return nil
}

// Dequantize writes float32(float64(q) * scale) for every element of the
// integer tensor q into the float32 tensor dst.
func Dequantize(dst, q *Tensor, scale float32) error {
	if err := checkStorage("q", q); err != nil {
		return err
	}
	if q.DType.Storage() != StoreI64 {
		return fmt.Errorf("dequantize: want an integer input, got %v", q)
	}
	if dst == nil || dst.DType != Float32 || !SameShape(dst.Shape, q.Shape) || len(dst.F32) != q.Len() {
		return fmt.Errorf("dequantize: destination must be f32%s", ShapeString(q.Shape))
	}
	s := float64(scale)
	for i, v := range q.I64 {
		dst.F32[i] = float32(float64(v) * s)
	}
	return nil
}

// checkIntDst verifies dst is an integer tensor of the given shape.
func checkIntDst(what string, dst *Tensor, shape []int) error {
	if dst == nil || dst.DType.Storage() != StoreI64 || !SameShape(dst.Shape, shape) || len(dst.I64) != NumElems(shape) {
		return fmt.Errorf("%s: destination must be an integer tensor of shape %s", what, ShapeString(shape))
	}
	return nil
}

// checkIntIn verifies x is a well-formed integer tensor.
func checkIntIn(what string, x *Tensor) error {
	if err := checkStorage(what, x); err != nil {
		return err
	}
	if x.DType.Storage() != StoreI64 || x.DType == Bool {
		return fmt.Errorf("%s: want an integer tensor, got %v", what, x)
	}
	return nil
}
