package passes

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

// recordGraph builds conv(3 filters of 2x3x3) -> batch_norm -> relu whose
// weights are alpha_c * q exactly, with 3-bit codes that do not reach the
// range end in every channel (max |q| = 2, 2, 1 < 3), and records them in
// metadata pimc.quant as pimc compress does.
func recordGraph(t *testing.T) (*ir.Graph, [][]int64) {
	b := newBuilder(t)
	x := b.input("x", 1, 2, 6, 6)
	y := b.conv2d(x, 3, 3, true)
	conv := y.Def
	w := conv.Inputs[1].Const
	alpha := []float32{0.125, 0.0390625, 0.5}
	codes := make([][]int64, 3)
	per := w.Len() / 3
	for c := 0; c < 3; c++ {
		for i := 0; i < per; i++ {
			q := int64(i%5) - 2 // -2..2
			if c == 2 {
				q = int64(i%3) - 1 // -1..1
			}
			codes[c] = append(codes[c], q)
			w.F32[c*per+i] = alpha[c] * float32(q)
		}
	}
	out := b.node(ir.OpRelu, nil, b.batchNorm(y))
	g := b.output(out)
	rec := map[string]any{"version": 1, "layers": map[string]any{conv.Name: map[string]any{"wbits": 3, "alpha": alpha, "maxq": []int64{2, 2, 1}}}}
	js, _ := json.Marshal(rec)
	g.Metadata = map[string]string{quantRecordKey: string(js)}
	return g, codes
}

func TestQuantizeRecordedWeights(t *testing.T) {
	g, codes := recordGraph(t)
	if err := NewManager().RunString(g, "canonicalize,quantize{wbits=8,calib=random:2}"); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range g.Nodes {
		if n.Op != ir.OpQConv {
			continue
		}
		found = true
		w := n.Inputs[1]
		if w.Quant.Bits != 3 {
			t.Errorf("recorded 3-bit layer quantized to %d bits", w.Quant.Bits)
		}
		per := len(w.Const.I64) / 3
		for i, q := range w.Const.I64 {
			if want := codes[i/per][i%per]; q != want {
				t.Fatalf("weight %d: code %d, recorded %d (bn-fold scaled the channel; the codes must survive)", i, q, want)
			}
		}
	}
	if !found {
		t.Fatal("no qconv")
	}
	// requantize ignores the record.
	g2, _ := recordGraph(t)
	if err := NewManager().RunString(g2, "canonicalize,quantize{wbits=8,calib=random:2,weights=requantize}"); err != nil {
		t.Fatal(err)
	}
	for _, n := range g2.Nodes {
		if n.Op == ir.OpQConv && n.Inputs[1].Quant.Bits != 8 {
			t.Errorf("weights=requantize: %d bits", n.Inputs[1].Quant.Bits)
		}
	}
}

func TestQuantizeRecordErrors(t *testing.T) {
	g, _ := recordGraph(t)
	var conv *ir.Node
	for _, n := range g.Nodes {
		if n.Op == ir.OpConv {
			conv = n
		}
	}
	conv.Inputs[1].Const.F32[4] += 0.01 // off the recorded grid
	err := NewManager().RunString(g, "canonicalize,quantize{calib=random:2}")
	if err == nil || !strings.Contains(err.Error(), conv.Name) || !strings.Contains(err.Error(), "pimc.quant") {
		t.Errorf("off-grid weight: %v", err)
	}
	g2, _ := recordGraph(t)
	delete(g2.Metadata, quantRecordKey)
	err = NewManager().RunString(g2, "canonicalize,quantize{calib=random:2,weights=from-model}")
	if err == nil || !strings.Contains(err.Error(), "weights=from-model") {
		t.Errorf("from-model without a record: %v", err)
	}
	g3, _ := recordGraph(t)
	g3.Metadata[quantRecordKey] = `{"version":1,"layers":{"nosuch":{"wbits":3,"alpha":[1],"maxq":[1]}}}`
	err = NewManager().RunString(g3, "canonicalize,quantize{calib=random:2}")
	if err == nil || !strings.Contains(err.Error(), `"nosuch"`) {
		t.Errorf("record naming a missing node: %v", err)
	}
}
