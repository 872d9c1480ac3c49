package passes

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// quantRecordKey is the model metadata entry in which `pimc compress`
// (package admm, docs/ADMM.md) records weights it already quantized: per
// layer (ONNX node name) the width and, per output channel, the scale alpha
// and the largest code magnitude maxq, with every weight exactly alpha*q.
// quantize{weights=auto} (the default) and weights=from-model map those
// codes as they are instead of re-quantizing.
const quantRecordKey = "pimc.quant"

type recordedLayer struct {
	WBits int       `json:"wbits"`
	Alpha []float32 `json:"alpha"`
	MaxQ  []int64   `json:"maxq"`
}

// readQuantRecord returns the recorded layers of g (nil when g has none),
// checking that every name is a node of g and every width is 1..8.
func readQuantRecord(g *ir.Graph) (map[string]*recordedLayer, error) {
	s, ok := g.Metadata[quantRecordKey]
	if !ok {
		return nil, nil
	}
	var rec struct {
		Version int                       `json:"version"`
		Layers  map[string]*recordedLayer `json:"layers"`
	}
	if err := json.Unmarshal([]byte(s), &rec); err != nil {
		return nil, fmt.Errorf("quantize: model metadata %s: %v", quantRecordKey, err)
	}
	if rec.Version != 1 {
		return nil, fmt.Errorf("quantize: model metadata %s: version %d, want 1", quantRecordKey, rec.Version)
	}
	names := map[string]bool{}
	for _, n := range g.Nodes {
		names[n.Name] = true
	}
	for k, l := range rec.Layers {
		if !names[k] {
			return nil, fmt.Errorf("quantize: model metadata %s names node %q, which the graph does not have", quantRecordKey, k)
		}
		if l == nil || l.WBits < 1 || l.WBits > 8 || len(l.MaxQ) != len(l.Alpha) {
			return nil, fmt.Errorf("quantize: model metadata %s: node %q: bad entry (wbits 1..8, one alpha and maxq per channel)", quantRecordKey, k)
		}
	}
	return rec.Layers, nil
}

// recordedWeights recovers the integer codes of weights w [F, ...] that a
// compressor left as alpha_c * q: the scale of channel c is max|w_c|/maxq_c
// (which stays exact when bn-fold multiplies the channel by a constant,
// unlike alpha itself), the code round(w/scale). A code that does not
// reproduce its weight to float32 precision, or exceeds the width, means
// the weights were changed after recording: an error naming the node.
func recordedWeights(n *ir.Node, w *tensor.Tensor, l *recordedLayer) (*tensor.Tensor, []float32, error) {
	f := w.Shape[0]
	if len(l.MaxQ) != f {
		return nil, nil, layerError(n, "model metadata %s has %d channels, the weights %d", quantRecordKey, len(l.MaxQ), f)
	}
	per := w.Len() / max(f, 1)
	qmax := int64(1)<<(l.WBits-1) - 1
	if l.WBits == 1 {
		qmax = 1
	}
	scales := make([]float32, f)
	codes := tensor.New(tensor.Int8, w.Shape...)
	for c := 0; c < f; c++ {
		var amax float64
		for i := c * per; i < (c+1)*per; i++ {
			amax = math.Max(amax, math.Abs(w.Float64At(i)))
		}
		if amax == 0 || l.MaxQ[c] == 0 {
			if amax != 0 {
				return nil, nil, layerError(n, "channel %d is recorded as zero but has weights up to %g", c, amax)
			}
			continue
		}
		s := amax / float64(l.MaxQ[c])
		scales[c] = float32(s)
		for i := c * per; i < (c+1)*per; i++ {
			x := w.Float64At(i)
			q := math.RoundToEven(x / s)
			if math.Abs(q) > float64(qmax) || (l.WBits == 1 && q == 0) || math.Abs(x-q*s) > 1e-5*amax {
				return nil, nil, layerError(n, "weight %d of channel %d (%g) is not a %d-bit code times %g as model metadata %s says", i-c*per, c, x, l.WBits, s, quantRecordKey)
			}
			codes.I64[i] = int64(q)
		}
	}
	// Zero channels take the smallest scale of the others (as quantWeights).
	fill := float32(math.Inf(1))
	for _, s := range scales {
		if s > 0 && s < fill {
			fill = s
		}
	}
	if math.IsInf(float64(fill), 0) {
		fill = 1
	}
	for i, s := range scales {
		if !(s > 0) {
			scales[i] = fill
		}
	}
	return codes, scales, nil
}
