// Package hostile builds small model files that ask pimc for huge values:
// ONNX models of a few hundred bytes whose shape inference gives gigabyte
// tensors (ConstantOfShape, Pad, broadcasting, an outer product, a chain of
// doubling Concats, a strided ConvTranspose, many medium constants), ONNX
// initializers and Constant nodes whose dims promise more data than the
// file holds, and .pir texts with huge declared constants or node outputs.
// The tests of the value-size limits (ir.Limits) and the hostile-input
// battery (internal/battery) use them; `go run ./internal/hostile/gen DIR`
// writes a set of them to files for measurements (docs/RESULTS.md).
//
// Allowed imports: google.golang.org/protobuf/proto,
// github.com/advancedclimatesystems/gonnx/onnx (the ONNX message types)
// and the standard library. Never a pimc package, so the files do not
// depend on what pimc accepts.
package hostile
