// Package tensorio reads and writes tensors in the file formats pimc
// exchanges with other tools: ONNX TensorProto (.pb, and the initializers
// and Constant tensors inside a model), NumPy .npy and .npz archives. It
// maps ONNX element types to pimc's (tensor.DType, with float16 and
// bfloat16 held in float32) and back.
//
//   - Read and Write choose the format by the extension (.pb or .npy);
//     ReadNPZ reads every array of an archive by name (docs/INPUTS.md).
//   - DecodeTensorProto and EncodeTensorProto convert one TensorProto; the
//     frontend uses them for a model's initializers and Constant tensors,
//     the exporter for the constants it writes.
//   - DTypeFromONNX, DTypeToONNX and DTypeFromName map element types; a
//     type pimc cannot hold gives a *DTypeError, which the frontend
//     reports as unsupported.
//
// Nothing a file declares is trusted: every decoder checks a payload
// against its declared shape, and the shape against MaxElems and the
// per-value limit (ir.Limits, which is why this package imports ir),
// before anything is allocated; an .npz entry is read only up to the size
// DEFLATE can produce from its compressed bytes, a pipe or device up to
// 64 MiB; an empty or data-less file says so. FuzzTensorFiles feeds
// arbitrary bytes to the three decoders.
//
// The errors of Read, Write and ReadNPZ name the file and start with
// "frontend: ", as they did when the frontend held these formats: pimc
// prints them, and its messages are kept byte for byte.
//
// Allowed imports: ir (the value-size limits), ir/tensor, internal/outfile,
// google.golang.org/protobuf/proto,
// github.com/advancedclimatesystems/gonnx/onnx (the ONNX message types)
// and the standard library. Never frontend.
package tensorio
