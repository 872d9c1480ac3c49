// Package interp is the reference interpreter: it runs an ir.Graph at any
// stage on tensors, float32 for float graphs and integer semantics identical
// to the hardware for quantized graphs. It is the oracle the passes and the
// simulator are checked against.
//
// Allowed imports: ir, ir/tensor, gonum, the standard library.
package interp
