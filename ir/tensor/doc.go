// Package tensor holds dense n-d arrays and the numeric kernels that work on
// them (convolution, matrix products, pooling, element-wise math, quantized
// integer arithmetic). Kernels are destination-first: Op(dst, inputs..., params).
//
// Allowed imports: the standard library and gonum (blas32). Nothing from pimc.
package tensor
