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
// interpreter, device segments on the simulator, opt.Jobs images at a time,
// each worker on its own machine folding its runs into its own summary. The
// summaries are merged at the end, so the predictions and the report are
// the same whatever opt.Jobs is. The report's per-inference figures are
// means over the inferences (the segments of one inference added up, see
// sim.CombineRuns); Report.Host is the host's share (pimrt counts it).
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
	workers := opt.Jobs
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n))
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
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if failed.Load() {
					continue
				}
				mach.SetFaultKey(uint64(i))
				r, err := m.RunOn(mach, []*tensor.Tensor{p.input(ds, i, 1)})
				if err != nil {
					errs[i] = err
					failed.Store(true)
					continue
				}
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
		}()
	}
	for i := range n {
		next <- i
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
