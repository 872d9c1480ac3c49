package passes

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Calibration: run the float reference interpreter on sample inputs and
// record, for every float value of the graph, the range the quantize pass
// turns into a scale.

// valueStats is the observed range of one value over the calibration set.
type valueStats struct {
	min, max float64
	samples  []float32 // |x| samples for the percentile calibrator
}

// calibSampleCap bounds the |x| samples kept per value and run.
const calibSampleCap = 1 << 13

// calibrate runs g on every sample and returns the statistics of every
// float value (graph inputs and node outputs), keyed by g's own values.
func calibrate(g *ir.Graph, samples [][]*tensor.Tensor, keepSamples bool) (map[*ir.Value]*valueStats, error) {
	c := ir.Clone(g)
	var orig, probe []*ir.Value
	seen := map[*ir.Value]bool{}
	add := func(o, p *ir.Value) {
		if o == nil || seen[o] || !o.Type.DType.IsFloat() || o.IsConst() {
			return
		}
		seen[o] = true
		orig = append(orig, o)
		probe = append(probe, p)
	}
	for i, v := range g.Inputs {
		add(v, c.Inputs[i])
	}
	for i, n := range g.Nodes {
		for j, v := range n.Outputs {
			add(v, c.Nodes[i].Outputs[j])
		}
	}
	c.Outputs = probe
	stats := make(map[*ir.Value]*valueStats, len(orig))
	for _, v := range orig {
		stats[v] = &valueStats{min: math.Inf(1), max: math.Inf(-1)}
	}
	for si, in := range samples {
		outs, err := interp.Run(c, in)
		if err != nil {
			return nil, fmt.Errorf("calibration sample %d: %w", si, err)
		}
		for i, t := range outs {
			st := stats[orig[i]]
			n := t.Len()
			step := 1
			if keepSamples && n > calibSampleCap {
				step = (n + calibSampleCap - 1) / calibSampleCap
			}
			for e := 0; e < n; e++ {
				x := t.Float64At(e)
				if x != x || math.IsInf(x, 0) {
					continue
				}
				// The builtins order signed zeros as math.Min/Max do, inline
				// (math.Max was a third of calibrating ResNet-50).
				st.min, st.max = min(st.min, x), max(st.max, x)
				if keepSamples && e%step == 0 {
					st.samples = append(st.samples, float32(math.Abs(x)))
				}
			}
		}
	}
	for _, st := range stats {
		if st.min > st.max { // no finite value seen
			st.min, st.max = 0, 0
		}
	}
	return stats, nil
}

// absRange is the magnitude the scale of a value must cover: max|x| for
// minmax, the given percentile of |x| for percentile.
func (st *valueStats) absRange(percentile float64) float64 {
	m := math.Max(math.Abs(st.min), math.Abs(st.max))
	if percentile <= 0 || percentile >= 100 || len(st.samples) == 0 {
		return m
	}
	s := append([]float32(nil), st.samples...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	k := int(math.Ceil(percentile/100*float64(len(s)))) - 1
	k = min(max(k, 0), len(s)-1)
	return math.Min(m, float64(s[k]))
}

// calibSamples builds the calibration inputs named by the calib option:
// "random:N" (N samples, see randomSamples) here; anything else (a folder
// of .pb, .npy or .npz inputs, "mnist", "fashion-mnist") comes from the
// run's Env.Calib, which reports its warnings through ctx.Warnf.
func calibSamples(ctx *Context, g *ir.Graph, spec string, seed, intFill int64) ([][]*tensor.Tensor, error) {
	if strings.HasPrefix(spec, "random:") {
		n, err := strconv.Atoi(strings.TrimPrefix(spec, "random:"))
		if err != nil || n < 1 || n > 1<<16 {
			return nil, fmt.Errorf("calib %q: want random:N with N in 1..65536", spec)
		}
		return randomSamples(g, n, seed, intFill), nil
	}
	source := ctx.Env().Calib
	if source == nil {
		return nil, fmt.Errorf("calib %q: no calibration source (passes read no files: Env.Calib; random:N needs none)", spec)
	}
	return source(g, spec, func(msg string) { ctx.Warnf("%s", msg) })
}

// randomSamples draws n input sets: floats uniform in [-1, 1), booleans
// random, other integers (indices, divisors, sizes) all intFill.
func randomSamples(g *ir.Graph, n int, seed, intFill int64) [][]*tensor.Tensor {
	rng := rand.New(rand.NewSource(seed))
	out := make([][]*tensor.Tensor, n)
	for i := range out {
		for _, v := range g.Inputs {
			t := tensor.New(v.Type.DType, v.Type.Shape...)
			switch {
			case t.F32 != nil:
				for j := range t.F32 {
					t.F32[j] = float32(2*rng.Float64() - 1)
				}
			case t.F64 != nil:
				for j := range t.F64 {
					t.F64[j] = 2*rng.Float64() - 1
				}
			case t.DType == tensor.Bool:
				for j := range t.I64 {
					t.I64[j] = int64(rng.Intn(2))
				}
			default:
				for j := range t.I64 {
					t.I64[j] = intFill
				}
			}
			out[i] = append(out[i], t)
		}
	}
	return out
}
