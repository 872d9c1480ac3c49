package tensor

import (
	"math"
	"math/rand"
	"testing"
)

func TestTranspose(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	x := randF32(r, 2, 3, 4, 5)
	perm := []int{2, 0, 3, 1}
	out, err := TransposeShape(x.Shape, perm)
	if err != nil {
		t.Fatal(err)
	}
	dst := New(Float32, out...)
	if err := Transpose(dst, x, perm); err != nil {
		t.Fatal(err)
	}
	for o := range dst.F32 {
		idx := unravel(o, out)
		in := make([]int, 4)
		for i, p := range perm {
			in[p] = idx[i]
		}
		if dst.F32[o] != x.F32[ravel(in, x.Shape)] {
			t.Fatalf("transpose wrong at %v", idx)
		}
	}
	if _, err := TransposeShape([]int{2, 3}, []int{0, 0}); err == nil {
		t.Error("bad perm accepted")
	}
}

func TestConcatSplit(t *testing.T) {
	r := rand.New(rand.NewSource(14))
	a, b := randF32(r, 2, 3, 4), randF32(r, 2, 1, 4)
	dst := New(Float32, 2, 4, 4)
	if err := Concat(dst, 1, a, b); err != nil {
		t.Fatal(err)
	}
	for o := range dst.F32 {
		idx := unravel(o, dst.Shape)
		var want float32
		if idx[1] < 3 {
			want = a.F32[ravel(idx, a.Shape)]
		} else {
			want = b.F32[ravel([]int{idx[0], idx[1] - 3, idx[2]}, b.Shape)]
		}
		if dst.F32[o] != want {
			t.Fatalf("concat wrong at %v", idx)
		}
	}
	a2, b2 := New(Float32, 2, 3, 4), New(Float32, 2, 1, 4)
	if err := Split([]*Tensor{a2, b2}, dst, 1); err != nil {
		t.Fatal(err)
	}
	if !Equal(a, a2) || !Equal(b, b2) {
		t.Fatal("split does not undo concat")
	}
	if err := Concat(dst, 0, a, b); err == nil {
		t.Error("concat of mismatched shapes accepted")
	}
	i64 := FromI64(Int64, []int64{1, 2}, 2)
	d := New(Int64, 4)
	if err := Concat(d, 0, i64, i64); err != nil || !sameI64(d.I64, []int64{1, 2, 1, 2}) {
		t.Errorf("int concat = %v, %v", d.I64, err)
	}
}

func TestPad(t *testing.T) {
	x := New(Float32, 2, 3)
	for i := range x.F32 {
		x.F32[i] = float32(i + 1) // [[1 2 3] [4 5 6]]
	}
	pads := []int{1, -1, 0, 2} // one row on top, crop first column, two columns right
	out, err := PadShape(x.Shape, pads)
	if err != nil || !SameShape(out, []int{3, 4}) {
		t.Fatalf("PadShape = %v, %v", out, err)
	}
	dst := New(Float32, out...)
	if err := Pad(dst, x, pads, 9); err != nil {
		t.Fatal(err)
	}
	want := []float32{9, 9, 9, 9, 2, 3, 9, 9, 5, 6, 9, 9}
	if !sameF32(dst.F32, want) {
		t.Errorf("pad = %v, want %v", dst.F32, want)
	}
	if _, err := PadShape([]int{2}, []int{-2, -1}); err == nil {
		t.Error("over-cropping accepted")
	}
	u := FromI64(Uint8, []int64{7}, 1)
	du := New(Uint8, 3)
	if err := Pad(du, u, []int{1, 1}, 300); err != nil || !sameI64(du.I64, []int64{44, 7, 44}) {
		t.Errorf("uint8 pad = %v, %v", du.I64, err)
	}
}

