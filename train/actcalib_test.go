package train

import (
	"math"
	"testing"

	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// TestCalibrateActQuant: a Fixed quantizer's Max is max|v| over the
// calibration batch as the reference interpreter (which the quantize pass
// calibrates with) computes it on the float graph, unquantized upstream;
// training steps leave it alone; Fit calls BeforeStep once per minibatch,
// so the admm hook can recalibrate as the weights move.
func TestCalibrateActQuant(t *testing.T) {
	m := lenetLike(t)
	var relu, flat *step
	for _, st := range m.steps {
		switch st.node.Op {
		case "relu":
			relu = st
		case "flatten":
			flat = st
		}
	}
	if relu == nil || flat == nil {
		t.Fatal("no relu or flatten")
	}
	qr, err := m.SetActQuant(relu.node.Outputs[0], 2)
	if err != nil {
		t.Fatal(err)
	}
	qf, err := m.SetActQuant(flat.node.Outputs[0], 3) // downstream of qr: calibrated unquantized
	if err != nil {
		t.Fatal(err)
	}
	qr.Fixed, qf.Fixed = true, true
	ds := synthetic(64, 3)
	x, _ := ds.Gather(nil, []int{0, 1, 2, 3, 4, 5, 6, 7})
	if err := m.CalibrateActQuant(x); err != nil {
		t.Fatal(err)
	}
	// Reference: the interpreter on the exported graph, one image at a
	// time, probing both values.
	g := m.Graph()
	var probes []int
	for i, n := range g.Nodes {
		if n.Op == "relu" || n.Op == "flatten" {
			probes = append(probes, i)
		}
	}
	g.Outputs = nil
	for _, i := range probes {
		g.Outputs = append(g.Outputs, g.Nodes[i].Outputs[0])
	}
	want := make([]float64, len(probes))
	per := ds.SampleLen()
	for i := 0; i < 8; i++ {
		img := tensor.New(tensor.Float32, 1, 1, 8, 8)
		copy(img.F32, x.F32[i*per:(i+1)*per])
		outs, err := interp.Run(g, []*tensor.Tensor{img})
		if err != nil {
			t.Fatal(err)
		}
		for j, o := range outs {
			for _, a := range o.F32 {
				want[j] = math.Max(want[j], math.Abs(float64(a)))
			}
		}
	}
	for j, q := range []*ActQuant{qr, qf} {
		if want[j] == 0 || math.Abs(float64(q.Max)-want[j]) > 1e-5*want[j] {
			t.Errorf("quantizer %d: Max %v, interpreter max|x| %v", j, q.Max, want[j])
		}
	}
	if qf.Max != qr.Max { // max pooling and flatten keep the maximum
		t.Errorf("flatten max %v != relu max %v", qf.Max, qr.Max)
	}
	calls := 0
	before := qr.Max
	cfg := Config{Epochs: 2, Batch: 16, Schedule: Constant(0.01),
		BeforeStep: func(_ *Model, epoch, step int) error {
			if step != calls%4 || epoch != calls/4 {
				t.Errorf("BeforeStep(epoch %d, step %d) at call %d", epoch, step, calls)
			}
			calls++
			return nil
		}}
	if _, err := Fit(m, ds, nil, cfg); err != nil {
		t.Fatal(err)
	}
	if calls != 8 {
		t.Errorf("BeforeStep ran %d times, want 8 (2 epochs x 4 minibatches)", calls)
	}
	if qr.Max != before {
		t.Errorf("training moved a Fixed quantizer's Max: %v -> %v", before, qr.Max)
	}
}
