package backend_test

import (
	"slices"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// TestGroupEmission: on the default target (group instructions) LeNet-5's
// matrix layers use gwrp, gbmac (gdot, with the plane sequencer the default
// has since s8) and gvacc, with fewer than half the
// instructions per image (replicate=auto: 4 replicas of the convolutions
// share their gbmacs) and the same sources and declared MACs as on the
// serial preset, whose program has none; both are bit-exact.
func TestGroupEmission(t *testing.T) {
	g := quantizeModel(t, "../testdata/models/lenet5/lenet5.onnx", "calib=random:2")
	x := tensor.New(tensor.Float32, 1, 1, 28, 28)
	for i := range x.F32 {
		x.F32[i] = float32(i%31) / 30
	}
	serial, err := target.Preset("sot-mram-45nm-serial")
	if err != nil {
		t.Fatal(err)
	}
	count := func(p *isa.Program) map[isa.Opcode]int {
		n := map[isa.Opcode]int{}
		for _, in := range p.Code {
			n[in.Op]++
		}
		return n
	}
	rs, ss := compileAndCheckRep(t, g, serial, "auto", []*tensor.Tensor{x})
	rg, sg := compileAndCheckRep(t, g, target.Default(), "auto", []*tensor.Tensor{x})
	ns, ng := count(rs.Prog), count(rg.Prog)
	ng[isa.OpGbmac] += ng[isa.OpGdot] // a gdot is a group's gbmacs of every plane pair
	for _, op := range []isa.Opcode{isa.OpGwrp, isa.OpGbmac, isa.OpGvacc} {
		if ns[op] != 0 || ng[op] == 0 {
			t.Errorf("%s: %d on the serial preset, %d on the default target; want 0 and some", op.Info().Mnemonic, ns[op], ng[op])
		}
	}
	if !slices.Equal(rs.Prog.Sources, rg.Prog.Sources) {
		t.Errorf("sources differ:\nserial %v\ngroups %v", rs.Prog.Sources, rg.Prog.Sources)
	}
	is, ig := ss.Stats[0].Steps, sg.Stats[0].Steps
	if float64(ig) > 0.5*float64(is) {
		t.Errorf("%d instructions per image with group instructions, %d without: want at most half", ig, is)
	}
}
