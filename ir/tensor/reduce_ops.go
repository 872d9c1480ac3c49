package tensor

import (
	"fmt"
	"math"
)

// ReduceOp selects the reduction of Reduce (ReduceMean has its own kernel).
type ReduceOp uint8

// Reductions, named as the ONNX Reduce* ops.
const (
	ReduceSum ReduceOp = iota
	ReduceMax
	ReduceMin
	ReduceProd
	ReduceL1
	ReduceL2
	ReduceLogSum
	ReduceLogSumExp
	ReduceSumSquare
	numReduceOps
)

var reduceNames = [...]string{"reduce_sum", "reduce_max", "reduce_min", "reduce_prod", "reduce_l1", "reduce_l2",
	"reduce_log_sum", "reduce_log_sum_exp", "reduce_sum_square"}

func (op ReduceOp) String() string {
	if int(op) < len(reduceNames) {
		return reduceNames[op]
	}
	return fmt.Sprintf("reduceop(%d)", uint8(op))
}

// Reduce reduces x over axes (all when empty). Floats accumulate in float64
// and round once; max and min propagate NaN. Integers: sum, prod, max, min,
// L1 and sum of squares are exact (wrapping like the type); L2, log-sum and
// log-sum-exp compute in float64 and truncate toward zero. An empty
// reduction gives the identity of the operation: 0 for sums, 1 for the
// product, -Inf (max, log-sum, log-sum-exp) and +Inf (min) for floats, the
// type's minimum and maximum for integer max and min.
func Reduce(dst, x *Tensor, axes []int, keepdims bool, op ReduceOp) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if op >= numReduceOps {
		return fmt.Errorf("BUG: unknown reduce op %d", op)
	}
	if x.DType == Bool {
		return fmt.Errorf("%v: not defined on bool", op)
	}
	out, err := ReduceShape(x.Shape, axes, keepdims)
	if err != nil {
		return err
	}
	if err := checkDst(dst, x.DType, out); err != nil {
		return fmt.Errorf("%v: %w", op, err)
	}
	red, _ := reducedAxes(x.Rank(), axes)
	keptShape := make([]int, x.Rank())
	for i, d := range x.Shape {
		keptShape[i] = d
		if red[i] {
			keptShape[i] = 1
		}
	}
	st := broadcastStrides(keptShape, x.Shape)
	// each calls f(output index, input index) for every input element.
	each := func(f func(o, i int)) {
		forEachRow(x.Shape, [][]int{st}, func(o int, offs []int, n int, inner []int) {
			for i := 0; i < n; i++ {
				f(offs[0]+i*inner[0], o+i)
			}
		})
	}
	exactInt := !x.DType.IsFloat() && op != ReduceL2 && op != ReduceLogSum && op != ReduceLogSumExp
	if exactInt {
		reduceInt(dst, x, op, each)
		return nil
	}
	acc := make([]float64, NumElems(out))
	var shift []float64 // log-sum-exp: the maximum, subtracted before exp
	if op == ReduceLogSumExp {
		shift = make([]float64, len(acc))
		for i := range shift {
			shift[i] = math.Inf(-1)
		}
		each(func(o, i int) {
			if v := x.Float64At(i); v > shift[o] || v != v {
				shift[o] = v
			}
		})
		for i, s := range shift {
			if math.IsInf(s, 0) {
				shift[i] = 0 // all -Inf (or empty): exp(-Inf) = 0; +Inf: the sum is +Inf anyway
			}
		}
	}
	init := 0.0
	switch op {
	case ReduceMax:
		init = math.Inf(-1)
	case ReduceMin:
		init = math.Inf(1)
	case ReduceProd:
		init = 1
	}
	for i := range acc {
		acc[i] = init
	}
	each(func(o, i int) {
		v := x.Float64At(i)
		switch op {
		case ReduceSum, ReduceLogSum:
			acc[o] += v
		case ReduceMax:
			if v > acc[o] || v != v {
				acc[o] = v
			}
		case ReduceMin:
			if v < acc[o] || v != v {
				acc[o] = v
			}
		case ReduceProd:
			acc[o] *= v
		case ReduceL1:
			acc[o] += math.Abs(v)
		case ReduceL2, ReduceSumSquare:
			acc[o] += v * v
		case ReduceLogSumExp:
			acc[o] += math.Exp(v - shift[o])
		}
	})
	for i, v := range acc {
		switch op {
		case ReduceL2:
			v = math.Sqrt(v)
		case ReduceLogSum:
			v = math.Log(v)
		case ReduceLogSumExp:
			v = math.Log(v) + shift[i]
		}
		switch x.DType.Storage() {
		case StoreF32:
			dst.F32[i] = roundScalar(x.DType, float32(v))
		case StoreF64:
			dst.F64[i] = v
		default:
			dst.I64[i] = x.DType.Wrap(truncToInt64(v))
		}
	}
	return nil
}

