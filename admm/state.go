package admm

import (
	"errors"
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/train"
)

// State is everything Compress needs to continue a run after an epoch:
// position, parameter and buffer values, masks, Z, U and rho of every
// constrained layer, STE shadows and, inside a phase, the optimizer's
// state, so a resumed run continues bit for bit.
type State struct {
	Version               int
	Digest                string // identifies the run (the CLI hashes model and config)
	Phase, Epoch, Global  int
	LossBefore, AccBefore float64
	Params                [][]float32 // Model.Params() then Model.Buffers()
	Masks                 [][]float32 // per Model.Params() entry, nil when none
	Z, U                  [][]float32 // per constrained layer
	Rho                   []float64
	Active                []bool
	Pruned, Frozen        bool
	Log                   []EpochLog
	// Shadows are the float STE copies per Model.Params() entry (nil when
	// none); Opt is the optimizer's state inside an unfinished phase (nil
	// at a phase boundary, where the optimizer restarts anyway).
	Shadows [][]float32
	Opt     *train.OptimizerState
	ActMax  []float32 // running maxima of the act_bits quantizers
	// Best holds the parameters and buffers (as Params) of the
	// quantized-retraining epoch BestEpoch (from 1; 0: none) with the
	// best validation accuracy BestAcc so far (quant_retrain_keep:
	// best_val); empty otherwise.
	Best      [][]float32
	BestAcc   float64
	BestEpoch int
}

func (r *run) newState() *State { return &State{Version: stateVersion} }

// paramsAndBuffers is the model's parameters then its buffers, the order
// of State.Params and State.Best.
func (r *run) paramsAndBuffers() []*train.Param {
	return append(append([]*train.Param{}, r.m.Params()...), r.m.Buffers()...)
}

// save copies the run's state into st.
func (r *run) save(st *State) {
	st.Version = stateVersion
	st.Params, st.Masks, st.Shadows, st.Opt = nil, nil, nil, nil
	for _, p := range r.m.Params() {
		st.Params = append(st.Params, append([]float32(nil), p.Data.F32...))
		st.Masks = append(st.Masks, append([]float32(nil), p.Mask...))
		st.Shadows = append(st.Shadows, append([]float32(nil), p.Shadow...))
	}
	st.ActMax = nil
	for _, q := range r.actq {
		st.ActMax = append(st.ActMax, q.Max)
	}
	if so, ok := r.opt.(train.StatefulOptimizer); ok && st.Epoch != 0 {
		o := so.Export(r.m.Params())
		st.Opt = &o
	}
	for _, p := range r.m.Buffers() {
		st.Params = append(st.Params, append([]float32(nil), p.Data.F32...))
	}
	st.Z, st.U, st.Rho, st.Active = nil, nil, nil, nil
	for _, b := range r.layers {
		st.Z = append(st.Z, append([]float32(nil), b.z...))
		st.U = append(st.U, append([]float32(nil), b.u...))
		st.Rho = append(st.Rho, b.rho)
		st.Active = append(st.Active, b.active)
	}
	st.Pruned, st.Frozen = r.pruned, r.frozen
	st.Best, st.BestAcc, st.BestEpoch = nil, r.bestAcc, r.bestEpoch
	for _, v := range r.best {
		st.Best = append(st.Best, append([]float32(nil), v...))
	}
}

// ErrCheckpointMismatch is the error (errors.Is) of Compress when
// Options.Resume is not a state that this model and configuration could
// have written.
var ErrCheckpointMismatch = errors.New("checkpoint does not fit this model and configuration")

