package passes

import (
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// QDQ matrix layers. Quantized models in the QDQ form write a quantized
// conv or matmul as
//
//	dequantize_linear(x_q), dequantize_linear(w_q) [, dequantize_linear(b_q)]
//	  -> conv / matmul -> quantize_linear
//
// with the weight codes, their scales and zero points, and an int32 bias of
// scale x_scale*w_scale as constants: the same layer as a QLinearConv or
// QLinearMatMul of those codes (onnxruntime fuses it so). constant-fold
// keeps the dequantize_linear of the weights and bias of such a sandwich
// (its float semantics are unchanged, the codes survive canonicalization),
// and the quantize pass rewrites the sandwich into the qlinear_conv /
// qlinear_matmul the import of that form gives, then maps it as an imported
// one (quantize_qlinear.go): the model's own codes, scales and zero points,
// no calibration. Where the mapping refuses it, the sandwich stays float on
// the host (dequantized weights, the float layer, quantize_linear).

// qdqMatrix is one sandwich.
type qdqMatrix struct {
	layer  *ir.Node // conv or matmul
	dx, dw *ir.Node // dequantize_linear of the input and of the weights
	db     *ir.Node // dequantize_linear of the bias, or nil
	exit   *ir.Node // the quantize_linear reading the layer
	done   bool     // rewritten (the weight/bias dequantize_linear and exit dropped)
}

// matchQDQMatrix returns the sandwich whose layer is n, or nil: x from a
// dequantize_linear of non-constant 8-bit codes with a constant per-tensor
// scale and zero point; w a dequantize_linear of constant 8-bit codes,
// per tensor or per output channel (conv: axis 0; matmul: 2-D, axis 1),
// read only by n; a conv's bias a dequantize_linear of constant int32 codes
// with zero point 0 and scale float32(x_scale*w_scale) per channel, read
// only by n; n's output read only by one quantize_linear of 8-bit codes
// with a constant per-tensor scale and zero point.
func matchQDQMatrix(g *ir.Graph, uses map[*ir.Value][]*ir.Node, n *ir.Node) *qdqMatrix {
	if (n.Op != ir.OpConv && n.Op != ir.OpMatMul) || len(n.Outputs) != 1 || g.IsOutput(n.Outputs[0]) {
		return nil
	}
	m := &qdqMatrix{layer: n, dx: n.Inputs[0].Def, dw: n.Inputs[1].Def}
	if m.dx == nil || m.dx.Op != ir.OpDequantizeLinear || m.dx.Inputs[0].IsConst() {
		return nil
	}
	xs, _, _, ok := qdqEncoding(m.dx, m.dx.Inputs[0])
	if !ok {
		return nil
	}
	if us := uses[n.Outputs[0]]; len(us) != 1 || us[0].Op != ir.OpQuantizeLinear {
		return nil
	} else if m.exit = us[0]; g.IsOutput(m.exit.Outputs[0]) {
		return nil
	}
	if _, _, _, ok := qdqEncoding(m.exit, m.exit.Outputs[0]); !ok {
		return nil
	}
	f, axis := 0, 0
	switch w := n.Inputs[1]; {
	case n.Op == ir.OpConv && len(w.Type.Shape) >= 3:
		f = w.Type.Shape[0]
	case n.Op == ir.OpMatMul && len(w.Type.Shape) == 2 && len(n.Inputs[0].Type.Shape) == 2:
		f, axis = w.Type.Shape[1], 1
	default:
		return nil
	}
	ws, ok := constDQ(g, uses, m.dw, n, axis, f)
	if !ok || (m.dw.Inputs[0].Type.DType != tensor.Int8 && m.dw.Inputs[0].Type.DType != tensor.Uint8) {
		return nil
	}
	if n.Op == ir.OpConv && len(n.Inputs) > 2 && n.Inputs[2] != nil {
		m.db = n.Inputs[2].Def
		if m.db == nil || m.db.Op != ir.OpDequantizeLinear {
			return nil
		}
		bs, ok := constDQ(g, uses, m.db, n, 0, f)
		if !ok || m.db.Inputs[0].Type.DType != tensor.Int32 || !zeroPoints(m.db.Input(2)) {
			return nil
		}
		for c := range f {
			if bs.F32[min(c, bs.Len()-1)] != float32(xs)*ws.F32[min(c, ws.Len()-1)] {
				return nil
			}
		}
	}
	return m
}

// constDQ returns the float32 scales of d, a dequantize_linear of
// constant codes read only by n, when they are per tensor or one per index
// of axis (f of them), with a zero point of the same layout.
func constDQ(g *ir.Graph, uses map[*ir.Value][]*ir.Node, d, n *ir.Node, axis, f int) (*tensor.Tensor, bool) {
	if d == nil || d.Op != ir.OpDequantizeLinear || !d.Inputs[0].IsConst() || g.IsOutput(d.Outputs[0]) {
		return nil, false
	}
	if us := uses[d.Outputs[0]]; len(us) != 1 || us[0] != n {
		return nil, false
	}
	s := d.Inputs[1]
	if !s.IsConst() || s.Type.DType != tensor.Float32 || (s.Const.Len() != 1 && s.Const.Len() != f) {
		return nil, false
	}
	if a, block := ir.QuantLayout(d); block != 0 || (s.Const.Len() != 1 && a != axis) {
		return nil, false
	}
	if z := d.Input(2); z != nil && (!z.IsConst() || z.Const.Len() != s.Const.Len()) {
		return nil, false
	}
	for _, v := range s.Const.F32 {
		if !(v > 0) {
			return nil, false
		}
	}
	return s.Const, true
}

// findQDQMatrices returns the sandwiches of g by each of their nodes but
// the input's dequantize_linear (which may have other readers).
func findQDQMatrices(g *ir.Graph) map[*ir.Node]*qdqMatrix {
	uses := g.Uses()
	found := map[*ir.Node]*qdqMatrix{}
	for _, n := range g.Nodes {
		if m := matchQDQMatrix(g, uses, n); m != nil {
			for _, k := range []*ir.Node{m.layer, m.dw, m.db, m.exit} {
				if k != nil {
					found[k] = m
				}
			}
		}
	}
	return found
}

// qdqMatrixNode rewrites n, a node of sandwich m. The weight and bias
// dequantize_linear come first in topological order and wait for the
// layer; the layer becomes the qlinear_conv/qlinear_matmul of the codes
// and is mapped as an imported one, or else goes to the host with them.
func (q *quantizer) qdqMatrixNode(n *ir.Node, m *qdqMatrix) (bool, error) {
	switch n {
	case m.dw, m.db:
		return true, nil
	case m.exit:
		if m.done {
			return true, nil
		}
		return q.qlinear(n)
	}
	l := m.layer
	op := ir.OpQLinearMatMul
	var attrs ir.Attrs
	if l.Op == ir.OpConv {
		op = ir.OpQLinearConv
		attrs = ir.Attrs{}
		for _, a := range []string{"strides", "pads", "dilations", "group"} {
			attrs[a] = l.Attrs[a]
		}
	}
	ins := []*ir.Value{m.dx.Inputs[0], m.dx.Inputs[1], m.dx.Input(2), m.dw.Inputs[0], m.dw.Inputs[1], m.dw.Input(2), m.exit.Inputs[1], m.exit.Input(2)}
	if m.db != nil {
		ins = append(ins, m.db.Inputs[0])
	}
	ql := &ir.Node{Op: op, Name: l.Name, OnnxOp: l.OnnxOp, Attrs: attrs, Inputs: ins, Outputs: m.exit.Outputs}
	ok, err := q.qlinearMatrix(ql)
	if err != nil || ok {
		m.done = ok
		return ok, err
	}
	for _, d := range []*ir.Node{m.dw, m.db} {
		if d != nil {
			q.host(d)
		}
	}
	q.host(l)
	return true, nil
}

// keptQDQ is the set of dequantize_linear nodes of g that constant-fold
// must keep: the weights and biases of QDQ matrix layers.
func keptQDQ(g *ir.Graph) map[*ir.Node]bool {
	keep := map[*ir.Node]bool{}
	for n, m := range findQDQMatrices(g) {
		if n == m.dw || n == m.db {
			keep[n] = true
		}
	}
	return keep
}
