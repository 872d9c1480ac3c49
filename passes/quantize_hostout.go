package passes

import "github.com/pimc-dev/pimc/ir"

// Host-bound outputs of matrix layers (quantize{out-bits=N}, docs/QUANT.md
// §3). A matrix layer whose result leaves the integer domain at once (a
// classifier's logits, a regressor's outputs, anything read only by host
// ops or returned as a graph output) still ends in one vrq, but nothing on
// the device reads its codes, so narrowing them to abits only loses
// resolution: with 8-bit logits two classes closer than one code tie, or
// swap, although every hidden layer agrees with the float model to cosine
// 0.9999 (docs/RESULTS.md, "Agreement with the float model"). Such a layer
// produces out-bits codes instead (default 16: the sub-arrays and the
// accumulator are unchanged, the vrq clamps to i16/u16 and the host reads
// two bytes per value).

// integerReaderOps are the ops the pass may turn into integer ops when an
// input is integer (see quantizer.integer); a reader outside this set stays
// on the host.
var integerReaderOps = map[ir.Op]bool{
	ir.OpConv: true, ir.OpFC: true, ir.OpAdd: true, ir.OpSum: true, ir.OpConcat: true,
	ir.OpAvgPool: true, ir.OpGlobalAvgPool: true, ir.OpRelu: true, ir.OpClip: true, ir.OpPad: true,
	ir.OpMaxPool: true, ir.OpGlobalMaxPool: true, ir.OpSplit: true, ir.OpZeroInsert: true, ir.OpSlice: true,
}

// movementOps keep the codes and QuantParams of their input (QUANT.md §2),
// so wide codes pass through them unchanged to wherever their result goes.
var movementOps = map[ir.Op]bool{
	ir.OpReshape: true, ir.OpFlatten: true, ir.OpSqueeze: true, ir.OpUnsqueeze: true,
	ir.OpTranspose: true, ir.OpIdentity: true, ir.OpDropout: true,
}

// toHost reports whether the float value v is read only by graph outputs,
// host ops, and data movement whose results are again only read so.
func (q *quantizer) toHost(v *ir.Value) bool {
	for _, u := range q.uses[v] {
		switch {
		case movementOps[u.Op]:
			for _, o := range u.Outputs {
				if o != nil && !q.toHost(o) {
					return false
				}
			}
		case integerReaderOps[u.Op], lutOps[u.Op], actProduct(u), u.Op == ir.OpReduceMean && spatialMean(u):
			return false
		}
	}
	return true
}

// outputBits is the width of the codes matrix layer n produces for v (v
// after any fused activation): out-bits when v goes only to the host and
// the config file does not set the layer's abits, else its abits.
func (q *quantizer) outputBits(n *ir.Node, v *ir.Value) int {
	if q.o.outBits > 0 && q.cfg[n.Name].ABits == 0 && q.isMatrixLayer(n) && q.toHost(v) {
		return q.o.outBits
	}
	return q.abits(n)
}
