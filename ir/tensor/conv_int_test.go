package tensor

import (
	"math/rand"
	"testing"
)

// naiveConvInteger is the definition with exact int64 arithmetic.
func naiveConvInteger(x, w, b *Tensor, xz int64, wz []int64, p ConvParams) ([]int, []int64) {
	s := x.Rank() - 2
	N, C, F := x.Shape[0], x.Shape[1], w.Shape[0]
	cg, fg := C/p.Group, F/p.Group
	out := []int{N, F}
	for i := 0; i < s; i++ {
		span := (w.Shape[2+i]-1)*p.Dilations[i] + 1
		out = append(out, (x.Shape[2+i]+p.Pads[i]+p.Pads[s+i]-span)/p.Strides[i]+1)
	}
	res := make([]int64, NumElems(out))
	for o := range res {
		idx := unravel(o, out)
		n, f := idx[0], idx[1]
		z := wz[0]
		if len(wz) > 1 {
			z = wz[f]
		}
		var sum int64
		if b != nil {
			sum = b.I64[f]
		}
		kshape := w.Shape[2:]
		for c := 0; c < cg; c++ {
			for k := 0; k < NumElems(kshape); k++ {
				kidx := unravel(k, kshape)
				xidx := []int{n, f/fg*cg + c}
				inside := true
				for i := 0; i < s; i++ {
					pos := idx[2+i]*p.Strides[i] - p.Pads[i] + kidx[i]*p.Dilations[i]
					inside = inside && pos >= 0 && pos < x.Shape[2+i]
					xidx = append(xidx, pos)
				}
				if inside {
					xv := x.I64[ravel(xidx, x.Shape)] - xz
					wv := w.I64[ravel(append([]int{f, c}, kidx...), w.Shape)] - z
					sum += xv * wv
				}
			}
		}
		res[o] = sum
	}
	return out, res
}

func randInts(r *rand.Rand, dt DType, lo, hi int64, shape ...int) *Tensor {
	t := New(dt, shape...)
	for i := range t.I64 {
		t.I64[i] = lo + r.Int63n(hi-lo+1)
	}
	return t
}

func TestConvIntegerAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewSource(16))
	for iter := 0; iter < 200; iter++ {
		cc := randConvCase(r)
		var x, w *Tensor
		var xz int64
		big := iter%5 == 4 // int32 operands too large for the float64 path
		switch {
		case big:
			x = randInts(r, Int32, -1<<30, 1<<30, append([]int{cc.n, cc.c}, cc.in...)...)
			w = randInts(r, Int32, -1<<30, 1<<30, append([]int{cc.f, cc.c / cc.group}, cc.k...)...)
		case iter%2 == 0:
			x = randInts(r, Uint8, 0, 255, append([]int{cc.n, cc.c}, cc.in...)...)
			w = randInts(r, Int8, -128, 127, append([]int{cc.f, cc.c / cc.group}, cc.k...)...)
			xz = int64(r.Intn(256))
		default:
			x = randInts(r, Int8, -128, 127, append([]int{cc.n, cc.c}, cc.in...)...)
			w = randInts(r, Uint8, 0, 255, append([]int{cc.f, cc.c / cc.group}, cc.k...)...)
			xz = int64(r.Intn(256) - 128)
		}
		wz := []int64{int64(r.Intn(10))}
		if r.Intn(2) == 0 {
			wz = make([]int64, cc.f)
			for i := range wz {
				wz[i] = int64(r.Intn(10))
			}
		}
		var b *Tensor
		if cc.bias {
			b = randInts(r, Int32, -1000, 1000, cc.f)
		}
		out, want := naiveConvInteger(x, w, b, xz, wz, cc.p)
		for _, dt := range []DType{Int64, Int32} {
			dst := New(dt, out...)
			if err := ConvInteger(dst, x, w, b, xz, wz, cc.p); err != nil {
				t.Fatalf("%v: %v", cc, err)
			}
			for i, v := range want {
				if dst.I64[i] != dt.Wrap(v) {
					t.Fatalf("%v %v: element %d = %d, want %d", cc, dt, i, dst.I64[i], dt.Wrap(v))
				}
			}
		}
	}
	x := randInts(r, Int8, -128, 127, 1, 2, 3, 3)
	w := randInts(r, Int8, -128, 127, 4, 2, 2, 2)
	p := ConvParams{Strides: []int{1, 1}, Pads: []int{0, 0, 0, 0}, Dilations: []int{1, 1}, Group: 1}
	if err := ConvInteger(New(Int32, 1, 4, 2, 2), x, w, nil, 0, []int64{0, 0}, p); err == nil {
		t.Error("two zero points for four channels accepted")
	}
	if err := ConvInteger(New(Float32, 1, 4, 2, 2), x, w, nil, 0, []int64{0}, p); err == nil {
		t.Error("float destination accepted")
	}
}

func TestFCIntegerAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewSource(17))
	for iter := 0; iter < 60; iter++ {
		M, N, K := 1+r.Intn(4), 1+r.Intn(6), 1+r.Intn(40)
		lo, hi := int64(-128), int64(127)
		if iter%4 == 3 {
			lo, hi = -1<<31, 1<<31-1 // int64 path
		}
		x := randInts(r, Int32, lo, hi, M, K)
		w := randInts(r, Int32, lo, hi, N, K)
		xz := int64(r.Intn(20) - 10)
		wz := []int64{int64(r.Intn(5))}
		if iter%2 == 0 {
			wz = make([]int64, N)
			for i := range wz {
				wz[i] = int64(r.Intn(5))
			}
		}
		var b *Tensor
		if iter%3 != 0 {
			b = randInts(r, Int32, -1000, 1000, N)
		}
		dst := New(Int32, M, N)
		if err := FCInteger(dst, x, w, b, xz, wz); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < M; i++ {
			for j := 0; j < N; j++ {
				var s int64
				if b != nil {
					s = b.I64[j]
				}
				z := wz[0]
				if len(wz) > 1 {
					z = wz[j]
				}
				for k := 0; k < K; k++ {
					s += (x.I64[i*K+k] - xz) * (w.I64[j*K+k] - z)
				}
				if got := dst.I64[i*N+j]; got != int64(int32(s)) {
					t.Fatalf("iter %d: [%d,%d] = %d, want %d", iter, i, j, got, int32(s))
				}
			}
		}
	}
	if err := FCInteger(New(Int32, 2, 3), New(Int8, 2, 4), New(Int8, 3, 5), nil, 0, []int64{0}); err == nil {
		t.Error("K mismatch accepted")
	}
}
