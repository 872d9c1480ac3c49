package backend

import (
	"github.com/pimc-dev/pimc/ir"
)

// onDevice reports whether a node of a quantized graph runs on the device:
// the integer ops of docs/QUANT.md §2 and the data-movement and max-pooling
// ops applied to integer codes. Everything else (float ops, quantize,
// dequantize) is a host op (§5).
func onDevice(n *ir.Node) bool {
	switch n.Op {
	case ir.OpQConv, ir.OpQFC, ir.OpQAdd, ir.OpQConcat, ir.OpQAvgPool, ir.OpQGlobalAvgPool, ir.OpQClip, ir.OpQAffine, ir.OpQLut, ir.OpQMul:
		return true
	case ir.OpQuantize, ir.OpDequantize:
		return false
	}
	if !movesCodes[n.Op] {
		return false
	}
	x := n.Input(0)
	return x != nil && x.Type.DType.IsInt() && x.Quant != nil
}

// movesCodes are the canonical ops the device applies to integer codes.
var movesCodes = map[ir.Op]bool{
	ir.OpReshape: true, ir.OpFlatten: true, ir.OpSqueeze: true, ir.OpUnsqueeze: true,
	ir.OpTranspose: true, ir.OpSplit: true, ir.OpIdentity: true, ir.OpDropout: true,
	ir.OpPad: true, ir.OpMaxPool: true, ir.OpGlobalMaxPool: true, ir.OpZeroInsert: true, ir.OpSlice: true,
}

// partition assigns every node a phase: host phases are even, device
// segments odd (segment k = phase 2k+1). A node runs in the earliest phase
// of its kind not before any of its inputs' phases, so a host op that needs
// a device result runs between two segments and the next segment starts
// after it. The common case (quantize at the inputs, everything integer on
// the device, dequantize at the outputs) is one segment.
type partition struct {
	phase  map[*ir.Node]int
	nsegs  int
	segIn  [][]*ir.Value // per segment: values it reads that it does not produce
	segOut [][]*ir.Value // per segment: values it produces that others read
}

func partitionGraph(g *ir.Graph) *partition {
	p := &partition{phase: map[*ir.Node]int{}}
	vphase := map[*ir.Value]int{}
	for _, n := range g.Nodes {
		ph := 0
		for _, in := range n.Inputs {
			if in != nil && in.Def != nil {
				ph = max(ph, vphase[in])
			}
		}
		dev := onDevice(n)
		if dev != (ph%2 == 1) {
			ph++
		}
		p.phase[n] = ph
		for _, o := range n.Outputs {
			vphase[o] = ph
		}
		if dev {
			p.nsegs = max(p.nsegs, (ph-1)/2+1)
		}
	}
	p.segIn = make([][]*ir.Value, p.nsegs)
	p.segOut = make([][]*ir.Value, p.nsegs)
	seenIn := map[[2]any]bool{}
	seenOut := map[*ir.Value]bool{}
	addOut := func(v *ir.Value) {
		if v.Def == nil || seenOut[v] || !onDevice(v.Def) {
			return
		}
		seenOut[v] = true
		k := (p.phase[v.Def] - 1) / 2
		p.segOut[k] = append(p.segOut[k], v)
	}
	for _, n := range g.Nodes {
		ph := p.phase[n]
		for _, in := range n.Inputs {
			if in == nil || in.IsConst() {
				continue
			}
			if onDevice(n) {
				if in.Def == nil || p.phase[in.Def] != ph {
					k := (ph - 1) / 2
					if !seenIn[[2]any{k, in}] {
						seenIn[[2]any{k, in}] = true
						p.segIn[k] = append(p.segIn[k], in)
					}
					addOut(in)
				}
			} else {
				addOut(in)
			}
		}
	}
	for _, o := range g.Outputs {
		addOut(o)
	}
	return p
}
