package admm

import (
	"fmt"
	"io"
	"math"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/train"
)

// InternalError is a compression result that breaks what the run
// guarantees (its constraints, its recorded codes, its accuracy once
// written): a bug in pimc, not a problem of the model or the config.
type InternalError struct{ Msg string }

func (e *InternalError) Error() string { return "internal error: " + e.Msg }

// Finish turns the outcome of Compress or Layerwise on the model g into the
// model file pimc compress writes, and checks it on the way: the paths the
// pruning left unused are removed, the graph is verified and checked
// against specs (every compressed layer in its constraint sets), the
// weight bits are recorded in the metadata (QuantKey) and the graph is
// encoded as ONNX (producer "pimc compress"). save writes those bytes
// (name names them in messages); then, with a test set, the written bytes
// are imported again and must keep their record and the compressed graph's
// accuracy (res.AccAfter becomes the written model's). Errors that are bugs
// are *InternalError.
func Finish(g *ir.Graph, res *Result, layers []*Layer, specs map[string]Spec, test *data.Dataset, name string, save func([]byte) error) (PathStats, error) {
	final := res.Graph
	orig := map[string]Shape{}
	for _, l := range layers {
		orig[l.Name] = l.Shape
	}
	ps, err := RemoveUnusedPaths(final)
	if err != nil {
		return ps, err
	}
	if err := ir.Verify(final); err != nil {
		return ps, fmt.Errorf("BUG: compressed graph does not verify: %v", err)
	}
	if err := CheckGraph(final, specs, orig); err != nil {
		return ps, &InternalError{fmt.Sprintf("the result violates its constraints: %v", err)}
	}
	bits := map[string]int{}
	anyBits := false
	for k, sp := range specs {
		bits[k] = sp.Bits
		anyBits = anyBits || sp.Bits > 0
	}
	if err := Record(final, bits); err != nil {
		return ps, &InternalError{err.Error()}
	}
	written, err := frontend.Marshal(final, frontend.ExportOptions{Producer: "pimc compress"})
	if err != nil {
		return ps, err
	}
	if err := save(written); err != nil {
		return ps, err
	}
	if test == nil {
		return ps, nil
	}
	// From the bytes written, not the file: it may be a pipe.
	back, err := frontend.Import(name, written, frontend.Options{})
	if err != nil {
		return ps, fmt.Errorf("re-reading %s: %v", name, err)
	}
	if _, ok := back.Metadata[QuantKey]; !ok && anyBits {
		return ps, &InternalError{fmt.Sprintf("%s lost its %s metadata", name, QuantKey)}
	}
	acc, err := Accuracy(back, test)
	if err != nil {
		return ps, err
	}
	if !math.IsNaN(res.AccAfter) && math.Abs(acc-res.AccAfter) > 1.5/float64(test.Len()) {
		return ps, &InternalError{fmt.Sprintf("written model accuracy %.4f, compressed model %.4f", acc, res.AccAfter)}
	}
	res.AccAfter = acc
	return ps, nil
}

// RunLayerwise is Layerwise as pimc compress -mode layerwise runs it: on
// the calibration samples (Samples), with the accuracy of g and of the
// compressed graph on test when there is one (NaN otherwise).
func RunLayerwise(g *ir.Graph, specs map[string]Spec, samples []*tensor.Tensor, test *data.Dataset, h Hyper, progress io.Writer) (*Result, error) {
	cg, _, err := Layerwise(g, specs, samples, h, progress)
	if err != nil {
		return nil, err
	}
	res := &Result{Graph: cg, AccBefore: math.NaN(), AccAfter: math.NaN()}
	if test != nil {
		if res.AccBefore, err = Accuracy(g, test); err != nil {
			return nil, err
		}
		if res.AccAfter, err = Accuracy(cg, test); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// Accuracy of g on ds: through the training engine when g trains (fast,
// batched), else image by image with the interpreter.
func Accuracy(g *ir.Graph, ds *data.Dataset) (float64, error) {
	if m, err := train.NewModel(g); err == nil {
		_, acc, err := train.Evaluate(m, ds, 256)
		return acc, err
	}
	correct := 0
	for i := 0; i < ds.Len(); i++ {
		x, y := ds.Gather(nil, []int{i})
		x.Shape = append([]int{}, g.Inputs[0].Type.Shape...)
		outs, err := interp.Run(g, []*tensor.Tensor{x})
		if err != nil {
			return 0, err
		}
		if argmax(outs[0].F32) == int(y[0]) {
			correct++
		}
	}
	return float64(correct) / float64(max(ds.Len(), 1)), nil
}

// Samples returns the first n images of ds shaped like g's input: the
// calibration images of Layerwise (none when g has several inputs or the
// images do not fit).
func Samples(ds *data.Dataset, n int, g *ir.Graph) []*tensor.Tensor {
	var out []*tensor.Tensor
	if ds == nil || len(g.Inputs) != 1 {
		return nil
	}
	shape := g.Inputs[0].Type.Shape
	for i := 0; i < min(n, ds.Len()); i++ {
		x, _ := ds.Gather(nil, []int{i})
		if x.Len() != tensor.NumElems(shape) {
			return nil
		}
		x.Shape = append([]int{}, shape...)
		out = append(out, x)
	}
	return out
}

// Constrained counts the layers specs constrains (pruned or quantized).
func Constrained(specs map[string]Spec) int {
	n := 0
	for _, s := range specs {
		if len(s.Prunes) > 0 || s.Bits > 0 {
			n++
		}
	}
	return n
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
