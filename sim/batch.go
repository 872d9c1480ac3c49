package sim

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
)

// Result is the outcome of one inference: the output ports in program order,
// dequantized (Float32) and raw (Int64), in the ports' NHWC shapes.
type Result struct {
	Names  []string
	Real   []*tensor.Tensor
	Raw    []*tensor.Tensor
	Stats  *RunStats
	Report *Report // the report of this image alone
}

// Infer resets the machine, writes inputs (one per input port, in program
// order; see WriteInput for floats vs raw integers and layouts), runs to halt
// and reads every output port.
// A program whose device segments share port words (a compiled model with
// host ops, run by pimrt segment by segment) is refused: writing
// every input port would overwrite one segment's inputs with another's.
func (m *Machine) Infer(inputs []*tensor.Tensor) (*Result, error) {
	if s := m.exe.sharedPorts; s != "" {
		return nil, fmt.Errorf("sim: ports %s share buffer words: the program's device segments run one at a time with the host between them (run the compiled model, e.g. pimc sim without -raw)", s)
	}
	m.Reset()
	ins := m.exe.Ports(isa.PortIn)
	if len(inputs) != len(ins) {
		return nil, fmt.Errorf("sim: program has %d input ports, got %d tensors", len(ins), len(inputs))
	}
	for i, p := range ins {
		if err := m.WriteInput(p.Name, inputs[i]); err != nil {
			return nil, err
		}
	}
	st, err := m.Run()
	if err != nil {
		return nil, err
	}
	res := &Result{Stats: st}
	for _, p := range m.exe.Ports(isa.PortOut) {
		raw, err := m.ReadOutputRaw(p.Name)
		if err != nil {
			return nil, err
		}
		real, err := m.ReadOutput(p.Name)
		if err != nil {
			return nil, err
		}
		res.Names = append(res.Names, p.Name)
		res.Raw = append(res.Raw, raw)
		res.Real = append(res.Real, real)
	}
	return res, nil
}

// Report builds the report of one run of this machine (see BuildReport).
func (m *Machine) Report(st *RunStats) *Report { return m.exe.BuildReport([]*RunStats{st}) }

// BatchOptions controls RunBatch.
type BatchOptions struct {
	// Parallel is the number of goroutines (each with its own Machine sharing
	// the Executable); 0 or 1 runs the images in sequence on one machine,
	// < 0 uses GOMAXPROCS.
	Parallel int
	MaxSteps int64 // per image; 0 = DefaultMaxSteps
	// ImageReports fills Result.Report with each image's own report (costs
	// a report per image; the batch report is always built).
	ImageReports bool
}

// RunBatch runs independent images (batch[i] holds the input tensors of
// image i, in input-port order) and returns their results in order plus the
// report of the whole batch. Every image starts from the post-load state, so
// the results and the report are identical whatever Parallel is. Runs are
// folded into the report as they finish (Result.Stats is nil; Result.Report
// is the image's own report if opt.ImageReports), so a long batch keeps only
// outputs. The first
// failing image (lowest index) is reported.
func (e *Executable) RunBatch(batch [][]*tensor.Tensor, opt BatchOptions) ([]*Result, *Report, error) {
	res := make([]*Result, len(batch))
	errs := make([]error, len(batch))
	workers := opt.Parallel
	if workers < 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(batch)))
	// Each worker folds its images into its own summary; they are merged at
	// the end (integer sums: the same report whatever the split).
	sums := make([]*Summary, workers)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := range workers {
		sum := e.NewSummary(len(batch))
		sums[w] = sum
		m := e.NewMachine()
		m.MaxSteps = opt.MaxSteps
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := m.Infer(batch[i])
				if err != nil {
					errs[i] = err
					continue
				}
				if opt.ImageReports {
					r.Report = m.Report(r.Stats)
				}
				sum.Add(i, r.Stats)
				r.Stats = nil
				res[i] = r
			}
		}()
	}
	for i := range batch {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, nil, fmt.Errorf("image %d: %w", i, err)
		}
	}
	for _, o := range sums[1:] {
		sums[0].Merge(o)
	}
	return res, sums[0].Report(), nil
}
