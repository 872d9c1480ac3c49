package passes

import (
	"math"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// biasCodeLimit bounds the bias code of a channel whose weight scale
// raiseBiasScales raised: 2^30 leaves the other half of int32 to the
// accumulated products.
const biasCodeLimit = 1 << 30

// raiseBiasScales raises the per-channel weight scale of the output
// channels whose weights are so small against their bias that the bias
// code fbias/(sx*sw) would not fit an int32: channels a trained model left
// dead (PaddleOCR's PP-OCRv4 recogniser has 5x5 depthwise channels with
// weights of 1e-15 under a folded bias of -0.45, its detector 1e-34). Such
// a channel's output is its bias; its scale becomes |fbias|/(sx*2^30), so
// the bias keeps 30 bits, and its weights are requantized at that scale.
// What that changes is bounded: every weight was at most qmax times the
// old scale, below qmax times the new one, so each product moves by less
// than |fbias|*qmax*|x|/(sx*2^30) per tap — under 2^-16 of the bias for
// 8-bit weights and activations (|x| <= 128 sx). Binary weights (bits 1) and per-tensor
// scales are left alone: there a larger scale would change every weight,
// and the caller's overflow error stands.
func raiseBiasScales(w, codes *tensor.Tensor, sw []float32, fbias []float64, sx float64, bits int) {
	f := len(fbias)
	if bits < 2 || len(sw) != f || f == 0 {
		return
	}
	k := w.Len() / f
	qmax := float64(int64(1)<<(bits-1) - 1)
	for c := range f {
		s := sx * float64(sw[c])
		if fbias[c] == 0 || math.Abs(fbias[c]/s) <= maxInt32 {
			continue
		}
		ns := float32(math.Abs(fbias[c]) / (sx * biasCodeLimit))
		if !(ns > sw[c]) || math.IsInf(float64(ns), 0) {
			continue
		}
		sw[c] = ns
		for i := c * k; i < (c+1)*k; i++ {
			q := math.RoundToEven(w.Float64At(i) / float64(ns))
			codes.I64[i] = int64(math.Max(-qmax, math.Min(qmax, q)))
		}
	}
}
