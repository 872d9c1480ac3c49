package tensor

import (
	"fmt"
	"math/rand"
	"testing"
)

// naiveConv is the textbook definition, written independently of the
// im2col code: every output element sums over its receptive field, padding
// reading as zero. Works for 1-D and 2-D via an explicit spatial loop.
func naiveConv(x, w, b *Tensor, p ConvParams) ([]int, []float64) {
	s := x.Rank() - 2
	N, C, F := x.Shape[0], x.Shape[1], w.Shape[0]
	cg, fg := C/p.Group, F/p.Group
	out := []int{N, F}
	for i := 0; i < s; i++ {
		span := (w.Shape[2+i]-1)*p.Dilations[i] + 1
		out = append(out, (x.Shape[2+i]+p.Pads[i]+p.Pads[s+i]-span)/p.Strides[i]+1)
	}
	res := make([]float64, NumElems(out))
	for o := range res {
		idx := unravel(o, out)
		n, f := idx[0], idx[1]
		g := f / fg
		sum := 0.0
		if b != nil {
			sum = b.Float64At(f)
		}
		kshape := w.Shape[2:]
		for c := 0; c < cg; c++ {
			for k := 0; k < NumElems(kshape); k++ {
				kidx := unravel(k, kshape)
				xidx := []int{n, g*cg + c}
				inside := true
				for i := 0; i < s; i++ {
					pos := idx[2+i]*p.Strides[i] - p.Pads[i] + kidx[i]*p.Dilations[i]
					if pos < 0 || pos >= x.Shape[2+i] {
						inside = false
					}
					xidx = append(xidx, pos)
				}
				if !inside {
					continue
				}
				widx := append([]int{f, c}, kidx...)
				sum += x.Float64At(ravel(xidx, x.Shape)) * w.Float64At(ravel(widx, w.Shape))
			}
		}
		res[o] = sum
	}
	return out, res
}

type convCase struct {
	n, c, f, group int
	in, k          []int
	p              ConvParams
	bias           bool
}

func randConvCase(r *rand.Rand) convCase {
	s := 1 + r.Intn(2)
	group := []int{1, 1, 1, 2, 3}[r.Intn(5)]
	cc := convCase{n: 1 + r.Intn(3), group: group, bias: r.Intn(3) > 0}
	cc.c = group * (1 + r.Intn(4))
	cc.f = group * (1 + r.Intn(4))
	if r.Intn(4) == 0 { // depthwise, maybe with a channel multiplier
		cc.group = 1 + r.Intn(5)
		cc.c = cc.group
		cc.f = cc.group * (1 + r.Intn(2))
	}
	cc.p.Group = cc.group
	for i := 0; i < s; i++ {
		k := 1 + r.Intn(4)
		d := 1 + r.Intn(2)
		cc.k = append(cc.k, k)
		cc.p.Strides = append(cc.p.Strides, 1+r.Intn(3))
		cc.p.Dilations = append(cc.p.Dilations, d)
		cc.in = append(cc.in, (k-1)*d+1+r.Intn(9))
	}
	for i := 0; i < 2*s; i++ {
		cc.p.Pads = append(cc.p.Pads, r.Intn(3))
	}
	return cc
}

func (cc convCase) String() string {
	return fmt.Sprintf("N%d C%d F%d g%d in%v k%v %+v bias=%v", cc.n, cc.c, cc.f, cc.group, cc.in, cc.k, cc.p, cc.bias)
}

func TestConvAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for iter := 0; iter < 400; iter++ {
		cc := randConvCase(r)
		x := randF32(r, append([]int{cc.n, cc.c}, cc.in...)...)
		w := randF32(r, append([]int{cc.f, cc.c / cc.group}, cc.k...)...)
		var b *Tensor
		if cc.bias {
			b = randF32(r, cc.f)
		}
		out, want := naiveConv(x, w, b, cc.p)
		shape, err := ConvShape(x.Shape, w.Shape, cc.p)
		if err != nil || !SameShape(shape, out) {
			t.Fatalf("%v: ConvShape = %v, %v; want %v", cc, shape, err, out)
		}
		dst := New(Float32, shape...)
		for i := range dst.F32 {
			dst.F32[i] = 1e30 // garbage: the kernel must overwrite everything
		}
		if err := Conv(dst, x, w, b, cc.p); err != nil {
			t.Fatalf("%v: %v", cc, err)
		}
		closeTo(t, cc.String(), dst, want, 1e-5)
	}
}

