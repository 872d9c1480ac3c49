package sim

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/pimc-dev/pimc/ir/tensor"
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
// and reads every output port. A pipelined program (isa.Program.Frames)
// runs the image as its one frame.
// A program whose device segments share port words (a compiled model with
// host ops, run by pimrt segment by segment) is refused: writing
// every input port would overwrite one segment's inputs with another's.
func (m *Machine) Infer(inputs []*tensor.Tensor) (*Result, error) {
	res, st, err := m.InferFrames([][]*tensor.Tensor{inputs})
	if err != nil {
		return nil, err
	}
	res[0].Stats = st
	return res[0], nil
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
	// Chip, if set, is the chip instance with faults the images run on
	// (chip.go); each run's errors are keyed by its first image's index.
	Chip *Chip
}

// RunBatch runs independent images (batch[i] holds the input tensors of
// image i, in input-port order) and returns their results in order plus the
// report of the whole batch. Every image starts from the post-load state, so
// the results and the report are identical whatever Parallel is. Runs are
// folded into the report as they finish (Result.Stats is nil; Result.Report
// is the image's own report if opt.ImageReports), so a long batch keeps only
// outputs. The first
// failing image (lowest index) is reported. A pipelined program
// (isa.Program.Frames F > 1) runs the batch in ceil(len(batch)/F) runs of up
// to F frames; ImageReports then gives every image of a run the run's report.
// A batch with a run of several frames also runs image 0 alone, once, for
// the report's steady state (Executable.NeedsSingleRun; its results and
// statistics are not the batch's).
func (e *Executable) RunBatch(batch [][]*tensor.Tensor, opt BatchOptions) ([]*Result, *Report, error) {
	res := make([]*Result, len(batch))
	errs := make([]error, len(batch))
	workers := opt.Parallel
	if workers < 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, (len(batch)+e.Frames()-1)/e.Frames()))
	// Each worker folds its runs into its own summary; they are merged at
	// the end (integer sums: the same report whatever the split). A
	// pipelined program runs up to Frames() images per run.
	starts := frameRuns(len(batch), e.Frames())
	jobs := len(starts) - 1
	if e.NeedsSingleRun(len(batch)) {
		jobs++ // the one-frame run of image 0 (steady.go)
	}
	var singleErr error
	sums := make([]*Summary, workers)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := range workers {
		sum := e.NewSummary(len(batch))
		sums[w] = sum
		m := e.NewMachine()
		m.MaxSteps = opt.MaxSteps
		if err := m.SetChip(opt.Chip); err != nil {
			return nil, nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				if k == len(starts)-1 {
					m.SetFaultKey(uint64(len(batch))) // a key no image of the batch has
					_, st, err := m.InferFrames(batch[:1])
					if err != nil {
						singleErr = err
						continue
					}
					sum.AddSingle(st)
					continue
				}
				lo, hi := starts[k], starts[k+1]
				m.SetFaultKey(uint64(lo))
				rs, st, err := m.InferFrames(batch[lo:hi])
				if err != nil {
					errs[lo] = err
					continue
				}
				var rep *Report
				if opt.ImageReports {
					rep = m.Report(st)
				}
				sum.Add(lo, st)
				for f, r := range rs {
					r.Report = rep
					res[lo+f] = r
				}
			}
		}()
	}
	for k := range jobs {
		next <- k
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, nil, fmt.Errorf("image %d: %w", i, err)
		}
	}
	if singleErr != nil {
		return nil, nil, fmt.Errorf("image 0 alone (the single-image run of the steady state): %w", singleErr)
	}
	for _, o := range sums[1:] {
		sums[0].Merge(o)
	}
	return res, sums[0].Report(), nil
}
