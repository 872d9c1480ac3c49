package passes

import (
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// hostOutGraph: conv -> relu -> conv (read by the next conv: stays on the
// device) -> flatten -> fc (read through a reshape by a softmax, and
// returned: host-bound) and a second fc read by nothing but the graph
// output.
func hostOutGraph(t *testing.T) *ir.Graph {
	b := newBuilder(t)
	x := b.input("x", 1, 2, 6, 6)
	c1 := b.node(ir.OpRelu, nil, b.conv2d(x, 4, 3, true))
	c2 := b.conv2d(c1, 4, 3, true)
	f := b.node(ir.OpFlatten, ir.Attrs{"axis": ir.IntAttr(1)}, c2)
	fc := b.node(ir.OpFC, nil, f, b.randConst("w1", -0.5, 0.5, 5, 144), b.randConst("b1", -0.1, 0.1, 5))
	r := b.node(ir.OpReshape, ir.Attrs{"shape": ir.IntsAttr(1, 5)}, fc)
	sm := b.node(ir.OpSoftmax, ir.Attrs{"axis": ir.IntAttr(1)}, r)
	fc2 := b.node(ir.OpFC, nil, f, b.randConst("w2", -0.5, 0.5, 3, 144), nil)
	g := b.output(sm, fc2)
	g.Stage = ir.StageCanonical
	mustVerify(t, g)
	return g
}

// outBitsOf returns the output bits of every qconv/qfc in order.
func outBitsOf(g *ir.Graph) []int {
	var out []int
	for _, n := range g.Nodes {
		if n.Op == ir.OpQConv || n.Op == ir.OpQFC {
			out = append(out, n.Outputs[0].Quant.Bits)
		}
	}
	return out
}

// TestQuantizeHostBoundOutputs: a matrix layer whose result only leaves
// the integer domain (graph output, host op, through data movement) gets
// out-bits codes; one read by a device op keeps abits; out-bits=0 and a
// config entry restore abits; the wider codes are closer to the float
// result.
func TestQuantizeHostBoundOutputs(t *testing.T) {
	g := hostOutGraph(t)
	run := func(opts string) *ir.Graph {
		q := ir.Clone(g)
		if err := fileManager().RunString(q, "quantize{calib=random:64,"+opts+"}"); err != nil {
			t.Fatal(err)
		}
		mustVerify(t, q)
		return q
	}
	eq := func(a, b []int) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	wide := run("keep-ends=false")
	// conv1 (read by conv2), conv2 (read by the fcs through flatten: device), fc, fc2.
	if got, want := outBitsOf(wide), []int{8, 8, 16, 16}; !eq(got, want) {
		t.Errorf("out-bits=16: output bits %v, want %v", got, want)
	}
	narrow := run("keep-ends=false,out-bits=0")
	if got, want := outBitsOf(narrow), []int{8, 8, 8, 8}; !eq(got, want) {
		t.Errorf("out-bits=0: output bits %v, want %v", got, want)
	}
	var fc2 string
	for _, n := range g.Nodes {
		if n.Op == ir.OpFC && n.Inputs[1].Name == "w2" {
			fc2 = n.Name
		}
	}
	cfg := filepath.Join(t.TempDir(), "bits.yaml")
	if err := os.WriteFile(cfg, []byte(fc2+": {abits: 6}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := outBitsOf(run(`keep-ends=false,config="`+cfg+`"`)), []int{8, 8, 16, 6}; !eq(got, want) {
		t.Errorf("config abits for %s: output bits %v, want %v", fc2, got, want)
	}
	// The wide codes requantize the same accumulator as the narrow ones:
	// they differ by at most half a narrow code plus half a wide code where
	// the narrow result is not clamped; over many inputs the wide outputs
	// are closer to the float model.
	rng := rand.New(rand.NewSource(9))
	sw, sn := float64(wideScale(wide)), float64(wideScale(narrow))
	var ew, en float64
	for k := 0; k < 32; k++ {
		x := tensor.New(tensor.Float32, 1, 2, 6, 6)
		for i := range x.F32 {
			x.F32[i] = float32(2*rng.Float64() - 1)
		}
		in := []*tensor.Tensor{x}
		ref, err := interp.Run(g, in)
		if err != nil {
			t.Fatal(err)
		}
		ow, err := interp.Run(wide, in)
		if err != nil {
			t.Fatal(err)
		}
		on, err := interp.Run(narrow, in)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < ref[1].Len(); i++ {
			r, w, n := ref[1].Float64At(i), ow[1].Float64At(i), on[1].Float64At(i)
			ew, en = ew+(w-r)*(w-r), en+(n-r)*(n-r)
			if code := math.Round(n / sn); code > -128 && code < 127 && math.Abs(w-n) > (sn+sw)/2*1.0001 {
				t.Fatalf("input %d, fc2 output %d: %g with 16-bit codes, %g with 8-bit (scale %g): more than half a code apart", k, i, w, n, sn)
			}
		}
	}
	t.Logf("squared error of fc2 over 32 inputs: %.4g with 16-bit outputs, %.4g with 8-bit", ew, en)
	if !(ew < en) {
		t.Errorf("squared error of fc2 over 32 inputs: %g with 16-bit outputs, %g with 8-bit; want smaller", ew, en)
	}
}

// wideScale is the output scale of the last qfc (fc2).
func wideScale(g *ir.Graph) float32 {
	var s float32
	for _, n := range g.Nodes {
		if n.Op == ir.OpQFC {
			s = n.Outputs[0].Quant.Scale[0]
		}
	}
	return s
}