// restore loads st into the run after checking that it is a state this
// run could have written (checkState); on an error the run is unchanged.
func (r *run) restore(st *State, phases []phasePlan) error {
	if err := r.checkState(st, phases); err != nil {
		return fmt.Errorf("admm: %w: %v", ErrCheckpointMismatch, err)
	}
	for i, p := range r.paramsAndBuffers() {
		copy(p.Data.F32, st.Params[i])
	}
	ps := r.m.Params()
	for i, p := range ps {
		p.Mask = nil
		if len(st.Masks[i]) != 0 {
			p.Mask = append([]float32(nil), st.Masks[i]...)
		}
	}
	for i, b := range r.layers {
		b.z = append([]float32(nil), st.Z[i]...)
		b.u = append([]float32(nil), st.U[i]...)
		b.rho, b.active = st.Rho[i], st.Active[i]
	}
	r.pruned, r.frozen = st.Pruned, st.Frozen
	r.best, r.bestAcc, r.bestEpoch = nil, st.BestAcc, st.BestEpoch
	for _, v := range st.Best {
		r.best = append(r.best, append([]float32(nil), v...))
	}
	r.resumeOpt, r.resumeShadow, r.resumeActMax = st.Opt, nil, st.ActMax
	for i, sh := range st.Shadows {
		if len(sh) == 0 {
			continue
		}
		if r.resumeShadow == nil {
			r.resumeShadow = map[*train.Param][]float32{}
		}
		r.resumeShadow[ps[i]] = sh
	}
	return nil
}

// checkState checks every field of st against the run: its position
// against the phase plan, every array's length against the parameter or
// layer it belongs to, masks of exact 0s and 1s that zero their weights and,
// once the hard prune is done, satisfy the layer's constraints, and an
// optimizer state the configured optimizer takes. A checkpoint that passes
// resumes to a result inside its constraint sets, whatever its values.
func (r *run) checkState(st *State, phases []phasePlan) error {
	if st.Version != stateVersion {
		return fmt.Errorf("version %d, want %d", st.Version, stateVersion)
	}
	done := 0
	switch {
	case st.Phase > len(phases):
		return fmt.Errorf("phase %d of %d", st.Phase+1, len(phases))
	case st.Phase == len(phases) && st.Epoch != 0:
		return fmt.Errorf("epoch %d after the last phase", st.Epoch)
	case st.Phase < len(phases) && st.Epoch >= phases[st.Phase].epochs:
		return fmt.Errorf("epoch %d of phase %s, which has %d", st.Epoch, phases[st.Phase].name, phases[st.Phase].epochs)
	}
	for _, ph := range phases[:st.Phase] {
		done += ph.epochs
	}
	if st.Global != done+st.Epoch || len(st.Log) != st.Global {
		return fmt.Errorf("%d epochs done and %d logged, the position (phase %d, epoch %d) says %d", st.Global, len(st.Log), st.Phase+1, st.Epoch, done+st.Epoch)
	}
	ps, bs := r.m.Params(), r.m.Buffers()
	all := r.paramsAndBuffers()
	if len(st.Params) != len(all) || len(st.Masks) != len(ps) || (len(st.Shadows) != 0 && len(st.Shadows) != len(ps)) {
		return fmt.Errorf("%d parameter arrays, %d masks and %d shadows for a model of %d parameters and %d buffers", len(st.Params), len(st.Masks), len(st.Shadows), len(ps), len(bs))
	}
	for i, p := range all {
		if len(st.Params[i]) != p.Len() {
			return fmt.Errorf("parameter %q has %d values, the model %d", p.Name, len(st.Params[i]), p.Len())
		}
	}
	for i, p := range ps {
		if err := checkMask(p.Name, st.Masks[i], st.Params[i]); err != nil {
			return err
		}
		if i < len(st.Shadows) && len(st.Shadows[i]) != 0 {
			if len(st.Shadows[i]) != p.Len() {
				return fmt.Errorf("shadow of %q has %d values, want %d", p.Name, len(st.Shadows[i]), p.Len())
			}
			if err := checkMask(p.Name+" (shadow)", st.Masks[i], st.Shadows[i]); err != nil {
				return err
			}
		}
	}
	n := len(r.layers)
	if len(st.Z) != n || len(st.U) != n || len(st.Rho) != n || len(st.Active) != n {
		return fmt.Errorf("Z, U, rho and active flags of %d, %d, %d and %d layers, the run constrains %d", len(st.Z), len(st.U), len(st.Rho), len(st.Active), n)
	}
	index := map[*train.Param]int{}
	for i, p := range ps {
		index[p] = i
	}
	for i, b := range r.layers {
		for _, v := range [][]float32{st.Z[i], st.U[i]} {
			if len(v) != 0 && len(v) != b.w.Len() {
				return fmt.Errorf("Z or U of layer %q has %d values, want %d", b.name, len(v), b.w.Len())
			}
		}
		if !(st.Rho[i] >= 0 && !math.IsInf(st.Rho[i], 0)) {
			return fmt.Errorf("rho of layer %q is %v", b.name, st.Rho[i])
		}
		if st.Pruned && len(b.spec.Prunes) > 0 {
			mask := st.Masks[index[b.w]]
			if len(mask) == 0 {
				return fmt.Errorf("layer %q is pruned but has no mask", b.name)
			}
			if err := Check(mask, b.shape, b.spec.Prunes, nil); err != nil {
				return fmt.Errorf("mask of layer %q: %v", b.name, err)
			}
		}
	}
	if st.Opt != nil {
		if st.Epoch == 0 {
			return fmt.Errorf("optimizer state at the start of a phase")
		}
		o, err := train.NewOptimizer(r.h.Optimizer)
		if err != nil {
			return err
		}
		so, ok := o.(train.StatefulOptimizer)
		if !ok {
			return fmt.Errorf("optimizer state that %s cannot take", r.h.Optimizer)
		}
		if err := so.Import(ps, *st.Opt); err != nil {
			return err
		}
	}
	if len(st.ActMax) != 0 && len(st.ActMax) != len(r.h.ActBits) {
		return fmt.Errorf("%d activation maxima for %d act_bits layers", len(st.ActMax), len(r.h.ActBits))
	}
	for _, v := range st.ActMax {
		if !(v >= 0 && !math.IsInf(float64(v), 0)) {
			return fmt.Errorf("activation maximum %v", v)
		}
	}
	return r.checkBest(st, phases, all)
}

