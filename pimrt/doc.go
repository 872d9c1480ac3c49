// Package pimrt runs a compiled model end to end: the host ops of its host
// section (docs/BACKEND.md §5) with the reference interpreter and every
// device segment on the simulator. cmd/pimc (sim, eval, demo) uses it; the
// sim package itself never imports the compiler or the interpreter.
//
// Allowed imports: backend, isa, target, sim, ir, ir/interp, ir/tensor,
// ir/mapping (through backend) and the standard library.
package pimrt
