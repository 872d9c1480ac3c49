package passes

import (
	"math"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// A per-channel affine map y = a[c]*x + b[c] of integer codes, written as a
// mul and/or an add of constants that vary only along the channel axis, is
// what a batch norm becomes when no convolution can absorb it (DenseNet's
// norm after each concat). The pass turns it into qaffine, two DPU
// requantizations per element, instead of a host op between two device
// segments (docs/QUANT.md §2, §3).

// perChannelValues returns the per-channel values of constant k broadcast
// against x ([N, C, ...]): right-aligned, only axis 1 may exceed 1. ok is
// false for anything else (a float constant of another shape, a runtime
// value, an integer constant).
func perChannelValues(k, x *ir.Value) (vals []float64, ok bool) {
	if k == nil || !k.IsConst() || !k.Type.DType.IsFloat() || len(x.Type.Shape) < 2 {
		return nil, false
	}
	ks, xs := k.Type.Shape, x.Type.Shape
	if len(ks) > len(xs) {
		return nil, false
	}
	ch := xs[1]
	per := false
	for i, d := range ks {
		axis := len(xs) - len(ks) + i
		switch {
		case d == 1:
		case axis == 1 && d == ch:
			per = true
		default:
			return nil, false
		}
	}
	vals = make([]float64, ch)
	for c := range vals {
		idx := 0
		if per {
			idx = c
		}
		vals[c] = k.Const.Float64At(idx)
		if math.IsNaN(vals[c]) || math.IsInf(vals[c], 0) {
			return nil, false
		}
	}
	return vals, true
}

// affineOperands splits a binary mul/add into its activation operand and
// the per-channel constant, or reports false. A div of the activation by a
// per-channel constant without zeros is a mul by its reciprocals (the
// hard-swish of PaddleOCR: x * relu6(x + 3) / 6).
func (q *quantizer) affineOperands(n *ir.Node) (x *ir.Value, k []float64, ok bool) {
	if (n.Op != ir.OpMul && n.Op != ir.OpAdd && n.Op != ir.OpDiv) || len(n.Inputs) != 2 || len(n.Outputs) != 1 {
		return nil, nil, false
	}
	if n.Op == ir.OpDiv {
		x = n.Inputs[0]
		if !isFloatAct(x) || !tensor.SameShape(n.Outputs[0].Type.Shape, x.Type.Shape) {
			return nil, nil, false
		}
		k, ok := perChannelValues(n.Inputs[1], x)
		if !ok {
			return nil, nil, false
		}
		for c, v := range k {
			if v == 0 {
				return nil, nil, false
			}
			k[c] = 1 / v
		}
		return x, k, true
	}
	for i := range 2 {
		x, c := n.Inputs[i], n.Inputs[1-i]
		if !isFloatAct(x) || !tensor.SameShape(n.Outputs[0].Type.Shape, x.Type.Shape) {
			continue
		}
		if k, ok := perChannelValues(c, x); ok {
			return x, k, true
		}
	}
	return nil, nil, false
}

// affine rewrites n (a mul or add of a per-channel constant applied to
// codes, see affineOperands) into qaffine, folding a following add of a
// per-channel constant into a mul and a following relu/clip into the output
// range. false leaves n to the host (its input is not integer codes).
//
// Scales: the first requantization maps x (scale s_x, codes up to X in
// magnitude) to t = x*A[c] at an intermediate scale s_t chosen like qadd's
// common scale, s_t = (X * max|a| * s_x + max|b|) / 2^30, so |t| + |B[c]|
// stays below 2^30 + X: neither the i32 clamp nor sat32(t + B) can trigger.
// A[c] = round(a[c] s_x / s_t) (negative for a negative a[c]), B[c] =
// round(b[c] / s_t), and the output multiplier encodes s_t / s_y.
func (q *quantizer) affine(n *ir.Node) (bool, error) {
	xf, k, ok := q.affineOperands(n)
	if !ok || q.qv[xf] == nil {
		return false, nil
	}
	a := make([]float64, len(k))
	b := make([]float64, len(k))
	if n.Op == ir.OpMul || n.Op == ir.OpDiv {
		copy(a, k)
	} else {
		for c := range a {
			a[c] = 1
		}
		copy(b, k)
	}
	v := n.Outputs[0]
	if us := q.uses[v]; (n.Op == ir.OpMul || n.Op == ir.OpDiv) && len(us) == 1 && !q.g.IsOutput(v) {
		if y, k2, ok := q.affineOperands(us[0]); ok && y == v && us[0].Op == ir.OpAdd {
			copy(b, k2)
			q.fused[us[0]] = true
			v = us[0].Outputs[0]
		}
	}
	x := q.qv[xf]
	sx, X := float64(x.Quant.Scale[0]), float64(actOf(x).absMax())
	amax, bmax := 0.0, 0.0
	for c := range a {
		amax, bmax = math.Max(amax, math.Abs(a[c])), math.Max(bmax, math.Abs(b[c]))
	}
	st := (X*amax*sx + bmax) / (1 << commonScaleBits)
	if !(st > 0) || math.IsInf(st, 0) {
		st = 1
	}
	scale := tensor.New(tensor.Int32, len(a))
	bias := tensor.New(tensor.Int32, len(a))
	for c := range a {
		scale.I64[c] = int64(math.RoundToEven(a[c] * sx / st))
		bias.I64[c] = int64(math.RoundToEven(b[c] / st))
	}
	out := q.output(n, v)
	m, s, err := fixedPoint([]float64{st / float64(out.scale)})
	if err != nil {
		return false, layerError(n, "requantization: %v", err)
	}
	sname, bname := "", ""
	if n.Name != "" {
		sname, bname = n.Name+".scale", n.Name+".bias"
	}
	y := out.value()
	q.emit(newQNode(ir.OpQAffine, n, ir.Attrs{
		"mult": ir.IntAttr(m[0]), "shift": ir.IntAttr(int64(s)), "round": ir.StringAttr(roundMode),
		"lo": ir.IntAttr(out.lo), "hi": ir.IntAttr(out.hi),
	}, []*ir.Value{x, q.newConst(sname, scale, nil), q.newConst(bname, bias, nil)}, y))
	q.qv[out.val] = y
	q.counts["integer layers"]++
	return true, nil
}
