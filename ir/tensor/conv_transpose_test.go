package tensor

import (
	"math"
	"math/rand"
	"slices"
	"testing"
)

// TestConvTransposeHand checks a 1-D case computed by hand: x = [1 2 3],
// w = [1 10 100], stride 2 scatters to the full output
// [1 10 102 20 203 30 300]; pad_begin 1 crops the first cell, output
// padding 1 appends a cell only the bias reaches, bias 0.5 adds everywhere.
func TestConvTransposeHand(t *testing.T) {
	x := FromF32([]float32{1, 2, 3}, 1, 1, 3)
	w := FromF32([]float32{1, 10, 100}, 1, 1, 3)
	b := FromF32([]float32{0.5}, 1)
	p := ConvTransposeParams{Strides: []int{2}, Pads: []int{1, 0}, Dilations: []int{1}, OutputPadding: []int{1}, Group: 1}
	shape, err := ConvTransposeShape(x.Shape, w.Shape, p)
	if err != nil {
		t.Fatal(err)
	}
	dst := New(Float32, shape...)
	if err := ConvTranspose(dst, x, w, b, p); err != nil {
		t.Fatal(err)
	}
	want := []float32{10.5, 102.5, 20.5, 203.5, 30.5, 300.5, 0.5}
	if !slices.Equal(dst.Shape, []int{1, 1, 7}) || !slices.Equal(dst.F32, want) {
		t.Fatalf("got %v %v, want [1 1 7] %v", dst.Shape, dst.F32, want)
	}
}

// TestConvTransposeAdjoint checks conv_transpose against the existing conv
// kernel through the identity that defines it: it is the adjoint of conv
// with the same weight, strides, pads, dilations and group, so
// <conv_transpose(y, w), x> = <y, conv(x, w)> for every x and y. Random
// 1-D and 2-D shapes, float64 so the two sums agree to rounding.
func TestConvTransposeAdjoint(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	fill := func(shape ...int) *Tensor {
		t := New(Float64, shape...)
		for i := range t.F64 {
			t.F64[i] = rng.Float64()*2 - 1
		}
		return t
	}
	for trial := 0; trial < 60; trial++ {
		s := 1 + trial%2
		g := 1 + rng.Intn(2)
		c, m := g*(1+rng.Intn(3)), g*(1+rng.Intn(3)) // conv_transpose C in, M out
		cp := ConvParams{Group: g}
		tp := ConvTransposeParams{Group: g}
		xs, ws := []int{1 + rng.Intn(2), c}, []int{c, m / g}
		tp.Pads = make([]int, 2*s)
		for i := 0; i < s; i++ {
			k, st, d := 1+rng.Intn(3), 1+rng.Intn(3), 1+rng.Intn(2)
			in := 1 + rng.Intn(4)
			span := (k-1)*d + 1
			pb, pe := rng.Intn(span), rng.Intn(span)
			full := st*(in-1) + span
			if full-pb-pe < 1 {
				pb, pe = 0, 0
			}
			op := rng.Intn(st) // < stride, so conv maps the output back to in cells
			xs, ws = append(xs, in), append(ws, k)
			tp.Strides, tp.Dilations, tp.OutputPadding = append(tp.Strides, st), append(tp.Dilations, d), append(tp.OutputPadding, op)
			tp.Pads[i], tp.Pads[s+i] = pb, pe
		}
		cp.Strides, cp.Dilations, cp.Pads = tp.Strides, tp.Dilations, tp.Pads
		y, w := fill(xs...), fill(ws...)
		outShape, err := ConvTransposeShape(y.Shape, w.Shape, tp)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		ty := New(Float64, outShape...)
		if err := ConvTranspose(ty, y, w, nil, tp); err != nil {
			t.Fatal(err)
		}
		x := fill(outShape...)
		back, err := ConvShape(x.Shape, w.Shape, cp)
		if err != nil || !slices.Equal(back, y.Shape) {
			t.Fatalf("trial %d: conv of %v gives %v (%v), want %v", trial, x.Shape, back, err, y.Shape)
		}
		cx := New(Float64, back...)
		if err := Conv(cx, x, w, nil, cp); err != nil {
			t.Fatal(err)
		}
		var lhs, rhs float64
		for i := range x.F64 {
			lhs += ty.F64[i] * x.F64[i]
		}
		for i := range y.F64 {
			rhs += y.F64[i] * cx.F64[i]
		}
		if math.Abs(lhs-rhs) > 1e-9*(1+math.Abs(lhs)) {
			t.Errorf("trial %d (y %v w %v %+v): <convT(y),x> = %v, <y,conv(x)> = %v", trial, y.Shape, w.Shape, tp, lhs, rhs)
		}
	}
}

// TestConvTransposePadsFor checks the ONNX output_shape/auto_pad rule on
// hand-computed axes.
func TestConvTransposePadsFor(t *testing.T) {
	for _, c := range []struct {
		in, k, s, d, op, out int
		upper                bool
		pb, pe, newOp        int
	}{
		{3, 3, 3, 1, 0, 10, false, 0, 0, 1}, // test_convtranspose_output_shape: natural 9, one extra cell
		{3, 3, 2, 1, 0, 8, false, 0, 0, 1},  // natural 7
		{3, 3, 2, 1, 0, 6, true, 0, 1, 0},   // SAME_UPPER, in*stride = 6: total 1, odd cell at the end
		{3, 3, 2, 1, 0, 6, false, 1, 0, 0},  // SAME_LOWER: at the beginning
		{3, 4, 1, 1, 0, 3, true, 1, 2, 0},   // total 3
		{3, 4, 1, 1, 0, 3, false, 2, 1, 0},
		{4, 3, 2, 2, 1, 8, true, 2, 2, 1}, // dilated, output_padding kept: 2*3+1+5 = 12, total 4
	} {
		pb, pe, op := ConvTransposePadsFor(c.in, c.k, c.s, c.d, c.op, c.out, c.upper)
		if got := ConvTransposeOutSize(c.in, c.k, c.s, c.d, pb, pe, op); got != c.out {
			t.Errorf("%+v: pads (%d,%d) output_padding %d give %d cells, want %d", c, pb, pe, op, got, c.out)
		}
		if pb != c.pb || pe != c.pe || op != c.newOp {
			t.Errorf("%+v: got pads (%d,%d) output_padding %d", c, pb, pe, op)
		}
	}
}
