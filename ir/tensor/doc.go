// Package tensor holds dense n-d arrays and the numeric kernels that work on
// them (convolution, matrix products, pooling, element-wise math, quantized
// integer arithmetic). Kernels are destination-first: Op(dst, inputs..., params).
//
// Kernel conventions: dst must already have the exact type and shape the
// kernel computes (each kernel family has a Shape function that gives it);
// its previous contents are ignored and every element is written. dst must
// not share storage with an input unless the kernel's documentation allows it
// (the element-wise Unary and Binary do). Bad shapes, types or parameters
// give an error, never a panic. Float16 and bfloat16 results are rounded to
// their type (see RoundF16); integer results wrap to their type. Parallel
// kernels give the same bits for any GOMAXPROCS.
//
// Allowed imports: gonum.org/v1/gonum/blas (blas32 and blas64: float64
// products, vector axpy) and the standard library. Nothing from pimc.
package tensor
