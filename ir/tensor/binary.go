package tensor

import (
	"errors"
	"fmt"
)

// BinaryOp selects an element-wise binary operation.
type BinaryOp uint8

// Binary operations. PRelu is x if x >= 0 else slope*x with a = x, b = slope.
const (
	Add BinaryOp = iota
	Sub
	Mul
	Div
	Max
	Min
	PRelu
)

var binaryNames = [...]string{"add", "sub", "mul", "div", "max", "min", "prelu"}

func (op BinaryOp) String() string {
	if int(op) < len(binaryNames) {
		return binaryNames[op]
	}
	return fmt.Sprintf("binaryop(%d)", uint8(op))
}

// ErrDivByZero is returned by integer division by zero.
var ErrDivByZero = errors.New("integer division by zero")

// Binary computes dst = a op b element-wise with NumPy broadcasting. a and b
// must have the same element type, which dst has too; dst's shape must be
// BroadcastShape(a.Shape, b.Shape). dst may be a itself when a already has
// the output shape (used to fold variadic ops in place).
//
// Semantics per type: float32 and float64 use IEEE arithmetic (max and min
// propagate NaN, as NumPy does); float16 and bfloat16 compute in float32 and
// round each result to nearest-even in the narrow type, which equals the
// correctly rounded narrow result since float32 has more than twice their
// precision; integers wrap to the width of their type, division truncates
// toward zero, and uint64 compares and divides as unsigned.
func Binary(dst, a, b *Tensor, op BinaryOp) error {
	if err := checkStorage("a", a); err != nil {
		return err
	}
	if err := checkStorage("b", b); err != nil {
		return err
	}
	if a.DType != b.DType {
		return fmt.Errorf("%v: element types differ: %v and %v", op, a.DType, b.DType)
	}
	dt := a.DType
	if dt == Bool {
		return fmt.Errorf("%v: not defined on bool", op)
	}
	if op > PRelu {
		return fmt.Errorf("BUG: unknown binary op %d", op)
	}
	out, err := BroadcastShape(a.Shape, b.Shape)
	if err != nil {
		return fmt.Errorf("%v: %w", op, err)
	}
	if err := checkDst(dst, dt, out); err != nil {
		return fmt.Errorf("%v: %w", op, err)
	}
	sa, sb := broadcastStrides(a.Shape, out), broadcastStrides(b.Shape, out)
	switch dt.Storage() {
	case StoreF32:
		binaryFloat(op, dst.F32, a.F32, b.F32, out, sa, sb)
		RoundToType(dt, dst.F32)
	case StoreF64:
		binaryFloat(op, dst.F64, a.F64, b.F64, out, sa, sb)
	default:
		return binaryInt(op, dt, dst.I64, a.I64, b.I64, out, sa, sb)
	}
	return nil
}

func binaryFloat[T floatElem](op BinaryOp, d, a, b []T, out, sa, sb []int) {
	forEachRow(out, [][]int{sa, sb}, func(o int, offs []int, n int, inner []int) {
		ia, ib, da, db := offs[0], offs[1], inner[0], inner[1]
		d := d[o : o+n]
		switch op {
		case Add:
			for i := range d {
				d[i] = a[ia+i*da] + b[ib+i*db]
			}
		case Sub:
			for i := range d {
				d[i] = a[ia+i*da] - b[ib+i*db]
			}
		case Mul:
			for i := range d {
				d[i] = a[ia+i*da] * b[ib+i*db]
			}
		case Div:
			for i := range d {
				d[i] = a[ia+i*da] / b[ib+i*db]
			}
		case Max:
			for i := range d {
				x, y := a[ia+i*da], b[ib+i*db]
				if x != x || x > y {
					d[i] = x
				} else {
					d[i] = y
				}
			}
		case Min:
			for i := range d {
				x, y := a[ia+i*da], b[ib+i*db]
				if x != x || x < y {
					d[i] = x
				} else {
					d[i] = y
				}
			}
		case PRelu:
			for i := range d {
				x := a[ia+i*da]
				if x < 0 {
					x *= b[ib+i*db]
				}
				d[i] = x
			}
		}
	})
}

