package data

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Calibration from a named dataset (quantize{calib=mnist} or
// calib=fashion-mnist): the first CalibImages images of the dataset's
// TRAINING split, as Load loads them (pixels in [0, 1], the range the
// corpus MNIST models and pimc train's models use). Calibrating on training
// images keeps the test set unseen by the quantizer.

func datasetSamples(g *ir.Graph, name string) ([][]*tensor.Tensor, error) {
	train, _, err := Load(name)
	if err != nil {
		return nil, fmt.Errorf("calib %s: %w", name, err)
	}
	if train == nil || train.Len() == 0 {
		return nil, fmt.Errorf("calib %s: the dataset has no training images", name)
	}
	if len(g.Inputs) != 1 {
		return nil, fmt.Errorf("calib %s: the graph has %d inputs, want 1 image input", name, len(g.Inputs))
	}
	in := g.Inputs[0]
	n := in.Type.NumElems()
	per := train.SampleLen()
	if n == 0 || n%per != 0 || !in.Type.DType.IsFloat() {
		return nil, fmt.Errorf("calib %s: input %q is %v, want a float input of k x %v images", name, in.Name, in.Type, train.Shape)
	}
	k := n / per // images per inference (the graph's batch)
	var out [][]*tensor.Tensor
	for i := 0; i+k <= min(CalibImages, train.Len()); i += k {
		t := tensor.New(in.Type.DType, in.Type.Shape...)
		src := train.X[i*per : (i+k)*per]
		for j, v := range src {
			if t.F64 != nil {
				t.F64[j] = float64(v)
			} else {
				t.F32[j] = v
			}
		}
		out = append(out, []*tensor.Tensor{t})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("calib %s: too few images for input %v", name, in.Type)
	}
	return out, nil
}
