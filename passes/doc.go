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
// A pass reports what the user should know but that does not stop it (a
// NaN in a calibration input) with Context.Warnf; the manager hands it to
// Manager.Warn, which the commands print as "pimc CMD: warning: PASS: ...".
//
// DebugFlags gives every compiling command the same -passes, -print-after,
// -print-before, -print-after-change, -print-dir, -verify-each and
// -time-passes flags; WriteHelp is the -passes=help text.
//
// The float canonicalization (import stage to canonical stage) is
//
//	canonicalize = identity-elim,constant-fold,reshape-canon,dce,matmul-canon,hardswish-fuse,resize-lower,conv-transpose-lower,bn-fold,affine-fold,reshape-canon,dce,canonical-stage
//
// Every pass rewrites the graph in place, never mutates a constant payload
// (new constants are added instead), keeps the ONNX names of graph outputs,
// and keeps the reference interpreter's results within float rounding
// (relative 1e-4; the tests check it on hand-built, random and corpus
// graphs).
//
// Adding a pass: one file named after it, with an init function calling
// Register with an Info (kebab-case name, one-line summary, the stages it
// accepts and produces, typed options, a constructor), a doc comment saying
// what it rewrites and what it leaves alone, and a test file using
// checkPipeline (differential check) and checkIdempotent; a golden case in
// testdata/canonical, testdata/quantize or testdata/map if its output is
// worth reading (golden_test.go; PIMC_UPDATE=1 writes its expected output).
//
// Passes open no files: what they need from outside the graph comes in the
// Manager's Env (the target, the calibration inputs of quantize{calib=...},
// the files options name), and the manager's IR dumps (-print-dir, the dump
// of a pass that panicked) go through Manager.Files. The driver fills both
// from the file system.
//
// Allowed imports: ir, ir/tensor, ir/interp, ir/mapping (the map pass),
// target, isa (through target), gopkg.in/yaml.v3 (per-layer quantization
// configs) and the standard library. Never frontend, data, backend or sim:
// passes work on the IR only.
package passes
