package admm

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/train"
)

// bound is one constrained layer tied to its training parameters.
type bound struct {
	name    string
	spec    Spec
	shape   Shape
	w       *train.Param
	bias    *train.Param // may be nil
	bnBias  *train.Param // shift of a batch_norm reading the layer alone, may be nil
	bnMean  *train.Param // its running mean (a buffer)
	z, u    []float32
	rho     float64
	active  bool // has a proximal term in the current ADMM phase
	coupled bool // a member of an Options.Couplings group
}

// run is the state of one Compress call.
type run struct {
	m                  *train.Model
	h                  Hyper
	o                  Options
	layers             []*bound
	anyPrune, anyQuant bool
	pruned, frozen     bool
	opt                train.Optimizer
	codes              map[string]*Codes
	// From a checkpoint, consumed by the next epoch: the optimizer state
	// of an unfinished phase and the STE shadows of quantized retraining.
	resumeOpt    *train.OptimizerState
	resumeShadow map[*train.Param][]float32
	resumeActMax []float32
	actq         []*train.ActQuant // in the order of the layers named in Hyper.ActBits, sorted
	actNames     []string
	actCalib     *tensor.Tensor // the calibration images of act_scale: calib
	distill      *train.Distill // nil without Hyper.Distill
	stage        int            // progressive stage of the pruning ADMM (Hyper.Stages), from 0
	all          []*Layer       // every matrix layer of the source graph
	// best holds the parameters and buffers (Model.Params() then
	// Model.Buffers()) of the quantized-retraining epoch with the best
	// validation accuracy so far (Hyper.QuantRetrainKeep "best_val"),
	// bestAcc that accuracy and bestEpoch its epoch (from 1; 0: none yet).
	best      [][]float32
	bestAcc   float64
	bestEpoch int
}

// bind ties every layer with a spec to the model's parameters.
func (r *run) bind(g *ir.Graph) error {
	layers, _ := Layers(g)
	r.all = layers
	uses := g.Uses()
	coupled := map[string]bool{}
	for _, c := range r.o.Couplings {
		for _, n := range c.Producers {
			coupled[n] = true
		}
		for _, k := range c.Consumers {
			coupled[k.Layer] = true
		}
	}
	for _, l := range layers {
		sp, ok := r.o.Specs[l.Name]
		if !coupled[l.Name] && (!ok || (len(sp.Prunes) == 0 && sp.Bits == 0)) {
			continue
		}
		p := r.m.ParamOf(l.Weight)
		if p == nil || p.Role != train.RoleWeight {
			return fmt.Errorf("admm: layer %q: its weight is not a trainable parameter of the model", l.Name)
		}
		b := &bound{name: l.Name, spec: sp, shape: l.Shape, w: p, coupled: coupled[l.Name]}
		if bv := l.Node.Input(2); bv != nil {
			b.bias = r.m.ParamOf(bv)
		}
		if rd := uses[l.Node.Outputs[0]]; len(rd) == 1 && rd[0].Op == ir.OpBatchNorm && rd[0].Inputs[0] == l.Node.Outputs[0] {
			b.bnBias = r.m.ParamOf(rd[0].Input(2))
			b.bnMean = r.m.ParamOf(rd[0].Input(3))
		}
		r.layers = append(r.layers, b)
		r.anyPrune = r.anyPrune || len(sp.Prunes) > 0 || b.coupled
		r.anyQuant = r.anyQuant || sp.Bits > 0
	}
	return nil
}

// enter runs the start of a phase.
func (r *run) enter(phase string) error {
	r.opt = nil
	switch phase {
	case phasePruneADMM, phaseJointADMM:
		r.stage = 0
		for _, b := range r.layers {
			b.active = len(b.spec.Prunes) > 0 || b.coupled || (phase == phaseJointADMM && b.spec.Bits > 0)
			b.z, b.u, b.rho = make([]float32, b.w.Len()), make([]float32, b.w.Len()), r.h.Rho
			copy(b.z, b.w.Data.F32)
		}
		return r.projectZ(phase)
	case phaseRetrain:
		return r.hardPrune()
	case phaseQuantADMM:
		if err := r.hardPrune(); err != nil {
			return err
		}
		for _, b := range r.layers {
			b.active = b.spec.Bits > 0
			b.z, b.u, b.rho = make([]float32, b.w.Len()), make([]float32, b.w.Len()), r.h.Rho
			if b.active {
				if err := r.project(b, b.z, b.w.Data.F32, phase); err != nil {
					return err
				}
			}
		}
	case phaseQuantFinal:
		if err := r.hardPrune(); err != nil {
			return err
		}
		return r.hardQuant()
	}
	return nil
}

