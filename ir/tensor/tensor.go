package tensor

import (
	"fmt"
	"math"
	"strings"
)

// Tensor is a dense, row-major n-d array. Exactly one of F32, F64 and I64 holds
// the data, chosen by DType (see the DType constants). A scalar has an empty
// Shape and one element. Tensors are values: kernels write into a destination
// given by the caller and never keep references to their inputs.
type Tensor struct {
	DType DType
	Shape []int
	F32   []float32
	F64   []float64
	I64   []int64
}

// NumElems returns the product of the dimensions (1 for a scalar).
func NumElems(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// New returns a zero tensor of the given type and shape.
func New(dt DType, shape ...int) *Tensor {
	t := &Tensor{DType: dt, Shape: append([]int{}, shape...)}
	n := NumElems(shape)
	switch {
	case dt == Float64:
		t.F64 = make([]float64, n)
	case dt.IsFloat():
		t.F32 = make([]float32, n)
	default:
		t.I64 = make([]int64, n)
	}
	return t
}

// FromF32 wraps data (not copied) as a Float32 tensor of the given shape.
// It panics if the lengths disagree: that is a programming error.
func FromF32(data []float32, shape ...int) *Tensor {
	if len(data) != NumElems(shape) {
		panic(fmt.Sprintf("BUG: tensor.FromF32: %d values for shape %v", len(data), shape))
	}
	return &Tensor{DType: Float32, Shape: append([]int{}, shape...), F32: data}
}

// FromI64 wraps data (not copied) as a tensor of integer type dt.
func FromI64(dt DType, data []int64, shape ...int) *Tensor {
	if len(data) != NumElems(shape) {
		panic(fmt.Sprintf("BUG: tensor.FromI64: %d values for shape %v", len(data), shape))
	}
	return &Tensor{DType: dt, Shape: append([]int{}, shape...), I64: data}
}

// Len returns the number of elements.
func (t *Tensor) Len() int { return NumElems(t.Shape) }

// Rank returns the number of dimensions.
func (t *Tensor) Rank() int { return len(t.Shape) }

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	c := &Tensor{DType: t.DType, Shape: append([]int{}, t.Shape...)}
	if t.F32 != nil {
		c.F32 = append([]float32{}, t.F32...)
	}
	if t.F64 != nil {
		c.F64 = append([]float64{}, t.F64...)
	}
	if t.I64 != nil {
		c.I64 = append([]int64{}, t.I64...)
	}
	return c
}

// Reshaped returns a tensor sharing t's data with a new shape of the same size.
func (t *Tensor) Reshaped(shape ...int) *Tensor {
	if NumElems(shape) != t.Len() {
		panic(fmt.Sprintf("BUG: tensor.Reshaped: %v to %v", t.Shape, shape))
	}
	c := *t
	c.Shape = append([]int{}, shape...)
	return &c
}

// Float64At returns element i converted to float64, whatever the storage.
func (t *Tensor) Float64At(i int) float64 {
	switch {
	case t.F32 != nil:
		return float64(t.F32[i])
	case t.F64 != nil:
		return t.F64[i]
	case t.DType == Uint64:
		return float64(uint64(t.I64[i]))
	default:
		return float64(t.I64[i])
	}
}

// Int64At returns element i converted to int64 (floats truncate toward zero).
func (t *Tensor) Int64At(i int) int64 {
	switch {
	case t.F32 != nil:
		return int64(t.F32[i])
	case t.F64 != nil:
		return int64(t.F64[i])
	default:
		return t.I64[i]
	}
}

// Ints returns all elements as ints, saturated to int's range; used for
// shape-like tensors.
func (t *Tensor) Ints() []int {
	out := make([]int, t.Len())
	for i := range out {
		// Where int has 32 bits, values beyond it saturate instead of
		// wrapping, so they fail the same range checks (shape sizes, axes)
		// as the true value; on 64-bit machines this is a plain conversion.
		out[i] = int(min(max(t.Int64At(i), math.MinInt), math.MaxInt))
	}
	return out
}

// Int64s returns all elements as int64s.
func (t *Tensor) Int64s() []int64 {
	out := make([]int64, t.Len())
	for i := range out {
		out[i] = t.Int64At(i)
	}
	return out
}

// Float32s returns all elements converted to float32 (a copy).
func (t *Tensor) Float32s() []float32 {
	out := make([]float32, t.Len())
	for i := range out {
		out[i] = float32(t.Float64At(i))
	}
	return out
}

// Equal reports whether a and b have the same type, shape and bits
// (NaNs with equal bits compare equal).
func Equal(a, b *Tensor) bool {
	if a.DType != b.DType || !SameShape(a.Shape, b.Shape) {
		return false
	}
	n := a.Len()
	for i := 0; i < n; i++ {
		switch {
		case a.F32 != nil:
			if math.Float32bits(a.F32[i]) != math.Float32bits(b.F32[i]) {
				return false
			}
		case a.F64 != nil:
			if math.Float64bits(a.F64[i]) != math.Float64bits(b.F64[i]) {
				return false
			}
		default:
			if a.I64[i] != b.I64[i] {
				return false
			}
		}
	}
	return true
}

// SameShape reports whether two shapes are identical.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ShapeString formats a shape as "[1,3,32,32]" (scalars: "[]").
func ShapeString(shape []int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, d := range shape {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, d)
	}
	b.WriteByte(']')
	return b.String()
}

// String describes the tensor briefly, e.g. "f32[1,10]".
func (t *Tensor) String() string { return t.DType.String() + ShapeString(t.Shape) }