func binaryInt(op BinaryOp, dt DType, d, a, b []int64, out, sa, sb []int) error {
	unsigned := dt == Uint64
	var err error
	forEachRow(out, [][]int{sa, sb}, func(o int, offs []int, n int, inner []int) {
		ia, ib, da, db := offs[0], offs[1], inner[0], inner[1]
		d := d[o : o+n]
		for i := range d {
			x, y := a[ia+i*da], b[ib+i*db]
			var r int64
			switch op {
			case Add:
				r = x + y
			case Sub:
				r = x - y
			case Mul:
				r = x * y
			case Div:
				switch {
				case y == 0:
					err = ErrDivByZero
				case unsigned:
					r = int64(uint64(x) / uint64(y))
				default:
					r = x / y // Go truncates toward zero; MinInt64/-1 wraps
				}
			case Max:
				if lessInt(unsigned, y, x) {
					r = x
				} else {
					r = y
				}
			case Min:
				if lessInt(unsigned, x, y) {
					r = x
				} else {
					r = y
				}
			case PRelu:
				r = x
				if !unsigned && x < 0 {
					r = x * y
				}
			}
			d[i] = dt.Wrap(r)
		}
	})
	if err != nil {
		return fmt.Errorf("%v: %w", op, err)
	}
	return nil
}

func lessInt(unsigned bool, x, y int64) bool {
	if unsigned {
		return uint64(x) < uint64(y)
	}
	return x < y
}

// Variadic folds op (Add for sum, Max, Min) over xs left to right with
// broadcasting: dst = ((xs[0] op xs[1]) op xs[2]) .... Narrow float types are
// rounded after every step, as a chain of binary nodes would be.
func Variadic(dst *Tensor, op BinaryOp, xs ...*Tensor) error {
	if len(xs) == 0 {
		return fmt.Errorf("%v: no inputs", op)
	}
	shapes := make([][]int, len(xs))
	for i, x := range xs {
		if err := checkStorage(fmt.Sprintf("input %d", i), x); err != nil {
			return err
		}
		if x.DType != xs[0].DType {
			return fmt.Errorf("%v: element types differ: %v and %v", op, xs[0].DType, x.DType)
		}
		shapes[i] = x.Shape
	}
	out, err := BroadcastShape(shapes...)
	if err != nil {
		return fmt.Errorf("%v: %w", op, err)
	}
	if err := checkDst(dst, xs[0].DType, out); err != nil {
		return fmt.Errorf("%v: %w", op, err)
	}
	if err := Expand(dst, xs[0]); err != nil {
		return err
	}
	for _, x := range xs[1:] {
		if err := Binary(dst, dst, x, op); err != nil {
			return err
		}
	}
	return nil
}

// Expand copies x broadcast to dst's shape (same element type).
func Expand(dst, x *Tensor) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if err := checkStorage("dst", dst); err != nil {
		return err
	}
	out, err := BroadcastShape(x.Shape, dst.Shape)
	if err != nil || !SameShape(out, dst.Shape) || x.DType != dst.DType {
		return fmt.Errorf("expand: cannot broadcast %v to %v", x, dst)
	}
	st := [][]int{broadcastStrides(x.Shape, out)}
	switch x.DType.Storage() {
	case StoreF32:
		expandInto(dst.F32, x.F32, out, st)
	case StoreF64:
		expandInto(dst.F64, x.F64, out, st)
	default:
		expandInto(dst.I64, x.I64, out, st)
	}
	return nil
}

func expandInto[T elem](d, x []T, out []int, st [][]int) {
	forEachRow(out, st, func(o int, offs []int, n int, inner []int) {
		ix, dx := offs[0], inner[0]
		for i := 0; i < n; i++ {
			d[o+i] = x[ix+i*dx]
		}
	})
}
