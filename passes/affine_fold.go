package passes

import (
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// affine-fold removes per-channel multiplications and additions by
// constants (the Caffe "Scale" layers of converted models, batch norms that
// bn-fold lowered to mul+add, input rescaling): a mul or add whose other
// operand is a constant that varies at most along axis 1 (shape [C,1,1],
// [1,C,1,1], [C] on 2-D values, or a scalar) and does not broadcast the
// value to a larger shape is
//
//   - folded into the conv or fc producing its input when that output has
//     no other reader: mul scales the weights and bias of each output
//     channel, add shifts the bias (new constants, as in bn-fold);
//   - otherwise merged with the per-channel mul/add producing its input:
//     mul(mul(x,a),b) = mul(x,a*b), add(add(x,a),b) = add(x,a+b), and
//     mul(add(x,a),b) = add(mul(x,b),a*b), so any chain becomes at most one
//     mul followed by one add.
//
// The sweep repeats until nothing changes (a reordered mul may then fold
// into its own producer). Folding into a following layer is not done: zero
// padding would see the shift. Only f32/f64 values are rewritten.
func init() {
	Register(&Info{
		Name:     "affine-fold",
		Summary:  "fold per-channel mul/add by constants into the producing conv/fc, merge chains of them",
		Needs:    []ir.Stage{ir.StageImport, ir.StageCanonical},
		Produces: SameStage,
		New:      func(Options) (Pass, error) { return PassFunc(runAffineFold), nil },
	})
}

// affineOp is a per-channel mul or add by a constant: y = x*k or y = x+k.
type affineOp struct {
	n *ir.Node
	x *ir.Value // the variable operand
	k []float64 // the constant, one value per channel
}

// asAffine recognizes n as a per-channel affine op.
func asAffine(n *ir.Node) (affineOp, bool) {
	if n == nil || n.Op != ir.OpMul && n.Op != ir.OpAdd || len(n.Inputs) != 2 || len(n.Outputs) != 1 {
		return affineOp{}, false
	}
	x, k := n.Inputs[0], n.Inputs[1]
	if x == nil || k == nil {
		return affineOp{}, false
	}
	if x.IsConst() {
		x, k = k, x
	}
	if x.IsConst() || !k.IsConst() || k.Quant != nil || x.Quant != nil || !foldableFloat(x.Type.DType) || k.Type.DType != x.Type.DType {
		return affineOp{}, false
	}
	if !n.Outputs[0].Type.Equal(x.Type) {
		return affineOp{}, false
	}
	vals, ok := channelVector(k.Const, x.Type.Shape)
	if !ok {
		return affineOp{}, false
	}
	return affineOp{n: n, x: x, k: vals}, true
}

// channelVector returns the values of constant k broadcast along axis 1 of
// a value of shape xs (one per channel), or ok=false when k varies along
// another axis or has more dimensions than xs.
func channelVector(k *tensor.Tensor, xs []int) ([]float64, bool) {
	if len(xs) < 2 || len(k.Shape) > len(xs) {
		return nil, false
	}
	c := xs[1]
	pad := len(xs) - len(k.Shape)
	perChannel := false
	for i, d := range k.Shape {
		axis := i + pad
		switch {
		case d == 1:
		case axis == 1 && d == c:
			perChannel = true
		default:
			return nil, false
		}
	}
	vals := make([]float64, c)
	for i := range vals {
		if perChannel {
			vals[i] = k.Float64At(i)
		} else {
			vals[i] = k.Float64At(0)
		}
	}
	return vals, true
}

// channelConst adds a constant holding vals shaped [C, 1, ...] to broadcast
// along axis 1 of a rank-r value.
func channelConst(g *ir.Graph, nm *namer, name string, dt tensor.DType, vals []float64, r int) *ir.Value {
	shape := make([]int, r-1)
	for i := range shape {
		shape[i] = 1
	}
	shape[0] = len(vals)
	return g.AddConst(nm.fresh(name, ""), makeFloat(dt, vals, shape...))
}

const maxAffineSweeps = 64

func runAffineFold(ctx *Context, g *ir.Graph) (bool, error) {
	nm := newNamer(g)
	changed := false
	// Each sweep folds, merges or moves an add past a mul, so the number
	// of sweeps is bounded by the longest chain; the cap is a safety net.
	for i := 0; i < maxAffineSweeps; i++ {
		if affineSweep(ctx, g, nm) == 0 {
			break
		}
		changed = true
	}
	if changed {
		orderConsts(g)
	}
	return changed, nil
}

// affineSweep makes one pass over the nodes and returns how many rewrites
// it did.
func affineSweep(ctx *Context, g *ir.Graph, nm *namer) int {
	uses := g.Uses()
	dead := map[*ir.Node]bool{}
	count := 0
	for _, n := range g.Nodes {
		if dead[n] {
			continue
		}
		op, ok := asAffine(n)
		if !ok || !singleUse(g, uses, op.x) || op.x.Def == nil {
			continue
		}
		p := op.x.Def
		y := n.Outputs[0]
		if p.Op == ir.OpConv || p.Op == ir.OpFC {
			if foldAffineIntoProducer(g, nm, p, n.Op, op.k, y) {
				dead[n] = true
				ctx.Count("folded into "+string(p.Op), 1)
				count++
			}
			continue
		}
		inner, ok := asAffine(p)
		if !ok {
			continue
		}
		dt, r := y.Type.DType, len(y.Type.Shape)
		name := ""
		if n.Name != "" {
			name = n.Name + ".k"
		}
		switch {
		case n.Op == ir.OpMul && p.Op == ir.OpMul, n.Op == ir.OpAdd && p.Op == ir.OpAdd:
			k := make([]float64, len(op.k))
			for i := range k {
				if n.Op == ir.OpMul {
					k[i] = inner.k[i] * op.k[i]
				} else {
					k[i] = inner.k[i] + op.k[i]
				}
			}
			n.Inputs = []*ir.Value{inner.x, channelConst(g, nm, name, dt, k, r)}
			dead[p] = true
			ctx.Count("merged", 1)
			count++
		case n.Op == ir.OpMul && p.Op == ir.OpAdd:
			// (x + a) * b  ->  x*b + a*b: the inner node becomes the mul.
			ab := make([]float64, len(op.k))
			for i := range ab {
				ab[i] = inner.k[i] * op.k[i]
			}
			p.Op = ir.OpMul
			p.Inputs = []*ir.Value{inner.x, channelConst(g, nm, name, dt, op.k, r)}
			n.Op = ir.OpAdd
			n.Inputs = []*ir.Value{op.x, channelConst(g, nm, name, dt, ab, r)}
			// The ONNX origins follow the ops: the mul is the outer node's.
			p.Name, n.Name = n.Name, p.Name
			p.OnnxOp, n.OnnxOp = n.OnnxOp, p.OnnxOp
			ctx.Count("reordered", 1)
			count++
		}
	}
	dropNodes(g, dead)
	return count
}

// foldAffineIntoProducer folds y = x*k or y = x+k (op) into conv/fc p, whose
// output x has no other reader: new weights and bias, and p defines y.
func foldAffineIntoProducer(g *ir.Graph, nm *namer, p *ir.Node, op ir.Op, k []float64, y *ir.Value) bool {
	if len(p.Outputs) != 1 || len(p.Inputs) < 2 {
		return false
	}
	w, b := p.Inputs[1], p.Input(2)
	if !w.IsConst() || !foldableFloat(w.Type.DType) || len(w.Type.Shape) < 2 || w.Type.Shape[0] != len(k) {
		return false
	}
	if b != nil && (!b.IsConst() || b.Type.DType != w.Type.DType || b.Const.Len() != len(k)) {
		return false
	}
	newW := w
	bv := make([]float64, len(k))
	for f := range bv {
		if b != nil {
			bv[f] = b.Const.Float64At(f)
		}
		if op == ir.OpMul {
			bv[f] *= k[f]
		} else {
			bv[f] += k[f]
		}
	}
	if op == ir.OpMul {
		newW = g.AddConst(nm.fresh(w.Name, ".scaled"), scaleRows(w.Const, k))
	}
	bName := ""
	if w.Name != "" {
		bName = w.Name + ".bias"
	}
	if b != nil {
		bName = b.Name
	}
	newB := g.AddConst(nm.fresh(bName, ".affine"), makeFloat(w.Type.DType, bv, len(k)))
	p.Inputs = []*ir.Value{p.Inputs[0], newW, newB}
	p.Outputs[0] = y
	y.Def = p
	return true
}
