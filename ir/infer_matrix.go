package ir

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// Shape functions of the matrix products: gemm, matmul and fc.

func inferGemm(n *Node) ([]Type, error) {
	a, b, err := inPair(n, in)
	if err != nil {
		return nil, err
	}
	if len(a.Shape) != 2 || len(b.Shape) != 2 {
		return nil, fmt.Errorf("operands have ranks %d and %d, want 2 and 2", len(a.Shape), len(b.Shape))
	}
	if err := sameDType(a, b, "input 1"); err != nil {
		return nil, err
	}
	m, k := a.Shape[0], a.Shape[1]
	if n.Int("trans_a", 0) != 0 {
		m, k = k, m
	}
	k2, nn := b.Shape[0], b.Shape[1]
	if n.Int("trans_b", 0) != 0 {
		k2, nn = nn, k2
	}
	if k != k2 {
		return nil, fmt.Errorf("inner dimensions differ: A' is [%d,%d], B' is [%d,%d]", m, k, k2, nn)
	}
	out := []int{m, nn}
	if c := n.Input(2); c != nil {
		if err := sameDType(a, c.Type, "input 2"); err != nil {
			return nil, err
		}
		bc, err := BroadcastShapes(out, c.Type.Shape)
		if err != nil || !tensor.SameShape(bc, out) {
			return nil, fmt.Errorf("C %s does not broadcast to [%d,%d]", tensor.ShapeString(c.Type.Shape), m, nn)
		}
	}
	return one(typ(a.DType, out)), nil
}

func inferMatMul(n *Node) ([]Type, error) {
	a, b, err := inPair(n, in)
	if err != nil {
		return nil, err
	}
	if err := sameDType(a, b, "input 1"); err != nil {
		return nil, err
	}
	if len(a.Shape) == 0 || len(b.Shape) == 0 {
		return nil, fmt.Errorf("matmul of a scalar")
	}
	as, bs := a.Shape, b.Shape
	if len(as) == 1 {
		as = []int{1, as[0]}
	}
	if len(bs) == 1 {
		bs = []int{bs[0], 1}
	}
	m, k := as[len(as)-2], as[len(as)-1]
	k2, nn := bs[len(bs)-2], bs[len(bs)-1]
	if k != k2 {
		return nil, fmt.Errorf("inner dimensions differ: %s x %s", tensor.ShapeString(a.Shape), tensor.ShapeString(b.Shape))
	}
	batch, err := BroadcastShapes(as[:len(as)-2], bs[:len(bs)-2])
	if err != nil {
		return nil, fmt.Errorf("batch dimensions: %w", err)
	}
	out := batch
	if len(a.Shape) > 1 {
		out = append(out, m)
	}
	if len(b.Shape) > 1 {
		out = append(out, nn)
	}
	return one(typ(a.DType, out)), nil
}

func inferFC(n *Node) ([]Type, error) {
	x, w, err := inPair(n, in)
	if err != nil {
		return nil, err
	}
	if len(x.Shape) != 2 || len(w.Shape) != 2 {
		return nil, fmt.Errorf("x and w have ranks %d and %d, want 2 and 2", len(x.Shape), len(w.Shape))
	}
	if x.Shape[1] != w.Shape[1] {
		return nil, fmt.Errorf("x %s and w %s: K differs", tensor.ShapeString(x.Shape), tensor.ShapeString(w.Shape))
	}
	if b := n.Input(2); b != nil && !tensor.SameShape(b.Type.Shape, []int{w.Shape[0]}) {
		return nil, fmt.Errorf("bias %s, want [%d]", tensor.ShapeString(b.Type.Shape), w.Shape[0])
	}
	return one(typ(x.DType, []int{x.Shape[0], w.Shape[0]})), nil
}
