package passes

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
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

// ReadCalibFile reads the tensors of one calibration file for
// quantize{calib=<folder>}: a .pb or .npy file gives one tensor, a .npz
// archive every array by name. The pimc command installs
// tensorio.Read/ReadNPZ here; until then folder calibration reports that no
// reader is installed.
var ReadCalibFile func(path string) (map[string]*tensor.Tensor, error)

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
				st.min = math.Min(st.min, x)
				st.max = math.Max(st.max, x)
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
// "random:N" (N samples, see randomSamples), a folder of .pb, .npy
// or .npz inputs, "mnist" or "fashion-mnist".
func calibSamples(ctx *Context, g *ir.Graph, spec string, seed, intFill int64) ([][]*tensor.Tensor, error) {
	switch {
	case strings.HasPrefix(spec, "random:"):
		n, err := strconv.Atoi(strings.TrimPrefix(spec, "random:"))
		if err != nil || n < 1 || n > 1<<16 {
			return nil, fmt.Errorf("calib %q: want random:N with N in 1..65536", spec)
		}
		return randomSamples(g, n, seed, intFill), nil
	case spec == "mnist" || spec == "fashion-mnist":
		return datasetSamples(g, spec)
	}
	st, err := os.Stat(spec)
	if err != nil || !st.IsDir() {
		return nil, fmt.Errorf("calib %q: want random:N, mnist, fashion-mnist or a folder of .pb/.npy/.npz inputs", spec)
	}
	return folderSamples(ctx, g, spec)
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

// folderSamples reads every calibration file under dir (sorted walk). A
// .npz archive is one sample: its arrays named like the graph inputs, or
// "inputs"/"input_<i>". Otherwise the files of one folder named input_<i>
// form one sample, and for a single-input graph every other .pb/.npy file
// is one sample. A tensor whose shape differs from the input's only by
// leading dimensions of size 1 (a missing batch axis) is reshaped; any other
// shape is an error (a channels-last image gets a hint). NaN and infinite input values (which
// calibrate skips) are reported with ctx.Warnf, summed over the folder.
func folderSamples(ctx *Context, g *ir.Graph, dir string) ([][]*tensor.Tensor, error) {
	if ReadCalibFile == nil {
		return nil, fmt.Errorf("calib %q: no tensor file reader installed (passes.ReadCalibFile; the pimc command sets it)", dir)
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".pb", ".npy", ".npz":
			if !d.IsDir() {
				files = append(files, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("calib %q: %w", dir, err)
	}
	sort.Strings(files)
	var samples [][]*tensor.Tensor
	groups := map[string][]*tensor.Tensor{} // folder -> input_<i> tensors
	var groupOrder []string
	var bad tensor.NonFiniteFiles
	for _, f := range files {
		m, err := ReadCalibFile(f)
		if err != nil {
			return nil, fmt.Errorf("calib: %w", err)
		}
		base := strings.TrimSuffix(strings.ToLower(filepath.Base(f)), filepath.Ext(f))
		switch {
		case strings.HasSuffix(strings.ToLower(f), ".npz"):
			s, err := npzSample(g, f, m)
			if err != nil {
				return nil, err
			}
			samples = append(samples, s)
		case strings.HasPrefix(base, "input_"):
			i, err := strconv.Atoi(strings.TrimPrefix(base, "input_"))
			if err != nil || i < 0 || i >= len(g.Inputs) {
				return nil, fmt.Errorf("calib: %s: the graph has %d inputs", f, len(g.Inputs))
			}
			d := filepath.Dir(f)
			if groups[d] == nil {
				groups[d] = make([]*tensor.Tensor, len(g.Inputs))
				groupOrder = append(groupOrder, d)
			}
			groups[d][i] = single(m)
		case len(g.Inputs) == 1 && strings.HasPrefix(base, "output"):
			continue // reference outputs of an ONNX test case: not inputs
		case len(g.Inputs) == 1:
			samples = append(samples, []*tensor.Tensor{single(m)})
		default:
			continue // not an input of a multi-input graph
		}
		var c tensor.NonFinite
		for _, t := range m {
			c.Add(tensor.CountNonFinite(t))
		}
		bad.AddFile(f, c)
	}
	for _, d := range groupOrder {
		samples = append(samples, groups[d])
	}
	for si, s := range samples {
		for i, v := range g.Inputs {
			t, err := fitInput(v, s[i])
			if err != nil {
				return nil, fmt.Errorf("calib %q: sample %d, input %d (%q): %v", dir, si, i, v.Name, err)
			}
			s[i] = t
		}
	}
	if len(samples) == 0 {
		return nil, fmt.Errorf("calib %q: no input tensors found", dir)
	}
	if bad.Any() {
		ctx.Warnf("calib %s: %s; calibration ignores them", dir, bad)
	}
	return samples, nil
}

func single(m map[string]*tensor.Tensor) *tensor.Tensor {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil
	}
	return m[names[0]]
}

func npzSample(g *ir.Graph, path string, m map[string]*tensor.Tensor) ([]*tensor.Tensor, error) {
	s := make([]*tensor.Tensor, len(g.Inputs))
	for i, v := range g.Inputs {
		for _, k := range []string{v.Name, fmt.Sprintf("input_%d", i), "inputs", "input"} {
			if t, ok := m[k]; ok && (k != "inputs" && k != "input" || len(g.Inputs) == 1) {
				s[i] = t
				break
			}
		}
		if s[i] == nil {
			return nil, fmt.Errorf("calib: %s: no array for input %d (%q)", path, i, v.Name)
		}
	}
	return s, nil
}

// fitInput checks t against input v's type, reshaping a tensor whose shape
// differs only by leading 1s, and converts float types to the input's.
func fitInput(v *ir.Value, t *tensor.Tensor) (*tensor.Tensor, error) {
	if t == nil {
		return nil, fmt.Errorf("missing")
	}
	if !tensor.SameShape(trimOnes(t.Shape), trimOnes(v.Type.Shape)) {
		msg := fmt.Sprintf("tensor %v does not fit %v", t, v.Type)
		if h := tensor.LayoutHint(t.Shape, v.Type.Shape); h != "" {
			msg += ": it " + h
		}
		return nil, fmt.Errorf("%s", msg)
	}
	if t.DType == v.Type.DType {
		return t.Reshaped(v.Type.Shape...), nil
	}
	if !t.DType.IsFloat() || !v.Type.DType.IsFloat() {
		return nil, fmt.Errorf("tensor %v, want %v", t, v.Type)
	}
	out := tensor.New(v.Type.DType, v.Type.Shape...)
	for i := 0; i < t.Len(); i++ {
		x := t.Float64At(i)
		if out.F64 != nil {
			out.F64[i] = x
		} else {
			out.F32[i] = float32(x)
		}
	}
	return out, nil
}

// trimOnes drops leading dimensions of size 1: a calibration tensor may add
// or leave out batch axes of size 1, nothing else ([1,28,28] fits
// [1,1,28,28]; [28,28,1] and [1,784] do not).
func trimOnes(s []int) []int {
	for len(s) > 0 && s[0] == 1 {
		s = s[1:]
	}
	return s
}