func reduceInt(dst, x *Tensor, op ReduceOp, each func(func(o, i int))) {
	lo, hi := x.DType.IntRange()
	unsigned := x.DType == Uint64
	acc := dst.I64
	for i := range acc {
		switch op {
		case ReduceMax:
			acc[i] = lo
		case ReduceMin:
			acc[i] = hi
		case ReduceProd:
			acc[i] = 1
		default:
			acc[i] = 0
		}
	}
	each(func(o, i int) {
		v := x.I64[i]
		switch op {
		case ReduceSum:
			acc[o] += v
		case ReduceMax:
			if lessInt(unsigned, acc[o], v) {
				acc[o] = v
			}
		case ReduceMin:
			if lessInt(unsigned, v, acc[o]) {
				acc[o] = v
			}
		case ReduceProd:
			acc[o] *= v
		case ReduceL1:
			if !x.DType.IsUnsigned() && v < 0 {
				v = -v
			}
			acc[o] += v
		case ReduceSumSquare:
			acc[o] += v * v
		}
	})
	for i, v := range acc {
		acc[i] = x.DType.Wrap(v)
	}
}

// ArgExtreme returns in dst (int64) the index along axis of the maximum
// (max) or minimum of x, the first one or with last the last one among
// equal values; a NaN counts as the extreme (NumPy's argmax). The axis is
// kept as size 1 when keepdims is set.
func ArgExtreme(dst, x *Tensor, axis int, keepdims, max, last bool) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if x.DType == Bool {
		return fmt.Errorf("arg_max/arg_min: not defined on bool")
	}
	out, err := ReduceShape(x.Shape, []int{axis}, keepdims)
	if err != nil {
		return err
	}
	if err := checkDst(dst, Int64, out); err != nil {
		return fmt.Errorf("arg_max/arg_min: %w", err)
	}
	n := x.Shape[axis]
	if n == 0 && len(dst.I64) > 0 {
		return fmt.Errorf("arg_max/arg_min: axis %d of %v is empty", axis, x)
	}
	inner := NumElems(x.Shape[axis+1:])
	outer := NumElems(x.Shape[:axis])
	unsigned := x.DType == Uint64
	better := func(a, b int) bool { // x[a] beats x[b]
		if x.DType.IsFloat() {
			va, vb := x.Float64At(a), x.Float64At(b)
			if vb != vb {
				return false
			}
			if va != va {
				return true
			}
			if max {
				return va > vb || (last && va == vb)
			}
			return va < vb || (last && va == vb)
		}
		va, vb := x.I64[a], x.I64[b]
		if max {
			return lessInt(unsigned, vb, va) || (last && va == vb)
		}
		return lessInt(unsigned, va, vb) || (last && va == vb)
	}
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			base := o*n*inner + in
			best := 0
			for k := 1; k < n; k++ {
				if better(base+k*inner, base+best*inner) {
					best = k
				}
			}
			dst.I64[o*inner+in] = int64(best)
		}
	}
	return nil
}
