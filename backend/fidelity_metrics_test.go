package backend_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/passes"
)

// Measurements of the fidelity table (fidelity_test.go): cosines, top-1
// changes and the per-layer view a failing row logs.

// topFlip describes a top-1 change: the float scores of both classes, the
// float margin between them and that margin relative to the spread of the
// float scores (max - min) of the input, which it returns too.
func topFlip(k, row int, f, s *tensor.Tensor, fc, sc int) (string, float64) {
	c := f.Shape[len(f.Shape)-1]
	o := row * c
	lo, hi := math.Inf(1), math.Inf(-1)
	for j := 0; j < c; j++ {
		lo, hi = math.Min(lo, f.Float64At(o+j)), math.Max(hi, f.Float64At(o+j))
	}
	margin := f.Float64At(o+fc) - f.Float64At(o+sc)
	rel := margin / (hi - lo)
	return fmt.Sprintf("input %d: float top-1 %d (%.4g) vs %d (%.4g), margin %.3g = %.2f%% of the score spread %.3g; simulator %d (%.4g) vs %d (%.4g)",
		k, fc, f.Float64At(o+fc), sc, f.Float64At(o+sc), margin, 100*rel, hi-lo, sc, s.Float64At(o+sc), fc, s.Float64At(o+fc)), rel
}

// cosineOf is ab / sqrt(aa bb); two zero vectors agree (1), one zero
// vector does not (0).
func cosineOf(ab, aa, bb float64) float64 {
	switch {
	case aa == 0 && bb == 0:
		return 1
	case aa == 0 || bb == 0:
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// rowArgmax is the argmax of every row of a [N, C] (or [C]) tensor.
func rowArgmax(x *tensor.Tensor) []int {
	c := x.Shape[len(x.Shape)-1]
	var out []int
	for r := 0; r*c < x.Len(); r++ {
		best := 0
		for j := 1; j < c; j++ {
			if x.Float64At(r*c+j) > x.Float64At(r*c+best) {
				best = j
			}
		}
		out = append(out, best)
	}
	return out
}

// countMatrixLayers counts qconv/qfc nodes.
func countMatrixLayers(g *ir.Graph) int {
	n := 0
	for _, nd := range g.Nodes {
		if nd.Op == ir.OpQConv || nd.Op == ir.OpQFC {
			n++
		}
	}
	return n
}

// layerCosines compares every integer value of the quantized graph q with
// the float value of the same name in the canonical float graph, on one
// input set: the per-layer view of where the quantization error enters.
// It returns one line per value, in graph order.
func layerCosines(t *testing.T, fg, q *ir.Graph, in []*tensor.Tensor) []string {
	cg := ir.Clone(fg)
	if err := passes.NewManager().RunString(cg, "canonicalize"); err != nil {
		t.Fatalf("canonicalize: %v", err)
	}
	fvals := map[string]*ir.Value{}
	for _, n := range cg.Nodes {
		for _, o := range n.Outputs {
			if o != nil && o.Type.DType.IsFloat() {
				fvals[o.Name] = o
			}
		}
	}
	var qs, fs []*ir.Value
	for _, n := range q.Nodes {
		for _, o := range n.Outputs {
			if o == nil || o.Quant == nil || len(o.Quant.Scale) != 1 || n.Op == ir.OpQuantize {
				continue
			}
			if f := fvals[o.Name]; f != nil && f.Type.NumElems() == o.Type.NumElems() {
				qs, fs = append(qs, o), append(fs, f)
			}
		}
	}
	qq, fq := *q, *cg
	qq.Outputs, fq.Outputs = qs, fs
	qo, err := interp.Run(&qq, in)
	if err != nil {
		t.Fatalf("quantized interpreter: %v", err)
	}
	fo, err := interp.Run(&fq, in)
	if err != nil {
		t.Fatalf("float interpreter: %v", err)
	}
	var lines []string
	for i, v := range qs {
		s := float64(v.Quant.Scale[0])
		var ab, aa, bb, maxf float64
		// A value is clipped when the float value lies outside the range
		// the codes cover.
		clipped := 0
		hi := math.Exp2(float64(v.Quant.Bits)) - 1
		lo := 0.0
		if v.Quant.Signed {
			hi = math.Exp2(float64(v.Quant.Bits-1)) - 1
			lo = -hi - 1
		}
		for e := 0; e < fo[i].Len(); e++ {
			x, c := fo[i].Float64At(e), qo[i].Float64At(e)
			y := c * s
			ab, aa, bb = ab+x*y, aa+x*x, bb+y*y
			maxf = math.Max(maxf, math.Abs(x))
			if x > (hi+0.5)*s || x < (lo-0.5)*s {
				clipped++
			}
		}
		lines = append(lines, fmt.Sprintf("%-10s %-28q %s%d scale %.4g: cosine %.5f, max|float| %.4g (%.0f codes), clipped %d of %d",
			v.Def.Op, v.Name, map[bool]string{true: "i", false: "u"}[v.Quant.Signed], v.Quant.Bits, s, cosineOf(ab, aa, bb), maxf, maxf/s, clipped, fo[i].Len()))
	}
	return lines
}
