package passes

import (
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// matmul-canon normalizes matrix products into the canonical fc op
// (x [M,K], w [N,K], b [N]: y = x*w^T + b), the form the mapper puts on the
// crossbars:
//
//   - gemm with a constant B, any alpha/beta/trans_a/trans_b: w = alpha*B'
//     transposed to [N,K] at compile time; a C that is constant and constant
//     along M becomes b = beta*C; any other C is added after the fc (times
//     beta, folded into the constant or as a mul); trans_a inserts a
//     transpose of the activation (rare: exporters do not emit it).
//   - gemm with a non-constant B stays a matrix product of two activations:
//     it is lowered to matmul (with transposes for trans_a/trans_b, and mul/
//     add for alpha, beta and C), which is legal at the canonical stage;
//     matmul-canon does not try to turn it into fc.
//   - matmul of a 2-D activation by a constant 2-D B: fc with w = B^T.
//     Batched or 1-D matmuls are left alone.
//   - an fc whose only user adds a constant vector (shape [N], [1,N], [1]
//     or scalar) absorbs it into its bias: the exporters' MatMul+Add.
//
// Only f32 and f64 are rewritten (see foldableFloat).
func init() {
	Register(&Info{
		Name:     "matmul-canon",
		Summary:  "normalize gemm and matmul by constant weights (+ bias add) into fc",
		Needs:    []ir.Stage{ir.StageImport, ir.StageCanonical},
		Produces: SameStage,
		New:      func(Options) (Pass, error) { return PassFunc(runMatMulCanon), nil },
	})
}

func runMatMulCanon(ctx *Context, g *ir.Graph) (bool, error) {
	nm := newNamer(g)
	gemms, mms := 0, 0
	_, err := rewriteNodes(g, func(n *ir.Node) ([]*ir.Node, bool, error) {
		switch n.Op {
		case ir.OpGemm:
			repl, ok, err := canonGemm(g, n, nm)
			if ok {
				gemms++
			}
			return repl, ok, err
		case ir.OpMatMul:
			repl, ok := canonMatMul(g, n, nm)
			if ok {
				mms++
			}
			return repl, ok, nil
		}
		return nil, false, nil
	})
	if err != nil {
		return false, err
	}
	biases := fuseFCBias(g, nm)
	ctx.Count("gemms rewritten", gemms)
	ctx.Count("matmuls to fc", mms)
	ctx.Count("bias adds fused", biases)
	changed := gemms+mms+biases > 0
	if changed {
		orderConsts(g)
	}
	return changed, nil
}

// transposed returns a new tensor holding the [cols, rows] transpose of a
// 2-D f32/f64 tensor, times scale. It works in the tensor's own storage:
// fc weights can have 10^8 elements (VGG's fc6).
func transposed(t *tensor.Tensor, scale float64) *tensor.Tensor {
	r, c := t.Shape[0], t.Shape[1]
	out := tensor.New(t.DType, c, r)
	switch {
	case t.F32 != nil:
		for i := 0; i < r; i++ {
			row := t.F32[i*c : (i+1)*c]
			for j, v := range row {
				out.F32[j*r+i] = mulF32(v, scale)
			}
		}
	case t.F64 != nil:
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				out.F64[j*r+i] = scale * t.F64[i*c+j]
			}
		}
	default:
		panic("BUG: transposed: not a float tensor")
	}
	return out
}

// scaled returns a new tensor holding scale*t (f32 or f64).
func scaled(t *tensor.Tensor, scale float64) *tensor.Tensor {
	out := tensor.New(t.DType, t.Shape...)
	switch {
	case t.F32 != nil:
		for i, v := range t.F32 {
			out.F32[i] = mulF32(v, scale)
		}
	case t.F64 != nil:
		for i, v := range t.F64 {
			out.F64[i] = scale * v
		}
	default:
		panic("BUG: scaled: not a float tensor")
	}
	return out
}

// mulF32 is v*scale rounded once to float32 (exactly v when scale is 1).
func mulF32(v float32, scale float64) float32 {
	if scale == 1 {
		return v
	}
	return float32(float64(v) * scale)
}