func TestGather(t *testing.T) {
	x := New(Float32, 3, 2)
	for i := range x.F32 {
		x.F32[i] = float32(i)
	}
	idx := FromI64(Int64, []int64{2, -3, 1, 2}, 2, 2)
	out, _ := GatherShape(x.Shape, idx.Shape, 0)
	dst := New(Float32, out...)
	if err := Gather(dst, x, idx, 0); err != nil {
		t.Fatal(err)
	}
	if want := []float32{4, 5, 0, 1, 2, 3, 4, 5}; !sameF32(dst.F32, want) {
		t.Errorf("gather axis 0 = %v, want %v", dst.F32, want)
	}
	col := FromI64(Int32, []int64{-1}, 1)
	d1 := New(Float32, 3, 1)
	if err := Gather(d1, x, col, 1); err != nil || !sameF32(d1.F32, []float32{1, 3, 5}) {
		t.Errorf("gather axis 1 = %v, %v", d1.F32, err)
	}
	scalar := FromI64(Int64, []int64{1}) // rank-0 index drops the axis
	d2 := New(Float32, 2)
	if err := Gather(d2, x, scalar, 0); err != nil || !sameF32(d2.F32, []float32{2, 3}) {
		t.Errorf("gather scalar = %v, %v", d2.F32, err)
	}
	if err := Gather(d1, x, FromI64(Int64, []int64{2}, 1), 1); err == nil {
		t.Error("out-of-range index accepted")
	}
}

func TestBatchNormLRNReduce(t *testing.T) {
	r := rand.New(rand.NewSource(15))
	x := randF32(r, 2, 5, 3, 2)
	sc, bi, mu := randF32(r, 5), randF32(r, 5), randF32(r, 5)
	va := randF32(r, 5)
	for i := range va.F32 {
		va.F32[i] = float32(math.Abs(float64(va.F32[i])))
	}
	dst := New(Float32, x.Shape...)
	if err := BatchNorm(dst, x, sc, bi, mu, va, 1e-5); err != nil {
		t.Fatal(err)
	}
	want := make([]float64, x.Len())
	for o := range want {
		c := unravel(o, x.Shape)[1]
		want[o] = (x.Float64At(o)-mu.Float64At(c))/math.Sqrt(va.Float64At(c)+float64(float32(1e-5)))*sc.Float64At(c) + bi.Float64At(c)
	}
	closeTo(t, "batch_norm", dst, want, 1e-5)

	for _, size := range []int{1, 2, 3, 4, 5} {
		if err := LRN(dst, x, size, 1e-2, 0.75, 2); err != nil {
			t.Fatal(err)
		}
		for o := range want {
			idx := unravel(o, x.Shape)
			c := idx[1]
			sq := 0.0
			for k := c - (size-1)/2; k <= c+int(math.Ceil(float64(size-1)/2)); k++ {
				if k >= 0 && k < 5 {
					j := append([]int{}, idx...)
					j[1] = k
					v := x.Float64At(ravel(j, x.Shape))
					sq += v * v
				}
			}
			want[o] = x.Float64At(o) / math.Pow(2+float64(float32(1e-2))/float64(size)*sq, 0.75)
		}
		closeTo(t, "lrn", dst, want, 1e-6)
	}

	for _, tc := range []struct {
		axes []int
		keep bool
	}{{nil, false}, {[]int{1}, true}, {[]int{0, 2}, false}, {[]int{2, 3}, true}} {
		out, err := ReduceShape(x.Shape, tc.axes, tc.keep)
		if err != nil {
			t.Fatal(err)
		}
		d := New(Float32, out...)
		if err := ReduceMean(d, x, tc.axes, tc.keep); err != nil {
			t.Fatal(err)
		}
		red := map[int]bool{}
		for _, a := range tc.axes {
			red[a] = true
		}
		sums := map[int]float64{}
		cnts := map[int]int{}
		for o := 0; o < x.Len(); o++ {
			idx := unravel(o, x.Shape)
			var key []int
			var keyShape []int
			for ax, v := range idx {
				if len(tc.axes) == 0 || red[ax] {
					continue
				}
				key = append(key, v)
				keyShape = append(keyShape, x.Shape[ax])
			}
			k := ravel(key, keyShape)
			sums[k] += x.Float64At(o)
			cnts[k]++
		}
		w := make([]float64, d.Len())
		for k := range w {
			w[k] = sums[k] / float64(cnts[k])
		}
		closeTo(t, "reduce_mean", d, w, 1e-6)
	}
}
