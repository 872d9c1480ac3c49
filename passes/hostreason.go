package passes

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
)

// HostReason says why n, a float op the quantize pass left in a quantized
// graph (a host op between device segments), runs on the host: what the
// device's integer forms (docs/QUANT.md §2, §3.2) would need that n does not
// give. pimc compile prints it for every host op.
func HostReason(n *ir.Node) string {
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
	}
	return fmt.Sprintf("%s has no integer form on the device (docs/OPS.md)", n.Op)
}
