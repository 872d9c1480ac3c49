package tensor

import "fmt"

// QLut writes table[x - inLo] (the DPU's vlut, ISA v1.6) into dst: an
// element-wise function of codes by lookup. A code outside the table is an
// error (the device faults on the address).
func QLut(dst, x *Tensor, table []int64, inLo int64) error {
	if err := checkIntIn("qlut x", x); err != nil {
		return err
	}
	if err := checkIntDst("qlut", dst, x.Shape); err != nil {
		return err
	}
	for i, v := range x.I64 {
		k := v - inLo
		if k < 0 || k >= int64(len(table)) {
			return fmt.Errorf("qlut: code %d outside the table's [%d, %d]", v, inLo, inLo+int64(len(table))-1)
		}
		dst.I64[i] = table[k]
	}
	return nil
}

// QMul writes the requantized product of codes a and b (b broadcast to a's
// shape: each of its dims 1 or a's) into dst: Requant(Sat32(a*b), 0, mult,
// shift, mode, lo, hi), the DPU's vmul then vrq (ISA v1.6).
func QMul(dst, a, b *Tensor, mult int64, shift uint, mode RoundMode, lo, hi int64) error {
	if err := checkIntIn("qmul a", a); err != nil {
		return err
	}
	if err := checkIntIn("qmul b", b); err != nil {
		return err
	}
	if len(b.Shape) != len(a.Shape) {
		return fmt.Errorf("qmul: b %s does not broadcast to a %s", ShapeString(b.Shape), ShapeString(a.Shape))
	}
	for d := range a.Shape {
		if b.Shape[d] != 1 && b.Shape[d] != a.Shape[d] {
			return fmt.Errorf("qmul: b %s does not broadcast to a %s", ShapeString(b.Shape), ShapeString(a.Shape))
		}
	}
	if err := checkIntDst("qmul", dst, a.Shape); err != nil {
		return err
	}
	r := len(a.Shape)
	idx := make([]int, r)
	for i, av := range a.I64 {
		// b's element: a's index with b's size-1 dims at 0.
		j := 0
		for d := range r {
			if b.Shape[d] != 1 {
				j = j*b.Shape[d] + idx[d]
			}
		}
		dst.I64[i] = Requant(Sat32(av*b.I64[j]), 0, mult, shift, mode, lo, hi)
		for d := r - 1; d >= 0; d-- {
			if idx[d]++; idx[d] < a.Shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return nil
}
