package driver

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// ReadTensors reads the tensors of one .pb/.npy/.npz file: an .npz by
// array name, the others under "".
func ReadTensors(path string) (map[string]*tensor.Tensor, error) {
	if strings.HasSuffix(path, ".npz") {
		return tensorio.ReadNPZ(path)
	}
	t, err := tensorio.Read(path)
	if err != nil {
		return nil, err
	}
	return map[string]*tensor.Tensor{"": t}, nil
}

// ReadInput reads the tensor for the model input name from a .pb/.npy
// file, or from an .npz the array named name, "inputs" (the ONNX model
// zoo's test data), or the only one.
func ReadInput(path, name string) (*tensor.Tensor, error) {
	m, err := ReadTensors(path)
	if err != nil {
		return nil, err
	}
	if t := m[name]; t != nil {
		return t, nil
	}
	if t := m["inputs"]; t != nil {
		return t, nil
	}
	if len(m) == 1 {
		for _, t := range m {
			return t, nil
		}
	}
	return nil, fmt.Errorf("%s: no array named %q or \"inputs\" among %d arrays", path, name, len(m))
}

// ReadInputs reads one tensor per input of g from a .pb/.npy file
// (single-input models) or an .npz (arrays named like the inputs, or the
// one array or the one named "inputs" of a single-input model), and fits
// each with FitInput under rule. seen is called on every tensor before it
// is fitted, with what names it in messages (the file, and the input of a
// multi-input model): pimc warns about NaN and infinite values there.
func ReadInputs(g *ir.Graph, path string, rule BatchRule, seen func(what string, t *tensor.Tensor)) ([]*tensor.Tensor, error) {
	m, err := ReadTensors(path)
	if err != nil {
		return nil, err
	}
	var ts []*tensor.Tensor
	if len(g.Inputs) == 1 && m[g.Inputs[0].Name] == nil && (len(m) == 1 || m["inputs"] != nil) {
		// A single-input model: the only array, or the one named "inputs"
		// (the ONNX model zoo's .npz test data).
		t := m["inputs"]
		for _, x := range m {
			if t == nil {
				t = x
			}
		}
		ts = append(ts, t)
	} else {
		for _, in := range g.Inputs {
			t := m[in.Name]
			if t == nil {
				return nil, fmt.Errorf("%s: no array named %q (the model's input)", filepath.Base(path), in.Name)
			}
			ts = append(ts, t)
		}
	}
	if len(ts) != len(g.Inputs) {
		return nil, fmt.Errorf("%s: %d tensors for %d model inputs", path, len(ts), len(g.Inputs))
	}
	for i, in := range g.Inputs {
		what := path
		if len(g.Inputs) > 1 {
			what += fmt.Sprintf(": input %q", in.Name)
		}
		seen(what, ts[i])
		t, _, err := FitInput(path, ts[i], in, rule)
		if err != nil {
			return nil, err
		}
		ts[i] = t
	}
	return ts, nil
}
