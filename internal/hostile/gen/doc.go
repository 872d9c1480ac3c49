// Command gen writes hostile model files (package hostile) to a directory,
// for measuring what pimc does with them. Usage:
//
//	go run ./internal/hostile/gen DIR
//
// The names say the model and its size: cos30000.onnx is
// hostile.ConstantOfShape(30000), pir-const30000.pir is
// hostile.PIRConstant(30000), and so on; x.npy is the f32[1,1,1,1] input
// every model reads.
//
// Allowed imports: internal/hostile and the standard library.
package main
