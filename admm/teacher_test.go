package admm

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/train"
)

const teacherTestConfig = `
defaults: {prune: {filter: 0.25, column: 0.5}, wbits: 4}
admm: {updates: 1, retrain_epochs: 1, quant_updates: 1, quant_retrain_epochs: 1, distill: 0.7, batch: 32, lr: 0.02}
`

// TestDistillTeacher: Options.Teacher replaces the uncompressed starting
// model as the distillation teacher. The starting model given as teacher
// is bit-identical to the default; another teacher (trained longer, from
// another seed) changes the result; a config naming a teacher that was not
// loaded, or a teacher with other logits, is an error before training.
func TestDistillTeacher(t *testing.T) {
	tr, te := mnist(t, 320, 128)
	g := pretrained(t, tr)
	other, err := train.Build("lenet5", []int{1, 28, 28}, 10, 2)
	if err != nil {
		t.Fatal(err)
	}
	om, err := train.NewModel(other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := train.Fit(om, tr, nil, train.Config{Epochs: 5, Batch: 32, Seed: 2, Schedule: train.Constant(0.05)}); err != nil {
		t.Fatal(err)
	}
	run := func(yml string, teacher *ir.Graph) (*Result, error) {
		cfg, err := ParseConfig([]byte(yml))
		if err != nil {
			t.Fatal(err)
		}
		specs, err := cfg.Resolve(mustLayers(g))
		if err != nil {
			t.Fatal(err)
		}
		return Compress(g, Options{Specs: specs, Hyper: cfg.ADMM, Train: tr, Test: te, Teacher: teacher})
	}
	def, err := run(teacherTestConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	self, err := run(teacherTestConfig, g)
	if err != nil {
		t.Fatal(err)
	}
	sameConsts(t, def.Graph, self.Graph)
	longer, err := run(teacherTestConfig, om.Graph())
	if err != nil {
		t.Fatal(err)
	}
	differs := false
	for i, v := range def.Graph.Consts {
		if l := longer.Graph.Consts[i]; v.Const != nil && !slices.Equal(v.Const.F32, l.Const.F32) {
			differs = true
		}
	}
	if !differs {
		t.Error("another teacher gave the same model as the starting model as teacher")
	}

	named := strings.Replace(teacherTestConfig, "distill: 0.7,", "distill: 0.7, distill_teacher: t.onnx,", 1)
	if _, err := run(named, nil); err == nil || !strings.Contains(err.Error(), `admm.distill_teacher "t.onnx": the teacher model was not loaded`) {
		t.Errorf("named teacher not loaded: %v", err)
	}
	nine, err := train.Build("lenet5", []int{1, 28, 28}, 9, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run(named, nine); err == nil || !strings.Contains(err.Error(), "output shape [1 9], want [1 10]") {
		t.Errorf("teacher with 9 classes: %v", err)
	}
}

// TestTeacherPath: a relative distill_teacher is taken relative to the
// config file's folder, an absolute one as it is.
func TestTeacherPath(t *testing.T) {
	for _, c := range []struct{ cfg, teacher, want string }{
		{"testdata/c.yaml", "", ""},
		{"testdata/c.yaml", "t.onnx", filepath.Join("testdata", "t.onnx")},
		{"c.yaml", "../m/t.onnx", filepath.Join("..", "m", "t.onnx")},
		{"testdata/c.yaml", "/abs/t.onnx", "/abs/t.onnx"},
	} {
		if got := TeacherPath(c.cfg, Hyper{DistillTeacher: c.teacher}); got != c.want {
			t.Errorf("TeacherPath(%q, %q) = %q, want %q", c.cfg, c.teacher, got, c.want)
		}
	}
}
