package passes

import (
	"fmt"
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

type gemmCase struct {
	alpha, beta    float32
	transA, transB bool
	c              []int // shape of C; nil: absent
	constC         bool
	constB         bool
}

func (c gemmCase) String() string {
	return fmt.Sprintf("alpha=%v,beta=%v,tA=%v,tB=%v,C=%v,constC=%v,constB=%v", c.alpha, c.beta, c.transA, c.transB, c.c, c.constC, c.constB)
}

// gemmGraph: M=3, K=5, N=4, followed by a relu so the result has a user.
func gemmGraph(t *testing.T, tc gemmCase) *ir.Graph {
	b := newBuilder(t)
	M, K, N := 3, 5, 4
	a := b.input("a", M, K)
	if tc.transA {
		a = b.input("a", K, M)
	}
	bShape := []int{K, N}
	if tc.transB {
		bShape = []int{N, K}
	}
	var bv *ir.Value
	if tc.constB {
		bv = b.randConst("B", -1, 1, bShape...)
	} else {
		bv = b.input("B", bShape...)
	}
	ins := []*ir.Value{a, bv}
	if tc.c != nil {
		if tc.constC {
			ins = append(ins, b.randConst("C", -1, 1, tc.c...))
		} else {
			ins = append(ins, b.input("C", tc.c...))
		}
	}
	attrs := ir.Attrs{"alpha": ir.FloatAttr(tc.alpha), "beta": ir.FloatAttr(tc.beta)}
	if tc.transA {
		attrs["trans_a"] = ir.IntAttr(1)
	}
	if tc.transB {
		attrs["trans_b"] = ir.IntAttr(1)
	}
	y := b.node(ir.OpGemm, attrs, ins...)
	return b.output(b.node(ir.OpRelu, nil, y), y)
}

func TestMatMulCanonGemm(t *testing.T) {
	var cases []gemmCase
	for _, ab := range [][2]float32{{1, 1}, {0.5, 2}, {-1.5, 0}} {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, c := range [][]int{nil, {4}, {1, 4}, {}, {1}, {3, 4}, {3, 1}} {
					for _, constC := range []bool{true, false} {
						for _, constB := range []bool{true, false} {
							if c == nil && !constC {
								continue
							}
							cases = append(cases, gemmCase{ab[0], ab[1], tA, tB, c, constC, constB})
						}
					}
				}
			}
		}
	}
	for _, tc := range cases {
		g := gemmGraph(t, tc)
		checkPipeline(t, g, "matmul-canon,dce")
		cnt := countOps(g)
		if cnt[ir.OpGemm] != 0 {
			t.Errorf("%v: gemm left", tc)
		}
		if tc.constB && cnt[ir.OpFC] != 1 {
			t.Errorf("%v: no fc: %v", tc, cnt)
		}
		if !tc.constB && cnt[ir.OpMatMul] != 1 {
			t.Errorf("%v: no matmul: %v", tc, cnt)
		}
		// Constant B with a vector-like constant C: a single fc node.
		vecC := tc.c == nil || tc.beta == 0 || tc.constC && !(len(tc.c) == 2 && tc.c[0] == 3)
		if tc.constB && vecC && !tc.transA && len(g.Nodes) != 2 {
			t.Errorf("%v: %d nodes, want fc+relu:\n%s", tc, len(g.Nodes), g)
		}
		if g.Outputs[1].Name == "" {
			t.Errorf("%v: the gemm output lost its name", tc)
		}
		checkIdempotent(t, g, "matmul-canon,dce")
	}
}

func TestMatMulCanonMatMulAdd(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 2, 6)
	w := b.randConst("W", -1, 1, 6, 5)
	mm := b.node(ir.OpMatMul, nil, x, w)
	y := b.node(ir.OpAdd, nil, b.randConst("bias", -1, 1, 5), mm) // bias first
	z := b.node(ir.OpRelu, nil, y)
	// Not fused: the add broadcasts a matrix, and the second matmul has two users.
	mm2 := b.node(ir.OpMatMul, nil, z, b.randConst("W2", -1, 1, 5, 3))
	y2 := b.node(ir.OpAdd, nil, mm2, b.randConst("bias2", -1, 1, 2, 3))
	y3 := b.node(ir.OpAdd, nil, mm2, b.randConst("bias3", -1, 1, 3))
	// Batched matmul: left alone.
	x3 := b.input("x3", 2, 2, 6)
	y4 := b.node(ir.OpMatMul, nil, x3, w)
	g := b.output(y2, y3, y4)
	m := checkPipeline(t, g, "matmul-canon,dce")
	c := countOps(g)
	if c[ir.OpFC] != 2 || c[ir.OpMatMul] != 1 || c[ir.OpAdd] != 2 {
		t.Errorf("ops after: %v\n%s", c, g)
	}
	if f := z.Def.Inputs[0].Def; f.Op != ir.OpFC || len(f.Inputs) != 3 || f.Outputs[0] != y {
		t.Errorf("matmul+add not fused into fc with bias:\n%s", g)
	}
	if got := m.Stats().Get("matmul-canon", "bias adds fused"); got != 1 {
		t.Errorf("fused %d bias adds, want 1", got)
	}
	checkIdempotent(t, g, "matmul-canon,dce")
}
