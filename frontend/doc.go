// Package frontend reads ONNX models (ModelProto) and tensors (TensorProto
// .pb, NumPy .npy/.npz) and lowers them into an ir.Graph with static shapes.
//
// Allowed imports: ir, ir/tensor, ir/interp (to fold constant subgraphs),
// google.golang.org/protobuf and the ONNX message types of
// github.com/advancedclimatesystems/gonnx/onnx. Never passes, backend or sim.
package frontend
