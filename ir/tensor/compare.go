package tensor

import (
	"fmt"
	"math"
)

// CompareOp selects an element-wise comparison or logical operation of
// Compare; all give bool.
type CompareOp uint8

// Comparisons (any equal element types, CmpEqual also bool) and logical
// operations (bool only).
const (
	CmpEqual CompareOp = iota
	CmpLess
	CmpLessOrEqual
	CmpGreater
	CmpGreaterOrEqual
	And
	Or
	Xor
)

var compareNames = [...]string{"equal", "less", "less_or_equal", "greater", "greater_or_equal", "and", "or", "xor"}

func (op CompareOp) String() string {
	if int(op) < len(compareNames) {
		return compareNames[op]
	}
	return fmt.Sprintf("compareop(%d)", uint8(op))
}

// Logical reports whether op is one of And, Or, Xor.
func (op CompareOp) Logical() bool { return op >= And && op <= Xor }

// Compare computes the bool tensor dst = a op b with NumPy broadcasting. a
// and b have the same element type; floats compare as IEEE (NaN is unequal
// to everything), uint64 as unsigned.
func Compare(dst, a, b *Tensor, op CompareOp) error {
	if err := checkStorage("a", a); err != nil {
		return err
	}
	if err := checkStorage("b", b); err != nil {
		return err
	}
	if op > Xor {
		return fmt.Errorf("BUG: unknown compare op %d", op)
	}
	if a.DType != b.DType {
		return fmt.Errorf("%v: element types differ: %v and %v", op, a.DType, b.DType)
	}
	dt := a.DType
	switch {
	case op.Logical() && dt != Bool:
		return fmt.Errorf("%v: want bool inputs, got %v", op, dt)
	case dt == Bool && !op.Logical() && op != CmpEqual:
		return fmt.Errorf("%v: not defined on bool", op)
	}
	out, err := BroadcastShape(a.Shape, b.Shape)
	if err != nil {
		return fmt.Errorf("%v: %w", op, err)
	}
	if err := checkDst(dst, Bool, out); err != nil {
		return fmt.Errorf("%v: %w", op, err)
	}
	sa, sb := broadcastStrides(a.Shape, out), broadcastStrides(b.Shape, out)
	switch {
	case op.Logical():
		logicalRows(op, dst.I64, a.I64, b.I64, out, sa, sb)
	case dt.Storage() == StoreF32:
		compareRows(op, dst.I64, a.F32, b.F32, out, sa, sb, func(x, y float32) int { return cmpFloat(float64(x), float64(y)) })
	case dt.Storage() == StoreF64:
		compareRows(op, dst.I64, a.F64, b.F64, out, sa, sb, cmpFloat)
	case dt == Uint64:
		compareRows(op, dst.I64, a.I64, b.I64, out, sa, sb, func(x, y int64) int { return cmpOrdered(uint64(x), uint64(y)) })
	default:
		compareRows(op, dst.I64, a.I64, b.I64, out, sa, sb, cmpOrdered[int64])
	}
	return nil
}

// cmpNaN is cmpFloat's answer when either operand is NaN: every ordered
// comparison and Equal is false for it.
const cmpNaN = 2

func cmpFloat(x, y float64) int {
	if x != x || y != y {
		return cmpNaN
	}
	return cmpOrdered(x, y)
}

