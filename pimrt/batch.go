package pimrt

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/sim"
)

// RunBatch runs independent inferences (batch[i] holds the model inputs of
// inference i) on opt.Parallel goroutines (< 0: GOMAXPROCS; 0 or 1: in
// sequence), each on its own machine folding its runs into its own
// summary, and returns every inference's model outputs in order and one
// report over the batch: the device segments of one inference added up
// (sim.CombineRuns) and the host's share (Report.Host: the host ops and
// port transfers counted per image, costed by the target's host
// section), the same whatever
// opt.Parallel is. opt.MaxSteps bounds each segment run. The first failing
// inference is the error. A pipelined program (sim.Executable.Frames F > 1)
// runs the batch in ceil(len(batch)/F) runs of up to F frames and, when one
// has several frames, image 0 alone once more for the report's steady state
// (sim.Executable.NeedsSingleRun).
func (m *Model) RunBatch(batch [][]*tensor.Tensor, opt sim.BatchOptions) ([][]*tensor.Tensor, *sim.Report, error) {
	workers := opt.Parallel
	if workers < 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// A pipelined program runs up to Frames() images per run.
	f := m.Exe.Frames()
	var starts []int
	for i := 0; i < len(batch); i += f {
		starts = append(starts, i)
	}
	starts = append(starts, len(batch))
	workers = max(1, min(workers, len(starts)-1))
	jobs := len(starts) - 1
	if m.Exe.NeedsSingleRun(len(batch)) {
		jobs++ // the one-frame run of image 0 (sim.Summary.AddSingle)
	}
	var singleErr error
	outs := make([][]*tensor.Tensor, len(batch))
	errs := make([]error, len(batch))
	sums := make([]*sim.Summary, workers)
	hosts := make([]sim.HostWork, workers)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := range workers {
		sums[w] = m.Exe.NewSummary(len(batch))
		mach := m.Exe.NewMachine()
		mach.MaxSteps = opt.MaxSteps
		if err := mach.SetChip(opt.Chip); err != nil {
			return nil, nil, err
		}
		wg.Add(1)
		go func(sum *sim.Summary, host *sim.HostWork) {
			defer wg.Done()
			for k := range next {
				if k == len(starts)-1 {
					mach.SetFaultKey(uint64(len(batch))) // a key no image of the batch has
					rs, err := m.RunFramesOn(mach, batch[:1])
					if err != nil {
						singleErr = err
					} else if st := sim.CombineRuns(rs[0].Stats); st != nil {
						sum.AddSingle(st)
					}
					continue
				}
				lo, hi := starts[k], starts[k+1]
				mach.SetFaultKey(uint64(lo))
				rs, err := m.RunFramesOn(mach, batch[lo:hi])
				if err != nil {
					errs[lo] = err
					continue
				}
				for j, r := range rs {
					outs[lo+j] = r.Outputs
					host.Merge(&r.Host)
				}
				if st := sim.CombineRuns(rs[0].Stats); st != nil {
					sum.Add(lo, st)
				}
			}
		}(sums[w], &hosts[w])
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
	for w, o := range sums[1:] {
		sums[0].Merge(o)
		hosts[0].Merge(&hosts[w+1])
	}
	rep := sums[0].Report()
	rep.AddHost(m.Exe.Target, &hosts[0])
	return outs, rep, nil
}
