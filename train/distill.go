package train

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// Distill trains the model towards a teacher's softened outputs as well as
// the labels (knowledge distillation, Hinton et al. 2015): the loss is
// (1-Alpha) CE(softmax(z), y) + Alpha T^2 CE(softmax(t/T), softmax(z/T)),
// t the teacher's logits on the same batch in inference mode. A compressed
// network learns more from the dense model's full output distribution than
// from the labels alone, which matters when it is retrained for only a few
// epochs and starts to overfit the labels.
type Distill struct {
	Teacher *Model
	Alpha   float64 // weight of the soft loss, in [0, 1]
	T       float64 // temperature, > 0
	soft    *tensor.Tensor
}

// SoftCrossEntropy returns the mean over the batch of
// T^2 * sum_j p_j (log p_j - log q_j), p = softmax(t/T), q = softmax(z/T)
// (the KL divergence, which differs from the soft cross-entropy by the
// teacher's entropy only, so the gradient is the same and the loss is 0 when
// z = t), and its gradient with respect to z, T (q - p) / N, written into
// dz (reused when it has the right shape). Rows are computed in float64.
func SoftCrossEntropy(dz, z, t *tensor.Tensor, temp float64) (loss float64, grad *tensor.Tensor, err error) {
	if len(z.Shape) != 2 || !tensor.SameShape(z.Shape, t.Shape) {
		return 0, nil, fmt.Errorf("train: student logits %v and teacher logits %v differ, want [N, classes] both", z, t)
	}
	if !(temp > 0) {
		return 0, nil, fmt.Errorf("train: distillation temperature %v, want > 0", temp)
	}
	n, k := z.Shape[0], z.Shape[1]
	if dz == nil || !tensor.SameShape(dz.Shape, z.Shape) {
		dz = tensor.New(tensor.Float32, n, k)
	}
	lp, lq := make([]float64, k), make([]float64, k)
	for i := 0; i < n; i++ {
		logSoftmax(lp, t.F32[i*k:(i+1)*k], temp)
		logSoftmax(lq, z.F32[i*k:(i+1)*k], temp)
		g := dz.F32[i*k : (i+1)*k]
		for j := range g {
			p := math.Exp(lp[j])
			loss += p * (lp[j] - lq[j])
			g[j] = float32(temp * (math.Exp(lq[j]) - p) / float64(n))
		}
	}
	return temp * temp * loss / float64(n), dz, nil
}

// logSoftmax writes log softmax(row/temp) into dst.
func logSoftmax(dst []float64, row []float32, temp float64) {
	mx := math.Inf(-1)
	for _, v := range row {
		mx = math.Max(mx, float64(v)/temp)
	}
	var s float64
	for _, v := range row {
		s += math.Exp(float64(v)/temp - mx)
	}
	ls := math.Log(s) + mx
	for j, v := range row {
		dst[j] = float64(v)/temp - ls
	}
}

// mix runs the teacher on x and turns the label loss and gradient g (in
// place) into the distillation loss and gradient.
func (d *Distill) mix(x, z *tensor.Tensor, hard float64, g *tensor.Tensor) (float64, error) {
	if d.Alpha < 0 || d.Alpha > 1 {
		return 0, fmt.Errorf("train: distillation weight %v, want 0..1", d.Alpha)
	}
	t, err := d.Teacher.Forward(x, false)
	if err != nil {
		return 0, fmt.Errorf("train: teacher: %w", err)
	}
	soft, sg, err := SoftCrossEntropy(d.soft, z, t, d.T)
	if err != nil {
		return 0, err
	}
	d.soft = sg
	a := float32(d.Alpha)
	for i := range g.F32 {
		g.F32[i] = (1-a)*g.F32[i] + a*sg.F32[i]
	}
	return (1-d.Alpha)*hard + d.Alpha*soft, nil
}
