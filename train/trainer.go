package train

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Config controls Fit. Zero values: 1 epoch, batch 64, SGD with momentum
// 0.9, constant learning rate 0.01.
type Config struct {
	Epochs      int
	Batch       int
	Seed        uint64 // shuffling order; the model's initial weights come from its builder
	Optimizer   Optimizer
	Schedule    Schedule
	WeightDecay float64 // L2 coefficient added to the gradient of Decay parameters
	// Distill, when set, mixes a teacher's softened outputs into the loss
	// (knowledge distillation); the reported loss is the mixed one.
	Distill *Distill
	// Penalty, when set, is added on every step (ADMM's proximal term).
	Penalty Penalty
	// OnEpoch, when set, runs after each epoch's evaluation; ADMM updates
	// Z and U here. An error stops training and is returned by Fit.
	OnEpoch func(m *Model, s EpochStats) error
	// BeforeStep, when set, runs before every minibatch (step counts the
	// epoch's minibatches from 0); quantization-aware training
	// recalibrates its activation scales here. An error stops training.
	BeforeStep func(m *Model, epoch, step int) error
	// StartEpoch offsets the epoch numbers (and so the shuffling order)
	// when Fit continues an earlier run; the schedule still starts at its
	// beginning, which is the learning-rate restart ADMM does at each update.
	StartEpoch int
	// Progress receives a line per epoch; with Bar set it also shows a
	// progress bar redrawn in place (for terminals).
	Progress io.Writer
	Bar      bool
}

// EpochStats describes one finished epoch.
type EpochStats struct {
	Epoch               int
	TrainLoss, TrainAcc float64 // running averages over the epoch's batches
	Penalty             float64 // mean penalty value per step
	TestLoss, TestAcc   float64 // NaN without a test set
	LR                  float64 // at the end of the epoch
	Seconds             float64 // training time of the epoch (without evaluation)
	Images              float64 // training samples seen
}

// Fit trains m on train for cfg.Epochs epochs, evaluating on test (may be
// nil) after each, and returns the statistics of every epoch.
func Fit(m *Model, train, test *data.Dataset, cfg Config) ([]EpochStats, error) {
	if train == nil || train.Len() == 0 {
		return nil, fmt.Errorf("train: empty training set")
	}
	if want := m.input.Type.Shape[1:]; !tensor.SameShape(train.Shape, want) {
		return nil, fmt.Errorf("train: dataset %s has samples %v, model input wants %v", train.Name, train.Shape, want)
	}
	if cfg.Epochs <= 0 {
		cfg.Epochs = 1
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 64
	}
	if cfg.Optimizer == nil {
		cfg.Optimizer = &SGD{Momentum: 0.9}
	}
	if cfg.Schedule == nil {
		cfg.Schedule = Constant(0.01)
	}
	var hist []EpochStats
	var x, dz *tensor.Tensor
	for e := cfg.StartEpoch; e < cfg.StartEpoch+cfg.Epochs; e++ {
		start := time.Now()
		batches := data.Batches(train.Order(cfg.Seed, e), cfg.Batch)
		var lossSum, penSum float64
		var correct, seen int
		bar := newBar(cfg, e, len(batches))
		lr := 0.0
		for bi, idx := range batches {
			var y []int32
			x, y = train.Gather(x, idx)
			lr = cfg.Schedule.LR(float64(e-cfg.StartEpoch) + float64(bi)/float64(len(batches)))
			if cfg.BeforeStep != nil {
				if err := cfg.BeforeStep(m, e, bi); err != nil {
					return hist, err
				}
			}
			loss, ok, pen, err := m.step(x, y, &dz, cfg, lr)
			if err != nil {
				return hist, err
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return hist, fmt.Errorf("train: epoch %d step %d: loss is %v (learning rate %g too high?)", e+1, bi+1, loss, lr)
			}
			lossSum += loss * float64(len(idx))
			penSum += pen
			correct += ok
			seen += len(idx)
			bar.update(bi+1, lossSum/float64(seen), float64(correct)/float64(seen))
		}
		s := EpochStats{Epoch: e + 1, TrainLoss: lossSum / float64(seen), TrainAcc: float64(correct) / float64(seen),
			Penalty: penSum / float64(len(batches)), LR: lr, Seconds: time.Since(start).Seconds(), Images: float64(seen),
			TestLoss: math.NaN(), TestAcc: math.NaN()}
		bar.done()
		if test != nil {
			l, a, err := Evaluate(m, test, cfg.Batch) // same size: the buffers are reused
			if err != nil {
				return hist, err
			}
			s.TestLoss, s.TestAcc = l, a
		}
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "epoch %d/%d: loss %.4f acc %.2f%%", e+1, cfg.StartEpoch+cfg.Epochs, s.TrainLoss, 100*s.TrainAcc)
			if cfg.Penalty != nil {
				fmt.Fprintf(cfg.Progress, " penalty %.4g", s.Penalty)
			}
			if test != nil {
				fmt.Fprintf(cfg.Progress, " | test loss %.4f acc %.2f%%", s.TestLoss, 100*s.TestAcc)
			}
			fmt.Fprintf(cfg.Progress, " | lr %.3g, %.1fs (%.0f img/s)\n", s.LR, s.Seconds, s.Images/s.Seconds)
		}
		hist = append(hist, s)
		if cfg.OnEpoch != nil {
			if err := cfg.OnEpoch(m, s); err != nil {
				return hist, err
			}
		}
	}
	return hist, nil
}

