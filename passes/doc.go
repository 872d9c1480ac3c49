// Package passes holds the pass interface, the pass manager (pipelines,
// verification, printing and timing instruments) and one file per pass.
//
// Allowed imports: ir, ir/tensor, ir/interp, backend/target, the standard library.
package passes
