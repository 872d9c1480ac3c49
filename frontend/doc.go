// Package frontend reads ONNX models (ModelProto) and lowers them into an
// ir.Graph with static shapes, and exports a graph back to ONNX (Export,
// Save). Tensor payloads (initializers, Constant tensors, exported
// constants) and the tensor file formats are package tensorio's.
//
// Import pipeline, one ONNX node at a time in file order:
//
//   - graph inputs get their declared shape with unknown or symbolic dims
//     set to 1 (batch 1), unless Options.Shapes gives the full shape
//     (driver.BindDims computes it from the tensors a command is given,
//     reading the declared inputs of a parsed Model with Model.Inputs);
//     Options.Bind turns an input into a constant; initializers (also those
//     listed as inputs, IR < 4) are constants;
//   - each node's lowering (lower*.go, table in lower.go) reads its
//     attributes for the model's opset, normalizes negative axes, resolves
//     auto_pad and Reshape's 0/-1, and emits one or more IR nodes whose types
//     come from ir.InferNode (value_info in the file is never trusted);
//   - a node whose inputs are all constants is evaluated with
//     interp.EvalNode and replaced by constants (fold.go), so the Shape ->
//     Gather -> Unsqueeze -> Concat -> Reshape idiom of old exports folds
//     into one reshape; results above a size or cost bound stay nodes, and
//     so does DequantizeLinear (passes' constant-fold decides: the weight
//     codes of a QDQ conv or matmul are compiled as they are);
//   - operands that must be constant (Reshape's shape, Pad's pads, axes,
//     Clip bounds ...) but come from a graph input give *NeedsConstantError;
//   - sizes are bounded by ir.Limits: an initializer or a Constant tensor
//     is checked against the per-value limit from its declared dims before
//     it is decoded (by tensorio), each node's outputs by ir.InferNode, and a
//     running total over initializers, inputs and node outputs against the
//     total limit, so the error names the node that asks for too much;
//   - ops of other domains than ai.onnx are lowered only where ContribOps
//     lists them (onnxruntime's com.microsoft.QLinearAdd);
//   - every node that cannot be lowered (unknown op or domain, unsupported
//     variant such as Dropout in training mode) is collected, and the import fails
//     with one *UnsupportedError listing them all. Malformed models give an
//     error naming the file, the node and the problem; nothing panics.
//
// Allowed imports: ir, ir/tensor, ir/interp (to fold constant subgraphs),
// tensorio (TensorProto payloads and element types), internal/outfile,
// google.golang.org/protobuf/proto,
// github.com/advancedclimatesystems/gonnx/onnx (the ONNX message types)
// and the standard library. Never passes, backend or sim.
package frontend
