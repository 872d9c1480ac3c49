package ir

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// MaxElems bounds the element count of any value, so that shapes computed
// from (possibly hostile) constants can neither overflow int nor make a
// kernel try to allocate more memory than any machine has.
const MaxElems = 1 << 40

// checkShapeSize rejects negative dimensions and shapes beyond MaxElems.
func checkShapeSize(shape []int) error {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("shape %s has a negative dimension", tensor.ShapeString(shape))
		}
		if d > MaxElems || (d > 0 && n > MaxElems/d) {
			return fmt.Errorf("shape %s has more than 2^40 elements", tensor.ShapeString(shape))
		}
		n *= d
	}
	return nil
}
