package evaluate

import (
	"math"
	"time"

	"github.com/pimc-dev/pimc/sim"
)

// Result is the outcome of one evaluation.
type Result struct {
	Correct, Images int
	// Pred[i] is the predicted class of image i (the argmax of its scores,
	// the lowest class on ties).
	Pred []int32
	// Report is the simulator's cost report over all inferences (programs
	// only; per-inference figures are means). Its per-inference figures
	// cover the device segments of the program; Report.Host adds the host
	// ops and port transfers and the end-to-end figures.
	Report *sim.Report
	Wall   time.Duration
}

// Accuracy is Correct / Images (0 for no images).
func (r *Result) Accuracy() float64 {
	if r.Images == 0 {
		return 0
	}
	return float64(r.Correct) / float64(r.Images)
}

// Options control an evaluation.
type Options struct {
	// Jobs is the number of goroutines running inferences (< 1: GOMAXPROCS).
	// The float path runs through interp.RunBatch, which always uses
	// GOMAXPROCS.
	Jobs int
	// MaxSteps is the simulator's instruction budget per segment run (0:
	// sim.DefaultMaxSteps).
	MaxSteps int64
	// Progress, if set, is called with the number of images done so far and
	// the total; it may be called from several goroutines at once.
	Progress func(done, total int)
	// Chip, if set, is the chip instance with faults a program runs on
	// (sim.Chip; made from the model's Executable); image i's errors are
	// keyed by i, so the predictions do not depend on Jobs.
	Chip *sim.Chip
	// Timeline records the utilisation timeline of a program's runs
	// (sim.Report.Timeline; a few % slower).
	Timeline bool
	// Lockstep is the number of images a worker runs in lockstep
	// (sim.Lockstep: decoding, dispatch and timing once for all of them):
	// 0 means DefaultLockstep, 1 one image at a time. Models that cannot
	// run in lockstep (pimrt.Model.LockstepRefusal) and runs on a Chip run
	// one image at a time whatever it says.
	Lockstep int
}

// DefaultLockstep is the lockstep batch of Options.Lockstep 0.
const DefaultLockstep = 16

// Rate is the number of images evaluated per second of wall time.
func (r *Result) Rate() float64 {
	if s := r.Wall.Seconds(); s > 0 {
		return float64(r.Images) / s
	}
	return 0
}

// FaultPoint is the point of a fault curve that evaluations rs of case c
// on the chip instances of seeds make (sim.Report.FaultPoints).
func FaultPoint(c sim.FaultCase, seeds []uint64, rs []*Result) sim.FaultPoint {
	p := sim.FaultPoint{Faults: c.Text, Kind: c.Kind, Rate: c.Rate, Seeds: seeds}
	for _, r := range rs {
		p.Accuracy = append(p.Accuracy, r.Accuracy())
	}
	p.Mean, p.Std = AccuracyStats(rs)
	if len(rs) > 0 {
		p.Images = rs[0].Images
	}
	return p
}

// AccuracyStats is the mean and the sample standard deviation (n-1) of the
// accuracies of rs (0 for one result): the spread over chip instances of a
// fault model.
func AccuracyStats(rs []*Result) (mean, std float64) {
	if len(rs) == 0 {
		return 0, 0
	}
	for _, r := range rs {
		mean += r.Accuracy()
	}
	mean /= float64(len(rs))
	if len(rs) < 2 {
		return mean, 0
	}
	ss := 0.0
	for _, r := range rs {
		d := r.Accuracy() - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / float64(len(rs)-1))
}