// projectZ replaces the Z of every active layer (holding the point to
// project, W or W + U) by its projection for phase: in the pruning phases
// first onto the coupled groups (Options.Couplings, across layers), then
// every layer onto its own sets.
func (r *run) projectZ(phase string) error {
	if phase == phasePruneADMM || phase == phaseJointADMM {
		if _, err := r.projectCouplings(func(b *bound) []float32 { return b.z }, phase == phasePruneADMM); err != nil {
			return err
		}
	}
	for _, b := range r.layers {
		if b.active {
			if err := r.project(b, b.z, b.z, phase); err != nil {
				return err
			}
		}
	}
	return nil
}

// projectCouplings projects, in place, the matrices of the coupled layers
// (of(b): Z or W) onto every coupling and returns each layer's combined
// keep mask (only layers in a coupling).
// With staged, the ratios are those of the current progressive stage.
func (r *run) projectCouplings(of func(*bound) []float32, staged bool) (map[string][]bool, error) {
	mats, shapes := map[string][]float32{}, map[string]Shape{}
	for _, b := range r.layers {
		mats[b.name], shapes[b.name] = of(b), b.shape
	}
	keep := map[string][]bool{}
	for _, c := range r.o.Couplings {
		if staged {
			c.Ratio *= r.stageScale()
		}
		k, err := ProjectCoupled(c, mats, shapes)
		if err != nil {
			return nil, fmt.Errorf("BUG: admm: %v", err)
		}
		for name, m := range k {
			keep[name] = andMask(keep[name], m)
		}
	}
	return keep, nil
}

// stageOf is the progressive stage (Hyper.Stages) of epoch e of the
// pruning ADMM: the updates split into Stages runs of ceil(Updates/Stages).
func (r *run) stageOf(e int) int {
	per := max((r.h.Updates+r.h.Stages-1)/r.h.Stages, 1)
	return min(e/r.h.EpochsPerStep/per, r.h.Stages-1)
}

// stageScale is the fraction of the pruning ratios the current stage
// projects onto: (stage+1)/Stages.
func (r *run) stageScale() float64 { return float64(r.stage+1) / float64(r.h.Stages) }

// scaledPrunes is ps with every ratio multiplied by f (ps itself when f is 1).
func scaledPrunes(ps []Prune, f float64) []Prune {
	if f == 1 {
		return ps
	}
	out := make([]Prune, len(ps))
	for i, p := range ps {
		p.Ratio *= f
		out[i] = p
	}
	return out
}

// keepOf is the pruning mask of b's weights (nil: none).
func keepOf(p *train.Param) []bool {
	if p.Mask == nil {
		return nil
	}
	k := make([]bool, len(p.Mask))
	for i, m := range p.Mask {
		k[i] = m != 0
	}
	return k
}

// project writes into dst the Z-projection of v for phase.
func (r *run) project(b *bound, dst, v []float32, phase string) error {
	switch phase {
	case phasePruneADMM:
		_, err := ProjectPrune(dst, v, b.shape, scaledPrunes(b.spec.Prunes, r.stageScale()))
		return err
	case phaseQuantADMM:
		_, err := ProjectQuant(dst, v, keepOf(b.w), b.shape, b.spec.Bits)
		return err
	case phaseJointADMM:
		keep, err := ProjectPrune(dst, v, b.shape, b.spec.Prunes)
		if err != nil || b.spec.Bits == 0 {
			return err
		}
		_, err = ProjectQuant(dst, dst, keep, b.shape, b.spec.Bits)
		return err
	}
	return fmt.Errorf("BUG: admm: projection in phase %s", phase)
}