// checkBest checks the kept best quantized-retraining epoch of st: only
// with quant_retrain_keep: best_val, an epoch of quantized retraining
// already done, an accuracy in [0, 1], one array per parameter and buffer
// of its length, and the parameters zero where the checkpoint's masks
// (unchanged during quantized retraining) are.
func (r *run) checkBest(st *State, phases []phasePlan, all []*train.Param) error {
	if st.BestEpoch == 0 {
		if len(st.Best) != 0 || st.BestAcc != 0 {
			return fmt.Errorf("a kept best epoch's values without its epoch")
		}
		return nil
	}
	if r.h.QuantRetrainKeep != "best_val" {
		return fmt.Errorf("a kept best epoch, but quant_retrain_keep is %s", r.h.QuantRetrainKeep)
	}
	done := 0 // quantized-retraining epochs finished
	for i, ph := range phases {
		if ph.name != phaseQuantFinal {
			continue
		}
		switch {
		case i < st.Phase:
			done = ph.epochs
		case i == st.Phase:
			done = st.Epoch
		}
	}
	if st.BestEpoch > done {
		return fmt.Errorf("best epoch %d of quantized retraining, %d done", st.BestEpoch, done)
	}
	if !(st.BestAcc >= 0 && st.BestAcc <= 1) {
		return fmt.Errorf("best validation accuracy %v", st.BestAcc)
	}
	if len(st.Best) != len(all) {
		return fmt.Errorf("%d arrays of the best epoch for %d parameters and buffers", len(st.Best), len(all))
	}
	for i, p := range all {
		if len(st.Best[i]) != p.Len() {
			return fmt.Errorf("best epoch's %q has %d values, the model %d", p.Name, len(st.Best[i]), p.Len())
		}
		if i < len(st.Masks) {
			if err := checkMask(p.Name+" (best epoch)", st.Masks[i], st.Best[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkMask: a mask (empty: none) holds only 0 and 1, one per value, and
// the values it masks are 0.
func checkMask(name string, mask, vals []float32) error {
	if len(mask) == 0 {
		return nil
	}
	if len(mask) != len(vals) {
		return fmt.Errorf("mask of %q has %d values, the parameter %d", name, len(mask), len(vals))
	}
	for i, m := range mask {
		if m != 0 && m != 1 {
			return fmt.Errorf("mask of %q holds %v at %d, want 0 or 1", name, m, i)
		}
		if m == 0 && vals[i] != 0 {
			return fmt.Errorf("%q is %v at %d where its mask is 0", name, vals[i], i)
		}
	}
	return nil
}
