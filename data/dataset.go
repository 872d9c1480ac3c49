package data

import (
	"fmt"
	"math/rand/v2"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// Dataset is a labelled set of samples held in memory. Sample i occupies
// X[i*SampleLen() : (i+1)*SampleLen()] and has class Y[i] in [0, Classes).
type Dataset struct {
	Name    string
	Shape   []int // shape of one sample, e.g. [1, 28, 28]
	X       []float32
	Y       []int32
	Classes int
	// NonFinite counts the NaN and Inf values of the sample files read
	// for a folder dataset (commands warn when there are any; Head keeps
	// the count of the whole folder); zero for the byte-valued IDX
	// datasets.
	NonFinite tensor.NonFiniteFiles
}

// Len is the number of samples.
func (d *Dataset) Len() int { return len(d.Y) }

// SampleLen is the number of elements of one sample.
func (d *Dataset) SampleLen() int { return tensor.NumElems(d.Shape) }

// Head returns a dataset sharing the first n samples of d (all of them when
// n is not smaller than Len), for quick runs and tests.
func (d *Dataset) Head(n int) *Dataset {
	if n >= d.Len() || n < 0 {
		return d
	}
	s := d.SampleLen()
	return &Dataset{Name: d.Name, Shape: d.Shape, X: d.X[:n*s], Y: d.Y[:n], Classes: d.Classes, NonFinite: d.NonFinite}
}

// Order returns the sample order of one epoch: a permutation of [0, Len)
// drawn from a PCG generator seeded by (seed, epoch), so every epoch has its
// own order and a run is reproducible from its seed.
func (d *Dataset) Order(seed uint64, epoch int) []int {
	r := rand.New(rand.NewPCG(seed, uint64(epoch)+0x9e3779b97f4a7c15))
	return r.Perm(d.Len())
}

// Sequential returns the identity order, for evaluation.
func (d *Dataset) Sequential() []int {
	idx := make([]int, d.Len())
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// Batches splits order into minibatches of size (the last may be shorter).
func Batches(order []int, size int) [][]int {
	if size < 1 {
		panic(fmt.Sprintf("BUG: data.Batches: batch size %d", size))
	}
	var out [][]int
	for lo := 0; lo < len(order); lo += size {
		out = append(out, order[lo:min(lo+size, len(order))])
	}
	return out
}

// Gather copies the samples idx into a tensor [len(idx), Shape...] and
// returns it with their labels. dst is reused when it has the right size.
func (d *Dataset) Gather(dst *tensor.Tensor, idx []int) (*tensor.Tensor, []int32) {
	s := d.SampleLen()
	shape := append([]int{len(idx)}, d.Shape...)
	if dst == nil || dst.DType != tensor.Float32 || !tensor.SameShape(dst.Shape, shape) {
		dst = tensor.New(tensor.Float32, shape...)
	}
	y := make([]int32, len(idx))
	for i, j := range idx {
		copy(dst.F32[i*s:(i+1)*s], d.X[j*s:(j+1)*s])
		y[i] = d.Y[j]
	}
	return dst, y
}

// check verifies the invariants every loader must establish.
func (d *Dataset) check() error {
	if len(d.X) != d.Len()*d.SampleLen() {
		return fmt.Errorf("%s: %d values for %d samples of shape %v", d.Name, len(d.X), d.Len(), d.Shape)
	}
	for i, y := range d.Y {
		if y < 0 || int(y) >= d.Classes {
			return fmt.Errorf("%s: sample %d has label %d outside [0, %d)", d.Name, i, y, d.Classes)
		}
	}
	return nil
}
