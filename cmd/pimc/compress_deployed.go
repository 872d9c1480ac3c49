package main

import (
	"fmt"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/evaluate"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir"
)

// deployedAccuracy is the accuracy on ds of the compressed model final as
// `pimc compile OUT.onnx -abits abits -calib calib` deploys it: final is
// encoded as pimc compress writes it and read back, compiled with the
// default pipeline (the recorded weight codes, the activation widths of
// the quantize pass: the first and last matrix layers' outputs at 8 bits,
// the rest at abits, ranges calibrated on calib), and the compiled graph
// runs on the quantized reference interpreter, which the simulator
// reproduces bit for bit (so this is pimc eval's figure on ds). pimc
// compress -val-abits reports it on the validation split, the figure to
// choose configs on.
func deployedAccuracy(final *ir.Graph, name string, abits int, calib string, ds *data.Dataset) (float64, error) {
	written, err := frontend.Marshal(final, frontend.ExportOptions{Producer: "pimc compress"})
	if err != nil {
		return 0, err
	}
	g, err := frontend.Import(name, written, frontend.Options{})
	if err != nil {
		return 0, fmt.Errorf("re-reading %s: %v", name, err)
	}
	if _, err := driver.Compile(g, driver.Options{ABits: abits, Calib: calib}); err != nil {
		return 0, fmt.Errorf("compiling %s with -abits %d -calib %s: %v", name, abits, calib, err)
	}
	r, err := evaluate.Float(g, ds, evaluate.Options{})
	if err != nil {
		return 0, fmt.Errorf("%s as compiled: %v", name, err)
	}
	return r.Accuracy(), nil
}
