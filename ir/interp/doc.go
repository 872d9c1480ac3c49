// Package interp is the reference interpreter: it runs an ir.Graph at any
// stage on tensors, float32 for float graphs and integer semantics identical
// to the hardware for quantized graphs. It is the oracle the passes and the
// simulator are checked against.
//
// Run executes a whole graph, EvalNode a single node (constant folding),
// RunBatch splits a large batch over the cores. Each op has a Kernel in a
// registry (one file per op family here; packages that add ops register
// theirs with Register). Kernels compute output shapes from their inputs and
// the interpreter compares inputs and outputs with the graph's recorded
// types, so a wrong graph gives an error naming the node instead of wrong
// numbers. Run recycles a value's buffer once its last reader has run,
// keeping track of views (reshape, flatten, identity share storage).
// Kernels never panic on user input; a panic is reported as a BUG error.
// Before a run, the graph's values (batched ones scaled) are checked against
// ir.Limits, and before each kernel its outputs: a value above the limits is
// an error naming the node, never an allocation.
//
// Allowed imports: ir, ir/tensor and the standard library.
package interp
