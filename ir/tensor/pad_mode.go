package tensor

import "fmt"

// PadMode is the border rule of PadBorder.
type PadMode uint8

// Border rules of ONNX Pad besides "constant" (NumPy's pad modes of the same
// meaning): Edge repeats the border cell, Reflect mirrors about it (the
// border cell not repeated), Wrap continues periodically.
const (
	PadEdge PadMode = iota
	PadReflect
	PadWrap
)

var padModeNames = [...]string{"edge", "reflect", "wrap"}

func (m PadMode) String() string {
	if int(m) < len(padModeNames) {
		return padModeNames[m]
	}
	return fmt.Sprintf("padmode(%d)", uint8(m))
}

// ParsePadMode reads an ONNX mode name other than "constant".
func ParsePadMode(s string) (PadMode, error) {
	for i, n := range padModeNames {
		if n == s {
			return PadMode(i), nil
		}
	}
	return 0, fmt.Errorf("pad mode %q: want edge, reflect or wrap", s)
}

// PadBorder pads x with pads [d0_begin, d1_begin, ..., d0_end, ...] (a
// negative pad crops) filling with border rule m; dst has PadShape's
// shape. An axis that gets cells must not be empty.
func PadBorder(dst, x *Tensor, pads []int, m PadMode) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	out, err := PadShape(x.Shape, pads)
	if err != nil {
		return err
	}
	if err := checkDst(dst, x.DType, out); err != nil {
		return fmt.Errorf("pad %v: %w", m, err)
	}
	for ax, d := range x.Shape {
		if d == 0 && out[ax] > 0 {
			return fmt.Errorf("pad %v: axis %d of %v is empty and cannot be padded", m, ax, x)
		}
	}
	src := sourceIndex(out, x.Shape, func(ax, c int) int { return borderCoord(c-pads[ax], x.Shape[ax], m) })
	switch x.DType.Storage() {
	case StoreF32:
		gatherFlat(dst.F32, x.F32, src)
	case StoreF64:
		gatherFlat(dst.F64, x.F64, src)
	default:
		gatherFlat(dst.I64, x.I64, src)
	}
	return nil
}

// borderCoord maps coordinate c (possibly outside [0, n)) into [0, n).
func borderCoord(c, n int, m PadMode) int {
	if c >= 0 && c < n {
		return c
	}
	switch m {
	case PadEdge:
		return min(max(c, 0), n-1)
	case PadWrap:
		return ((c % n) + n) % n
	}
	if n == 1 {
		return 0
	}
	period := 2 * (n - 1)
	c = ((c % period) + period) % period
	if c >= n {
		c = period - c
	}
	return c
}
