package admm

import (
	"fmt"
	"io"
	"math"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/train"
)

// Options configure Compress.
type Options struct {
	Specs       map[string]Spec // per layer name (Config.Resolve)
	Hyper       Hyper
	Train, Test *data.Dataset // Test may be nil (no accuracy lines)
	// Val, when set, is the held-out part of the training images
	// (data.Dataset.SplitValidation) that the per-epoch accuracy lines and
	// every choice use; Test is then evaluated only before and after the
	// run (the final numbers). Without Val the epoch lines use Test.
	Val *data.Dataset
	// Couplings are the dependency-aware groups (config coupled: true,
	// Couplings): channels pruned together across the layers of a
	// residual join and the columns of their consumers.
	Couplings []Coupling
	Progress  io.Writer // one line per epoch, may be nil
	// Checkpoint, when set, receives the complete state after every epoch
	// (the CLI writes it atomically); Resume continues from such a state.
	Checkpoint func(*State) error
	Resume     *State
	// Teacher is the model distillation learns from (Hyper.DistillTeacher,
	// loaded by the caller); nil distills from the uncompressed starting
	// model g. It is never trained.
	Teacher *ir.Graph
}

// EpochLog describes one training epoch of Compress.
type EpochLog struct {
	Phase     string
	Epoch     int // within the phase, from 1
	Loss, Acc float64
	TestAcc   float64 // held-out accuracy: on Options.Val when set, else on Options.Test
	Penalty   float64
	Rho       float64 // of the first constrained layer
	Residual  float64 // sum ||W - Z|| / sum ||W|| after the epoch (ADMM phases)
}

// Result is the outcome of Compress.
type Result struct {
	Graph                 *ir.Graph // the compressed float graph (import stage, batch_norm kept)
	Codes                 map[string]*Codes
	AccBefore, AccAfter   float64 // on Options.Test (NaN without)
	LossBefore, LossAfter float64
	ValAfter              float64 // on Options.Val after the run (NaN without)
	// KeptEpoch is the quantized-retraining epoch the result is (from 1;
	// 0: the last, quant_retrain_keep: last) and KeptVal its validation
	// accuracy with the act_bits quantizers on (quant_retrain_keep:
	// best_val).
	KeptEpoch int
	KeptVal   float64
	Log       []EpochLog
}

// phase kinds.
const (
	phasePruneADMM  = "prune-admm"
	phaseRetrain    = "masked-retrain"
	phaseQuantADMM  = "quant-admm"
	phaseJointADMM  = "joint-admm"
	phaseQuantFinal = "quant-retrain"
)

// phasePlan lists the phases of a run and their epochs.
type phasePlan struct {
	name   string
	epochs int
}

func plan(h Hyper, prune, quant bool) []phasePlan {
	var p []phasePlan
	add := func(name string, e int) {
		p = append(p, phasePlan{name, max(e, 0)})
	}
	if h.Mode == "joint" && prune && quant {
		add(phaseJointADMM, h.Updates*h.EpochsPerStep)
		add(phaseQuantFinal, h.QuantRetrain)
		return p
	}
	if prune {
		add(phasePruneADMM, h.Updates*h.EpochsPerStep)
		add(phaseRetrain, h.Retrain)
	}
	if quant {
		add(phaseQuantADMM, h.QuantUpdates*h.EpochsPerStep)
		add(phaseQuantFinal, h.QuantRetrain)
	}
	return p
}

// Compress runs ADMM structured pruning and quantization (PAPER.md §5) on
// a float graph with one input and logits output (train.NewModel's
// contract): pruning ADMM (W-step epochs on loss + rho/2||W - Z + U||^2
// through the engine's proximal penalty, Z = projection of W + U onto the
// sparsity set, U += W - Z, rho *= RhoGrowth up to RhoMax every
// EpochsPerStep epochs, learning rate restarted at each update), hard prune
// and masked retraining (weights, and the bias and batch-norm shift of
// pruned filters, stay exactly 0), quantization ADMM with the mask kept
// (rho *= QuantRhoGrowth), hard quantization and retraining of the float
// parameters with the quantized weights frozen. Joint mode projects onto
// both sets in one ADMM. Every layer of the result lies exactly in its
// constraint sets (CheckGraph).
func Compress(g *ir.Graph, o Options) (*Result, error) {
	h, err := o.Hyper.withDefaults()
	if err != nil {
		return nil, err
	}
	if h.QuantRetrainKeep == "best_val" && o.Val == nil {
		return nil, fmt.Errorf("admm: quant_retrain_keep: best_val chooses an epoch on the validation split, and there is none (pimc compress -val N); the test set is never used for a choice")
	}
	m, err := train.NewModel(g)
	if err != nil {
		return nil, err
	}
	r := &run{m: m, h: h, o: o}
	if h.Distill > 0 {
		teacher, err := teacherModel(g, o.Teacher, h.DistillTeacher)
		if err != nil {
			return nil, err
		}
		r.distill = &train.Distill{Teacher: teacher, Alpha: h.Distill, T: h.DistillT}
	}
	if err := r.bind(g); err != nil {
		return nil, err
	}
	tr := o.Train
	if tr == nil || tr.Len() == 0 {
		return nil, fmt.Errorf("admm: ADMM mode needs a labelled training set (use the layer-wise mode without one)")
	}
	if h.Limit > 0 {
		tr = tr.Head(h.Limit)
	}
	res := &Result{AccBefore: math.NaN(), AccAfter: math.NaN(), LossBefore: math.NaN(), LossAfter: math.NaN(), ValAfter: math.NaN()}
	phases := plan(h, r.anyPrune, r.anyQuant)
	st := o.Resume
	if st == nil {
		st = r.newState()
		if o.Test != nil {
			if st.LossBefore, st.AccBefore, err = train.Evaluate(m, o.Test, 256); err != nil {
				return nil, err
			}
		}
	} else if err := r.restore(st, phases); err != nil {
		return nil, err
	}
	res.LossBefore, res.AccBefore = st.LossBefore, st.AccBefore
	for st.Phase < len(phases) {
		ph := phases[st.Phase]
		if st.Epoch == 0 {
			if err := r.enter(ph.name); err != nil {
				return nil, err
			}
		}
		ran := false
		if st.Epoch < ph.epochs {
			lg, err := r.epoch(ph, st, tr)
			if err != nil {
				return nil, err
			}
			st.Log = append(st.Log, lg)
			st.Epoch++
			st.Global++
			ran = true
			r.progress(ph, st.Epoch, lg)
		}
		if st.Epoch >= ph.epochs {
			st.Phase, st.Epoch = st.Phase+1, 0
		}
		if ran && o.Checkpoint != nil {
			r.save(st)
			if err := o.Checkpoint(st); err != nil {
				return nil, err
			}
		}
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	res.Graph = m.Graph()
	res.Codes = r.codes
	res.KeptEpoch, res.KeptVal = r.bestEpoch, r.bestAcc
	res.Log = st.Log
	if o.Test != nil {
		if res.LossAfter, res.AccAfter, err = train.Evaluate(m, o.Test, 256); err != nil {
			return nil, err
		}
	}
	if o.Val != nil {
		if _, res.ValAfter, err = train.Evaluate(m, o.Val, 256); err != nil {
			return nil, err
		}
	}
	if err := CheckGraph(res.Graph, o.Specs, nil); err != nil {
		return nil, fmt.Errorf("BUG: admm: result violates its constraints: %v", err)
	}
	if err := CheckCouplings(res.Graph, o.Couplings); err != nil {
		return nil, fmt.Errorf("BUG: admm: result violates its coupled groups: %v", err)
	}
	return res, nil
}