// hardPrune sets W = Proj_S(W) once, with masks that keep the pruned
// weights, and the bias and batch-norm shift of fully pruned filters, at 0
// (so those channels are exactly 0 and unused-path removal is exact).
func (r *run) hardPrune() error {
	if r.pruned {
		return nil
	}
	r.pruned = true
	ckeep, err := r.projectCouplings(func(b *bound) []float32 { return b.w.Data.F32 }, false)
	if err != nil {
		return err
	}
	for _, b := range r.layers {
		if len(b.spec.Prunes) == 0 && !b.coupled {
			continue
		}
		w := b.w.Data.F32
		keep, err := ProjectPrune(w, w, b.shape, b.spec.Prunes)
		if err != nil {
			return err
		}
		if err := b.w.SetMask(andMask(ckeep[b.name], keep)); err != nil {
			return err
		}
		if err := r.purify(b); err != nil {
			return err
		}
	}
	return nil
}

// purify drops the near-zero filters, columns and channels left over
// (norm <= Purify x the largest of that kind; exact zeros always) and
// masks the bias and batch-norm shift of every all-zero filter.
func (r *run) purify(b *bound) error {
	w := b.w.Data.F32
	keep := keepOf(b.w)
	if keep == nil {
		keep = make([]bool, len(w))
		for i := range keep {
			keep[i] = true
		}
	}
	changed := false
	if r.h.Purify > 0 {
		for _, k := range []Kind{Filter, Channel, Column} {
			g, _ := groupsOf(b.shape, Prune{Kind: k})
			norm := make([]float64, g.n)
			var top float64
			for i, x := range w {
				norm[g.of(i)] += float64(x) * float64(x)
			}
			for _, v := range norm {
				top = math.Max(top, v)
			}
			tol := r.h.Purify * r.h.Purify * top
			for i := range w {
				if norm[g.of(i)] <= tol && keep[i] {
					keep[i], w[i], changed = false, 0, true
				}
			}
		}
	}
	if changed || b.w.Mask != nil {
		if err := b.w.SetMask(keep); err != nil {
			return err
		}
	}
	dead := make([]bool, b.shape.Rows)
	anyDead := false
	for row := range dead {
		dead[row] = true
		for k := 0; k < b.shape.Cols; k++ {
			if keep[row*b.shape.Cols+k] {
				dead[row] = false
				break
			}
		}
		anyDead = anyDead || dead[row]
	}
	if !anyDead {
		return nil
	}
	live := make([]bool, len(dead))
	for i, d := range dead {
		live[i] = !d
	}
	for _, p := range []*train.Param{b.bias, b.bnBias} {
		if p != nil && p.Trainable() && p.Len() == len(live) {
			if err := p.SetMask(andMask(keepOf(p), live)); err != nil {
				return err
			}
		}
	}
	return nil
}

func andMask(a, b []bool) []bool {
	if a == nil {
		return b
	}
	out := make([]bool, len(a))
	for i := range a {
		out[i] = a[i] && b[i]
	}
	return out
}

// hardQuant sets W = Q(W; mask) for the quantized layers and freezes them.
func (r *run) hardQuant() error {
	r.frozen = true
	for _, b := range r.layers {
		if b.spec.Bits == 0 {
			continue
		}
		w := b.w.Data.F32
		if _, err := ProjectQuant(w, w, keepOf(b.w), b.shape, b.spec.Bits); err != nil {
			return err
		}
	}
	return nil
}

// finish makes the final exact projections, zeroes the running mean of
// batch-norm channels whose filter is pruned (their input is exactly 0 and
// their shift masked, so the channel is 0 in inference as in training) and
// records the codes.
func (r *run) finish() error {
	if err := r.hardPrune(); err != nil {
		return err
	}
	if err := r.restoreBest(); err != nil {
		return err
	}
	r.codes = map[string]*Codes{}
	for _, name := range r.actNames { // the result has float activations
		for _, l := range r.all {
			if l.Name == name {
				if _, err := r.m.SetActQuant(l.Node.Inputs[0], 0); err != nil {
					return err
				}
			}
		}
	}
	for _, b := range r.layers {
		if err := b.w.SetSTE(nil, nil); err != nil { // Data keeps Q(shadow)
			return err
		}
		b.w.Frozen = false
		w := b.w.Data.F32
		if len(b.spec.Prunes) > 0 || b.coupled {
			if err := r.purify(b); err != nil {
				return err
			}
		}
		if b.spec.Bits > 0 {
			c, err := ProjectQuant(w, w, keepOf(b.w), b.shape, b.spec.Bits)
			if err != nil {
				return err
			}
			r.codes[b.name] = c
		}
		if b.bnBias != nil && b.bnBias.Mask != nil && b.bnMean != nil {
			for i, mk := range b.bnBias.Mask {
				if mk == 0 {
					b.bnMean.Data.F32[i] = 0
				}
			}
		}
	}
	return nil
}

