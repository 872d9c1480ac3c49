package passes

import (
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// QDQ sandwiches around data movement. Quantized models route channel
// shuffles, concats and splits through float:
//
//	dequantize_linear(a) ... dequantize_linear(b) -> concat -> reshape ->
//	transpose -> reshape -> quantize_linear
//
// Data movement only copies elements, so the chain is a function of each
// element's code alone: the code c of an input becomes
// quantize_linear(dequantize_linear(c)) at the ending quantize_linear's
// scale and zero point. The pass runs the moves on the codes instead: an
// input whose dequantize_linear has that scale, zero point and type passes
// unchanged (quantize(dequantize(c)) = c, checked on every code), any other
// 8-bit input goes through a qlut whose table is the interpreter's own
// dequantize_linear then quantize_linear of each of its codes (round half
// to even, saturation: exact by construction), and concat becomes qconcat
// with multiplier 1. The float values inside the chain must have no other
// reader, and every quantize_linear ending it must have the same scale,
// zero point and type; otherwise the chain stays on the host as before.

// qdqMove is one sandwich: its moves, the quantize_linear nodes ending it
// and the encoding they give.
type qdqMove struct {
	exits  map[*ir.Node]bool
	absorb map[*ir.Node]bool // dequantize_linear nodes read only by the moves
	scale  float32
	zero   int64
	t      actType
	exit   *ir.Node // one quantize_linear ending it (its attributes build the tables)
}

// qdqMoveOps are the data-movement ops a sandwich may hold.
var qdqMoveOps = map[ir.Op]bool{
	ir.OpConcat: true, ir.OpReshape: true, ir.OpTranspose: true, ir.OpFlatten: true, ir.OpSqueeze: true,
	ir.OpUnsqueeze: true, ir.OpSlice: true, ir.OpSplit: true, ir.OpIdentity: true, ir.OpDropout: true,
}

// qdqEncoding returns the constant per-tensor float32 scale and zero point
// of a quantize_linear or dequantize_linear and its 8-bit code type.
func qdqEncoding(n *ir.Node, codes *ir.Value) (float32, int64, actType, bool) {
	s, oks := constScalar(n.Input(1))
	z, okz := constScalar(n.Input(2))
	t, ok8 := codeType(codes.Type.DType)
	if !oks || !okz || !ok8 || !(s > 0) || n.Input(1).Type.DType != tensor.Float32 {
		return 0, 0, actType{}, false
	}
	return float32(s), int64(z), t, true
}

// findQDQMoves returns the sandwiches of g by node (moves and ending
// quantize_linear nodes alike).
func findQDQMoves(g *ir.Graph) map[*ir.Node]*qdqMove {
	uses := g.Uses()
	found := map[*ir.Node]*qdqMove{}
	for _, n := range g.Nodes {
		if n.Op != ir.OpQuantizeLinear || found[n] != nil {
			continue
		}
		if r, nodes := growQDQMove(g, uses, n); r != nil {
			for m := range nodes {
				found[m] = r
			}
		}
	}
	return found
}

// growQDQMove collects the sandwich ending in quantize_linear q: nil when
// some value of it has a reader outside it, a producer that is neither a
// move nor a dequantize_linear of 8-bit codes, or an ending of another
// encoding.
func growQDQMove(g *ir.Graph, uses map[*ir.Value][]*ir.Node, q *ir.Node) (*qdqMove, map[*ir.Node]bool) {
	s, z, t, ok := qdqEncoding(q, q.Outputs[0])
	if !ok || !isFloatAct(q.Inputs[0]) || g.IsOutput(q.Outputs[0]) {
		return nil, nil
	}
	r := &qdqMove{exits: map[*ir.Node]bool{}, absorb: map[*ir.Node]bool{}, scale: s, zero: z, t: t, exit: q}
	nodes := map[*ir.Node]bool{q: true}
	r.exits[q] = true
	entries := map[*ir.Node]bool{}
	moves := 0
	var visitValue func(v *ir.Value) bool
	var visitNode func(n *ir.Node) bool
	visitValue = func(v *ir.Value) bool { // backwards: v is read by the sandwich
		p := v.Def
		switch {
		case !isFloatAct(v) || g.IsOutput(v) || p == nil:
			return false
		case p.Op == ir.OpDequantizeLinear:
			if _, _, _, ok := qdqEncoding(p, p.Inputs[0]); !ok || p.Inputs[0].IsConst() {
				return false
			}
			entries[p] = true
			return true
		case qdqMoveOps[p.Op]:
			return visitNode(p)
		}
		return false
	}
	visitNode = func(n *ir.Node) bool {
		if nodes[n] {
			return true
		}
		nodes[n] = true
		moves++
		for i, in := range n.Inputs {
			if in == nil {
				continue
			}
			if i > 0 && n.Op != ir.OpConcat {
				if !in.IsConst() {
					return false
				}
				continue
			}
			if !visitValue(in) {
				return false
			}
		}
		for _, o := range n.Outputs {
			if !isFloatAct(o) || g.IsOutput(o) {
				return false
			}
			for _, u := range uses[o] {
				switch {
				case u.Op == ir.OpQuantizeLinear:
					s2, z2, t2, ok := qdqEncoding(u, u.Outputs[0])
					if !ok || s2 != s || z2 != z || t2 != t || g.IsOutput(u.Outputs[0]) {
						return false
					}
					nodes[u], r.exits[u] = true, true
				case qdqMoveOps[u.Op]:
					if !visitNode(u) {
						return false
					}
				default:
					return false
				}
			}
		}
		return true
	}
	if !visitValue(q.Inputs[0]) || moves == 0 {
		return nil, nil
	}
	for d := range entries {
		inside := !g.IsOutput(d.Outputs[0])
		for _, u := range uses[d.Outputs[0]] {
			inside = inside && nodes[u]
		}
		if inside {
			r.absorb[d] = true
			nodes[d] = true
		}
	}
	return r, nodes
}

// qdqMoveNode rewrites n, a node of sandwich r, onto codes.
func (q *quantizer) qdqMoveNode(n *ir.Node, r *qdqMove) (bool, error) {
	switch {
	case r.absorb[n]:
		return true, nil // read only through its codes (qdqCodes)
	case r.exits[n]:
		c, err := q.qdqCodes(n.Inputs[0], r)
		if err != nil {
			return false, err
		}
		q.qv[n.Outputs[0]] = c
		q.counts["quantize nodes"]++
		return true, nil
	}
	ins := make([]*ir.Value, len(n.Inputs))
	for i, in := range n.Inputs {
		ins[i] = in
		if in != nil && (i == 0 || n.Op == ir.OpConcat) {
			c, err := q.qdqCodes(in, r)
			if err != nil {
				return false, err
			}
			ins[i] = c
		}
	}
	outs := make([]*ir.Value, len(n.Outputs))
	for i, o := range n.Outputs {
		outs[i] = &ir.Value{Name: o.Name, Quant: withZero(quantParams(r.t, r.scale), r.zero)}
	}
	op, attrs := n.Op, ir.Attrs{}
	if n.Attrs != nil {
		attrs = n.Attrs.Clone()
	}
	if n.Op == ir.OpConcat {
		ones, zeros := make([]int64, len(ins)), make([]int64, len(ins))
		for i := range ones {
			ones[i] = 1
		}
		op = ir.OpQConcat
		attrs = ir.Attrs{"axis": n.Attrs["axis"], "in_mults": ir.IntsAttr(ones...), "in_shifts": ir.IntsAttr(zeros...),
			"round": ir.StringAttr(roundMode), "lo": ir.IntAttr(r.t.lo()), "hi": ir.IntAttr(r.t.hi())}
		q.counts["integer layers"]++
	}
	q.emit(newQNode(op, n, attrs, ins, outs...))
	for i, o := range n.Outputs {
		q.qv[o] = outs[i]
	}
	return true, nil
}

// qdqCodes returns the codes of v, a value read by sandwich r, in r's
// encoding: a move's codes, or a dequantize_linear's input codes, passed
// unchanged when quantize(dequantize(c)) = c for every code and they
// carry r's encoding, else through a qlut of that map.
func (q *quantizer) qdqCodes(v *ir.Value, r *qdqMove) (*ir.Value, error) {
	d := v.Def
	if d.Op != ir.OpDequantizeLinear {
		return q.qv[v], nil // a move of the sandwich, rewritten before (topological order)
	}
	key := &qdqKey{v, r}
	if c := q.qdqLut[*key]; c != nil {
		return c, nil
	}
	x := d.Inputs[0]
	s, z, t, _ := qdqEncoding(d, x)
	xq := q.qv[x]
	if xq == nil { // codes from the host: give them their encoding, as hostCodes does
		x.Quant = withZero(quantParams(t, s), z)
		q.qv[x], xq = x, x
	}
	ilo, ihi := t.lo(), t.hi()
	in := tensor.New(x.Type.DType, int(ihi-ilo+1))
	for k := range in.I64 {
		in.I64[k] = ilo + int64(k)
	}
	dq := &ir.Node{Op: ir.OpDequantizeLinear, Attrs: d.Attrs,
		Inputs:  []*ir.Value{{Name: "x", Type: ir.Type{DType: x.Type.DType, Shape: in.Shape}}, d.Inputs[1], d.Input(2)},
		Outputs: []*ir.Value{{Name: "f", Type: ir.Type{DType: tensor.Float32, Shape: in.Shape}}}}
	f, err := interp.EvalNode(dq, consts(in, d.Inputs[1:]))
	if err != nil {
		return nil, layerError(d, "tabulating its codes: %v", err)
	}
	e := r.exit
	qn := &ir.Node{Op: ir.OpQuantizeLinear, Attrs: e.Attrs,
		Inputs:  []*ir.Value{dq.Outputs[0], e.Inputs[1], e.Input(2)},
		Outputs: []*ir.Value{{Name: "y", Type: ir.Type{DType: e.Outputs[0].Type.DType, Shape: in.Shape}}}}
	y, err := interp.EvalNode(qn, consts(f[0], e.Inputs[1:]))
	if err != nil {
		return nil, layerError(e, "tabulating its codes: %v", err)
	}
	table := make([]int64, in.Len())
	identity := t == r.t && xq.Quant.Scale[0] == r.scale && zeroOf(xq) == r.zero && xq.Quant.Bits == r.t.bits && xq.Quant.Signed == r.t.signed
	for k := range table {
		table[k] = int64(y[0].Float64At(k))
		identity = identity && table[k] == in.I64[k]
	}
	c := xq
	if !identity {
		c = &ir.Value{Name: v.Name, Quant: withZero(quantParams(r.t, r.scale), r.zero)}
		q.emit(newQNode(ir.OpQLut, d, ir.Attrs{"table": ir.IntsAttr(table...), "in_lo": ir.IntAttr(ilo),
			"lo": ir.IntAttr(r.t.lo()), "hi": ir.IntAttr(r.t.hi())}, []*ir.Value{xq}, c))
		q.counts["integer layers"]++
		q.counts["requantize tables"]++
	}
	q.qdqLut[*key] = c
	return c, nil
}

// qdqKey names the codes of one dequantize_linear output in one sandwich's
// encoding.
type qdqKey struct {
	v *ir.Value
	r *qdqMove
}

// consts is first followed by the constant tensors of vs (nil kept).
func consts(first *tensor.Tensor, vs []*ir.Value) []*tensor.Tensor {
	out := []*tensor.Tensor{first}
	for _, v := range vs {
		if v == nil {
			out = append(out, nil)
			continue
		}
		out = append(out, v.Const)
	}
	return out
}
