package passes

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// conv-transpose-lower rewrites conv_transpose as zero_insert followed by a
// stride-1 conv, so the quantize pass makes a qconv of it and the sub-arrays
// run it like any other convolution (only the zero insertion is data
// movement). Per spatial axis, with input length n, kernel k, stride s,
// dilation d, pads pb/pe and output padding op, the transposed convolution
// adds x[i]*w[t] to output o = i*s - pb + t*d. Insert s-1 zeros between
// input cells (z[i*s] = x[i], length (n-1)*s+1) and run a conv of dilation d
// with the kernel flipped (w'[t'] = w[k-1-t']) and pads
// begin = d*(k-1) - pb, end = d*(k-1) - pe + op: that conv's output o reads
// z[o + t'*d - begin] = z[o - t*d + pb] for t = k-1-t', which is x[i]
// exactly when o = i*s - pb + t*d, and its length
// (n-1)*s+1 + begin + end - d*(k-1) is the ONNX output length. The channel
// axes swap per group: conv_transpose's w is [C, M/g, k...], the conv's
// w'[grp*M/g + m, c, t'] = w[grp*C/g + c, m, flip(t)]. The new weight is a
// new constant; the old one is left for dce.
//
// A begin or end pad that comes out negative (an ONNX pad larger than the
// dilated kernel) crops the zero-inserted input instead: a pad node with
// negative pads between the zero_insert and the conv, and conv pads of 0 on
// that side; the conv output length is the same sum.
//
// A node is left as it is (a host op) when the conv cannot express it:
// 3-D (conv is 1-D/2-D), weights that are not a constant f32/f64, or a
// zero-inserted input beyond ir.MaxElems. The counts say how many were kept.
func init() {
	Register(&Info{
		Name:     "conv-transpose-lower",
		Summary:  "rewrite conv_transpose as zero_insert + stride-1 conv with the flipped, channel-swapped kernel",
		Needs:    []ir.Stage{ir.StageImport, ir.StageCanonical},
		Produces: SameStage,
		New:      func(Options) (Pass, error) { return PassFunc(runConvTransposeLower), nil },
	})
}

func runConvTransposeLower(ctx *Context, g *ir.Graph) (bool, error) {
	nm := newNamer(g)
	n, err := rewriteNodes(g, func(n *ir.Node) ([]*ir.Node, bool, error) {
		if n.Op != ir.OpConvTranspose {
			return nil, false, nil
		}
		repl, why := lowerConvTranspose(g, nm, n)
		if repl == nil {
			ctx.Count("conv_transpose kept: "+why, 1)
			return nil, false, nil
		}
		ctx.Count("conv_transpose lowered", 1)
		return repl, true, nil
	})
	if err != nil {
		return false, err
	}
	if n > 0 {
		orderConsts(g)
	}
	return n > 0, nil
}