// keepBest records the current parameters and buffers as the best
// quantized-retraining epoch (Hyper.QuantRetrainKeep "best_val").
func (r *run) keepBest(epoch int, acc float64) {
	all := r.paramsAndBuffers()
	if len(r.best) != len(all) {
		r.best = make([][]float32, len(all))
	}
	for i, p := range all {
		r.best[i] = append(r.best[i][:0], p.Data.F32...)
	}
	r.bestAcc, r.bestEpoch = acc, epoch
}

// restoreBest puts back the parameters and buffers of the best
// quantized-retraining epoch, when one was kept: the weights leave the
// straight-through estimator first (SetSTE(nil) keeps Data, which is
// then overwritten), so the result is that epoch's model exactly. The
// masks did not change during quantized retraining, so the kept values
// satisfy them.
func (r *run) restoreBest() error {
	if r.bestEpoch == 0 {
		return nil
	}
	for _, b := range r.layers {
		if err := b.w.SetSTE(nil, nil); err != nil {
			return err
		}
	}
	all := r.paramsAndBuffers()
	if len(r.best) != len(all) {
		return fmt.Errorf("BUG: admm: %d kept arrays for %d parameters and buffers", len(r.best), len(all))
	}
	for i, p := range all {
		copy(p.Data.F32, r.best[i])
	}
	return nil
}

// quantRetrain prepares an epoch of quantized retraining: in "frozen"
// mode the quantized weights are frozen (Param.Frozen: exactly on their
// codes while biases and batch-norm parameters train); in "ste" mode they
// become straight-through-estimator parameters whose forward values are
// Q(shadow; mask).
func (r *run) quantRetrain() error {
	for _, b := range r.layers {
		if b.spec.Bits == 0 {
			continue
		}
		if r.h.QuantRetrainMode != "ste" {
			b.w.Frozen = true
			continue
		}
		if b.w.Shadow != nil {
			continue
		}
		keep, shape, bits := keepOf(b.w), b.shape, b.spec.Bits
		proj := func(dst, src []float32) error {
			_, err := ProjectQuant(dst, src, keep, shape, bits)
			return err
		}
		if err := b.w.SetSTE(proj, r.resumeShadow[b.w]); err != nil {
			return err
		}
	}
	r.resumeShadow = nil
	if r.actq == nil && len(r.h.ActBits) > 0 {
		byName := map[string]*Layer{}
		for _, l := range r.all {
			byName[l.Name] = l
		}
		r.actNames = slices.Sorted(maps.Keys(r.h.ActBits))
		for _, name := range r.actNames {
			l := byName[name]
			if l == nil {
				return fmt.Errorf("admm: act_bits: %q is not a matrix layer of the model", name)
			}
			q, err := r.m.SetActQuant(l.Node.Inputs[0], r.h.ActBits[name])
			if err != nil {
				return fmt.Errorf("admm: act_bits of %q: %v", name, err)
			}
			q.Fixed = r.h.ActScale == "calib"
			r.actq = append(r.actq, q)
		}
		for i, mx := range r.resumeActMax {
			if i < len(r.actq) {
				r.actq[i].Max = mx
			}
		}
		r.resumeActMax = nil
	}
	return nil
}

