package ir

import (
	"fmt"
	"math/bits"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// MaxElems bounds the element count of any value, so that shapes computed
// from (possibly hostile) constants can neither overflow int nor make a
// kernel try to allocate more memory than any machine has: 2^40 on 64-bit
// machines, 2^28 on 32-bit ones (where int has 32 bits), so that the byte
// size of a value of the widest element type (8 bytes) still fits int.
const MaxElems = 1 << MaxElemsLog2

// MaxElemsLog2 is log2(MaxElems): 40, or 28 where int has 32 bits.
const MaxElemsLog2 = 28 + 12*(bits.UintSize/64)

// checkShapeSize rejects negative dimensions and shapes beyond MaxElems.
func checkShapeSize(shape []int) error {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("shape %s has a negative dimension", tensor.ShapeString(shape))
		}
		if d > MaxElems || (d > 0 && n > MaxElems/d) {
			return fmt.Errorf("shape %s has more than 2^%d elements", tensor.ShapeString(shape), MaxElemsLog2)
		}
		n *= d
	}
	return nil
}
