package frontend

import (
	"math"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// castTensor converts t to element type to like ONNX Cast: floats to
// integers truncate toward zero (NaN gives 0) and wrap to the width, like a
// C cast on two's-complement hardware; anything to bool is "!= 0"; floats
// narrowed to 16 bits round to nearest even.
func castTensor(t *tensor.Tensor, to tensor.DType) *tensor.Tensor {
	out := tensor.New(to, t.Shape...)
	n := t.Len()
	for i := 0; i < n; i++ {
		switch {
		case to == tensor.Float64:
			out.F64[i] = t.Float64At(i)
		case to.IsFloat():
			out.F32[i] = float32(t.Float64At(i))
		case to == tensor.Bool:
			out.I64[i] = boolInt(t.Float64At(i) != 0 || (!t.DType.IsFloat() && t.I64[i] != 0))
		case t.DType.IsFloat():
			f := math.Trunc(t.Float64At(i))
			var v int64
			switch {
			case f != f:
				v = 0
			case to == tensor.Uint64 && f >= 1<<63:
				v = int64(uint64(min(f, math.MaxUint64)))
			case f >= math.MaxInt64:
				v = math.MaxInt64
			case f <= math.MinInt64:
				v = math.MinInt64
			default:
				v = int64(f)
			}
			out.I64[i] = to.Wrap(v)
		default:
			out.I64[i] = to.Wrap(t.I64[i])
		}
	}
	// float16 and bfloat16 values are held in float32: round them to their
	// type (a no-op for float32 and the types without F32 storage).
	tensor.RoundToType(to, out.F32)
	return out
}
