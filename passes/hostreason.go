package passes

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// HostReason says why n, a float op the quantize pass left in a quantized
// graph (a host op between device segments), runs on the host: what the
// device's integer forms (docs/QUANT.md §2, §3.2) would need that n does not
// give. pimc compile prints it for every host op.
func HostReason(n *ir.Node) string {
	if n.Op == ir.OpQLinearConv || n.Op == ir.OpQLinearMatMul {
		return qlinearHostReason(n)
	}
	bits, codes := 0, false
	for _, in := range n.Inputs {
		if in != nil && in.Def != nil && in.Def.Op == ir.OpDequantize && in.Def.Inputs[0].Quant != nil {
			codes = true
			bits = max(bits, in.Def.Inputs[0].Quant.Bits)
		}
	}
	floatIn := false
	for _, in := range n.Inputs {
		if in != nil && !in.IsConst() && in.Type.DType.IsFloat() && !(in.Def != nil && in.Def.Op == ir.OpDequantize) {
			floatIn = true
		}
	}
	switch {
	case lutOps[n.Op] && bits > maxLutBits:
		return fmt.Sprintf("activation of %d-bit codes: the device's tables are made for inputs of at most %d bits", bits, maxLutBits)
	case n.Op == ir.OpMul && bits > 8:
		return fmt.Sprintf("product of %d-bit codes: the device multiplies codes of at most 8 bits", bits)
	case !codes || floatIn:
		return "reads a float value (a graph input or another host op's result), not device codes"
	case lutOps[n.Op]:
		return "its table has a value that is not finite"
	case n.Op == ir.OpMul || n.Op == ir.OpAdd:
		return fmt.Sprintf("a %s the device does not run: it multiplies or adds per-channel constants, same-shape activations, or an activation and a broadcast gate", n.Op)
	case n.Op == ir.OpReduceMean:
		return "reduce_mean over other axes than all the spatial ones"
	case n.Op == ir.OpResize && len(n.Inputs) > 0 && len(n.Outputs) > 0:
		return "resize-lower leaves it: " + resizeKeptWhy(n)
	}
	return fmt.Sprintf("%s has no integer form on the device (docs/OPS.md)", n.Op)
}

// qlinearHostReason says why an imported QLinearConv/QLinearMatMul stayed
// on the host (quantize_qlinear.go lists what the device form needs).
func qlinearHostReason(n *ir.Node) string {
	if x := n.Inputs[0]; x.Quant == nil {
		return "reads codes whose scale and zero point are not constant per-tensor 8-bit ones, or a float value"
	}
	w := n.Inputs[3]
	if !w.IsConst() || !n.Inputs[4].IsConst() || (n.Input(8) != nil && !n.Input(8).IsConst()) {
		return "weights, weight scales or bias are not constants"
	}
	codes := w.Const
	if n.Op == ir.OpQLinearMatMul {
		if len(w.Type.Shape) != 2 {
			return "a matmul whose second operand is not a 2-D constant"
		}
		codes = tensor.New(w.Const.DType, w.Type.Shape[1], w.Type.Shape[0])
		if tensor.Transpose(codes, w.Const, []int{1, 0}) != nil {
			return "a matmul whose weights do not transpose"
		}
	}
	c, ok := centredWeights(codes, n.Input(5))
	if !ok {
		return "a weight code less its zero point lies outside the device's symmetric 8-bit range [-127, 127]"
	}
	if b := n.Input(8); b != nil {
		f := c.Shape[0]
		k := c.Len() / max(f, 1)
		xmax := int64(1)<<n.Inputs[0].Quant.Bits - 1
		for ch := range min(f, b.Const.Len()) {
			var sum int64
			for _, v := range c.I64[ch*k : (ch+1)*k] {
				sum += max(v, -v)
			}
			if bv := b.Const.I64[ch]; sum*xmax+max(bv, -bv) > maxInt32 {
				return fmt.Sprintf("channel %d: bias %d and the accumulation bound %d leave int32 (onnxruntime's int32 sum wraps there, the device's saturates)", ch, bv, sum*xmax)
			}
		}
	}
	return "its scales or zero points are not constant scalars of 8-bit codes, or its multipliers do not fit the fixed point (docs/QUANT.md §11)"
}
