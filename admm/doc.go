// Package admm compresses the conv and fc weights of a float CNN so that they
// satisfy the SOT-MRAM engine's constraints exactly (docs/ADMM.md,
// docs/PAPER.md §5): structured sparsity (filter, column, channel, block,
// irregular) and symmetric M-bit weight codes with one scale per output
// channel (docs/QUANT.md).
//
// Two drivers share the same projections:
//   - Compress (admm.go): the group's ADMM method through the training engine
//     (package train): W-steps on loss + sum rho/2 ||W - Z + U||^2, Z-step
//     projections, U-step, hard prune, masked retraining, ADMM quantization
//     with the mask kept, quantized retraining.
//   - Layerwise (layerwise.go): no labels and no training: per layer, ADMM on
//     ||W0 X - W X||^2 over calibration activations X captured with the
//     reference interpreter, with closed-form W-steps.
//
// Both end with an exact projection, so every compressed layer lies in its
// constraint sets (Check verifies it); Purify and RemoveUnusedPaths then
// shrink the graph (pruned filters drop the matching input channels of
// their consumers), and Record stores the weight codes' scales in the
// graph's metadata so the quantize pass maps them without re-quantizing.
//
// Around them: dependency-aware groups (coupling.go: channels joined by
// residual adds pruned together with their consumers' columns, also
// where the consumers read them through a concat, concat.go), the
// baselines at the same budget (method.go: magnitude and L1 hard pruning
// with the same retraining), seeds and their summary (seeds.go), and a
// hardware-budget planner (budget.go: per-layer sensitivity of every
// ratio and weight width on the validation split; budgetknap.go and
// budgetalloc.go: knapsack and greedy allocation with costs the caller
// computes by compiling, as pimc compress does through package driver), and the
// distillation teacher (teacher.go: the starting model, or another model
// the config names with distill_teacher and the caller loads).
//
// Finish completes a run the way pimc compress writes it: unused paths
// removed, the result verified and checked, the codes recorded, the model
// encoded, saved, read back and its accuracy checked again.
//
// Allowed imports: ir, ir/tensor, ir/interp, ir/mapping (the mapper's tile
// geometry for block sparsity), target, isa (through ir/mapping), train,
// data, frontend (the model file Finish writes and reads back), tensorio,
// internal/outfile (checkpoints), gopkg.in/yaml.v3 (compress configs) and
// the standard library.
package admm
