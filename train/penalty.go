package train

import "fmt"

// Penalty is an extra term of the training loss evaluated on every step
// after backpropagation: Add adds its gradient with respect to the
// parameters into their Grad and returns its value (reported with the loss).
// ADMM's W-step uses Proximal.
type Penalty interface {
	Add(m *Model) float64
}

// ProxTerm is rho/2 * ||W - Target||^2 for one parameter; ADMM sets Target
// to Z - U after each Z/U update.
type ProxTerm struct {
	Param  *Param
	Rho    float64
	Target []float32
}

// Proximal is the ADMM penalty sum_i rho_i/2 * ||W_i - Z_i + U_i||^2, whose
// gradient with respect to W_i is rho_i*(W_i - Z_i + U_i).
type Proximal struct {
	Terms []ProxTerm
}

// Add implements Penalty.
func (p *Proximal) Add(*Model) float64 {
	var total float64
	for _, t := range p.Terms {
		w, g := t.Param.Data.F32, t.Param.Grad
		if len(t.Target) != len(w) {
			panic(fmt.Sprintf("BUG: train.Proximal: target of %q has %d elements, want %d", t.Param.Name, len(t.Target), len(w)))
		}
		rho := float32(t.Rho)
		var s float64
		for i, wi := range w {
			d := wi - t.Target[i]
			s += float64(d) * float64(d)
			g[i] += rho * d
		}
		total += t.Rho / 2 * s
	}
	return total
}
