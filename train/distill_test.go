package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// TestSoftCrossEntropy: the gradient matches central finite differences of
// the loss, the loss is 0 (and the gradient 0) when student and teacher
// agree, and mismatched shapes or a bad temperature are errors.
func TestSoftCrossEntropy(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	z, tl := tensor.New(tensor.Float32, 3, 5), tensor.New(tensor.Float32, 3, 5)
	for i := range z.F32 {
		z.F32[i], tl.F32[i] = float32(4*r.Float64()-2), float32(6*r.Float64()-3)
	}
	for _, temp := range []float64{1, 4} {
		_, g, err := SoftCrossEntropy(nil, z, tl, temp)
		if err != nil {
			t.Fatal(err)
		}
		g = g.Clone()
		for i := range z.F32 {
			const h = 1e-2
			orig := z.F32[i]
			z.F32[i] = orig + h
			lp, _, _ := SoftCrossEntropy(nil, z, tl, temp)
			z.F32[i] = orig - h
			lm, _, _ := SoftCrossEntropy(nil, z, tl, temp)
			z.F32[i] = orig
			num := (lp - lm) / (2 * h)
			if math.Abs(num-float64(g.F32[i])) > 2e-3*math.Max(1, math.Abs(num)) {
				t.Errorf("T=%v: d/dz[%d] analytic %v, numeric %v", temp, i, g.F32[i], num)
			}
		}
	}
	l, g, err := SoftCrossEntropy(nil, tl, tl, 2)
	if err != nil || math.Abs(l) > 1e-9 || slices.ContainsFunc(g.F32, func(v float32) bool { return math.Abs(float64(v)) > 1e-7 }) {
		t.Errorf("student = teacher: loss %v, gradient %v, err %v", l, g.F32, err)
	}
	if _, _, err := SoftCrossEntropy(nil, z, tensor.New(tensor.Float32, 3, 4), 1); err == nil {
		t.Error("mismatched logits accepted")
	}
	if _, _, err := SoftCrossEntropy(nil, z, tl, 0); err == nil {
		t.Error("temperature 0 accepted")
	}
}

// TestDistillFit: with Alpha 0 distillation changes nothing (bit-identical
// weights); with Alpha 1 the student, trained on the teacher's outputs
// alone, gets closer to the teacher than it was.
func TestDistillFit(t *testing.T) {
	ds := synthetic(96, 9)
	teacher := lenetLike(t)
	if _, err := Fit(teacher, ds, nil, Config{Epochs: 3, Batch: 16, Schedule: Constant(0.05)}); err != nil {
		t.Fatal(err)
	}
	plain, zero := lenetLike(t), lenetLike(t)
	cfg := Config{Epochs: 1, Batch: 16, Schedule: Constant(0.02)}
	if _, err := Fit(plain, ds, nil, cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Distill = &Distill{Teacher: teacher, Alpha: 0, T: 4}
	if _, err := Fit(zero, ds, nil, cfg); err != nil {
		t.Fatal(err)
	}
	for i, p := range plain.Params() {
		if !slices.Equal(p.Data.F32, zero.Params()[i].Data.F32) {
			t.Fatalf("Alpha 0 changed parameter %q", p.Name)
		}
	}
	x, _ := ds.Gather(nil, ds.Sequential())
	gap := func(m *Model) float64 {
		tz, err := teacher.Forward(x, false)
		if err != nil {
			t.Fatal(err)
		}
		tz = tz.Clone()
		z, err := m.Forward(x, false)
		if err != nil {
			t.Fatal(err)
		}
		l, _, err := SoftCrossEntropy(nil, z, tz, 4)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	student := lenetLike(t)
	before := gap(student)
	cfg.Distill = &Distill{Teacher: teacher, Alpha: 1, T: 4}
	cfg.Epochs = 3
	if _, err := Fit(student, ds, nil, cfg); err != nil {
		t.Fatal(err)
	}
	if after := gap(student); !(after < 0.5*before) {
		t.Errorf("distillation loss %v -> %v, want at least halved", before, after)
	}
	cfg.Distill = &Distill{Teacher: teacher, Alpha: 1.5, T: 4}
	if _, err := Fit(student, ds, nil, cfg); err == nil {
		t.Error("Alpha 1.5 accepted")
	}
}
