package tensor

import "fmt"

// Storage names which slice of a Tensor holds its data.
type Storage uint8

// Storage kinds; see the DType constants for the mapping.
const (
	StoreF32 Storage = iota
	StoreF64
	StoreI64
)

// Storage returns where elements of type d are kept.
func (d DType) Storage() Storage {
	switch {
	case d == Float64:
		return StoreF64
	case d.IsFloat():
		return StoreF32
	}
	return StoreI64
}

// StorageBytes is the memory one element of type d takes in a Tensor: 4
// bytes in F32 (float32, float16, bfloat16), 8 in F64 or I64 (float64,
// every integer type, bool). Memory limits count values this way.
func (d DType) StorageBytes() int {
	if d.Storage() == StoreF32 {
		return 4
	}
	return 8
}

// elem is the set of storage element types.
type elem interface {
	float32 | float64 | int64
}

// floatElem is the set of float storage element types.
type floatElem interface {
	float32 | float64
}

// data returns t's storage slice as []T; T must match t's storage.
func data[T elem](t *Tensor) []T {
	var z T
	switch any(z).(type) {
	case float32:
		return any(t.F32).([]T)
	case float64:
		return any(t.F64).([]T)
	default:
		return any(t.I64).([]T)
	}
}

// checkStorage verifies that t's storage slice matches its type and shape, so
// kernels can index without bounds surprises. It catches hand-built tensors
// whose fields disagree.
func checkStorage(what string, t *Tensor) error {
	if t == nil {
		return fmt.Errorf("%s: missing tensor", what)
	}
	if t.DType == Invalid || t.DType > Uint2 {
		return fmt.Errorf("%s: invalid element type %v", what, t.DType)
	}
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("%s: negative dimension in shape %v", what, ShapeString(t.Shape))
		}
	}
	n := NumElems(t.Shape)
	var have int
	switch t.DType.Storage() {
	case StoreF32:
		have = len(t.F32)
	case StoreF64:
		have = len(t.F64)
	default:
		have = len(t.I64)
	}
	if have != n {
		return fmt.Errorf("%s: %v holds %d elements, want %d", what, t, have, n)
	}
	return nil
}

// checkDst verifies the destination of a kernel: its type and shape must be
// exactly what the kernel computes.
func checkDst(dst *Tensor, dt DType, shape []int) error {
	if err := checkStorage("dst", dst); err != nil {
		return err
	}
	if dst.DType != dt || !SameShape(dst.Shape, shape) {
		return fmt.Errorf("dst is %v, want %v%s", dst, dt, ShapeString(shape))
	}
	return nil
}

// sameType reports an error unless every tensor has element type dt.
func sameType(dt DType, ts ...*Tensor) error {
	for _, t := range ts {
		if t != nil && t.DType != dt {
			return fmt.Errorf("mixed element types %v and %v", dt, t.DType)
		}
	}
	return nil
}

// Validate reports whether t is well formed: a known element type, no
// negative dimension, and a storage slice (the one its type selects) holding
// exactly one element per position. Kernels and the interpreter call it on
// tensors that come from outside, so hand-built tensors fail with an error
// instead of an index panic.
func (t *Tensor) Validate() error { return checkStorage("tensor", t) }

// StorageKey identifies where t's data starts (a pointer to its first
// element), so callers can tell whether a tensor is a view of another (the
// reshaped tensor shares the key of its source). It is nil for empty storage.
func (t *Tensor) StorageKey() any {
	switch {
	case cap(t.F32) > 0:
		return &t.F32[:1][0]
	case cap(t.F64) > 0:
		return &t.F64[:1][0]
	case cap(t.I64) > 0:
		return &t.I64[:1][0]
	}
	return nil
}
