package mapping_test

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/lenet5"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/passes"
)

// TestPlusMinus: every layer of a binary LeNet-5 gets the one-plane form
// (M = 1, map_pm1 = 1) unless TwoPlaneBinary asks for 2-bit two's
// complement; the attributes decode back; a 0 code in a one-plane layer,
// or map_pm1 with more than one plane, is a mapping error; re-mapping in
// two planes drops map_pm1; a W8 layer never gets the form.
func TestPlusMinus(t *testing.T) {
	g, err := frontend.Import("lenet5.onnx", lenet5.ONNX, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := passes.NewManager().RunString(g, "canonicalize,quantize{wbits=1,keep-ends=true,calib=random:1}"); err != nil {
		t.Fatal(err)
	}
	geo := defaultGeometry(t)
	for _, two := range []bool{false, true} {
		p, err := mapping.PlanGraph(g, geo, mapping.Options{TwoPlaneBinary: two})
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range p.Layers {
			end := i == 0 || i == len(p.Layers)-1 // keep-ends: W8
			wantPM := !two && !end
			if l.PlusMinus != wantPM || (wantPM && l.M != 1) || (!end && two && l.M != 2) {
				t.Errorf("two-plane=%v %s: PlusMinus %v, M %d", two, l.Node.Name, l.PlusMinus, l.M)
			}
			mapping.Encode(l, geo)
			_, has := l.Node.Attrs[mapping.AttrPlusMinus]
			if has != wantPM {
				t.Errorf("two-plane=%v %s: map_pm1 present %v", two, l.Node.Name, has)
			}
			d, _, err := mapping.Decode(l.Node)
			if err != nil || d.PlusMinus != l.PlusMinus || d.M != l.M {
				t.Errorf("two-plane=%v %s: decoded %+v, %v", two, l.Node.Name, d, err)
			}
		}
	}
	// A one-plane layer whose code 0 would be read as -1.
	p, err := mapping.PlanGraph(g, geo, mapping.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := p.Layers[1]
	mapping.Encode(l, geo)
	w := l.Node.Inputs[1].Const // integer codes (I64 storage)
	old := w.I64[0]
	w.I64[0] = 0
	if _, _, err := mapping.Decode(l.Node); err == nil || !strings.Contains(err.Error(), "code 0 in the one-plane ±1 form") {
		t.Errorf("a 0 code in a one-plane layer: %v", err)
	}
	w.I64[0] = old
	l.Node.SetAttr(mapping.AttrWPlanes, ir.IntAttr(2))
	if _, _, err := mapping.Decode(l.Node); err == nil || !strings.Contains(err.Error(), "map_pm1=1 with map_wplanes=2") {
		t.Errorf("map_pm1 with two planes: %v", err)
	}
}
