package admm

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/pimc-dev/pimc/ir"
)

// QuantKey is the metadata_props key under which Record stores the weight
// codes of a compressed model.
const QuantKey = "pimc.quant"

// QuantRecord is the JSON value of QuantKey: per layer (ONNX node name) the
// weight width and, per output channel, the scale alpha and the largest
// code magnitude MaxQ, so that weights = alpha_c * q exactly with |q| <=
// MaxQ_c. The quantize pass takes scale_c = max|w_c| / MaxQ_c, which stays
// exact when bn-fold later multiplies a channel by a constant.
type QuantRecord struct {
	Version int                    `json:"version"`
	Layers  map[string]*LayerCodes `json:"layers"`
}

// LayerCodes is one layer of a QuantRecord.
type LayerCodes struct {
	WBits int       `json:"wbits"`
	Alpha []float32 `json:"alpha"`
	MaxQ  []int64   `json:"maxq"`
}

// Record derives the codes of every quantized layer (bits[name] > 0) from
// its current weights and stores them in g.Metadata[QuantKey]. It fails,
// naming the layer and channel, when a weight row is not exactly on a grid
// of its width, so a model is never recorded as quantized when it is not.
// A binary layer with pruned (zero) weights is recorded with 2 bits: its
// levels are {-1, 0, +1}, which is how the engine stores binary weights
// anyway (QUANT.md §1).
func Record(g *ir.Graph, bits map[string]int) error {
	layers, _ := Layers(g)
	rec := &QuantRecord{Version: 1, Layers: map[string]*LayerCodes{}}
	for _, l := range layers {
		b := bits[l.Name]
		if b <= 0 {
			continue
		}
		lc, err := layerCodes(l, b)
		if err != nil {
			return err
		}
		rec.Layers[l.Name] = lc
	}
	if len(rec.Layers) == 0 {
		delete(g.Metadata, QuantKey)
		return nil
	}
	js, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("BUG: admm: %v", err)
	}
	if g.Metadata == nil {
		g.Metadata = map[string]string{}
	}
	g.Metadata[QuantKey] = string(js)
	return nil
}

func layerCodes(l *Layer, bits int) (*LayerCodes, error) {
	w, s := l.Weight.Const.F32, l.Shape
	qmax := int(QMax(bits))
	lc := &LayerCodes{WBits: bits, Alpha: make([]float32, s.Rows), MaxQ: make([]int64, s.Rows)}
	zeros := false
	for r := 0; r < s.Rows; r++ {
		row := w[r*s.Cols : (r+1)*s.Cols]
		vals := make([]float64, 0, len(row))
		var amax float64
		for _, x := range row {
			if x == 0 {
				zeros = true
				continue
			}
			vals = append(vals, float64(x))
			amax = max(amax, abs(float64(x)))
		}
		if len(vals) == 0 {
			continue
		}
		a, ok := onGrid(vals, amax, qmax)
		if !ok {
			return nil, fmt.Errorf("admm: layer %q: output channel %d is not a %d-bit grid alpha*q (run the quantization step first)", l.Name, r, bits)
		}
		lc.Alpha[r], lc.MaxQ[r] = float32(a), int64(amax/a+0.5)
	}
	if bits == 1 && zeros {
		lc.WBits = 2
	}
	return lc, nil
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// ReadRecord parses g.Metadata[QuantKey]; nil when absent.
func ReadRecord(g *ir.Graph) (*QuantRecord, error) {
	s, ok := g.Metadata[QuantKey]
	if !ok {
		return nil, nil
	}
	rec := &QuantRecord{}
	if err := json.Unmarshal([]byte(s), rec); err != nil {
		return nil, fmt.Errorf("metadata %s: %v", QuantKey, err)
	}
	names := make([]string, 0, len(rec.Layers))
	for k := range rec.Layers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		lc := rec.Layers[k]
		if lc.WBits < 1 || lc.WBits > 8 || len(lc.Alpha) != len(lc.MaxQ) {
			return nil, fmt.Errorf("metadata %s: layer %q: wbits %d, %d scales, %d maxq", QuantKey, k, lc.WBits, len(lc.Alpha), len(lc.MaxQ))
		}
	}
	return rec, nil
}
