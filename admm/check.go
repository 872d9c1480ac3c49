package admm

import (
	"fmt"
	"math"
)

// CheckRow reports whether the kept values of one row are exactly alpha*q
// in float32 with q an integer code of bits bits (in {-1, +1} for bits =
// 1, with 0 also allowed where the row is pruned).
func CheckRow(row []float32, alpha float32, bits int) error {
	qmax := float64(QMax(bits))
	for k, x := range row {
		if x == 0 {
			continue
		}
		if alpha == 0 {
			return fmt.Errorf("element %d is %g but the row's scale is 0", k, x)
		}
		q := math.Round(float64(x) / float64(alpha))
		if math.Abs(q) > qmax || q == 0 || alpha*float32(q) != x {
			return fmt.Errorf("element %d = %g is not %g times an integer code in [-%g, %g]", k, x, alpha, qmax, qmax)
		}
	}
	return nil
}

// Check verifies that w (s-shaped) lies exactly in the layer's constraint
// sets: for every pruning constraint at most KeepCount groups hold a
// non-zero element, and, when codes is not nil, every row is
// codes.Alpha[r] times integer codes within codes.Bits (binary rows may
// hold pruned zeros too). Errors name the first violation.
func Check(w []float32, s Shape, ps []Prune, codes *Codes) error {
	for _, p := range ps {
		kept, total, err := GroupsKept(w, s, p)
		if err != nil {
			return err
		}
		if want := KeepCount(total, p.Ratio); kept > want {
			return fmt.Errorf("%s: %d of %d groups are non-zero, want at most %d", p, kept, total, want)
		}
	}
	if codes == nil {
		return nil
	}
	if len(codes.Alpha) != s.Rows {
		return fmt.Errorf("%d scales for %d rows", len(codes.Alpha), s.Rows)
	}
	for r := 0; r < s.Rows; r++ {
		if err := CheckRow(w[r*s.Cols:(r+1)*s.Cols], codes.Alpha[r], codes.Bits); err != nil {
			return fmt.Errorf("row %d: %v", r, err)
		}
	}
	return nil
}
