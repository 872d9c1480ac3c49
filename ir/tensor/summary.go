package tensor

import (
	"fmt"
	"strings"
)

// Summary is one line describing t for a person: its type, its first ten
// values and, for a 2-D [N, C] float tensor (a classifier's output), the
// arg-max of each row, the predicted class (what pimc run and sim print
// for an output not written to a file).
func (t *Tensor) Summary() string {
	var b strings.Builder
	b.WriteString(t.String())
	n := t.Len()
	b.WriteString(" [")
	for i := 0; i < n && i < 10; i++ {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%.6g", t.Float64At(i))
	}
	if n > 10 {
		fmt.Fprintf(&b, " ... (%d values)", n)
	}
	b.WriteString("]")
	if t.Rank() == 2 && t.DType.IsFloat() && t.Shape[1] > 1 {
		b.WriteString(" argmax")
		for r := 0; r < t.Shape[0]; r++ {
			best := 0
			for c := 1; c < t.Shape[1]; c++ {
				if t.Float64At(r*t.Shape[1]+c) > t.Float64At(r*t.Shape[1]+best) {
					best = c
				}
			}
			fmt.Fprintf(&b, " %d", best)
		}
	}
	return b.String()
}
