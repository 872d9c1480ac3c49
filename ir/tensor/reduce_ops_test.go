package tensor

import (
	"math"
	"math/rand"
	"testing"
)

// TestReduceOps compares every reduction over every axis set of a 3-D
// tensor with a direct computation over the kept index.
func TestReduceOps(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	x := randF64(r, 2, 3, 4)
	for i := range x.F64 {
		x.F64[i] = math.Abs(x.F64[i]) + 0.1 // log-sum needs a positive sum
	}
	direct := func(op ReduceOp, vs []float64) float64 {
		var s float64
		switch op {
		case ReduceSum:
			for _, v := range vs {
				s += v
			}
		case ReduceMax:
			s = math.Inf(-1)
			for _, v := range vs {
				s = math.Max(s, v)
			}
		case ReduceMin:
			s = math.Inf(1)
			for _, v := range vs {
				s = math.Min(s, v)
			}
		case ReduceProd:
			s = 1
			for _, v := range vs {
				s *= v
			}
		case ReduceL1:
			for _, v := range vs {
				s += math.Abs(v)
			}
		case ReduceL2:
			for _, v := range vs {
				s += v * v
			}
			s = math.Sqrt(s)
		case ReduceLogSum:
			for _, v := range vs {
				s += v
			}
			s = math.Log(s)
		case ReduceLogSumExp:
			for _, v := range vs {
				s += math.Exp(v)
			}
			s = math.Log(s)
		case ReduceSumSquare:
			for _, v := range vs {
				s += v * v
			}
		}
		return s
	}
	for op := ReduceOp(0); op < numReduceOps; op++ {
		for _, axes := range [][]int{nil, {0}, {1}, {2}, {0, 2}, {1, 2}} {
			for _, keep := range []bool{true, false} {
				shape, err := ReduceShape(x.Shape, axes, keep)
				if err != nil {
					t.Fatal(err)
				}
				out := New(Float64, shape...)
				if err := Reduce(out, x, axes, keep, op); err != nil {
					t.Fatal(err)
				}
				red, _ := reducedAxes(3, axes)
				groups := map[[3]int][]float64{}
				var order [][3]int
				for i := range x.F64 {
					idx := unravel(i, x.Shape)
					var k [3]int
					for a := range k {
						if !red[a] {
							k[a] = idx[a]
						}
					}
					if _, ok := groups[k]; !ok {
						order = append(order, k)
					}
					groups[k] = append(groups[k], x.F64[i])
				}
				want := make([]float64, len(order))
				for i, k := range order {
					want[i] = direct(op, groups[k])
				}
				closeTo(t, op.String(), out, want, 1e-12)
			}
		}
	}
}

func TestReduceIntegersAndEmpty(t *testing.T) {
	x := FromI64(Int8, []int64{-100, -100, 3, 4}, 2, 2)
	for _, c := range []struct {
		op   ReduceOp
		want []int64
	}{
		{ReduceSum, []int64{56, 7}}, // -200 wraps in int8
		{ReduceMax, []int64{-100, 4}},
		{ReduceMin, []int64{-100, 3}},
		{ReduceProd, []int64{16, 12}}, // 10000 wraps to 16
		{ReduceL1, []int64{-56, 7}},   // 200 wraps to -56
	} {
		out := New(Int8, 2)
		if err := Reduce(out, x, []int{1}, false, c.op); err != nil || !slicesEqual(out.I64, c.want) {
			t.Errorf("%v int8: got %v (%v), want %v", c.op, out.I64, err, c.want)
		}
	}
	empty := New(Float32, 2, 0)
	for _, c := range []struct {
		op   ReduceOp
		want float64
	}{{ReduceSum, 0}, {ReduceProd, 1}, {ReduceMax, math.Inf(-1)}, {ReduceMin, math.Inf(1)}, {ReduceLogSumExp, math.Inf(-1)}} {
		out := New(Float32, 2, 1)
		if err := Reduce(out, empty, []int{1}, true, c.op); err != nil {
			t.Fatal(err)
		}
		closeTo(t, "empty "+c.op.String(), out, []float64{c.want, c.want}, 0)
	}
	// log-sum-exp stays finite for large inputs (the maximum is shifted out)
	big := FromF32([]float32{1000, 1000}, 2)
	out := New(Float32)
	if err := Reduce(out, big, nil, false, ReduceLogSumExp); err != nil {
		t.Fatal(err)
	}
	closeTo(t, "log-sum-exp 1000", out, []float64{1000 + math.Ln2}, 1e-7)
}

func TestArgExtreme(t *testing.T) {
	x := FromF32([]float32{1, 5, 5, 0, 2, 2}, 2, 3)
	for _, c := range []struct {
		axis      int
		max, last bool
		want      []int64
	}{
		{1, true, false, []int64{1, 1}},
		{1, true, true, []int64{2, 2}},
		{1, false, false, []int64{0, 0}},
		{0, true, false, []int64{0, 0, 0}},
		{0, false, true, []int64{1, 1, 1}},
	} {
		shape, _ := ReduceShape(x.Shape, []int{c.axis}, false)
		out := New(Int64, shape...)
		if err := ArgExtreme(out, x, c.axis, false, c.max, c.last); err != nil || !slicesEqual(out.I64, c.want) {
			t.Errorf("axis %d max %v last %v: got %v (%v), want %v", c.axis, c.max, c.last, out.I64, err, c.want)
		}
	}
}
