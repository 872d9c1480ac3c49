// Package ir is pimc's graph IR: values with static types, nodes, one op
// table (op.go, and op_*.go by op family) that every other part reads,
// shape inference, a verifier that reports every problem at once, the
// deterministic .pir text format (print and parse), and a Graphviz export.
// Limits (limits.go) bound the size of every value and of all values of a
// graph; shape inference and Parse enforce them (and the pass manager and
// the interpreter, with CheckGraphSize), so a tiny model cannot make pimc
// allocate gigabytes.
//
// Allowed imports: ir/tensor and the standard library.
package ir
