// Package conform runs ONNX backend-test cases: a model beside its inputs and
// expected outputs, imported by the frontend and executed by the reference
// interpreter, then compared within a tolerance. It understands the layouts
// found in the wild:
//
//   - DIR/model.onnx with DIR/test_data_set_N/input_I.pb and output_I.pb
//     (ONNX backend tests, PyTorch-converted tests; input_I.npy works too);
//   - DIR/model.onnx with DIR/test_data_N.npz holding "inputs"/"outputs"
//     arrays (old model-zoo form) or one array per graph input and output
//     name (io.npz, tract's form);
//   - DIR/NAME.onnx with DIR/NAME_output_0.pb and no stored input (ONNX
//     "light" models): the input is arange(n)/n in the graph input's shape,
//     as the ONNX test runner generates it.
//
// Allowed imports: frontend, tensorio (the .pb, .npy and .npz test data),
// internal/outfile (through frontend and tensorio), ir, ir/interp,
// ir/tensor, google.golang.org/protobuf/proto and
// github.com/advancedclimatesystems/gonnx/onnx (to list a model's declared
// inputs) and the standard library.
package conform
