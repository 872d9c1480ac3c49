// Package lenet5 embeds the default model of pimc demo: a LeNet-5 trained on
// MNIST by pimc train (see testdata/models/lenet5/README.md for the exact command
// and its accuracy), so the demo works from an installed binary with no
// repository around.
//
// Allowed imports: the standard library.
package lenet5
