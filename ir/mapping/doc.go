// Package mapping decides how the matrix layers of a quantized graph (qconv,
// qfc) sit on the sub-arrays of the PIM engine (docs/PAPER.md §2,
// docs/BACKEND.md §2), records the decisions as node attributes (the mapped
// stage, docs/PIR.md) and checks them (a verifier rule registered with
// ir.RegisterCheck).
//
// A layer is an F x K matrix per group (K = C/g*kh*kw). Structured sparsity
// is removed before mapping: all-zero filters and K columns that are zero in
// every kept filter of their group are dropped. The kept columns are split
// into segments (no accumulator can saturate, docs/QUANT.md §4), and every
// (group, segment) is placed as tiles: N input-plane rows followed by M rows
// per filter in one sub-array. Replicas (optional) are identical copies of a
// layer's tiles that compute different output pixels.
//
// The decisions do not depend on the backend's buffer layout: columns are
// ONNX K indices, listed in the device's canonical window order (see
// columnOrder). The pass "map" (package passes) writes them; the backend
// reads them, or plans itself when given a quantized graph.
//
// Allowed imports: ir, ir/tensor, target (the leaf hardware description),
// isa (through target) and the standard library. Nothing of the compiler,
// so both passes and backend can use it.
package mapping
