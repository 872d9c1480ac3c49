package tensor

import "math"

// Float16 and BFloat16 values are stored widened in F32. Every kernel that
// produces one of them rounds its float32 result back to the narrow format
// with the functions below, so a stored value is always exactly
// representable in its declared type.

// F16Bits converts f to IEEE 754 binary16 bits, rounding to nearest, ties to
// even. Overflow gives ±Inf; NaNs stay NaN (quiet, payload truncated).
func F16Bits(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant == 0 {
			return sign | 0x7c00
		}
		return sign | 0x7e00 | uint16(mant>>13)
	}
	e := exp - 127 + 15 // biased half exponent
	if e >= 31 {
		return sign | 0x7c00
	}
	if e <= 0 {
		// Half subnormal (or zero). |f| = m * 2^(exp-150) with the hidden
		// bit in m; in units of the smallest subnormal 2^-24 that is
		// m * 2^(e-14), so we shift right by 14-e and round.
		if e < -10 {
			return sign // below half of the smallest subnormal: rounds to zero
		}
		m := mant | 0x800000
		shift := uint(14 - e)
		h := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && h&1 == 1) {
			h++ // may carry into the smallest normal, which is the right encoding
		}
		return sign | uint16(h)
	}
	h := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // a carry into the exponent field is correct, up to Inf
	}
	return sign | uint16(h)
}

// F16FromBits converts IEEE 754 binary16 bits to float32 (exactly).
func F16FromBits(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0:
		if mant == 0 {
			return math.Float32frombits(sign)
		}
		v := float32(mant) * (1.0 / (1 << 24)) // exact: mant < 2^10
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// RoundF16 rounds f to the nearest float16 value (ties to even) and returns
// it widened back to float32.
func RoundF16(f float32) float32 { return F16FromBits(F16Bits(f)) }

// BF16Bits converts f to bfloat16 bits (the top half of a float32), rounding
// to nearest, ties to even; NaNs stay quiet NaNs.
func BF16Bits(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// BF16FromBits widens bfloat16 bits to float32.
func BF16FromBits(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// RoundBF16 rounds f to the nearest bfloat16 value (ties to even).
func RoundBF16(f float32) float32 { return BF16FromBits(BF16Bits(f)) }

// RoundToType rounds every element of s in place to the precision of the
// float type dt: a no-op for Float32, float16 or bfloat16 rounding otherwise.
func RoundToType(dt DType, s []float32) {
	switch dt {
	case Float16:
		for i, v := range s {
			s[i] = RoundF16(v)
		}
	case BFloat16:
		for i, v := range s {
			s[i] = RoundBF16(v)
		}
	}
}

// roundScalar rounds one float32 to the precision of dt.
func roundScalar(dt DType, v float32) float32 {
	switch dt {
	case Float16:
		return RoundF16(v)
	case BFloat16:
		return RoundBF16(v)
	}
	return v
}