// Larger convolutions take the tiled, parallel path; float64 and float16
// storage go through the same code.
func TestConvTiledAndTypes(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	p := ConvParams{Strides: []int{1, 1}, Pads: []int{1, 1, 1, 1}, Dilations: []int{1, 1}, Group: 1}
	defer func(old int) { colBudget = old }(colBudget)
	colBudget = 1000 // force several column tiles per image
	x := randF64(r, 2, 8, 23, 21)
	w := randF64(r, 12, 8, 3, 3)
	b := randF64(r, 12)
	out, want := naiveConv(x, w, b, p)
	d64 := New(Float64, out...)
	if err := Conv(d64, x, w, b, p); err != nil {
		t.Fatal(err)
	}
	closeTo(t, "f64", d64, want, 1e-12)

	// float32 on the same data
	x32, w32, b32 := toType(x, Float32), toType(w, Float32), toType(b, Float32)
	_, want32 := naiveConv(x32, w32, b32, p)
	d32 := New(Float32, out...)
	if err := Conv(d32, x32, w32, b32, p); err != nil {
		t.Fatal(err)
	}
	closeTo(t, "f32", d32, want32, 1e-5)

	// float16: the result is the float32 result rounded to half precision
	x16, w16, b16 := toType(x, Float16), toType(w, Float16), toType(b, Float16)
	_, want16 := naiveConv(x16, w16, b16, p)
	d16 := New(Float16, out...)
	if err := Conv(d16, x16, w16, b16, p); err != nil {
		t.Fatal(err)
	}
	for i, v := range d16.F32 {
		if RoundF16(v) != v {
			t.Fatalf("f16 result %v not representable", v)
		}
		want16[i] = float64(RoundF16(float32(want16[i])))
	}
	closeTo(t, "f16", d16, want16, 2e-3)
}

// toType converts a tensor's values to a float type (rounding as needed).
func toType(t *Tensor, dt DType) *Tensor {
	o := New(dt, t.Shape...)
	for i := 0; i < t.Len(); i++ {
		v := t.Float64At(i)
		switch dt {
		case Float64:
			o.F64[i] = v
		default:
			o.F32[i] = roundScalar(dt, float32(v))
		}
	}
	return o
}

// The result must not depend on the number of cores (the tiling changes).
func TestConvDeterministicAcrossTilings(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	p := ConvParams{Strides: []int{2, 1}, Pads: []int{1, 0, 2, 1}, Dilations: []int{1, 2}, Group: 2}
	x := randF32(r, 1, 32, 40, 40)
	w := randF32(r, 32, 16, 3, 3)
	shape, _ := ConvShape(x.Shape, w.Shape, p)
	c := newConv2D(x.Shape, w.Shape, shape, p)
	one := New(Float32, shape...)
	if err := Conv(one, x, w, nil, p); err != nil {
		t.Fatal(err)
	}
	// Recompute with a different column tiling by running each group's
	// gemm on single output columns.
	P := c.oh * c.ow
	col := make([]float32, c.kdim)
	other := New(Float32, shape...)
	for g := 0; g < c.group; g++ {
		for j := 0; j < P; j++ {
			im2col(c, col, x.F32[g*c.cg*c.h*c.w:], j, 1)
			gemmF32(1, false, false, c.fg, 1, c.kdim, 1, w.F32[g*c.fg*c.kdim:], c.kdim, col, 1, 0, other.F32[g*c.fg*P+j:], P)
		}
	}
	if !Equal(one, other) {
		t.Fatal("tiled and column-by-column convolutions differ")
	}
}

func TestConvErrors(t *testing.T) {
	x := New(Float32, 1, 4, 5, 5)
	w := New(Float32, 8, 2, 3, 3)
	p := ConvParams{Strides: []int{1, 1}, Pads: []int{0, 0, 0, 0}, Dilations: []int{1, 1}, Group: 1}
	dst := New(Float32, 1, 8, 3, 3)
	if err := Conv(dst, x, w, nil, p); err == nil {
		t.Error("channel mismatch accepted")
	}
	p.Group = 2
	if err := Conv(dst, x, w, nil, p); err != nil {
		t.Errorf("grouped conv rejected: %v", err)
	}
	if err := Conv(New(Float32, 1, 8, 4, 4), x, w, nil, p); err == nil {
		t.Error("wrong dst shape accepted")
	}
	if err := Conv(dst, x, w, New(Float32, 3), p); err == nil {
		t.Error("wrong bias accepted")
	}
	p.Strides = []int{0, 1}
	if err := Conv(dst, x, w, nil, p); err == nil {
		t.Error("zero stride accepted")
	}
	p.Strides = []int{1, 1}
	if _, err := ConvShape([]int{1, 4, 2, 2}, []int{8, 2, 3, 3}, p); err == nil {
		t.Error("kernel larger than input accepted")
	}
	bad := &Tensor{DType: Float32, Shape: []int{1, 4, 5, 5}, F32: make([]float32, 3)}
	if err := Conv(dst, bad, w, nil, p); err == nil {
		t.Error("short storage accepted")
	}
}
