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
