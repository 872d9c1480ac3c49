package mapping

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Block-diagonal groups (depthwise convolutions on a plane-sequencer
// target; docs/BACKEND.md §2, "Blocks"). A grouped convolution is one
// matrix per group; a depthwise layer's groups are one filter over kh*kw
// columns each, so every channel is a tile of its own whose patch is
// gathered by kh*kw one-word plds (its taps lie C words apart in the NHWC
// buffer) and written by N row writes: MobileNetV2's depthwise layers
// issued 17 instructions per channel and pixel. Seen as b consecutive
// groups at once, a *device group* of b*Cg input channels and b*F/groups
// filters whose codes are zero outside the diagonal blocks, the b
// channels' taps are consecutive words (kh*kw plds of b words) and share
// N input rows: one gather and N writes for b channels. The zero codes
// add nothing, so the results are the same. What it costs: every AND
// senses the b*kh*kw columns of the shared input row instead of its
// channel's kh*kw (column gating), so the layer's sense energy grows
// b-fold; its row writes write the same bits.

// AttrBlock records b > 1 on a mapped layer (Layer.Block); absent
// otherwise, so other layers' attributes are unchanged.
const AttrBlock = "map_block"

// blocked is the device view of s with b ONNX groups per device group.
func (s shape) blocked(b int) shape {
	if b <= 1 {
		return s
	}
	return shape{F: s.F, groups: s.groups / b, Cg: s.Cg * b, kh: s.kh, kw: s.kw, block: b}
}

// codes is the number of weight codes of the node (the ONNX shape's).
func (s shape) codes() int { return s.F * s.K() / max(s.block, 1) }

// code is the code of filter f at column k of its device group's matrix
// (k = (c*kh+ky)*kw+kx, c < Cg): zero outside f's diagonal block.
func (s shape) code(w *tensor.Tensor, f, k int) int64 {
	return blockCode(w, s.F, s.K(), s.groups, s.block, f, k)
}

// blockCode is shape.code for a matrix of F filters in groups device
// groups of K columns, block ONNX groups each.
func blockCode(w *tensor.Tensor, F, K, groups, block, f, k int) int64 {
	if block <= 1 {
		return w.Int64At(f*K + k)
	}
	kg := K / block             // columns of one ONNX group
	fpg := F / (groups * block) // filters of one ONNX group
	if k/kg != (f/fpg)%block {
		return 0
	}
	return w.Int64At(f*kg + k%kg)
}

// InBlock reports whether column k of filter f's device group lies in
// f's diagonal block (always, without blocks): the columns whose MACs
// the filter computes.
func (l *Layer) InBlock(f, k int) bool {
	if l.Block <= 1 {
		return true
	}
	kg := l.K / l.Block
	fpg := l.F / (len(l.Groups) * l.Block)
	return k/kg == (f/fpg)%l.Block
}

// chooseBlock is the number of ONNX groups per device group for a layer
// of shape s with M weight and N input planes on geo: on a target whose
// rounds are plane-sequenced (Geometry.Blocks), for a grouped layer, the
// most groups b (a divisor of the groups, their b*K columns in one row)
// such that the blocked layout, one device group per sub-array
// (placer.place), needs no more sub-arrays than the unblocked one, which
// stacks q = rows / (N + filters x M) groups in a sub-array: b <= q, so a
// sub-array holds no more filters and a pixel takes no more rounds. 1
// otherwise.
func chooseBlock(s shape, M, N int, geo Geometry) int {
	if !geo.Blocks || s.groups < 2 || s.block > 1 {
		return 1
	}
	fpg := s.F / s.groups
	q := geo.Rows / (N + fpg*M)
	if q < 2 {
		return 1
	}
	unblocked := (s.groups + q - 1) / q // sub-arrays
	for b := min(q, geo.Cols/s.K(), s.groups); b >= 2; b-- {
		if s.groups%b == 0 && s.groups/b <= unblocked {
			return b
		}
	}
	return 1
}

// blockAttr reads AttrBlock of n (1 when absent) and checks it divides
// the groups of s.
func blockAttr(n *ir.Node, s shape) (int, error) {
	a, ok := n.Attrs[AttrBlock]
	if !ok {
		return 1, nil
	}
	if a.Kind != ir.AttrInt || a.Int < 2 || a.Int > int64(s.groups) || s.groups%int(a.Int) != 0 {
		return 0, fmt.Errorf("attribute %q: want an int >= 2 dividing the %d groups", AttrBlock, s.groups)
	}
	return int(a.Int), nil
}
