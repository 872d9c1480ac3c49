package passes

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

// randomGraph builds a random CNN-like chain from seed: convolutions,
// batch norms, activations, identities and view ops on NCHW values, then
// matrix products (gemm with random attributes, matmul + bias add) on 2-D
// values, with some intermediate values made extra graph outputs so the
// passes meet the output-naming constraints.
func randomGraph(t testing.TB, seed int64) *ir.Graph {
	b := newBuilder(t)
	b.rng = rand.New(rand.NewSource(seed))
	r := b.rng
	c, hw := 1+r.Intn(3), 3+r.Intn(4)
	v := b.input("x", 1, c, hw, hw)
	var outs []*ir.Value
	steps := 3 + r.Intn(8)
	for i := 0; i < steps; i++ {
		switch r.Intn(9) {
		case 0, 1:
			v = b.conv2d(v, 1+r.Intn(4), 1+2*r.Intn(2), r.Intn(2) == 0)
		case 2, 3:
			v = b.batchNorm(v)
		case 4:
			v = b.node(ir.OpRelu, nil, v)
		case 5:
			v = b.node([]ir.Op{ir.OpIdentity, ir.OpDropout}[r.Intn(2)], nil, v)
		case 6:
			u := b.node(ir.OpUnsqueeze, ir.Attrs{"axes": ir.IntsAttr(0)}, v)
			v = b.node(ir.OpSqueeze, ir.Attrs{"axes": ir.IntsAttr(0)}, u)
		case 7:
			// Residual: conv keeping the channels, summed with the input.
			s := v.Type.Shape
			w := b.randConst(fmt.Sprintf("rw%d", i), -0.5, 0.5, s[1], s[1], 3, 3)
			y := b.node(ir.OpConv, ir.Attrs{"strides": ir.IntsAttr(1, 1), "pads": ir.IntsAttr(1, 1, 1, 1), "dilations": ir.IntsAttr(1, 1), "group": ir.IntAttr(1)}, v, w)
			v = b.node(ir.OpAdd, nil, b.batchNorm(y), v)
		case 8:
			outs = append(outs, v)
		}
	}
	v = b.node(ir.OpFlatten, ir.Attrs{"axis": ir.IntAttr(1)}, v)
	if r.Intn(2) == 0 {
		v = b.batchNorm(v)
	}
	for i := 0; i < 1+r.Intn(3); i++ {
		k, n := v.Type.Shape[1], 1+r.Intn(6)
		switch r.Intn(3) {
		case 0:
			attrs := ir.Attrs{"alpha": ir.FloatAttr(float32(0.5 + r.Float64())), "beta": ir.FloatAttr(float32(r.Intn(3)))}
			wShape := []int{k, n}
			if r.Intn(2) == 0 {
				attrs["trans_b"] = ir.IntAttr(1)
				wShape = []int{n, k}
			}
			ins := []*ir.Value{v, b.randConst(fmt.Sprintf("gw%d", i), -0.5, 0.5, wShape...)}
			if r.Intn(3) > 0 {
				ins = append(ins, b.randConst(fmt.Sprintf("gc%d", i), -1, 1, [][]int{{n}, {1, n}, {1}, {1, 1}}[r.Intn(4)]...))
			}
			v = b.node(ir.OpGemm, attrs, ins...)
		case 1:
			v = b.node(ir.OpMatMul, nil, v, b.randConst(fmt.Sprintf("mw%d", i), -0.5, 0.5, k, n))
			v = b.node(ir.OpAdd, nil, v, b.randConst(fmt.Sprintf("mb%d", i), -1, 1, n))
		case 2:
			v = b.batchNorm(b.node(ir.OpRelu, nil, v))
		}
		if r.Intn(4) == 0 {
			outs = append(outs, v)
		}
	}
	return b.output(append(outs, v)...)
}

// TestRandomGraphs canonicalizes random graphs (and runs every float pass
// alone on them) with the differential check.
func TestRandomGraphs(t *testing.T) {
	n := 60
	if testing.Short() {
		n = 20
	}
	for seed := int64(0); seed < int64(n); seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			checkRandomGraph(t, seed)
		})
	}
}

func checkRandomGraph(t *testing.T, seed int64) {
	for _, p := range floatPasses {
		g := randomGraph(t, seed)
		mustVerify(t, g)
		checkPipeline(t, g, p)
		checkIdempotent(t, g, p)
		if p == "canonicalize" && g.Stage != ir.StageCanonical {
			t.Errorf("stage %v", g.Stage)
		}
	}
}

// FuzzCanonicalize explores more seeds: go test -fuzz=FuzzCanonicalize ./passes
func FuzzCanonicalize(f *testing.F) {
	f.Add(int64(1000))
	f.Fuzz(func(t *testing.T, seed int64) { checkRandomGraph(t, seed) })
}