// lowerConvTranspose returns the zero_insert (omitted when every stride is
// 1) and conv replacing n, or nil and the reason it cannot.
func lowerConvTranspose(g *ir.Graph, nm *namer, n *ir.Node) ([]*ir.Node, string) {
	if len(n.Inputs) < 2 || len(n.Outputs) != 1 || n.Inputs[0] == nil || n.Inputs[1] == nil {
		return nil, "malformed"
	}
	x, w, b := n.Inputs[0], n.Inputs[1], n.Input(2)
	xs, ws := x.Type.Shape, w.Type.Shape
	if len(xs) != 3 && len(xs) != 4 {
		return nil, "not 1-D or 2-D"
	}
	if !w.IsConst() || !foldableFloat(w.Type.DType) || len(ws) != len(xs) {
		return nil, "weight not a constant f32/f64"
	}
	if b != nil && !b.IsConst() {
		return nil, "bias not constant"
	}
	p, err := ir.ConvTransposeParams(n)
	if err != nil {
		return nil, "bad attributes"
	}
	if _, err := tensor.ConvTransposeShape(xs, ws, p); err != nil {
		return nil, "bad attributes"
	}
	s := len(xs) - 2
	begin, end := make([]int, s), make([]int, s)
	stride1 := true
	for i := 0; i < s; i++ {
		ext := p.Dilations[i] * (ws[2+i] - 1)
		begin[i] = ext - p.Pads[i]
		end[i] = ext - p.Pads[s+i] + p.OutputPadding[i]
		if p.Strides[i] != 1 {
			stride1 = false
		}
	}
	zs, err := tensor.ZeroInsertShape(xs, p.Strides)
	if err != nil || tensor.NumElems(zs) > ir.MaxElems {
		return nil, "zero-inserted input too large"
	}
	var out []*ir.Node
	feed := x
	if !stride1 {
		feed = newValue(ir.Type{DType: x.Type.DType, Shape: zs})
		out = append(out, newNode(ir.OpZeroInsert, n, ir.Attrs{"strides": ir.IntsFromInts(p.Strides)}, []*ir.Value{x}, feed))
	}
	if crop := cropPads(begin, end); crop != nil {
		cropped := newValue(feed.Type)
		for i := 0; i < s; i++ {
			cropped.Type.Shape[2+i] += crop[2+i] + crop[len(xs)+2+i]
		}
		out = append(out, newNode(ir.OpPad, n, ir.Attrs{"pads": ir.IntsFromInts(crop)}, []*ir.Value{feed}, cropped))
		feed = cropped
		for i := 0; i < s; i++ {
			begin[i], end[i] = max(begin[i], 0), max(end[i], 0)
		}
	}
	nw := g.AddConst(nm.fresh(w.Name, ".convT"), flipSwapKernel(w.Const, p.Group))
	ins := []*ir.Value{feed, nw}
	if b != nil {
		ins = append(ins, b)
	}
	ones := make([]int, s)
	for i := range ones {
		ones[i] = 1
	}
	conv := newNode(ir.OpConv, n, ir.Attrs{
		"strides":   ir.IntsFromInts(ones),
		"pads":      ir.IntsFromInts(append(begin, end...)),
		"dilations": ir.IntsFromInts(p.Dilations),
		"group":     ir.IntAttr(int64(p.Group)),
	}, ins, n.Outputs[0])
	return append(out, conv), ""
}

// cropPads returns the pads (over all axes of [N,C,spatial...]) of a pad
// node cropping the negative begin/end conv pads off the zero-inserted
// input, or nil when none is negative.
func cropPads(begin, end []int) []int {
	s := len(begin)
	crop := make([]int, 2*(s+2))
	any := false
	for i := 0; i < s; i++ {
		crop[2+i], crop[s+4+i] = min(begin[i], 0), min(end[i], 0)
		any = any || begin[i] < 0 || end[i] < 0
	}
	if !any {
		return nil
	}
	return crop
}

// flipSwapKernel turns a conv_transpose weight [C, M/g, k...] into the conv
// weight [M, C/g, k...] of the same transposed convolution: channel axes
// swapped within each group, every spatial axis reversed.
func flipSwapKernel(w *tensor.Tensor, group int) *tensor.Tensor {
	c, mg := w.Shape[0], w.Shape[1]
	if group < 1 || c%group != 0 {
		panic(fmt.Sprintf("BUG: flipSwapKernel: %d input channels, group %d", c, group))
	}
	cg := c / group
	k := w.Shape[2:]
	ksz := tensor.NumElems(k)
	shape := append([]int{mg * group, cg}, k...)
	out := tensor.New(w.DType, shape...)
	for ci := 0; ci < c; ci++ {
		grp, cl := ci/cg, ci%cg
		for mo := 0; mo < mg; mo++ {
			src := (ci*mg + mo) * ksz
			dst := ((grp*mg+mo)*cg + cl) * ksz
			for t := 0; t < ksz; t++ {
				// Reversing every spatial axis of a row-major kernel
				// reverses its flat index.
				switch {
				case w.F32 != nil:
					out.F32[dst+ksz-1-t] = w.F32[src+t]
				case w.F64 != nil:
					out.F64[dst+ksz-1-t] = w.F64[src+t]
				default:
					panic("BUG: flipSwapKernel: not a float tensor")
				}
			}
		}
	}
	return out
}
