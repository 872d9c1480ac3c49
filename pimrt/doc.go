// Package pimrt runs a compiled model end to end: the host ops of its host
// section (docs/BACKEND.md §5) with the reference interpreter and every
// device segment on the simulator, one inference (Run) or a batch on all
// cores (RunBatch). It counts the host's work (hostwork.go: its ops and
// port transfers, from the executed tensors) for the report's host share
// (sim.Report.Host, docs/BACKEND.md §5.1). The driver (Verify, Measure),
// evaluate and pimc sim use it; the sim package itself never imports the
// compiler or the interpreter.
//
// Allowed imports: backend, isa, target, sim, ir, ir/interp, ir/tensor,
// ir/mapping (through backend) and the standard library.
package pimrt
