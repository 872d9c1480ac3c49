package admm

import (
	"bytes"
	"encoding/gob"
	"fmt"

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
}

const stateVersion = 1

func (r *run) newState() *State { return &State{Version: stateVersion} }

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
}

// restore loads st into the run, checking it belongs to the same model.
func (r *run) restore(st *State) error {
	ps, bs := r.m.Params(), r.m.Buffers()
	if st.Version != stateVersion || len(st.Params) != len(ps)+len(bs) || len(st.Masks) != len(ps) || len(st.Z) != len(r.layers) {
		return fmt.Errorf("admm: checkpoint does not match this model and configuration")
	}
	for i, p := range append(append([]*train.Param{}, ps...), bs...) {
		if len(st.Params[i]) != p.Len() {
			return fmt.Errorf("admm: checkpoint parameter %q has %d values, the model %d", p.Name, len(st.Params[i]), p.Len())
		}
		copy(p.Data.F32, st.Params[i])
	}
	for i, p := range ps {
		if len(st.Masks[i]) == 0 {
			p.Mask = nil
			continue
		}
		if len(st.Masks[i]) != p.Len() {
			return fmt.Errorf("admm: checkpoint mask %d has %d values, the parameter %d", i, len(st.Masks[i]), p.Len())
		}
		p.Mask = append([]float32(nil), st.Masks[i]...)
	}
	for i, b := range r.layers {
		if len(st.Z[i]) != 0 && len(st.Z[i]) != b.w.Len() {
			return fmt.Errorf("admm: checkpoint Z of layer %q has %d values, want %d", b.name, len(st.Z[i]), b.w.Len())
		}
		b.z = append([]float32(nil), st.Z[i]...)
		b.u = append([]float32(nil), st.U[i]...)
		b.rho, b.active = st.Rho[i], st.Active[i]
	}
	r.pruned, r.frozen = st.Pruned, st.Frozen
	r.resumeOpt, r.resumeShadow, r.resumeActMax = st.Opt, nil, st.ActMax
	if len(st.Shadows) != 0 && len(st.Shadows) != len(ps) {
		return fmt.Errorf("admm: checkpoint has %d shadows, the model %d parameters", len(st.Shadows), len(ps))
	}
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

// EncodeState serializes st (gob).
func EncodeState(st *State) ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(st); err != nil {
		return nil, fmt.Errorf("admm: checkpoint: %v", err)
	}
	return b.Bytes(), nil
}

// DecodeState parses a checkpoint written by EncodeState.
func DecodeState(b []byte) (*State, error) {
	st := &State{}
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(st); err != nil {
		return nil, fmt.Errorf("admm: checkpoint: %v", err)
	}
	return st, nil
}
