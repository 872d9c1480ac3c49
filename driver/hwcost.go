package driver

import (
	"fmt"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/evaluate"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/pimrt"
)

// HardwareCost is what g costs on opt's target, by the compiler's own
// model: a copy of g compiled with opt (its sub-arrays as the mapper
// places them) and run on the simulator for the first image of probe
// (energy in pJ and latency in ns per inference of the device work,
// the simulator report's per-inference figures). pimc compress -budget allocates with it.
func HardwareCost(g *ir.Graph, opt Options, probe *data.Dataset) (subarrays int, energyPJ, latencyNS float64, err error) {
	res, err := Compile(ir.Clone(g), opt)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("costing a plan: %v", err)
	}
	m, err := pimrt.Load(res.Prog, res.Target)
	if err != nil {
		return 0, 0, 0, err
	}
	r, err := evaluate.Program(m, probe.Head(1), evaluate.Options{Jobs: 1})
	if err != nil {
		return 0, 0, 0, fmt.Errorf("costing a plan: %v", err)
	}
	ph := r.Report.PerInference
	return res.Subarrays, ph.Energy.Total, ph.LatencyNS, nil
}
