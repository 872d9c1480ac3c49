package evaluate

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/sim"
)

// Program evaluates a compiled model on every image of ds: host ops on the
// interpreter, device segments on the simulator, opt.Jobs workers, each on
// its own machines folding its runs into its own summary. A worker runs
// opt.Lockstep images at a time in lockstep (sim.Lockstep) when the model
// allows it (pimrt.Model.LockstepRefusal) and no chip with faults is set,
// otherwise one image at a time; the results are the same either way. The
// summaries are merged at the end, so the predictions and the report are
// the same whatever opt.Jobs and opt.Lockstep are. The report's
// per-inference figures are means over the inferences (the segments of one
// inference added up, see sim.CombineRuns); Report.Host is the host's
// share (pimrt counts it).
func Program(m *pimrt.Model, ds *data.Dataset, opt Options) (*Result, error) {
	start := time.Now()
	g := m.Host.Graph
	p, err := newPlan("the compiled model", g.Inputs[:m.Host.GraphInputs], g.Outputs[:m.Host.GraphOutputs], ds)
	if err != nil {
		return nil, err
	}
	n := p.runs(ds.Len())
	res := &Result{Images: ds.Len(), Pred: make([]int32, ds.Len())}
	if n == 0 {
		res.Report = m.Exe.NewSummary(0).Report()
		return res, nil
	}
	lanes := opt.Lockstep
	if lanes == 0 {
		lanes = DefaultLockstep
	}
	lanes = min(lanes, n) // a lane machine per image at most
	if lanes < 1 || opt.Chip != nil || m.LockstepRefusal() != "" {
		lanes = 1
	}
	chunks := (n + lanes - 1) / lanes
	workers := opt.Jobs
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, chunks))
	m.Exe.RecordTimeline(opt.Timeline)
	sums := make([]*sim.Summary, workers)
	hosts := make([]sim.HostWork, workers)
	correct := make([]int, workers)
	errs := make([]error, n)
	var done atomic.Int64
	var failed atomic.Bool // after a failure the remaining images are skipped
	var wg sync.WaitGroup
	next := make(chan int)
	for w := range workers {
		sums[w] = m.Exe.NewSummary(n)
		mach := m.Exe.NewMachine()
		mach.MaxSteps = opt.MaxSteps
		if err := mach.SetChip(opt.Chip); err != nil {
			return nil, err
		}
		var ls *sim.Lockstep
		if lanes > 1 {
			if ls, err = m.NewLockstep(lanes); err != nil {
				return nil, err
			}
			ls.SetMaxSteps(opt.MaxSteps)
		}
		// fold adds run i's result to the worker's figures.
		fold := func(i int, r *pimrt.Result) {
			if st := sim.CombineRuns(r.Stats); st != nil {
				sums[w].Add(i, st)
			}
			hosts[w].Merge(&r.Host)
			// Each image's prediction slot is written by one worker only.
			correct[w] += p.score(ds, r.Outputs[0], i, 1, res.Pred)
			if opt.Progress != nil {
				d := min(int(done.Add(int64(p.perRun))), ds.Len())
				opt.Progress(d, ds.Len())
			}
		}
		// one runs run i by itself.
		one := func(i int) bool {
			mach.SetFaultKey(uint64(i))
			r, err := m.RunOn(mach, []*tensor.Tensor{p.input(ds, i, 1)})
			if err != nil {
				errs[i] = err
				failed.Store(true)
				return false
			}
			fold(i, r)
			return true
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				if failed.Load() {
					continue
				}
				lo, hi := c*lanes, min(n, (c+1)*lanes)
				if ls == nil {
					for i := lo; i < hi && one(i); i++ {
					}
					continue
				}
				batch := make([][]*tensor.Tensor, hi-lo)
				for i := range batch {
					batch[i] = []*tensor.Tensor{p.input(ds, lo+i, 1)}
				}
				rs, err := m.RunLockstep(ls, batch)
				if err != nil {
					// Image by image, for the failing image's own error.
					for i := lo; i < hi && one(i); i++ {
					}
					continue
				}
				for i, r := range rs {
					fold(lo+i, r)
				}
			}
		}()
	}
	for c := range chunks {
		next <- c
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("image %d: %w", i*p.perRun, err)
		}
	}
	for w := range workers {
		res.Correct += correct[w]
		if w > 0 {
			sums[0].Merge(sums[w])
			hosts[0].Merge(&hosts[w])
		}
	}
	res.Report = sums[0].Report()
	res.Report.AddHost(m.Exe.Target, &hosts[0])
	res.Wall = time.Since(start)
	return res, nil
}
