package train

import (
	"fmt"
	"math"
)

// Optimizer updates the trainable parameters from their gradients.
// Step is called once per minibatch with the learning rate of that step;
// gradients are already masked, and include weight decay and any penalty.
type Optimizer interface {
	Step(params []*Param, lr float64)
	// Reset drops the optimizer state (momentum, moment estimates), as ADMM
	// does when it restarts the learning rate.
	Reset()
}

// SGD is stochastic gradient descent with optional momentum (PyTorch's
// form: v = mu*v + g; w -= lr*v, or with Nesterov w -= lr*(g + mu*v)).
type SGD struct {
	Momentum float64
	Nesterov bool
	vel      map[*Param][]float32
}

// Step implements Optimizer.
func (o *SGD) Step(params []*Param, lr float64) {
	if o.vel == nil {
		o.vel = map[*Param][]float32{}
	}
	mu, a := float32(o.Momentum), float32(lr)
	for _, p := range params {
		w, g := p.Data.F32, p.Grad
		if mu == 0 {
			for i := range w {
				w[i] -= a * g[i]
			}
			continue
		}
		v := o.vel[p]
		if v == nil {
			v = make([]float32, len(w))
			o.vel[p] = v
		}
		for i := range w {
			v[i] = mu*v[i] + g[i]
			d := v[i]
			if o.Nesterov {
				d = g[i] + mu*v[i]
			}
			w[i] -= a * d
		}
	}
}

// Reset implements Optimizer.
func (o *SGD) Reset() { o.vel = nil }

// Adam is Kingma and Ba's Adam with bias correction (defaults beta1 0.9,
// beta2 0.999, eps 1e-8 when zero).
type Adam struct {
	Beta1, Beta2, Eps float64
	t                 int
	m, v              map[*Param][]float32
}

// Step implements Optimizer.
func (o *Adam) Step(params []*Param, lr float64) {
	if o.m == nil {
		o.m, o.v = map[*Param][]float32{}, map[*Param][]float32{}
	}
	b1, b2, eps := o.Beta1, o.Beta2, o.Eps
	if b1 == 0 {
		b1 = 0.9
	}
	if b2 == 0 {
		b2 = 0.999
	}
	if eps == 0 {
		eps = 1e-8
	}
	o.t++
	c1 := 1 - math.Pow(b1, float64(o.t))
	c2 := 1 - math.Pow(b2, float64(o.t))
	step := float32(lr * math.Sqrt(c2) / c1)
	e := float32(eps * math.Sqrt(c2))
	f1, f2 := float32(b1), float32(b2)
	for _, p := range params {
		w, g := p.Data.F32, p.Grad
		m, v := o.m[p], o.v[p]
		if m == nil {
			m, v = make([]float32, len(w)), make([]float32, len(w))
			o.m[p], o.v[p] = m, v
		}
		for i := range w {
			m[i] = f1*m[i] + (1-f1)*g[i]
			v[i] = f2*v[i] + (1-f2)*g[i]*g[i]
			w[i] -= step * m[i] / (float32(math.Sqrt(float64(v[i]))) + e)
		}
	}
}

// Reset implements Optimizer.
func (o *Adam) Reset() { o.m, o.v, o.t = nil, nil, 0 }

// NewOptimizer returns "sgd" (momentum 0.9), "nesterov" or "adam".
func NewOptimizer(name string) (Optimizer, error) {
	switch name {
	case "sgd":
		return &SGD{Momentum: 0.9}, nil
	case "nesterov":
		return &SGD{Momentum: 0.9, Nesterov: true}, nil
	case "adam":
		return &Adam{}, nil
	}
	return nil, fmt.Errorf("train: unknown optimizer %q (want sgd, nesterov or adam)", name)
}

// OptimizerState is an optimizer's internal state in a serializable form
// (gob), so that a checkpointed run resumes exactly: Slots[s][i] is slot s
// (SGD: the velocity; Adam: the first and second moments) of the i-th
// parameter of the list given to Export/Import, nil when that parameter has
// none yet.
type OptimizerState struct {
	Kind  string // "sgd" or "adam"
	Steps int    // Adam's step count (bias correction)
	Slots [][][]float32
}

// StatefulOptimizer is an Optimizer whose state can be exported and
// restored (SGD and Adam are).
type StatefulOptimizer interface {
	Optimizer
	// Export copies the state of params (in that order).
	Export(params []*Param) OptimizerState
	// Import replaces the state by s, which must come from Export of the
	// same kind of optimizer over parameters of the same sizes.
	Import(params []*Param, s OptimizerState) error
}

func exportSlot(params []*Param, m map[*Param][]float32) [][]float32 {
	out := make([][]float32, len(params))
	for i, p := range params {
		if v := m[p]; v != nil {
			out[i] = append([]float32(nil), v...)
		}
	}
	return out
}

func importSlot(params []*Param, slot [][]float32) (map[*Param][]float32, error) {
	if len(slot) != len(params) {
		return nil, fmt.Errorf("train: optimizer state has %d parameters, want %d", len(slot), len(params))
	}
	m := map[*Param][]float32{}
	for i, p := range params {
		if slot[i] == nil {
			continue
		}
		if len(slot[i]) != p.Len() {
			return nil, fmt.Errorf("train: optimizer state of %q has %d values, want %d", p.Name, len(slot[i]), p.Len())
		}
		m[p] = append([]float32(nil), slot[i]...)
	}
	return m, nil
}

// Export implements StatefulOptimizer.
func (o *SGD) Export(params []*Param) OptimizerState {
	return OptimizerState{Kind: "sgd", Slots: [][][]float32{exportSlot(params, o.vel)}}
}

// Import implements StatefulOptimizer.
func (o *SGD) Import(params []*Param, s OptimizerState) error {
	if s.Kind != "sgd" || len(s.Slots) != 1 {
		return fmt.Errorf("train: optimizer state of kind %q (%d slots) does not fit SGD", s.Kind, len(s.Slots))
	}
	v, err := importSlot(params, s.Slots[0])
	if err != nil {
		return err
	}
	o.vel = v
	return nil
}

// Export implements StatefulOptimizer.
func (o *Adam) Export(params []*Param) OptimizerState {
	return OptimizerState{Kind: "adam", Steps: o.t, Slots: [][][]float32{exportSlot(params, o.m), exportSlot(params, o.v)}}
}

// Import implements StatefulOptimizer.
func (o *Adam) Import(params []*Param, s OptimizerState) error {
	if s.Kind != "adam" || len(s.Slots) != 2 {
		return fmt.Errorf("train: optimizer state of kind %q (%d slots) does not fit Adam", s.Kind, len(s.Slots))
	}
	m, err := importSlot(params, s.Slots[0])
	if err != nil {
		return err
	}
	v, err := importSlot(params, s.Slots[1])
	if err != nil {
		return err
	}
	o.m, o.v, o.t = m, v, s.Steps
	return nil
}
