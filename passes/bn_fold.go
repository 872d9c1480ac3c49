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
// output directly; the old constants are left for dce, never modified. Any
// other batch_norm with constant parameters becomes mul and add by
// per-channel constants, so no batch_norm reaches the canonical stage.
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
	// Normalize the gemms feeding a batch_norm first, so they fold like fc.
	uses := g.Uses()
	gemms, err := rewriteNodes(g, func(n *ir.Node) ([]*ir.Node, bool, error) {
		if n.Op != ir.OpGemm || len(n.Outputs) != 1 || !singleUse(g, uses, n.Outputs[0]) {
			return nil, false, nil
		}
		if u := uses[n.Outputs[0]][0]; u.Op != ir.OpBatchNorm || u.Inputs[0] != n.Outputs[0] {
			return nil, false, nil
		}
		return canonGemm(g, n, nm)
	})
	if err != nil {
		return false, err
	}
	ctx.Count("gemms normalized to fc", gemms)
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