// epoch trains one epoch of phase ph and, in ADMM phases, updates Z, U and
// rho at the end of every EpochsPerStep epochs.
func (r *run) epoch(ph phasePlan, st *State, tr *data.Dataset) (EpochLog, error) {
	admm := ph.name == phasePruneADMM || ph.name == phaseQuantADMM || ph.name == phaseJointADMM
	if r.opt == nil {
		o, err := train.NewOptimizer(r.h.Optimizer)
		if err != nil {
			return EpochLog{}, err
		}
		r.opt = o
		if r.resumeOpt != nil {
			so, ok := o.(train.StatefulOptimizer)
			if !ok {
				return EpochLog{}, fmt.Errorf("admm: checkpoint has optimizer state that %s cannot take", r.h.Optimizer)
			}
			if err := so.Import(r.m.Params(), *r.resumeOpt); err != nil {
				return EpochLog{}, fmt.Errorf("admm: checkpoint: %v", err)
			}
			r.resumeOpt = nil
		}
	}
	if ph.name == phasePruneADMM {
		r.stage = r.stageOf(st.Epoch)
	}
	cfg := train.Config{Epochs: 1, Batch: r.h.Batch, Seed: r.h.Seed, Optimizer: r.opt, StartEpoch: st.Global, WeightDecay: r.h.WeightDecay, Distill: r.distill}
	period := ph.epochs
	pos := st.Epoch
	if admm {
		period, pos = r.h.EpochsPerStep, st.Epoch%r.h.EpochsPerStep
	}
	lr := r.h.LR
	if ph.name == phaseQuantADMM || ph.name == phaseQuantFinal {
		lr = r.h.QuantLR
	}
	cfg.Schedule = restart{base: lr, pos: float64(pos), period: float64(period)}
	switch {
	case admm:
		prox := &train.Proximal{}
		for _, b := range r.layers {
			if !b.active {
				continue
			}
			t := make([]float32, len(b.z))
			for i := range t {
				t[i] = b.z[i] - b.u[i]
			}
			prox.Terms = append(prox.Terms, train.ProxTerm{Param: b.w, Rho: b.rho, Target: t})
		}
		cfg.Penalty = prox
	case ph.name == phaseQuantFinal:
		if err := r.quantRetrain(); err != nil {
			return EpochLog{}, err
		}
		if len(r.actq) > 0 && r.h.ActScale == "calib" {
			cfg.BeforeStep = r.calibrateActs(tr)
		}
	}
	heldOut := r.o.Test
	if r.o.Val != nil {
		heldOut = r.o.Val
	}
	// With calibrated activation scales the held-out accuracy of quantized
	// retraining is taken at the scales of the epoch's final weights, the
	// ones pimc compile calibrates, not at those of up to ActCalibEvery-1
	// steps earlier. Training is unchanged: the next epoch recalibrates on
	// the same weights before its first step.
	deployedScales := ph.name == phaseQuantFinal && len(r.actq) > 0 && r.h.ActScale == "calib"
	fitHeldOut := heldOut
	if deployedScales {
		fitHeldOut = nil
	}
	hist, err := train.Fit(r.m, tr, fitHeldOut, cfg)
	if err != nil {
		return EpochLog{}, err
	}
	s := hist[len(hist)-1]
	if deployedScales && heldOut != nil {
		if err := r.m.CalibrateActQuant(r.actCalib); err != nil {
			return EpochLog{}, err
		}
		if _, s.TestAcc, err = train.Evaluate(r.m, heldOut, r.h.Batch); err != nil {
			return EpochLog{}, err
		}
	}
	if ph.name == phaseQuantFinal && r.h.QuantRetrainKeep == "best_val" && (r.bestEpoch == 0 || s.TestAcc >= r.bestAcc) {
		r.keepBest(st.Epoch+1, s.TestAcc)
	}
	lg := EpochLog{Phase: ph.name, Epoch: st.Epoch + 1, Loss: s.TrainLoss, Acc: s.TrainAcc, TestAcc: s.TestAcc, Penalty: s.Penalty, Rho: math.NaN(), Residual: math.NaN()}
	if !admm {
		return lg, nil
	}
	var num, den float64
	for _, b := range r.layers {
		if !b.active {
			continue
		}
		if math.IsNaN(lg.Rho) {
			lg.Rho = b.rho
		}
		for i, x := range b.w.Data.F32 {
			d := float64(x - b.z[i])
			num += d * d
			den += float64(x) * float64(x)
		}
	}
	lg.Residual = math.Sqrt(num / math.Max(den, 1e-30))
	if (st.Epoch+1)%r.h.EpochsPerStep == 0 {
		growth, capRho := r.h.RhoGrowth, r.h.RhoMax
		if ph.name == phaseQuantADMM {
			growth, capRho = r.h.QuantRhoGrowth, math.Inf(1)
		}
		if next := r.stageOf(st.Epoch + 1); ph.name == phasePruneADMM && st.Epoch+1 < ph.epochs && next != r.stage {
			// A new progressive stage starts over: rho at its start,
			// U = 0, Z the projection of W onto the stage's ratios.
			r.stage = next
			for _, b := range r.layers {
				if b.active {
					copy(b.z, b.w.Data.F32)
					clear(b.u)
					b.rho = r.h.Rho
				}
			}
			if err := r.projectZ(ph.name); err != nil {
				return lg, err
			}
			r.opt.Reset()
			return lg, nil
		}
		for _, b := range r.layers {
			if b.active {
				for i, x := range b.w.Data.F32 {
					b.z[i] = x + b.u[i]
				}
			}
		}
		if err := r.projectZ(ph.name); err != nil {
			return lg, err
		}
		for _, b := range r.layers {
			if b.active {
				b.dualStep(b.w.Data.F32, growth, capRho)
			}
		}
		r.opt.Reset() // the learning rate restarts with the next update
	}
	return lg, nil
}