// step runs one minibatch: forward, loss, backward, penalty, weight decay,
// masks, optimizer update. It returns the mean loss, the number of correct
// predictions and the penalty value.
func (m *Model) step(x *tensor.Tensor, y []int32, dz **tensor.Tensor, cfg Config, lr float64) (float64, int, float64, error) {
	m.ZeroGrad()
	z, err := m.Forward(x, true)
	if err != nil {
		return 0, 0, 0, err
	}
	loss, ok, g, err := SoftmaxCrossEntropy(*dz, z, y)
	if err != nil {
		return 0, 0, 0, err
	}
	*dz = g
	if cfg.Distill != nil {
		if loss, err = cfg.Distill.mix(x, z, loss, g); err != nil {
			return 0, 0, 0, err
		}
	}
	if err := m.Backward(g); err != nil {
		return 0, 0, 0, err
	}
	var pen float64
	if cfg.Penalty != nil {
		pen = cfg.Penalty.Add(m)
	}
	// From here on an STE parameter's Data is its float shadow: weight
	// decay, the optimizer and the mask act on the shadow, which is then
	// projected back.
	live := m.live[:0]
	for _, p := range m.params {
		if p.Frozen {
			clear(p.Grad)
			continue
		}
		if p.project != nil {
			p.Data.F32, p.Shadow = p.Shadow, p.Data.F32
		}
		live = append(live, p)
	}
	m.live = live
	if wd := float32(cfg.WeightDecay); wd != 0 {
		for _, p := range live {
			if p.Decay {
				for i, w := range p.Data.F32 {
					p.Grad[i] += wd * w
				}
			}
		}
	}
	for _, p := range live {
		p.applyMask(p.Grad)
	}
	cfg.Optimizer.Step(live, lr)
	for _, p := range live {
		p.applyMask(p.Data.F32)
		if p.project != nil {
			p.Data.F32, p.Shadow = p.Shadow, p.Data.F32
			if err := p.reproject(); err != nil {
				return 0, 0, 0, err
			}
		}
	}
	return loss, ok, pen, nil
}

// Evaluate returns the mean cross-entropy loss and the accuracy of m on ds
// in inference mode (batch_norm uses its running statistics).
func Evaluate(m *Model, ds *data.Dataset, batch int) (loss, acc float64, err error) {
	if ds == nil || ds.Len() == 0 {
		return math.NaN(), math.NaN(), fmt.Errorf("train: empty evaluation set")
	}
	var x, dz *tensor.Tensor
	correct := 0
	for _, idx := range data.Batches(ds.Sequential(), max(batch, 1)) {
		var y []int32
		x, y = ds.Gather(x, idx)
		z, err := m.Forward(x, false)
		if err != nil {
			return 0, 0, err
		}
		l, ok, g, err := SoftmaxCrossEntropy(dz, z, y)
		if err != nil {
			return 0, 0, err
		}
		dz = g
		loss += l * float64(len(idx))
		correct += ok
	}
	return loss / float64(ds.Len()), float64(correct) / float64(ds.Len()), nil
}

// bar draws a progress bar on a terminal, at most every 200ms.
type bar struct {
	w       io.Writer
	epoch   int
	total   int
	last    time.Time
	started time.Time
}

func newBar(cfg Config, epoch, total int) *bar {
	if !cfg.Bar || cfg.Progress == nil {
		return &bar{}
	}
	return &bar{w: cfg.Progress, epoch: epoch + 1, total: total, started: time.Now()}
}

func (b *bar) update(done int, loss, acc float64) {
	if b.w == nil || (time.Since(b.last) < 200*time.Millisecond && done < b.total) {
		return
	}
	b.last = time.Now()
	const width = 30
	fill := width * done / b.total
	bar := make([]byte, width)
	for i := range bar {
		switch {
		case i < fill:
			bar[i] = '='
		case i == fill:
			bar[i] = '>'
		default:
			bar[i] = ' '
		}
	}
	el := time.Since(b.started).Seconds()
	eta := el / float64(done) * float64(b.total-done)
	fmt.Fprintf(b.w, "\repoch %d [%s] %3d%% loss %.4f acc %.2f%% eta %.0fs ", b.epoch, bar, 100*done/b.total, loss, 100*acc, eta)
}

func (b *bar) done() {
	if b.w != nil {
		fmt.Fprint(b.w, "\r\033[K")
	}
}
