// Command pimc compiles ONNX CNNs for a SOT-MRAM processing-in-memory engine
// and runs them on its ISA-level simulator. main only calls run, so the whole
// CLI is testable in-process; each subcommand lives in its own cmd_*.go file
// and registers itself in init. The command is flag parsing and printing:
// the compiler is package driver, the path rules internal/outfile.
//
// Nothing imports it. Allowed imports: admm, backend, conform, data,
// driver, evaluate, frontend, htmlreport, internal/buildinfo, internal/lenet5,
// internal/outfile, ir, ir/interp, ir/mapping, ir/tensor, isa, passes,
// pimrt, sim, sweep, target, tensorio, train and the standard library.
package main
