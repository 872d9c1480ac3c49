package backend_test

import (
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/lenet5"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/target"
)

// rowANDs counts the row ANDs a run executed (a bmac 1, a gbmac its n
// members, a gdot its n members' M x N plane pairs), split into the
// popcount(x) sums of the one-plane form (an input row ANDed with itself,
// never a gdot) and the others.
func rowANDs(p *isa.Program, run *pimrt.Result) (filter, sums int64) {
	for _, st := range run.Stats {
		for pc, in := range p.Code {
			n := int64(1)
			switch in.Op {
			case isa.OpGbmac:
				n = in.Args[1]
			case isa.OpGdot: // ra, n, rowa, rb, rowb, acc, planes
				pl := isa.UnpackPlanes(in.Args[6])
				filter += st.PC[pc].Count * in.Args[1] * int64(pl.M*pl.N)
				continue
			case isa.OpBmac:
			default:
				continue
			}
			// rowa (arg 2) and [rb+rowb] (args 3, 4) in both forms
			if in.Args[3] == 0 && in.Args[2] == in.Args[4] {
				sums += st.PC[pc].Count * n
			} else {
				filter += st.PC[pc].Count * n
			}
		}
	}
	return filter, sums
}

// TestBinaryOnePlane: a binary LeNet-5 (every layer W1, 4-bit activations)
// stored on one plane b = (w+1)/2 is bit-exact against the quantized
// interpreter on the group target and the serial one, with replicas or
// without, shows M = 1 (compile's W1) for every layer, and executes half
// the filter ANDs of the two-plane form (2-bit two's complement, the form
// before issue 12) plus one popcount(x) AND per input plane, tile and pixel:
// under 0.6 of its ANDs in all.
func TestBinaryOnePlane(t *testing.T) {
	g, err := frontend.Import(lenet5.Name, lenet5.ONNX, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := passes.NewManager().RunString(g, "canonicalize,quantize{wbits=1,abits=4,keep-ends=false,calib=random:2}"); err != nil {
		t.Fatal(err)
	}
	var ins [][]*tensor.Tensor
	for k := range 2 {
		x := tensor.New(tensor.Float32, 1, 1, 28, 28)
		for i := range x.F32 {
			x.F32[i] = float32((i*(k+3))%31) / 30
		}
		ins = append(ins, []*tensor.Tensor{x})
	}
	serial, err := target.Preset("sot-mram-45nm-serial")
	if err != nil {
		t.Fatal(err)
	}
	for _, tgt := range []*target.Target{target.Default(), serial} {
		for _, rep := range []string{"off", "auto"} {
			var filter, sums [2]int64
			for i, form := range []string{"one-plane", "two-plane"} {
				res, run := compileAndCheckMap(t, g, tgt, "replicate="+rep+",binary="+form, ins...)
				for _, l := range res.Layers {
					if want := 1 + i; l.M != want {
						t.Errorf("%s %s %s: layer %s has %d weight planes, want %d", tgt.Name, rep, form, l.Node, l.M, want)
					}
				}
				filter[i], sums[i] = rowANDs(res.Prog, run)
			}
			if sums[1] != 0 || filter[0]*2 != filter[1] || sums[0] == 0 || 10*(filter[0]+sums[0]) > 6*filter[1] {
				t.Errorf("%s replicate=%s: one-plane %d filter + %d sum ANDs, two-plane %d + %d: want half the filter ANDs and under 0.6 in all",
					tgt.Name, rep, filter[0], sums[0], filter[1], sums[1])
			}
			t.Logf("%s replicate=%s: one-plane %d ANDs (%d filter + %d popcount(x)), two-plane %d: ratio %.3f", tgt.Name, rep,
				filter[0]+sums[0], filter[0], sums[0], filter[1], float64(filter[0]+sums[0])/float64(filter[1]))
		}
	}
}
