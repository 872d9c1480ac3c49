package driver

import (
	"fmt"
	"strings"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Run runs g, the model named model in messages, on the reference
// interpreter (integer semantics for a quantized graph): ts[i], read from
// paths[i] (pimc run -i), is the input g.Inputs[i], fitted with FitInput
// under rule; every input must hold the same number k of inferences, which
// run on all cores (interp.RunBatch). Each output holds the k inferences
// along dimension 0.
func Run(model string, g *ir.Graph, paths []string, ts []*tensor.Tensor, rule BatchRule) ([]*tensor.Tensor, error) {
	if len(ts) != len(g.Inputs) {
		return nil, fmt.Errorf("%s has %d inputs (%s); got %d -i files", model, len(g.Inputs), inputList(g.Inputs), len(ts))
	}
	inputs := make([]*tensor.Tensor, len(ts))
	k0 := 0
	for i, in := range g.Inputs {
		t, k, err := FitInput(paths[i], ts[i], in, rule)
		if err != nil {
			return nil, err
		}
		if i > 0 && k != k0 {
			return nil, fmt.Errorf("%s holds %d inferences, %s holds %d", paths[i], k, paths[0], k0)
		}
		inputs[i], k0 = t, k
	}
	if err := checkBatchOutputs(g, paths, ts, k0); err != nil {
		return nil, fmt.Errorf("%s: %w", model, err)
	}
	outs, err := interp.RunBatch(g, inputs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", model, err)
	}
	return outs, nil
}

// ReadBatch reads the inputs of a compiled model (pimc sim -i) into the
// inferences pimrt.Model.RunBatch takes: paths[i] holds the input ins[i]
// (ReadInput), checked by seen (pimc warns about NaN there) and fitted with
// FitInput under rule; every file must hold the same number of inferences.
// model names the program in messages.
func ReadBatch(model string, ins []*ir.Value, paths []string, rule BatchRule, seen func(path string, t *tensor.Tensor)) ([][]*tensor.Tensor, error) {
	if len(paths) != len(ins) {
		return nil, fmt.Errorf("%s is a compiled model with %d inputs (%s); got %d -i files", model, len(ins), inputList(ins), len(paths))
	}
	var batch [][]*tensor.Tensor
	for i, p := range paths {
		t, err := ReadInput(p, ins[i].Name)
		if err != nil {
			return nil, err
		}
		seen(p, t)
		t, k, err := FitInput(p, t, ins[i], rule)
		if err != nil {
			return nil, err
		}
		imgs := tensor.Unbatch(t, ins[i].Type.Shape, k)
		if i == 0 {
			batch = make([][]*tensor.Tensor, len(imgs))
		} else if len(imgs) != len(batch) {
			return nil, fmt.Errorf("%s holds %d images, %s holds %d", p, len(imgs), paths[0], len(batch))
		}
		for b, img := range imgs {
			batch[b] = append(batch[b], img)
		}
	}
	return batch, nil
}

// inputList names graph inputs with their types: "x f32[1,3,32,32], y ...".
func inputList(ins []*ir.Value) string {
	var names []string
	for _, v := range ins {
		names = append(names, fmt.Sprintf("%s %s", v.Name, v.Type))
	}
	return strings.Join(names, ", ")
}

// checkBatchOutputs refuses k > 1 inferences through a graph that does not
// keep dimension 0 as the batch in its outputs (interp.RunBatch's rule),
// saying how to run the tensors whole: a model whose open dimension 0 is no
// batch (a Pad of it, a sequence) needs -shape.
func checkBatchOutputs(g *ir.Graph, paths []string, ts []*tensor.Tensor, k int) error {
	if k <= 1 || len(g.Inputs) == 0 || len(g.Inputs[0].Type.Shape) == 0 {
		return nil
	}
	n := g.Inputs[0].Type.Shape[0]
	for _, v := range g.Outputs {
		if len(v.Type.Shape) == 0 || v.Type.Shape[0] != n {
			var pins []string
			for i, in := range g.Inputs {
				pins = append(pins, fmt.Sprintf("-shape %s=%s", in.Name, strings.Trim(strings.ReplaceAll(tensor.ShapeString(ts[i].Shape), ",", "x"), "[]")))
			}
			return fmt.Errorf("%s holds %d inferences along dimension 0, but output %q (%v) does not keep dimension 0 as a batch: to run the tensors whole, pin their shapes (%s)",
				paths[0], k, v.Name, v.Type, strings.Join(pins, " "))
		}
	}
	return nil
}
