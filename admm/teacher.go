package admm

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/train"
)

// teacherModel is the model distillation learns from: the given teacher
// graph (Options.Teacher, loaded from Hyper.DistillTeacher) or, without
// one, the uncompressed starting model g. A named teacher that was not
// loaded is an error rather than a silent fall-back to g, and a teacher
// whose input or output shape differs from g's is refused before any
// training (its logits could not be compared with the student's).
func teacherModel(g, teacher *ir.Graph, name string) (*train.Model, error) {
	if teacher == nil {
		if name != "" {
			return nil, fmt.Errorf("admm.distill_teacher %q: the teacher model was not loaded (Options.Teacher)", name)
		}
		return train.NewModel(g)
	}
	label := "the teacher model"
	if name != "" {
		label = fmt.Sprintf("admm.distill_teacher %q", name)
	}
	for _, side := range []struct {
		what       string
		want, have []*ir.Value
	}{{"input", g.Inputs, teacher.Inputs}, {"output", g.Outputs, teacher.Outputs}} {
		if len(side.want) != 1 || len(side.have) != 1 {
			return nil, fmt.Errorf("%s: %d %ss, want 1 like the model compressed", label, len(side.have), side.what)
		}
		if w, h := side.want[0].Type.Shape, side.have[0].Type.Shape; !slices.Equal(w, h) {
			return nil, fmt.Errorf("%s: %s shape %v, want %v like the model compressed", label, side.what, h, w)
		}
	}
	m, err := train.NewModel(teacher)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", label, err)
	}
	return m, nil
}

// TeacherPath is the file Hyper.DistillTeacher names, a relative name
// taken relative to the folder of the config file configPath (so a config
// and its teacher move together); "" when the config names none.
func TeacherPath(configPath string, h Hyper) string {
	p := h.DistillTeacher
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(configPath), p)
}
