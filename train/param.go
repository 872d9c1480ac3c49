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
