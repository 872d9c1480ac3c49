package lenet5

import _ "embed"

// ONNX is the model file lenet5.onnx (input "input" [1, 1, 28, 28] float32
// in [0, 1], output "logits" [1, 10]).
//
//go:embed lenet5.onnx
var ONNX []byte

// Name is the file name the demo writes the model under.
const Name = "lenet5.onnx"

// TrainCommand is the command that produced ONNX (run from the repository
// root; the output path aside, a rerun gives the same file).
const TrainCommand = "pimc train lenet5 -dataset mnist -o testdata/models/lenet5/lenet5.onnx"

// TestAccuracy is the float accuracy of ONNX on the 10000 MNIST test
// images, as pimc eval reports it.
const TestAccuracy = 0.9919

// ADMM is lenet5-admm-w4a4.onnx: ONNX compressed by pimc compress (ADMM
// filter and column pruning to 1/10.3 of the stored weights, 4-bit weights
// except conv1's 8-bit, straight-through quantized retraining with 4-bit
// activation QAT at the compile's calibration scales, config
// admm-w4a4.yaml; the weight codes are recorded in its metadata
// pimc.quant, which pimc compile maps as they are).
//
//go:embed lenet5-admm-w4a4.onnx
var ADMM []byte

// ADMMConfig is admm-w4a4.yaml, the compression config of ADMM.
//
//go:embed admm-w4a4.yaml
var ADMMConfig []byte

// ADMMName and ADMMConfigName are the file names the demo writes them under.
const (
	ADMMName       = "lenet5-admm-w4a4.onnx"
	ADMMConfigName = "admm-w4a4.yaml"
)

// ADMMAccuracy is the float accuracy of ADMM (its recorded weight codes,
// float activations) on the 10000 MNIST test images.
const ADMMAccuracy = 0.9897
