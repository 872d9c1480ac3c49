package tensor

import "fmt"

// PadShape returns the shape of constant-padding x by pads ([d0_begin, ...,
// d0_end, ...] over all axes; negative values crop).
func PadShape(x []int, pads []int) ([]int, error) {
	r := len(x)
	if len(pads) != 2*r {
		return nil, fmt.Errorf("pad: want %d pads for rank %d, got %v", 2*r, r, pads)
	}
	out := make([]int, r)
	for i := range x {
		out[i] = x[i] + pads[i] + pads[r+i]
		if out[i] < 0 {
			return nil, fmt.Errorf("pad: pads %v crop axis %d of %s below zero", pads, i, ShapeString(x))
		}
	}
	return out, nil
}

// Pad computes constant padding: dst[i] = x[i - begin] where inside x, value
// elsewhere. value is converted to the element type (truncated toward zero
// and wrapped for integers, rounded for narrow floats).
func Pad(dst, x *Tensor, pads []int, value float64) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	out, err := PadShape(x.Shape, pads)
	if err != nil {
		return err
	}
	if err := checkDst(dst, x.DType, out); err != nil {
		return fmt.Errorf("pad: %w", err)
	}
	r := x.Rank()
	xs := rowStrides(x.Shape)
	switch x.DType.Storage() {
	case StoreF32:
		padCopy(dst.F32, x.F32, out, x.Shape, xs, pads[:r], roundScalar(x.DType, float32(value)))
	case StoreF64:
		padCopy(dst.F64, x.F64, out, x.Shape, xs, pads[:r], value)
	default:
		padCopy(dst.I64, x.I64, out, x.Shape, xs, pads[:r], x.DType.Wrap(int64(value)))
	}
	return nil
}

func padCopy[T elem](d, x []T, out, in, xs, begin []int, value T) {
	r := len(out)
	idx := make([]int, r)
	for o := range d {
		// o -> output index -> input index
		rem := o
		src := 0
		inside := true
		for ax := r - 1; ax >= 0; ax-- {
			idx[ax] = rem % out[ax]
			rem /= out[ax]
			i := idx[ax] - begin[ax]
			if i < 0 || i >= in[ax] {
				inside = false
			}
			src += i * xs[ax]
		}
		if inside {
			d[o] = x[src]
		} else {
			d[o] = value
		}
	}
}
