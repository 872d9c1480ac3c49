package train

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// ActQuant fake-quantizes one non-negative activation (quantization-aware
// training): the forward pass replaces x by s*clamp(round(x/s), 0, 2^Bits-1)
// with s = Max/(2^Bits-1), the unsigned zero-point-0 codes of QUANT.md §1
// whose scale the quantize pass calibrates as max|x|; the backward pass is
// the straight-through estimator, passing the gradient where x is inside
// [0, Max] and zeroing it where x was clipped. Unless Fixed, Max tracks the
// batch maximum in training mode (exponential average, weight 0.1 for the
// new batch; the first batch sets it) and is used as is in inference.
type ActQuant struct {
	Bits int
	Max  float32
	// Fixed keeps Max as set (by the caller or Model.CalibrateActQuant)
	// instead of tracking the training batches: the deployed scale is
	// max|x| over calibration images, not a running batch maximum.
	Fixed bool
	out   *tensor.Tensor
	pass  []bool
}

// SetActQuant installs (bits > 0) or removes (bits 0) a fake quantizer on
// the activation v, which must be computed by the model (not its input or
// a constant) and non-negative in practice (after ReLU).
func (m *Model) SetActQuant(v *ir.Value, bits int) (*ActQuant, error) {
	if bits < 0 || bits > 16 {
		return nil, fmt.Errorf("train: activation bits %d out of range 0..16", bits)
	}
	found := false
	for _, st := range m.steps {
		found = found || st.node.Outputs[0] == v
	}
	if !found {
		return nil, fmt.Errorf("train: activation %q is not computed by the model", v.Name)
	}
	if m.actQ == nil {
		m.actQ = map[*ir.Value]*ActQuant{}
	}
	if bits == 0 {
		delete(m.actQ, v)
		return nil, nil
	}
	q := &ActQuant{Bits: bits}
	m.actQ[v] = q
	return q, nil
}

// apply returns the fake-quantized x (a buffer the quantizer owns).
func (q *ActQuant) apply(x *tensor.Tensor, training bool) *tensor.Tensor {
	if training && !q.Fixed {
		var mx float32
		for _, v := range x.F32 {
			mx = max(mx, v)
		}
		if q.Max == 0 {
			q.Max = mx
		} else {
			q.Max = 0.9*q.Max + 0.1*mx
		}
	}
	if q.out == nil || !tensor.SameShape(q.out.Shape, x.Shape) {
		q.out = tensor.New(tensor.Float32, x.Shape...)
		q.pass = make([]bool, len(x.F32))
	}
	levels := float32(int(1)<<q.Bits - 1)
	s := q.Max / levels
	for i, v := range x.F32 {
		if s <= 0 {
			q.out.F32[i], q.pass[i] = 0, false
			continue
		}
		c := float32(math.RoundToEven(float64(v / s)))
		q.pass[i] = v >= 0 && v <= q.Max
		q.out.F32[i] = s * min(max(c, 0), levels)
	}
	return q.out
}

// gate returns d with the gradient of clipped elements zeroed (a copy).
func (q *ActQuant) gate(d *tensor.Tensor) *tensor.Tensor {
	g := d.Clone()
	for i, p := range q.pass {
		if !p {
			g.F32[i] = 0
		}
	}
	return g
}

// CalibrateActQuant sets Max of every Fixed activation quantizer to max|v|
// over the batch x, computed in inference mode with every quantizer
// bypassed: exactly the range the quantize pass's minmax calibration
// measures on the float model (passes/calib.go), so the fake-quantized
// training uses the scale Max/(2^Bits-1) that pimc compile will choose.
// A value that is 0 everywhere leaves Max 0 (the quantizer then outputs 0,
// as a deployed scale-1 code of a dead value would).
func (m *Model) CalibrateActQuant(x *tensor.Tensor) error {
	saved := m.actQ
	m.actQ = nil
	_, err := m.Forward(x, false)
	m.actQ = saved
	if err != nil {
		return fmt.Errorf("train: activation calibration: %w", err)
	}
	for v, q := range saved {
		if !q.Fixed {
			continue
		}
		t := m.act[v]
		if t == nil {
			return fmt.Errorf("BUG: train: quantized activation %q not computed", v.Name)
		}
		var mx float32
		for _, a := range t.F32 {
			mx = max(mx, float32(math.Abs(float64(a))))
		}
		q.Max = mx
	}
	return nil
}