// dualStep is the U-step after a Z-step, U += W - Z, then the rho
// update, rho = min(rho x growth, capRho), with the scaled dual rescaled
// to it: U is the dual variable divided by rho (Boyd et al. 2011, §3.1.1),
// so when rho changes U becomes U x rho_old/rho_new (§3.4.1), else the
// penalty's pull toward Z would grow with rho a second time.
func (b *bound) dualStep(w []float32, growth, capRho float64) {
	for i := range b.u {
		b.u[i] += w[i] - b.z[i]
	}
	old := b.rho
	b.rho = math.Min(b.rho*growth, capRho)
	if old > 0 && b.rho != old {
		s := float32(old / b.rho)
		for i := range b.u {
			b.u[i] *= s
		}
	}
}

// calibrateActs returns the hook that sets the act_bits quantizers' scales
// from the first data.CalibImages training images (those pimc compile
// -calib mnist uses) with the current weights, before the first step of
// every epoch and every ActCalibEvery steps: the weights move during
// training, and the deployed scale is the one of the final weights.
func (r *run) calibrateActs(tr *data.Dataset) func(*train.Model, int, int) error {
	if r.actCalib == nil {
		n := min(data.CalibImages, tr.Len())
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		r.actCalib, _ = tr.Gather(nil, idx)
	}
	return func(m *train.Model, _, step int) error {
		if step%r.h.ActCalibEvery != 0 {
			return nil
		}
		return m.CalibrateActQuant(r.actCalib)
	}
}

// restart is a cosine learning rate that restarts every period epochs;
// pos is the epoch's position in its period (Fit passes the fraction of
// the one epoch it runs).
type restart struct{ base, pos, period float64 }

func (c restart) LR(e float64) float64 {
	t := (c.pos + e) / math.Max(c.period, 1)
	return c.base * (0.02 + 0.98*(1+math.Cos(math.Pi*math.Min(t, 1)))/2)
}

func (r *run) progress(ph phasePlan, epoch int, lg EpochLog) {
	w := r.o.Progress
	if w == nil {
		return
	}
	fmt.Fprintf(w, "%-14s epoch %d/%d: loss %.4f acc %.2f%%", ph.name, epoch, ph.epochs, lg.Loss, 100*lg.Acc)
	if !math.IsNaN(lg.TestAcc) {
		which := "test"
		if r.o.Val != nil {
			which = "val"
		}
		fmt.Fprintf(w, " | %s acc %.2f%%", which, 100*lg.TestAcc)
	}
	if !math.IsNaN(lg.Rho) {
		fmt.Fprintf(w, " | penalty %.4g rho %.3g residual %.4f", lg.Penalty, lg.Rho, lg.Residual)
	}
	fmt.Fprintln(w)
}
