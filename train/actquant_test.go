package train

import (
	"math"
	"testing"
)

// TestActQuant: with a 2-bit quantizer on the conv's ReLU output the next
// layer sees only the 4 levels k*Max/3 (in training and in inference), the
// running maximum follows the batches, the gradient of clipped elements is
// zeroed, and training still learns; removing the quantizer restores the
// float forward pass.
func TestActQuant(t *testing.T) {
	m := lenetLike(t)
	var relu *step
	for _, st := range m.steps {
		if st.node.Op == "relu" {
			relu = st
		}
	}
	if relu == nil {
		t.Fatal("no relu")
	}
	v := relu.node.Outputs[0]
	if _, err := m.SetActQuant(m.input, 4); err == nil {
		t.Error("quantizer on the model input accepted")
	}
	q, err := m.SetActQuant(v, 2)
	if err != nil {
		t.Fatal(err)
	}
	ds := synthetic(128, 7)
	x, _ := ds.Gather(nil, []int{0, 1, 2, 3})
	check := func(training bool) {
		if _, err := m.Forward(x, training); err != nil {
			t.Fatal(err)
		}
		if q.Max <= 0 {
			t.Fatal("running max not set")
		}
		s := q.Max / 3
		for _, a := range m.act[v].F32 {
			k := a / s
			if math.Abs(float64(k-float32(math.Round(float64(k))))) > 1e-4 || k < 0 || k > 3.0001 {
				t.Fatalf("activation %v is not a level of scale %v", a, s)
			}
		}
	}
	check(true)
	first := q.Max
	check(false)
	if q.Max != first {
		t.Error("inference changed the running max")
	}
	q.Max = first / 2 // force clipping, then check the gate
	if _, err := m.Forward(x, false); err != nil {
		t.Fatal(err)
	}
	clipped := 0
	for _, p := range q.pass {
		if !p {
			clipped++
		}
	}
	d := m.act[v].Clone()
	for i := range d.F32 {
		d.F32[i] = 1
	}
	g := q.gate(d)
	for i, p := range q.pass {
		if (g.F32[i] == 0) == p {
			t.Fatalf("gate at %d: %v with pass %v", i, g.F32[i], p)
		}
	}
	if clipped == 0 {
		t.Error("no element clipped at half the maximum")
	}
	hist, err := Fit(m, ds, ds, Config{Epochs: 3, Batch: 16, Optimizer: &Adam{}, Schedule: Constant(0.01)})
	if err != nil {
		t.Fatal(err)
	}
	if hist[2].TestAcc < 0.5 {
		t.Errorf("accuracy %.2f with 2-bit activations", hist[2].TestAcc)
	}
	if _, err := m.SetActQuant(v, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(x, false); err != nil {
		t.Fatal(err)
	}
	levels := map[float32]bool{}
	for _, a := range m.act[v].F32 {
		levels[a] = true
	}
	if len(levels) <= 4 {
		t.Errorf("%d distinct activations after removing the quantizer", len(levels))
	}
}
