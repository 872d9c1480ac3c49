package ir

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// Shape functions of the sliding-window ops (convolution and pooling) and
// the window arithmetic they share with qconv and qavg_pool.

// windowParams reads and checks strides, pads and dilations for nsp spatial axes.
func windowParams(n *Node, nsp int) (strides, pads, dil []int, err error) {
	strides = n.Ints("strides", nil)
	pads = n.Ints("pads", nil)
	dil = n.Ints("dilations", nil)
	if len(strides) != nsp {
		return nil, nil, nil, fmt.Errorf("attribute \"strides\": want %d ints, got %d", nsp, len(strides))
	}
	if len(pads) != 2*nsp {
		return nil, nil, nil, fmt.Errorf("attribute \"pads\": want %d ints, got %d", 2*nsp, len(pads))
	}
	if len(dil) != nsp {
		return nil, nil, nil, fmt.Errorf("attribute \"dilations\": want %d ints, got %d", nsp, len(dil))
	}
	for i := 0; i < nsp; i++ {
		if strides[i] < 1 || dil[i] < 1 {
			return nil, nil, nil, fmt.Errorf("strides %v and dilations %v must be >= 1", strides, dil)
		}
		if pads[i] < 0 || pads[i+nsp] < 0 {
			return nil, nil, nil, fmt.Errorf("pads %v must be >= 0", pads)
		}
	}
	return strides, pads, dil, nil
}

// WindowOutSize is the output length of a sliding window over in cells with
// the given padding, kernel, stride and dilation. With ceilMode the count
// rounds up, except that a last window starting inside the end padding is
// dropped (the rule of PyTorch and of the ONNX reference implementation).
func WindowOutSize(in, padBegin, padEnd, kernel, stride, dilation int, ceilMode bool) int {
	span := in + padBegin + padEnd - dilation*(kernel-1) - 1
	if span < 0 {
		return 0
	}
	out := span/stride + 1
	if ceilMode && span%stride != 0 {
		out++
		if (out-1)*stride >= in+padBegin {
			out--
		}
	}
	return out
}

func inferConv(n *Node) ([]Type, error) {
	x, w, err := inPair(n, in)
	if err != nil {
		return nil, err
	}
	if err := sameDType(x, w, "weight"); err != nil {
		return nil, err
	}
	out, err := convOutShape(n, x.Shape, w.Shape, int(n.Int("group", 1)))
	if err != nil {
		return nil, err
	}
	if err := checkConvBias(n, x, out[1]); err != nil {
		return nil, err
	}
	return one(typ(x.DType, out)), nil
}

// checkConvBias checks the optional bias (input 2) of conv and
// conv_transpose: one value per output channel, of the input's type.
func checkConvBias(n *Node, x Type, channels int) error {
	b := n.Input(2)
	if b == nil {
		return nil
	}
	if !tensor.SameShape(b.Type.Shape, []int{channels}) {
		return fmt.Errorf("bias %s, want [%d]", tensor.ShapeString(b.Type.Shape), channels)
	}
	return sameDType(x, b.Type, "bias")
}

// convOutShape checks what conv and qconv require of their operands' shapes
// xs and ws (an input of rank 3 (N,C,L) or 4 (N,C,H,W), a weight
// [F, C/group, k...] of the same rank, F divisible by group >= 1) and returns
// the output shape [N, F, o...] for the node's strides, pads and dilations.
func convOutShape(n *Node, xs, ws []int, group int) ([]int, error) {
	r := len(xs)
	if r != 3 && r != 4 {
		return nil, fmt.Errorf("input rank %d, want 3 (N,C,L) or 4 (N,C,H,W)", r)
	}
	if len(ws) != r {
		return nil, fmt.Errorf("weight rank %d, want %d like the input", len(ws), r)
	}
	if group < 1 {
		return nil, fmt.Errorf("group %d, want >= 1", group)
	}
	f, cg := ws[0], ws[1]
	if xs[1] != cg*group {
		return nil, fmt.Errorf("input has %d channels, weight %s with group %d wants %d", xs[1], tensor.ShapeString(ws), group, cg*group)
	}
	if f%group != 0 {
		return nil, fmt.Errorf("%d filters not divisible by group %d", f, group)
	}
	nsp := r - 2
	strides, pads, dil, err := windowParams(n, nsp)
	if err != nil {
		return nil, err
	}
	out := []int{xs[0], f}
	for i := 0; i < nsp; i++ {
		o := WindowOutSize(xs[2+i], pads[i], pads[i+nsp], ws[2+i], strides[i], dil[i], false)
		if o < 1 || ws[2+i] < 1 {
			return nil, fmt.Errorf("spatial axis %d: kernel %d (dilation %d) does not fit input %d with pads %v", i, ws[2+i], dil[i], xs[2+i], pads)
		}
		out = append(out, o)
	}
	return out, nil
}

func inferPool(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	r := len(x.Shape)
	if r < 3 || r > 5 {
		return nil, fmt.Errorf("input rank %d, want 3 to 5 (N, C, 1 to 3 spatial axes)", r)
	}
	if n.Op == OpAvgPool {
		if err := wantFloat("input", x); err != nil {
			return nil, err
		}
	}
	nsp := r - 2
	kernel := n.Ints("kernel", nil)
	if len(kernel) != nsp {
		return nil, fmt.Errorf("attribute \"kernel\": want %d ints, got %d", nsp, len(kernel))
	}
	strides, pads, dil, err := windowParams(n, nsp)
	if err != nil {
		return nil, err
	}
	ceil := n.Int("ceil_mode", 0) != 0
	out := []int{x.Shape[0], x.Shape[1]}
	for i := 0; i < nsp; i++ {
		if kernel[i] < 1 {
			return nil, fmt.Errorf("kernel %v must be >= 1", kernel)
		}
		// A window made only of padding has no defined value; like ONNX's
		// checker, pads must be smaller than the dilated kernel extent.
		if eff := (kernel[i]-1)*dil[i] + 1; pads[i] >= eff || pads[i+nsp] >= eff {
			return nil, fmt.Errorf("pads %v must be smaller than the (dilated) kernel %v", pads, kernel)
		}
		o := WindowOutSize(x.Shape[2+i], pads[i], pads[i+nsp], kernel[i], strides[i], dil[i], ceil)
		if o < 1 {
			return nil, fmt.Errorf("spatial axis %d: kernel %d (dilation %d) does not fit input %d with pads %v", i, kernel[i], dil[i], x.Shape[2+i], pads)
		}
		out = append(out, o)
	}
	return one(typ(x.DType, out)), nil
}

func inferGlobalPool(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	if len(x.Shape) < 3 {
		return nil, fmt.Errorf("input rank %d, want at least 3 (N, C, spatial...)", len(x.Shape))
	}
	if n.Op == OpGlobalAvgPool {
		if err := wantFloat("input", x); err != nil {
			return nil, err
		}
	}
	out := []int{x.Shape[0], x.Shape[1]}
	for range x.Shape[2:] {
		out = append(out, 1)
	}
	return one(typ(x.DType, out)), nil
}
