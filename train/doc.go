// Package train trains float IR graphs: reverse-mode gradients for the ops
// of CNN classifiers (conv, fc/gemm/matmul, add, relu, clip, leaky_relu,
// max/avg/global-avg pooling, flatten/reshape, concat along a non-batch
// axis, batch_norm in training and inference form), softmax cross-entropy, SGD with momentum (optionally
// Nesterov) and Adam, weight decay, learning-rate schedules, and the hooks
// ADMM compression needs. Built-in architectures (Build: lenet5,
// resnet-small) and imported ONNX models train alike.
//
// A Model wraps an ir.Graph: the constant weights of trainable ops become
// Params (private copies; the graph's constants are never mutated), and
// Model.Graph writes the current values into a new graph, which
// frontend.Save exports. The training graph keeps batch_norm (stage import);
// the bn-fold pass folds it afterwards.
//
// How ADMM plugs in (PAPER.md §5):
//   - parameters: Model.Weights() lists the conv/fc/gemm/matmul weight
//     Params in graph order; Param.Data is the live float32 tensor (conv
//     [F, C/g, kh, kw], fc [N, K]), Param.Value the source constant,
//     Param.Node the op using it.
//   - W-step: Config.Penalty = &Proximal{Terms: []ProxTerm{{Param, Rho,
//     Target}}} with Target = Z - U adds rho/2*||W - Z + U||^2 to every
//     step's loss and rho*(W - Z + U) to the gradient. Any other Penalty
//     can be plugged in the same way.
//   - Z/U updates: Config.OnEpoch runs after every epoch (with its
//     statistics) and may update the terms' Targets and Rhos in place;
//     Optimizer.Reset and a Cosine schedule with Restarts give the
//     learning-rate restarts.
//   - hard pruning and masked retraining: Param.SetMask(keep) zeroes the
//     pruned elements, and every later step zeroes their gradients before
//     the optimizer and their values after it, so they stay exactly zero.
//   - quantized retraining: write the projected values into Param.Data
//     between Fit calls (StartEpoch continues the shuffling sequence).
//
// Determinism: shuffling comes from a PCG generator seeded by (seed,
// epoch); kernels split work across cores only where every element is
// computed the same way whatever the split (tensor.SgemmParallel is
// bit-identical for any worker count, reductions run in a fixed order), so
// a run is reproducible from its seed on any number of cores.
//
// Allowed imports: ir, ir/tensor, ir/interp (CheckExported compares the
// exported graph with the engine), data (datasets and minibatches),
// tensorio and internal/outfile (through data) and the standard library.
package train
