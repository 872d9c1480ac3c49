// Package train trains float IR graphs: reverse-mode gradients for the ops
// of CNN classifiers (conv, fc/gemm/matmul, add, relu, clip, leaky_relu,
// pooling, flatten/reshape, batch_norm in training and inference form),
// softmax cross-entropy, SGD with momentum and Adam, learning-rate
// schedules, and the hooks ADMM compression needs: an extra penalty term per
// step, gradient masks for masked retraining, and a callback per epoch.
//
// A Model wraps an ir.Graph: the constant weights of trainable ops become
// Params (copies; the graph's constants are never mutated), and Model.Graph
// writes the current values back into a new graph. Kernels are destination-
// first float32 loops and tensor.SgemmParallel products; work is split across
// cores only in ways that give the same bits for any number of cores, so a
// run is reproducible from its seed.
//
// Imports: ir, ir/tensor, data (datasets and minibatches), standard library.
package train
