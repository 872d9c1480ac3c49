package train

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Role says what a parameter is to the op that reads it; compression passes
// select their targets by role (ADMM prunes and quantizes RoleWeight).
type Role string

// Parameter roles.
const (
	RoleWeight  Role = "weight" // conv/fc/gemm/matmul weight matrix
	RoleBias    Role = "bias"   // conv/fc bias, gemm C, constant add operand
	RoleBNScale Role = "bn_scale"
	RoleBNBias  Role = "bn_bias"
	RoleBNMean  Role = "bn_mean" // running statistic (a buffer, not trained)
	RoleBNVar   Role = "bn_var"  // running statistic (a buffer, not trained)
)

// Param is one constant of the graph being trained. Data is a private copy
// of the constant's payload (float32, same shape); Grad has one entry per
// element and is zeroed at the start of every step.
type Param struct {
	Name  string
	Role  Role
	Value *ir.Value // the constant in the source graph (never mutated)
	Node  *ir.Node  // the first node reading it
	Data  *tensor.Tensor
	Grad  []float32 // nil for buffers (running statistics)
	// Mask, when not nil, has one entry per element: 0 freezes the element
	// at zero (its weight and gradient are zeroed every step, so optimizer
	// state never moves it), 1 leaves it free. Set it with SetMask.
	Mask []float32
	// Decay says whether weight decay applies (weights yes, biases and
	// batch-norm parameters no, as is customary).
	Decay bool
	// Frozen keeps p fixed: its gradient is discarded, weight decay does
	// not apply and the optimizer never sees it (so its values stay bit
	// identical), while the other parameters train. ADMM's quantized
	// retraining freezes the quantized weights this way.
	Frozen bool
	// Shadow is the float master copy of a straight-through-estimator
	// parameter (see SetSTE), nil otherwise.
	Shadow []float32
	// project maps Shadow to Data for the forward pass (SetSTE).
	project Projector
}

// Projector writes into dst the projection of src (same length), e.g.
// pruning and quantization onto a constraint set. It must be idempotent.
type Projector func(dst, src []float32) error

// SetSTE makes p a straight-through-estimator parameter: from now on Data
// holds proj(Shadow), the forward and backward passes use those projected
// values, and the optimizer applies the gradient (taken with respect to the
// projected weights, i.e. the identity straight-through estimate) to the
// float Shadow, which is projected again after every step. The shadow
// starts as a copy of the current Data (or the given shadow when it is not
// nil, to resume). proj nil ends STE: Data keeps its projected values and
// the shadow is dropped.
func (p *Param) SetSTE(proj Projector, shadow []float32) error {
	if proj == nil {
		p.project, p.Shadow = nil, nil
		return nil
	}
	if shadow == nil {
		shadow = p.Data.F32
	}
	if len(shadow) != p.Len() {
		return fmt.Errorf("train: shadow of %q has %d entries, want %d", p.Name, len(shadow), p.Len())
	}
	p.project, p.Shadow = proj, append([]float32(nil), shadow...)
	p.applyMask(p.Shadow)
	return p.reproject()
}

// reproject sets Data = project(Shadow).
func (p *Param) reproject() error {
	if err := p.project(p.Data.F32, p.Shadow); err != nil {
		return fmt.Errorf("train: projection of %q: %w", p.Name, err)
	}
	return nil
}

// Trainable reports whether the optimizer updates p (buffers are updated by
// the forward pass in training mode instead).
func (p *Param) Trainable() bool { return p.Grad != nil }

// Len is the number of elements.
func (p *Param) Len() int { return len(p.Data.F32) }

// SetMask installs keep as p's mask (nil removes it) and zeroes the masked
// elements immediately. keep must have one entry per element.
func (p *Param) SetMask(keep []bool) error {
	if keep == nil {
		p.Mask = nil
		return nil
	}
	if len(keep) != p.Len() {
		return fmt.Errorf("train: mask of %q has %d entries, want %d", p.Name, len(keep), p.Len())
	}
	p.Mask = make([]float32, len(keep))
	for i, k := range keep {
		if k {
			p.Mask[i] = 1
		} else {
			p.Data.F32[i] = 0
		}
	}
	return nil
}

// applyMask zeroes the masked elements of xs (weights or gradients).
func (p *Param) applyMask(xs []float32) {
	if p.Mask == nil || xs == nil {
		return
	}
	for i, m := range p.Mask {
		xs[i] *= m
	}
}
