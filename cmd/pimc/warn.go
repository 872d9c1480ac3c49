package main

import (
	"fmt"
	"io"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// batchUsage documents -batch of run and sim (driver.FitInput's rules).
const batchUsage = "the inputs hold N inferences each along dimension 0 (0: one, or any number when the model's batch dimension is dynamic); needed to run a batch through a model whose batch dimension is fixed, or a program without a host graph"

// warnNonFinite prints "pimc CMD: warning: WHAT: 3 NaN and 1 Inf among 3072
// values" when t holds NaN or infinite values: they are legal inputs (the
// interpreter propagates NaN as onnxruntime does and quantization maps it to
// the zero point, docs/QUANT.md), but rarely what the user meant.
func warnNonFinite(w io.Writer, cmd, what string, t *tensor.Tensor) {
	if c := tensor.CountNonFinite(t); c.Any() {
		fmt.Fprintf(w, "pimc %s: warning: %s: %s\n", cmd, what, c)
	}
}

// warnDataset is warnNonFinite for the files of a folder dataset.
func warnDataset(w io.Writer, cmd string, d *data.Dataset) {
	if d != nil && d.NonFinite.Any() {
		fmt.Fprintf(w, "pimc %s: warning: %s: %s\n", cmd, d.Name, d.NonFinite)
	}
}
