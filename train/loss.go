package train

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// SoftmaxCrossEntropy returns the mean over the batch of -log softmax(z)[y]
// for logits z [N, K] and labels y, the number of rows whose largest logit
// is the label, and the gradient of the mean loss with respect to the
// logits, (softmax(z) - onehot(y))/N, written into dz (reused when it has
// the right shape). Each row is computed in float64.
func SoftmaxCrossEntropy(dz, z *tensor.Tensor, y []int32) (loss float64, correct int, grad *tensor.Tensor, err error) {
	if len(z.Shape) != 2 || z.Shape[0] != len(y) {
		return 0, 0, nil, fmt.Errorf("train: logits %v for %d labels, want [%d, classes]", z, len(y), len(y))
	}
	n, k := z.Shape[0], z.Shape[1]
	if dz == nil || !tensor.SameShape(dz.Shape, z.Shape) {
		dz = tensor.New(tensor.Float32, n, k)
	}
	p := make([]float64, k)
	for i := 0; i < n; i++ {
		row := z.F32[i*k : (i+1)*k]
		label := int(y[i])
		if label < 0 || label >= k {
			return 0, 0, nil, fmt.Errorf("train: label %d of sample %d outside [0, %d)", label, i, k)
		}
		mx, arg := math.Inf(-1), 0
		for j, v := range row {
			if float64(v) > mx {
				mx, arg = float64(v), j
			}
		}
		if arg == label {
			correct++
		}
		var s float64
		for j, v := range row {
			p[j] = math.Exp(float64(v) - mx)
			s += p[j]
		}
		loss += math.Log(s) - (float64(row[label]) - mx)
		g := dz.F32[i*k : (i+1)*k]
		for j := range g {
			q := p[j] / s
			if j == label {
				q--
			}
			g[j] = float32(q / float64(n))
		}
	}
	return loss / float64(n), correct, dz, nil
}
