package train

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// CheckExported compares the reference interpreter's predictions on the
// first test images with a fresh training-engine model built from g, the
// written model imported again (pimc train reads back the bytes it wrote:
// the file may be a pipe or stdout), so a broken export is caught at once.
func CheckExported(g *ir.Graph, test *data.Dataset) error {
	m, err := NewModel(g)
	if err != nil {
		return err
	}
	sub := test.Head(64)
	_, accEngine, err := Evaluate(m, sub, 64)
	if err != nil {
		return err
	}
	correct := 0
	for i := 0; i < sub.Len(); i++ {
		x, y := sub.Gather(nil, []int{i})
		outs, err := interp.Run(g, []*tensor.Tensor{x})
		if err != nil {
			return err
		}
		if argmax(outs[0].F32) == int(y[0]) {
			correct++
		}
	}
	if accInterp := float64(correct) / float64(sub.Len()); math.Abs(accInterp-accEngine) > 1.5/float64(sub.Len()) {
		return fmt.Errorf("interpreter accuracy %.3f vs training engine %.3f on %d images", accInterp, accEngine, sub.Len())
	}
	return nil
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
