package tensor

import (
	"fmt"
	"math"
)

// Cast converts x into dst (same shape, any element type) like ONNX Cast:
// floats to integers truncate toward zero (NaN gives 0), saturating at the
// int64 range and then wrapping to the width, like a C cast on
// two's-complement hardware; anything to bool is "!= 0"; floats narrowed
// to 16 bits round to nearest even.
func Cast(dst, x *Tensor) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	to := dst.DType
	if err := checkDst(dst, to, x.Shape); err != nil {
		return fmt.Errorf("cast: %w", err)
	}
	n := x.Len()
	for i := 0; i < n; i++ {
		switch {
		case to == Float64:
			dst.F64[i] = x.Float64At(i)
		case to.IsFloat():
			dst.F32[i] = float32(x.Float64At(i))
		case to == Bool:
			dst.I64[i] = boolInt64(x.Float64At(i) != 0 || (!x.DType.IsFloat() && x.I64[i] != 0))
		case x.DType.IsFloat():
			f := math.Trunc(x.Float64At(i))
			var v int64
			switch {
			case f != f:
				v = 0
			case to == Uint64 && f >= 1<<63:
				v = int64(uint64(min(f, math.MaxUint64)))
			case f >= math.MaxInt64:
				v = math.MaxInt64
			case f <= math.MinInt64:
				v = math.MinInt64
			default:
				v = int64(f)
			}
			dst.I64[i] = to.Wrap(v)
		default:
			dst.I64[i] = to.Wrap(x.I64[i])
		}
	}
	// float16 and bfloat16 values are held in float32: round them to their
	// type (a no-op for float32 and the types without F32 storage).
	RoundToType(to, dst.F32)
	return nil
}
