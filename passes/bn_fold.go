package passes

import (
	"math"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// bn-fold removes every foldable batch_norm. Inference batch normalization
// is a per-channel affine map y = a*x + c with a = scale/sqrt(var+eps) and
// c = bias - mean*a. When x is produced by a conv or fc (a gemm with a
// constant B is first normalized to fc, as matmul-canon does) that nothing
// else reads, the map is folded into new weight and bias constants
// (w'[f] = a[f]*w[f], b' = a*b + c) and the conv/fc writes the batch_norm's
// output directly; the old constants are left for dce, never modified.
// Otherwise, when the only reader of y is an fc, directly or through a
// reshape flattening [M, C, spatial...] to [M, C*S] (a batch_norm before the
// classifier, as after a ReLU), the map is folded into that fc's input
// columns: w'[n,k] = w[n,k]*a[k/S], b'[n] = b[n] + sum_k w[n,k]*c[k/S]; this
// is exact, unlike folding into a following conv, where zero padding would
// see c. Any other batch_norm with constant parameters becomes mul and add
// by per-channel constants, so no batch_norm reaches the canonical stage.
//
// Only f32 and f64 graphs are rewritten (16-bit floats would need a rounding
// the model never did); a batch_norm with non-constant parameters stays, and
// canonical-stage then reports it.
func init() {
	Register(&Info{
		Name:     "bn-fold",
		Summary:  "fold batch_norm into the preceding conv/fc, or lower it to mul+add",
		Needs:    []ir.Stage{ir.StageImport, ir.StageCanonical},
		Produces: SameStage,
		New:      func(Options) (Pass, error) { return PassFunc(runBNFold), nil },
	})
}

func runBNFold(ctx *Context, g *ir.Graph) (bool, error) {
	nm := newNamer(g)
	// Normalize the gemms next to a batch_norm first, so they fold like fc.
	uses := g.Uses()
	gemms, err := rewriteNodes(g, func(n *ir.Node) ([]*ir.Node, bool, error) {
		if n.Op != ir.OpGemm || len(n.Outputs) != 1 || !(feedsBN(g, uses, n.Outputs[0]) || fedByBN(n.Input(0))) {
			return nil, false, nil
		}
		return canonGemm(g, n, nm)
	})
	if err != nil {
		return false, err
	}
	ctx.Count("gemms normalized", gemms)
	uses = g.Uses()
	changed := gemms > 0
	n, err := rewriteNodes(g, func(n *ir.Node) ([]*ir.Node, bool, error) {
		if n.Op != ir.OpBatchNorm {
			return nil, false, nil
		}
		a, c, ok := bnAffine(n)
		if !ok {
			ctx.Count("batch_norms kept", 1)
			return nil, false, nil
		}
		x := n.Inputs[0]
		if p := x.Def; p != nil && singleUse(g, uses, x) && foldIntoProducer(g, nm, p, n.Outputs[0], a, c) {
			ctx.Count("folded into "+string(p.Op), 1)
			return []*ir.Node{}, true, nil
		}
		if foldIntoConsumer(g, nm, uses, n, a, c) {
			ctx.Count("folded into the next fc", 1)
			return []*ir.Node{}, true, nil
		}
		ctx.Count("lowered to mul+add", 1)
		return lowerBN(g, nm, n, a, c), true, nil
	})
	if err != nil {
		return false, err
	}
	if changed || n > 0 {
		orderConsts(g)
	}
	return changed || n > 0, nil
}

// feedsBN reports whether v's only reader is a batch_norm (as its x).
func feedsBN(g *ir.Graph, uses map[*ir.Value][]*ir.Node, v *ir.Value) bool {
	if !singleUse(g, uses, v) {
		return false
	}
	u := uses[v][0]
	return u.Op == ir.OpBatchNorm && u.Inputs[0] == v
}

// isView reports whether op only reinterprets the shape (row-major order
// kept): reshape and the ops reshape-canon turns into it.
func isView(op ir.Op) bool {
	return op == ir.OpReshape || op == ir.OpFlatten || op == ir.OpSqueeze || op == ir.OpUnsqueeze
}

// fedByBN reports whether v is a batch_norm's output, possibly reshaped.
func fedByBN(v *ir.Value) bool {
	if v != nil && v.Def != nil && isView(v.Def.Op) && len(v.Def.Inputs) == 1 {
		v = v.Def.Inputs[0]
	}
	return v != nil && v.Def != nil && v.Def.Op == ir.OpBatchNorm
}

// bnAffine returns the per-channel a and c of batch_norm n, or ok=false
// when it cannot be rewritten (non-constant parameters, 16-bit floats).
func bnAffine(n *ir.Node) (a, c []float64, ok bool) {
	if len(n.Inputs) != 5 || len(n.Outputs) != 1 || n.Inputs[0] == nil || !foldableFloat(n.Inputs[0].Type.DType) {
		return nil, nil, false
	}
	x := n.Inputs[0]
	if len(x.Type.Shape) < 2 {
		return nil, nil, false
	}
	ch := x.Type.Shape[1]
	var p [4][]float64
	for i := range p {
		v := n.Inputs[i+1]
		if !v.IsConst() || !foldableFloat(v.Type.DType) || v.Const.Len() != ch {
			return nil, nil, false
		}
		p[i] = float64s(v.Const)
	}
	scale, bias, mean, variance := p[0], p[1], p[2], p[3]
	eps := float64(n.Float("epsilon", 1e-5))
	a, c = make([]float64, ch), make([]float64, ch)
	for i := range a {
		a[i] = scale[i] / math.Sqrt(variance[i]+eps)
		c[i] = bias[i] - mean[i]*a[i]
	}
	return a, c, true
}

// foldIntoProducer folds y = a*x + c into conv/fc p (whose only output x
// feeds the batch_norm producing y): new scaled weights and bias, and p
// then defines y. Both ops keep the output channel on axis 0 of w.
func foldIntoProducer(g *ir.Graph, nm *namer, p *ir.Node, y *ir.Value, a, c []float64) bool {
	if p.Op != ir.OpConv && p.Op != ir.OpFC || len(p.Outputs) != 1 || len(p.Inputs) < 2 {
		return false
	}
	w, b := p.Inputs[1], p.Input(2)
	if !w.IsConst() || !foldableFloat(w.Type.DType) || len(w.Type.Shape) < 2 || w.Type.Shape[0] != len(a) {
		return false
	}
	if b != nil && (!b.IsConst() || b.Type.DType != w.Type.DType || b.Const.Len() != len(a)) {
		return false
	}
	bv := make([]float64, len(a))
	for f := range bv {
		if b != nil {
			bv[f] = b.Const.Float64At(f)
		}
		bv[f] = bv[f]*a[f] + c[f]
	}
	dt := w.Type.DType
	newW := g.AddConst(nm.fresh(w.Name, ".bn"), scaleRows(w.Const, a))
	bName := ""
	if w.Name != "" {
		bName = w.Name + ".bias"
	}
	if b != nil {
		bName = b.Name
	}
	newB := g.AddConst(nm.fresh(bName, ".bn"), makeFloat(dt, bv, len(a)))
	p.Inputs = []*ir.Value{p.Inputs[0], newW, newB}
	p.Outputs[0] = y
	y.Def = p
	return true
}

// lowerBN replaces batch_norm n by mul and add with constants shaped
// [C, 1, ...] so they broadcast along axis 1 of x.
func lowerBN(g *ir.Graph, nm *namer, n *ir.Node, a, c []float64) []*ir.Node {
	x, y := n.Inputs[0], n.Outputs[0]
	shape := make([]int, len(x.Type.Shape)-1)
	for i := range shape {
		shape[i] = 1
	}
	shape[0] = len(a)
	dt := x.Type.DType
	scaleName, biasName := "", ""
	if n.Name != "" {
		scaleName, biasName = n.Name+".scale", n.Name+".shift"
	}
	av := g.AddConst(nm.fresh(scaleName, ""), makeFloat(dt, a, shape...))
	cv := g.AddConst(nm.fresh(biasName, ""), makeFloat(dt, c, shape...))
	mid := newValue(x.Type)
	mul := newNode(ir.OpMul, n, nil, []*ir.Value{x, av}, mid)
	add := newNode(ir.OpAdd, n, nil, []*ir.Value{mid, cv}, y)
	return []*ir.Node{mul, add}
}

// scaleRows returns a new tensor: t (f32 or f64, axis 0 of length len(a))
// with every slice t[f] multiplied by a[f], each product rounded once.
func scaleRows(t *tensor.Tensor, a []float64) *tensor.Tensor {
	out := tensor.New(t.DType, t.Shape...)
	per := t.Len() / len(a)
	for f, s := range a {
		lo, hi := f*per, (f+1)*per
		switch {
		case t.F32 != nil:
			for i := lo; i < hi; i++ {
				out.F32[i] = float32(float64(t.F32[i]) * s)
			}
		case t.F64 != nil:
			for i := lo; i < hi; i++ {
				out.F64[i] = t.F64[i] * s
			}
		default:
			panic("BUG: scaleRows: not a float tensor")
		}
	}
	return out
}

// foldIntoConsumer folds y = a*x + c (batch_norm bn) into the fc reading y,
// directly or through one flattening view op, when y and the reshape output
// have no other reader. The fc (or reshape) then reads x.
func foldIntoConsumer(g *ir.Graph, nm *namer, uses map[*ir.Value][]*ir.Node, bn *ir.Node, a, c []float64) bool {
	x, y := bn.Inputs[0], bn.Outputs[0]
	if !singleUse(g, uses, y) {
		return false
	}
	u, feed := uses[y][0], y
	var rs *ir.Node
	if isView(u.Op) && len(u.Outputs) == 1 {
		rs, feed = u, u.Outputs[0]
		if !singleUse(g, uses, feed) {
			return false
		}
		u = uses[feed][0]
	}
	if u.Op != ir.OpFC || len(u.Inputs) < 2 || u.Inputs[0] != feed || len(u.Outputs) != 1 {
		return false
	}
	w, b := u.Inputs[1], u.Input(2)
	xs, fs := x.Type.Shape, feed.Type.Shape
	if !w.IsConst() || !foldableFloat(w.Type.DType) || len(w.Type.Shape) != 2 || len(fs) != 2 || fs[0] != xs[0] {
		return false
	}
	N, K := w.Type.Shape[0], w.Type.Shape[1]
	S := tensor.NumElems(xs[2:])
	if K != fs[1] || K != len(a)*S {
		return false
	}
	if b != nil && (!b.IsConst() || b.Const.Len() != N) {
		return false
	}
	wt := w.Const
	newW := tensor.New(wt.DType, N, K)
	bv := make([]float64, N)
	for n := 0; n < N; n++ {
		sum := 0.0
		if b != nil {
			sum = b.Const.Float64At(n)
		}
		for k := 0; k < K; k++ {
			wk := wt.Float64At(n*K + k)
			ch := k / S
			sum += wk * c[ch]
			if newW.F32 != nil {
				newW.F32[n*K+k] = float32(wk * a[ch])
			} else {
				newW.F64[n*K+k] = wk * a[ch]
			}
		}
		bv[n] = sum
	}
	bName := ""
	if w.Name != "" {
		bName = w.Name + ".bias"
	}
	if b != nil {
		bName = b.Name
	}
	u.Inputs = []*ir.Value{u.Inputs[0], g.AddConst(nm.fresh(w.Name, ".bn"), newW), g.AddConst(nm.fresh(bName, ".bn"), makeFloat(wt.DType, bv, N))}
	if rs != nil {
		rs.Inputs[0] = x
		uses[x] = append(uses[x], rs)
	} else {
		u.Inputs[0] = x
		uses[x] = append(uses[x], u)
	}
	return true
}
