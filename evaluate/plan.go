package evaluate

import (
	"fmt"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// plan says how dataset samples feed a model input: perRun images per
// inference (the input's element count over the sample's; 1 for a model with
// batch dimension 1), and how many classes each image's output slice holds.
type plan struct {
	in      ir.Type
	perRun  int
	sample  int
	classes int
}

// newPlan checks that the single input and first output of a model fit the
// dataset. An image input [k, C, H, W] must take k samples of shape
// [C, H, W] exactly (a [H, W, C] sample gets a channels-last hint); other
// inputs are checked by element count, so a [1, 784] input takes MNIST's
// [1, 28, 28] images in their NCHW order, and an input holds several images
// only along its dimension 0 ([k, 784]). Element counts alone never make a
// 1x3x32x32 input out of four 3x16x16 images.
func newPlan(what string, ins, outs []*ir.Value, ds *data.Dataset) (*plan, error) {
	if len(ins) != 1 {
		return nil, fmt.Errorf("%s has %d inputs; evaluation on a dataset needs a single image input", what, len(ins))
	}
	if len(outs) == 0 {
		return nil, fmt.Errorf("%s has no outputs", what)
	}
	in := ins[0]
	if !in.Type.DType.IsFloat() {
		return nil, fmt.Errorf("%s: input %q is %s; evaluation feeds float images", what, in.Name, in.Type)
	}
	n, s := in.Type.NumElems(), ds.SampleLen()
	if n == 0 || s == 0 || n%s != 0 {
		return nil, fmt.Errorf("%s: input %q has shape %v (%d values per inference), but the images of %s have shape %v (%d values): the model was not made for this dataset",
			what, in.Name, in.Type.Shape, n, ds.Name, ds.Shape, s)
	}
	p := &plan{in: in.Type, perRun: n / s, sample: s}
	shape := in.Type.Shape
	switch {
	case len(shape) == 4 && !tensor.SameShape(shape[1:], ds.Shape):
		msg := fmt.Sprintf("%s: input %q has shape %v, but the images of %s have shape %v: the model was not made for this dataset", what, in.Name, shape, ds.Name, ds.Shape)
		if h := tensor.LayoutHint(append([]int{shape[0]}, ds.Shape...), shape); h != "" {
			msg = fmt.Sprintf("%s: input %q has shape %v, but the images of %s have shape %v, which %s", what, in.Name, shape, ds.Name, ds.Shape, h)
		}
		return nil, fmt.Errorf("%s", msg)
	case p.perRun > 1 && (len(shape) == 0 || shape[0] != p.perRun):
		return nil, fmt.Errorf("%s: input %q has shape %v (%d values per inference), but the images of %s have shape %v (%d values): they fill it only by element count, not as a batch along dimension 0",
			what, in.Name, shape, n, ds.Name, ds.Shape, s)
	}
	out := outs[0]
	on := out.Type.NumElems()
	if on == 0 || on%p.perRun != 0 {
		return nil, fmt.Errorf("%s: output %q has shape %v, which does not split into %d images", what, out.Name, out.Type.Shape, p.perRun)
	}
	p.classes = on / p.perRun
	if p.classes < ds.Classes {
		return nil, fmt.Errorf("%s: output %q has %d scores per image (shape %v), but %s has %d classes", what, out.Name, p.classes, out.Type.Shape, ds.Name, ds.Classes)
	}
	return p, nil
}

// runs is the number of inferences covering n images (the last one padded
// with zero images when perRun does not divide n).
func (p *plan) runs(n int) int { return (n + p.perRun - 1) / p.perRun }

// input builds the input tensor of inferences [first, first+k) (k runs),
// shaped like the model input with its first dimension multiplied by k.
func (p *plan) input(ds *data.Dataset, first, k int) *tensor.Tensor {
	shape := append([]int{}, p.in.Shape...)
	if len(shape) == 0 {
		shape = []int{1}
	}
	shape[0] *= k
	t := tensor.New(p.in.DType, shape...)
	lo := first * p.perRun * p.sample
	hi := min((first+k)*p.perRun*p.sample, len(ds.X))
	src := ds.X[lo:hi]
	if t.F64 != nil {
		for i, v := range src {
			t.F64[i] = float64(v)
		}
	} else {
		copy(t.F32, src)
	}
	return t
}

// score compares the predictions in out (k runs starting at run first) with
// the labels and returns the number of correct images; padding images are
// not counted.
func (p *plan) score(ds *data.Dataset, out *tensor.Tensor, first, k int, pred []int32) int {
	correct := 0
	for j := 0; j < k*p.perRun; j++ {
		img := first*p.perRun + j
		if img >= ds.Len() {
			break
		}
		best, bv := 0, out.Float64At(j*p.classes)
		for c := 1; c < p.classes; c++ {
			if v := out.Float64At(j*p.classes + c); v > bv {
				best, bv = c, v
			}
		}
		pred[img] = int32(best)
		if int32(best) == ds.Y[img] {
			correct++
		}
	}
	return correct
}