// canonGemm returns the nodes replacing gemm n (the last one defines n's
// output), or ok=false to leave n alone.
func canonGemm(g *ir.Graph, n *ir.Node, nm *namer) ([]*ir.Node, bool, error) {
	if len(n.Inputs) < 2 || len(n.Outputs) != 1 || n.Inputs[0] == nil || n.Inputs[1] == nil {
		return nil, false, nil
	}
	a, b, c, y := n.Inputs[0], n.Inputs[1], n.Input(2), n.Outputs[0]
	dt := y.Type.DType
	if !foldableFloat(dt) || len(a.Type.Shape) != 2 || len(b.Type.Shape) != 2 || len(y.Type.Shape) != 2 {
		return nil, false, nil
	}
	alpha, beta := float64(n.Float("alpha", 1)), float64(n.Float("beta", 1))
	transA, transB := n.Int("trans_a", 0) != 0, n.Int("trans_b", 0) != 0
	if c != nil && beta == 0 {
		c = nil
	}
	var nodes []*ir.Node
	x := a
	if transA {
		x = newValue(ir.Type{DType: dt, Shape: []int{a.Type.Shape[1], a.Type.Shape[0]}})
		nodes = append(nodes, newNode(ir.OpTranspose, n, ir.Attrs{"perm": ir.IntsAttr(1, 0)}, []*ir.Value{a}, x))
	}
	N := y.Type.Shape[1]

	if !b.IsConst() || b.Type.DType != dt {
		// Two activations: matmul (legal at the canonical stage).
		bb := b
		if transB {
			bb = newValue(ir.Type{DType: dt, Shape: []int{b.Type.Shape[1], b.Type.Shape[0]}})
			nodes = append(nodes, newNode(ir.OpTranspose, n, ir.Attrs{"perm": ir.IntsAttr(1, 0)}, []*ir.Value{b}, bb))
		}
		prod := newValue(y.Type)
		nodes = append(nodes, newNode(ir.OpMatMul, n, nil, []*ir.Value{x, bb}, prod))
		if alpha != 1 {
			scaledV := newValue(y.Type)
			nodes = append(nodes, newNode(ir.OpMul, n, nil, []*ir.Value{prod, scalarConst(g, dt, alpha)}, scaledV))
			prod = scaledV
		}
		if c != nil {
			cc, extra := scaleBy(g, n, nm, c, beta)
			nodes = append(nodes, extra...)
			nodes = append(nodes, newNode(ir.OpAdd, n, nil, []*ir.Value{prod, cc}, newValue(y.Type)))
		}
		// The last node defines the gemm's output value (and name).
		last := nodes[len(nodes)-1]
		last.Outputs[0] = y
		y.Def = last
		return nodes, true, nil
	}

	var w *tensor.Tensor
	if transB {
		w = scaled(b.Const, alpha) // B is [N,K] already
	} else {
		w = transposed(b.Const, alpha) // B is [K,N]
	}
	wv := g.AddConst(nm.fresh(b.Name, ".fc"), w)
	inputs := []*ir.Value{x, wv}
	var tail []*ir.Node
	fcOut := y
	if c != nil {
		vec, ok := []float64(nil), false
		if c.IsConst() && c.Type.DType == dt && len(c.Type.Shape) <= 2 {
			vec, ok = vectorOf(c.Const, N)
		}
		if ok {
			for i := range vec {
				vec[i] *= beta
			}
			inputs = append(inputs, g.AddConst(nm.fresh(c.Name, ".fc"), makeFloat(dt, vec, N)))
		} else {
			fcOut = newValue(y.Type)
			cc, extra := scaleBy(g, n, nm, c, beta)
			tail = append(extra, newNode(ir.OpAdd, n, nil, []*ir.Value{fcOut, cc}, y))
		}
	}
	nodes = append(nodes, newNode(ir.OpFC, n, nil, inputs, fcOut))
	return append(nodes, tail...), true, nil
}

// scaleBy returns beta*c: c itself when beta is 1, a new constant when c is
// constant, else the output of a new mul node (returned in extra).
func scaleBy(g *ir.Graph, from *ir.Node, nm *namer, c *ir.Value, beta float64) (*ir.Value, []*ir.Node) {
	if beta == 1 {
		return c, nil
	}
	dt := c.Type.DType
	if c.IsConst() && foldableFloat(dt) {
		return g.AddConst(nm.fresh(c.Name, ".scaled"), scaled(c.Const, beta)), nil
	}
	out := newValue(c.Type)
	return out, []*ir.Node{newNode(ir.OpMul, from, nil, []*ir.Value{c, scalarConst(g, dt, beta)}, out)}
}

// canonMatMul turns matmul(x [M,K], constant B [K,N]) into fc(x, B^T).
func canonMatMul(g *ir.Graph, n *ir.Node, nm *namer) ([]*ir.Node, bool) {
	if len(n.Inputs) != 2 || len(n.Outputs) != 1 || n.Inputs[0] == nil || n.Inputs[1] == nil {
		return nil, false
	}
	x, b, y := n.Inputs[0], n.Inputs[1], n.Outputs[0]
	dt := y.Type.DType
	if !foldableFloat(dt) || x.IsConst() || !b.IsConst() || b.Type.DType != dt || len(x.Type.Shape) != 2 || len(b.Type.Shape) != 2 {
		return nil, false
	}
	w := g.AddConst(nm.fresh(b.Name, ".fc"), transposed(b.Const, 1))
	return []*ir.Node{newNode(ir.OpFC, n, nil, []*ir.Value{x, w}, y)}, true
}

// fuseFCBias folds add(fc(x, w, b?), constant vector) into the fc's bias
// when the add is the fc output's only user and does not broadcast it to a
// larger shape.
func fuseFCBias(g *ir.Graph, nm *namer) int {
	uses := g.Uses()
	dead := map[*ir.Node]bool{}
	for _, f := range g.Nodes {
		if f.Op != ir.OpFC || len(f.Outputs) != 1 || len(f.Inputs) < 2 || dead[f] {
			continue
		}
		y := f.Outputs[0]
		if !singleUse(g, uses, y) || !foldableFloat(y.Type.DType) || len(y.Type.Shape) != 2 {
			continue
		}
		add := uses[y][0]
		if add.Op != ir.OpAdd || len(add.Inputs) != 2 || len(add.Outputs) != 1 || !add.Outputs[0].Type.Equal(y.Type) {
			continue
		}
		c := add.Inputs[1]
		if add.Inputs[1] == y {
			c = add.Inputs[0]
		}
		if c == y || !c.IsConst() || c.Type.DType != y.Type.DType {
			continue
		}
		N := y.Type.Shape[1]
		vec, ok := vectorOf(c.Const, N)
		if !ok {
			continue
		}
		name := c.Name
		if old := f.Input(2); old != nil {
			if !old.IsConst() || old.Const.Len() != N {
				continue
			}
			for i := range vec {
				vec[i] += old.Const.Float64At(i)
			}
			name = old.Name
		}
		bias := g.AddConst(nm.fresh(name, ".fc"), makeFloat(y.Type.DType, vec, N))
		f.Inputs = []*ir.Value{f.Inputs[0], f.Inputs[1], bias}
		out := add.Outputs[0]
		f.Outputs[0] = out
		out.Def = f
		dead[add] = true
	}
	dropNodes(g, dead)
	return len(dead)
}
