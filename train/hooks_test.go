package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// synthetic returns a small separable 10-class dataset of 1x8x8 images.
func synthetic(n int, seed uint64) *data.Dataset {
	r := rand.New(rand.NewPCG(seed, 1))
	d := &data.Dataset{Name: "synthetic", Shape: []int{1, 8, 8}, Classes: 10, X: make([]float32, n*64), Y: make([]int32, n)}
	for i := 0; i < n; i++ {
		c := r.IntN(10)
		d.Y[i] = int32(c)
		for j := 0; j < 64; j++ {
			v := 0.2 * r.Float32()
			if j%10 == c {
				v += 0.8
			}
			d.X[i*64+j] = v
		}
	}
	return d
}

func lenetLike(t *testing.T) *Model {
	t.Helper()
	b := &gb{g: &ir.Graph{Name: "small"}, r: rand.New(rand.NewPCG(1, 1))}
	x := &ir.Value{Name: "x", Type: ir.Type{DType: tensor.Float32, Shape: []int{1, 1, 8, 8}}}
	b.g.Inputs = []*ir.Value{x}
	h := b.maxPool(b.relu(b.conv("conv", x, 4, 3, 1, 1, true)), 2)
	h = b.fc("fc", b.flatten(h), 10)
	b.g.Outputs = []*ir.Value{b.node(ir.OpSoftmax, "prob", ir.Attrs{"axis": ir.IntAttr(1)}, h)}
	if b.err != nil {
		t.Fatal(b.err)
	}
	m, err := NewModel(b.g)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMaskedTraining: masked weights stay exactly zero through training
// with momentum and weight decay, and the others move.
func TestMaskedTraining(t *testing.T) {
	m := lenetLike(t)
	w := m.Weights()[0]
	orig := w.Data.Clone()
	keep := make([]bool, w.Len())
	for i := range keep {
		keep[i] = i%3 != 0
	}
	if err := w.SetMask(keep); err != nil {
		t.Fatal(err)
	}
	if err := w.SetMask(keep[:2]); err == nil {
		t.Error("short mask accepted")
	}
	ds := synthetic(256, 1)
	if _, err := Fit(m, ds, nil, Config{Epochs: 2, Batch: 16, Optimizer: &SGD{Momentum: 0.9, Nesterov: true}, Schedule: Constant(0.05), WeightDecay: 1e-3}); err != nil {
		t.Fatal(err)
	}
	moved := 0
	for i, k := range keep {
		if !k && (w.Data.F32[i] != 0 || w.Grad[i] != 0) {
			t.Fatalf("masked weight %d is %v (grad %v)", i, w.Data.F32[i], w.Grad[i])
		}
		if k && w.Data.F32[i] != orig.F32[i] {
			moved++
		}
	}
	if moved == 0 {
		t.Error("no free weight moved")
	}
}

// TestProximalPenalty: the ADMM term pulls weights to the target; its value
// and gradient follow rho/2*||W-T||^2.
func TestProximalPenalty(t *testing.T) {
	m := lenetLike(t)
	w := m.Weights()[1]
	target := make([]float32, w.Len())
	m.ZeroGrad()
	pen := &Proximal{Terms: []ProxTerm{{Param: w, Rho: 2, Target: target}}}
	var want float64
	for _, v := range w.Data.F32 {
		want += float64(v) * float64(v)
	}
	if got := pen.Add(m); math.Abs(got-want) > 1e-9*want {
		t.Errorf("penalty %v, want %v", got, want)
	}
	for i, v := range w.Data.F32 {
		if math.Abs(float64(w.Grad[i]-2*v)) > 1e-6 {
			t.Fatalf("grad[%d] = %v, want %v", i, w.Grad[i], 2*v)
		}
	}
	// Training with a large rho toward zero shrinks the weight norm.
	norm := func() float64 {
		var s float64
		for _, v := range w.Data.F32 {
			s += float64(v) * float64(v)
		}
		return s
	}
	before := norm()
	epochs := 0
	if _, err := Fit(m, synthetic(128, 2), nil, Config{Epochs: 2, Batch: 16, Penalty: &Proximal{Terms: []ProxTerm{{Param: w, Rho: 1, Target: target}}},
		Optimizer: &Adam{}, Schedule: Constant(0.01), OnEpoch: func(*Model, EpochStats) error { epochs++; return nil }}); err != nil {
		t.Fatal(err)
	}
	if after := norm(); after > 0.5*before {
		t.Errorf("weight norm %v -> %v, want it pulled toward zero", before, after)
	}
	if epochs != 2 {
		t.Errorf("OnEpoch ran %d times, want 2", epochs)
	}
}

// TestGraphWriteBack: Model.Graph holds the trained values, the source
// graph's constants are untouched, and the interpreter agrees with the
// training engine's inference forward pass (softmax included in the graph).
func TestGraphWriteBack(t *testing.T) {
	m := lenetLike(t)
	src := m.g
	before := map[*ir.Value]*tensor.Tensor{}
	for _, v := range src.Consts {
		before[v] = v.Const.Clone()
	}
	ds := synthetic(128, 3)
	hist, err := Fit(m, ds, ds, Config{Epochs: 3, Batch: 16, Optimizer: &Adam{}, Schedule: Constant(0.01)})
	if err != nil {
		t.Fatal(err)
	}
	if hist[2].TestAcc < 0.5 {
		t.Errorf("synthetic test accuracy %.2f", hist[2].TestAcc)
	}
	for _, v := range src.Consts {
		if !tensor.Equal(v.Const, before[v]) {
			t.Fatalf("source constant %q modified", v.Name)
		}
	}
	g := m.Graph()
	if err := ir.Verify(g); err != nil {
		t.Fatal(err)
	}
	x, _ := ds.Gather(nil, []int{5})
	outs, err := interp.Run(g, []*tensor.Tensor{x})
	if err != nil {
		t.Fatal(err)
	}
	z, err := m.Forward(x, false)
	if err != nil {
		t.Fatal(err)
	}
	// softmax(z) from the engine vs the interpreter's softmax output.
	var s float64
	for _, v := range z.F32 {
		s += math.Exp(float64(v))
	}
	for i, v := range z.F32 {
		if p := math.Exp(float64(v)) / s; math.Abs(p-float64(outs[0].F32[i])) > 1e-5 {
			t.Errorf("class %d: engine %v, interpreter %v", i, p, outs[0].F32[i])
		}
	}
}

func TestSchedules(t *testing.T) {
	c := Cosine{Base: 1, Min: 0, Epochs: 10}
	if c.LR(0) != 1 || math.Abs(c.LR(5)-0.5) > 1e-12 || c.LR(10) != 0 {
		t.Errorf("cosine: %v %v %v", c.LR(0), c.LR(5), c.LR(10))
	}
	r := Cosine{Base: 1, Epochs: 10, Restarts: 1}
	if r.LR(5) != 1 || math.Abs(r.LR(2.5)-0.5) > 1e-12 {
		t.Errorf("restarts: %v %v", r.LR(5), r.LR(2.5))
	}
	s := Step{Base: 1, Gamma: 0.1, Every: 3}
	if s.LR(2.9) != 1 || math.Abs(s.LR(3)-0.1) > 1e-12 {
		t.Errorf("step: %v %v", s.LR(2.9), s.LR(3))
	}
	for _, bad := range []string{"step:0:0.1", "cosine:x", "linear", "step:2"} {
		if _, err := ParseSchedule(bad, 0.1, 10); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if sc, err := ParseSchedule("step:2:0.5", 0.1, 10); err != nil || math.Abs(sc.LR(4)-0.025) > 1e-12 {
		t.Errorf("step:2:0.5 -> %v, %v", sc, err)
	}
}

// TestAdamFirstStep: Adam's first update moves every weight by lr (the
// bias-corrected m/sqrt(v) is the sign of the gradient).
func TestAdamFirstStep(t *testing.T) {
	p := &Param{Name: "w", Data: tensor.FromF32([]float32{1, 2, 3}, 3), Grad: []float32{0.5, -3, 1e-3}}
	(&Adam{}).Step([]*Param{p}, 0.1)
	want := []float32{0.9, 2.1, 2.9}
	for i, v := range p.Data.F32 {
		if math.Abs(float64(v-want[i])) > 1e-4 {
			t.Errorf("w[%d] = %v, want %v", i, v, want[i])
		}
	}
}

func TestNewModelErrors(t *testing.T) {
	b := &gb{g: &ir.Graph{Name: "bad"}, r: rand.New(rand.NewPCG(1, 1))}
	x := &ir.Value{Name: "x", Type: ir.Type{DType: tensor.Float32, Shape: []int{1, 4}}}
	b.g.Inputs = []*ir.Value{x}
	h := b.node(ir.OpSigmoid, "sig", nil, x)
	b.g.Outputs = []*ir.Value{b.fc("fc", h, 3)}
	if _, err := NewModel(b.g); err == nil {
		t.Error("sigmoid accepted")
	}
}
