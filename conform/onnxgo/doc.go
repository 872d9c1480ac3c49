// Package onnxgo runs the ONNX node tests that ship as Go source in
// github.com/owulveryck/onnx-go/backend/testbackend through pimc conform.
//
// The suite lives in its own package, and runs pimc in a child process,
// because onnx-go registers its own copy of the ONNX protobuf messages under
// the same names as the gonnx types the frontend uses; one binary holding
// both panics at start-up (protobuf namespace conflict). The test dumps every
// case as a backend-test folder (model.onnx, test_data_set_0/input_N.npy,
// output_N.npy) and runs `pimc conform` on the folder.
//
// The package is its tests, which import no pimc package. Allowed imports:
// github.com/owulveryck/onnx-go/backend/testbackend (the node tests),
// gorgonia.org/tensor (their tensors) and the standard library.
package onnxgo
