package tensor

import (
	"math"
	"math/rand"
	"testing"
)

// naivePoolLen counts output positions one window at a time: in floor mode
// a window must fit inside the padded input; in ceil mode the count is the
// rounded-up division, and a window must also start inside the input or the
// begin padding.
func naivePoolLen(in, k, s, pb, pe, d int, ceil bool) int {
	span := (k-1)*d + 1
	n := 0
	for o := 0; ; o++ {
		start := o*s - pb
		if !ceil {
			if start+span > in+pe {
				return n
			}
		} else {
			// ceil((in+pb+pe-span)/s)+1 windows, minus one starting past the input
			if o*s > in+pb+pe-span+s-1 || start >= in {
				return n
			}
		}
		n++
	}
}

// naivePool evaluates pooling by visiting every tap of every window.
func naivePool(x *Tensor, p PoolParams, isMax bool) ([]int, []float64) {
	s := x.Rank() - 2
	out := []int{x.Shape[0], x.Shape[1]}
	for i := 0; i < s; i++ {
		out = append(out, naivePoolLen(x.Shape[2+i], p.Kernel[i], p.Strides[i], p.Pads[i], p.Pads[s+i], p.Dilations[i], p.CeilMode))
	}
	res := make([]float64, NumElems(out))
	for o := range res {
		idx := unravel(o, out)
		m, sum, cnt, padCnt := math.Inf(-1), 0.0, 0, 0
		for k := 0; k < NumElems(p.Kernel); k++ {
			kidx := unravel(k, p.Kernel)
			xidx := []int{idx[0], idx[1]}
			inside, inPad := true, true
			for i := 0; i < s; i++ {
				pos := idx[2+i]*p.Strides[i] - p.Pads[i] + kidx[i]*p.Dilations[i]
				if pos < 0 || pos >= x.Shape[2+i] {
					inside = false
				}
				if pos < -p.Pads[i] || pos >= x.Shape[2+i]+p.Pads[s+i] {
					inPad = false
				}
				xidx = append(xidx, pos)
			}
			if inPad {
				padCnt++
			}
			if !inside {
				continue
			}
			v := x.Float64At(ravel(xidx, x.Shape))
			m = math.Max(m, v)
			sum += v
			cnt++
		}
		switch {
		case isMax:
			res[o] = m
		case p.CountIncludePad:
			res[o] = sum / float64(padCnt)
		default:
			res[o] = sum / float64(cnt)
		}
	}
	return out, res
}

func TestPoolAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	n := 0
	for n < 500 {
		s := 1 + r.Intn(3)
		p := PoolParams{CeilMode: r.Intn(2) == 0, CountIncludePad: r.Intn(2) == 0}
		shape := []int{1 + r.Intn(2), 1 + r.Intn(3)}
		for i := 0; i < s; i++ {
			k := 1 + r.Intn(3)
			p.Kernel = append(p.Kernel, k)
			p.Strides = append(p.Strides, 1+r.Intn(3))
			p.Dilations = append(p.Dilations, 1+r.Intn(2))
			shape = append(shape, 1+r.Intn(8))
		}
		for i := 0; i < 2*s; i++ {
			p.Pads = append(p.Pads, r.Intn(p.Kernel[i%s]))
		}
		x := randF32(r, shape...)
		got, err := PoolShape(x.Shape, p)
		if err != nil {
			continue // window larger than the padded input
		}
		n++
		for _, isMax := range []bool{true, false} {
			out, want := naivePool(x, p, isMax)
			if !SameShape(got, out) {
				t.Fatalf("PoolShape(%v, %+v) = %v, want %v", x.Shape, p, got, out)
			}
			dst := New(Float32, out...)
			var err error
			if isMax {
				err = MaxPool(dst, x, p)
			} else {
				err = AvgPool(dst, x, p)
			}
			if err != nil {
				t.Fatal(err)
			}
			closeTo(t, "pool", dst, want, 1e-6)
		}
	}
}

// Known ONNX cases (values from the operator documentation examples).
func TestPoolONNXExamples(t *testing.T) {
	x := New(Float32, 1, 1, 4, 4)
	for i := range x.F32 {
		x.F32[i] = float32(i + 1)
	}
	// maxpool_2d_ceil: kernel 3, stride 2, ceil_mode -> [[11,12],[15,16]]
	p := PoolParams{Kernel: []int{3, 3}, Strides: []int{2, 2}, Pads: []int{0, 0, 0, 0}, Dilations: []int{1, 1}, CeilMode: true}
	dst := New(Float32, 1, 1, 2, 2)
	if err := MaxPool(dst, x, p); err != nil || !sameF32(dst.F32, []float32{11, 12, 15, 16}) {
		t.Errorf("maxpool_2d_ceil = %v, %v", dst.F32, err)
	}
	// maxpool_2d_dilations: kernel 2, dilation 2 -> [[11,12],[15,16]]
	p = PoolParams{Kernel: []int{2, 2}, Strides: []int{1, 1}, Pads: []int{0, 0, 0, 0}, Dilations: []int{2, 2}}
	if err := MaxPool(dst, x, p); err != nil || !sameF32(dst.F32, []float32{11, 12, 15, 16}) {
		t.Errorf("maxpool_2d_dilations = %v, %v", dst.F32, err)
	}
	// averagepool_2d_ceil: [[6,7.5],[12,13.5]]
	p = PoolParams{Kernel: []int{3, 3}, Strides: []int{2, 2}, Pads: []int{0, 0, 0, 0}, Dilations: []int{1, 1}, CeilMode: true}
	if err := AvgPool(dst, x, p); err != nil || !sameF32(dst.F32, []float32{6, 7.5, 12, 13.5}) {
		t.Errorf("averagepool_2d_ceil = %v, %v", dst.F32, err)
	}
	// uint8 max pool
	u := FromI64(Uint8, []int64{1, 255, 3, 4}, 1, 1, 4)
	du := New(Uint8, 1, 1, 2)
	p1 := PoolParams{Kernel: []int{2}, Strides: []int{2}, Pads: []int{0, 0}, Dilations: []int{1}}
	if err := MaxPool(du, u, p1); err != nil || !sameI64(du.I64, []int64{255, 4}) {
		t.Errorf("uint8 maxpool = %v, %v", du.I64, err)
	}
	// uint64 compares unsigned: 2^64-1 (stored as -1) is the largest
	u64 := FromI64(Uint64, []int64{5, -1, 7, 3}, 1, 1, 4)
	d64 := New(Uint64, 1, 1, 2)
	if err := MaxPool(d64, u64, p1); err != nil || !sameI64(d64.I64, []int64{-1, 7}) {
		t.Errorf("uint64 maxpool = %v, %v", d64.I64, err)
	}
	// global pools
	g := New(Float32, 1, 1, 1, 1)
	if err := GlobalAvgPool(g, x); err != nil || g.F32[0] != 8.5 {
		t.Errorf("global avg = %v, %v", g.F32, err)
	}
	if err := GlobalMaxPool(g, x); err != nil || g.F32[0] != 16 {
		t.Errorf("global max = %v, %v", g.F32, err)
	}
	if err := AvgPool(du, u, p1); err == nil {
		t.Error("integer average pool accepted")
	}
}

func sameF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
