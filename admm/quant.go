package admm

import (
	"fmt"
	"math"
)

// quantIters is the number of alternations q <- clip(round(V/alpha)),
// alpha <- <V,q>/<q,q> of the quantization projection (6 in the group's
// code, PAPER.md §5).
const quantIters = 6

// alphaBits is the number of significant bits a scale keeps, so that
// alpha*q is exact in float32 for every code |q| <= 127 (16 + 7 <= 24):
// the compressed weights then carry their codes exactly and the quantize
// pass recovers them without re-quantizing.
const alphaBits = 16

// QMax is the largest code magnitude of bits-bit weights: 2^(bits-1)-1, and
// 1 for binary weights.
func QMax(bits int) int64 {
	if bits <= 1 {
		return 1
	}
	return int64(1)<<(bits-1) - 1
}

// roundAlpha rounds a positive scale to alphaBits significant bits.
func roundAlpha(a float64) float64 {
	if !(a > 0) || math.IsInf(a, 0) {
		return 0
	}
	fr, exp := math.Frexp(a) // a = fr * 2^exp, fr in [0.5, 1)
	m := math.Round(fr * (1 << alphaBits))
	return float64(float32(math.Ldexp(m, exp-alphaBits)))
}

// Codes is the result of a quantization projection: Alpha[r] is the scale
// of row (output channel) r, Q the integer code of every element (0 at
// pruned elements), so W = Alpha[r] * Q exactly in float32.
type Codes struct {
	Bits  int
	Alpha []float32
	Q     []int8
	// MaxQ[r] is the largest |code| of row r (0 for a row of zeros).
	MaxQ []int64
}

// ProjectQuant writes into dst (may alias v) the projection of v onto the
// bits-bit weight levels of each row, keeping the elements with keep[i]
// false (nil: none) at exactly 0: Z = alpha_r * q with q integer in
// [-QMax, QMax] (bits >= 2) or in {-1, +1} (bits = 1, q = sign, alpha =
// mean|v|). For bits >= 2 alpha and q alternate quantIters times from
// alpha = max|v|/QMax; a row that already lies on such a grid is returned
// unchanged, so the projection is idempotent.
func ProjectQuant(dst, v []float32, keep []bool, s Shape, bits int) (*Codes, error) {
	if bits < 1 || bits > 8 {
		return nil, fmt.Errorf("weight bits %d: want 1..8", bits)
	}
	if len(v) != s.Len() || len(dst) != s.Len() || (keep != nil && len(keep) != s.Len()) {
		panic(fmt.Sprintf("BUG: admm.ProjectQuant: sizes %d/%d/%d for %dx%d", len(dst), len(v), len(keep), s.Rows, s.Cols))
	}
	c := &Codes{Bits: bits, Alpha: make([]float32, s.Rows), Q: make([]int8, s.Len()), MaxQ: make([]int64, s.Rows)}
	qmax := float64(QMax(bits))
	vals := make([]float64, 0, s.Cols)
	idx := make([]int, 0, s.Cols)
	for r := 0; r < s.Rows; r++ {
		vals, idx = vals[:0], idx[:0]
		for k := 0; k < s.Cols; k++ {
			i := r*s.Cols + k
			if keep == nil || keep[i] {
				vals = append(vals, float64(v[i]))
				idx = append(idx, i)
			}
		}
		alpha := rowAlpha(vals, bits, qmax)
		var mq int64
		for j, i := range idx {
			q := code(vals[j], alpha, bits, qmax)
			c.Q[i] = int8(q)
			mq = max(mq, abs64(q))
		}
		if mq == 0 {
			alpha = 0
		}
		c.Alpha[r], c.MaxQ[r] = float32(alpha), mq
		for k := 0; k < s.Cols; k++ {
			i := r*s.Cols + k
			dst[i] = float32(alpha) * float32(c.Q[i]) // exact: alpha has alphaBits significant bits
		}
	}
	return c, nil
}

// rowAlpha chooses the scale of one row's kept values.
func rowAlpha(vals []float64, bits int, qmax float64) float64 {
	var amax, asum float64
	for _, x := range vals {
		amax = math.Max(amax, math.Abs(x))
		asum += math.Abs(x)
	}
	if amax == 0 || len(vals) == 0 {
		return 0
	}
	if bits == 1 {
		return roundAlpha(asum / float64(len(vals)))
	}
	if a, ok := onGrid(vals, amax, int(qmax)); ok {
		return a
	}
	alpha := amax / qmax
	for it := 0; it < quantIters; it++ {
		var vq, qq float64
		for _, x := range vals {
			q := float64(code(x, alpha, bits, qmax))
			vq += x * q
			qq += q * q
		}
		if qq == 0 || vq <= 0 {
			break
		}
		alpha = vq / qq
	}
	return roundAlpha(alpha)
}

// onGrid reports whether vals already are alpha*q with an alphaBits scale
// alpha = amax/m for some m in 1..qmax and every q integral.
func onGrid(vals []float64, amax float64, qmax int) (float64, bool) {
	for m := 1; m <= qmax; m++ {
		a := amax / float64(m)
		if roundAlpha(a) != a {
			continue
		}
		ok := true
		for _, x := range vals {
			q := math.Round(x / a)
			if math.Abs(q) > float64(qmax) || float64(float32(a)*float32(q)) != x {
				ok = false
				break
			}
		}
		if ok {
			return a, true
		}
	}
	return 0, false
}

// code is the clipped, rounded code of x at scale alpha.
func code(x, alpha float64, bits int, qmax float64) int64 {
	if bits == 1 {
		if x >= 0 {
			return 1
		}
		return -1
	}
	if alpha == 0 {
		return 0
	}
	return int64(math.Max(-qmax, math.Min(qmax, math.RoundToEven(x/alpha))))
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
