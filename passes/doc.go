// Package passes holds the pass interface, the pass registry, the pipeline
// parser, the pass manager (verification, printing, timing and statistics
// instruments) and one file per pass.
//
// A pipeline is a string in the syntax users type on the command line:
//
//	canonicalize,quantize{wbits=4,abits=4},dce
//
// Names are registered passes or named pipelines (aliases such as
// canonicalize that expand to a list of passes). Parse turns the string into
// a Pipeline, a Manager runs it on a graph:
//
//	p, err := passes.Parse("canonicalize")
//	m := passes.NewManager()          // VerifyEach is on
//	err = m.Run(g, p)
//
// Every pass rewrites the graph in place, never mutates a constant payload
// (new constants are added instead), keeps the ONNX names of graph outputs,
// and keeps the reference interpreter's results within float rounding.
//
// Allowed imports: ir, ir/tensor, ir/interp, backend/target, internal/atomicfile,
// the standard library.
package passes