func cmpOrdered[T int64 | uint64 | float64](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func compareRows[T elem](op CompareOp, d []int64, a, b []T, out, sa, sb []int, cmp func(x, y T) int) {
	forEachRow(out, [][]int{sa, sb}, func(o int, offs []int, n int, inner []int) {
		ia, ib, da, db := offs[0], offs[1], inner[0], inner[1]
		for i := 0; i < n; i++ {
			x, y := a[ia+i*da], b[ib+i*db]
			var r bool
			switch c := cmp(x, y); op {
			case CmpEqual:
				r = c == 0
			case CmpLess:
				r = c == -1
			case CmpLessOrEqual:
				r = c == -1 || c == 0
			case CmpGreater:
				r = c == 1
			case CmpGreaterOrEqual:
				r = c == 1 || c == 0
			}
			d[o+i] = boolInt64(r)
		}
	})
}

// logicalRows applies And, Or or Xor to bool operands (0 or 1).
func logicalRows(op CompareOp, d, a, b []int64, out, sa, sb []int) {
	forEachRow(out, [][]int{sa, sb}, func(o int, offs []int, n int, inner []int) {
		for i := 0; i < n; i++ {
			x, y := a[offs[0]+i*inner[0]], b[offs[1]+i*inner[1]]
			switch op {
			case And:
				d[o+i] = x & y
			case Or:
				d[o+i] = x | y
			default:
				d[o+i] = x ^ y
			}
		}
	})
}

// Where computes dst = x where cond else y, broadcasting all three; cond is
// bool, x and y have dst's element type.
func Where(dst, cond, x, y *Tensor) error {
	for _, p := range []struct {
		what string
		t    *Tensor
	}{{"cond", cond}, {"x", x}, {"y", y}} {
		if err := checkStorage(p.what, p.t); err != nil {
			return err
		}
	}
	if cond.DType != Bool {
		return fmt.Errorf("where: condition has element type %v, want bool", cond.DType)
	}
	if x.DType != y.DType {
		return fmt.Errorf("where: element types differ: %v and %v", x.DType, y.DType)
	}
	out, err := BroadcastShape(cond.Shape, x.Shape, y.Shape)
	if err != nil {
		return fmt.Errorf("where: %w", err)
	}
	if err := checkDst(dst, x.DType, out); err != nil {
		return fmt.Errorf("where: %w", err)
	}
	st := [][]int{broadcastStrides(cond.Shape, out), broadcastStrides(x.Shape, out), broadcastStrides(y.Shape, out)}
	switch x.DType.Storage() {
	case StoreF32:
		whereRows(dst.F32, cond.I64, x.F32, y.F32, out, st)
	case StoreF64:
		whereRows(dst.F64, cond.I64, x.F64, y.F64, out, st)
	default:
		whereRows(dst.I64, cond.I64, x.I64, y.I64, out, st)
	}
	return nil
}

func whereRows[T elem](d []T, c []int64, x, y []T, out []int, st [][]int) {
	forEachRow(out, st, func(o int, offs []int, n int, inner []int) {
		for i := 0; i < n; i++ {
			if c[offs[0]+i*inner[0]] != 0 {
				d[o+i] = x[offs[1]+i*inner[1]]
			} else {
				d[o+i] = y[offs[2]+i*inner[2]]
			}
		}
	})
}

// Pow computes dst = a^b with broadcasting; dst has a's element type, b may
// have any numeric type (ONNX Pow's T and T1). The power is computed in
// float64 (math.Pow) and rounded to a float type, or truncated toward zero
// and wrapped for an integer base, except that an integer base with an
// integer exponent is computed exactly by repeated squaring (wrapping), so
// large int64 powers do not lose bits to float64.
func Pow(dst, a, b *Tensor) error {
	if err := checkStorage("a", a); err != nil {
		return err
	}
	if err := checkStorage("b", b); err != nil {
		return err
	}
	if a.DType == Bool || b.DType == Bool {
		return fmt.Errorf("pow: not defined on bool")
	}
	out, err := BroadcastShape(a.Shape, b.Shape)
	if err != nil {
		return fmt.Errorf("pow: %w", err)
	}
	if err := checkDst(dst, a.DType, out); err != nil {
		return fmt.Errorf("pow: %w", err)
	}
	sa, sb := broadcastStrides(a.Shape, out), broadcastStrides(b.Shape, out)
	intPow := !a.DType.IsFloat() && !b.DType.IsFloat()
	forEachRow(out, [][]int{sa, sb}, func(o int, offs []int, n int, inner []int) {
		for i := 0; i < n; i++ {
			ia, ib := offs[0]+i*inner[0], offs[1]+i*inner[1]
			switch {
			case intPow:
				dst.I64[o+i] = a.DType.Wrap(powInt(a.I64[ia], b.I64[ib]))
			case a.DType.Storage() == StoreF32:
				dst.F32[o+i] = float32(math.Pow(a.Float64At(ia), b.Float64At(ib)))
			case a.DType.Storage() == StoreF64:
				dst.F64[o+i] = math.Pow(a.F64[ia], b.Float64At(ib))
			default:
				dst.I64[o+i] = a.DType.Wrap(truncToInt64(math.Pow(a.Float64At(ia), b.Float64At(ib))))
			}
		}
	})
	if a.DType.Storage() == StoreF32 {
		RoundToType(a.DType, dst.F32)
	}
	return nil
}

// powInt is x^e for e >= 0 with wrapping int64 arithmetic; a negative
// exponent gives 0 except for bases 1 and -1 (the truncated real power).
func powInt(x, e int64) int64 {
	if e < 0 {
		switch x {
		case 1:
			return 1
		case -1:
			if e%2 == 0 {
				return 1
			}
			return -1
		}
		return 0
	}
	r := int64(1)
	for e > 0 {
		if e&1 == 1 {
			r *= x
		}
		x *= x
		e >>= 1
	}
	return r
}
