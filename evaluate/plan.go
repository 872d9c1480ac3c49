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
// dataset. Layouts are not checked beyond element counts: a [1, 784] input
// takes MNIST's [1, 28, 28] images in their NCHW order.
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
