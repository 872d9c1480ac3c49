// Package evaluate measures the accuracy of a classifier on a labelled
// dataset: an ONNX-imported float graph on the reference interpreter, or a
// compiled program on the simulator (pimrt), in which case it also
// returns the hardware report of the whole test set. pimc eval and pimc demo
// share it.
//
// Both paths are deterministic: the predictions and the report do not depend
// on the number of goroutines (images are independent; the simulator's
// per-worker summaries are integer sums merged at the end).
//
// Allowed imports: data, ir, ir/interp, ir/tensor, pimrt, sim, backend,
// ir/mapping, isa and target (through pimrt and sim), tensorio and
// internal/outfile (through data) and the standard library.
package evaluate
