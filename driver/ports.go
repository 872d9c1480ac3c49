package driver

import (
	"fmt"
	"math"
	"strings"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/tensorio"
)

// RawInts converts a tensor of integers (or of integral floats) to Int64 so
// sim.WriteInput takes the values as raw port integers (pimc sim -raw).
func RawInts(t *tensor.Tensor) (*tensor.Tensor, error) {
	if !t.DType.IsFloat() {
		return t, nil
	}
	v := make([]int64, t.Len())
	for i := range v {
		f := t.Float64At(i)
		if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, fmt.Errorf("-raw: element %d = %v is not an integer", i, f)
		}
		v[i] = int64(f)
	}
	return tensor.FromI64(tensor.Int64, v, t.Shape...), nil
}

// FitPort splits t into the inferences it holds for the input port p of a
// program without a host graph (FitInput's rules for ports): t is one
// inference (its shape matches the port up to layout, see sim.WriteInput),
// or, when batch (pimc sim -batch) asks for batch > 1, that many along its
// first dimension of a port whose first dimension is 1. A port records no
// dynamic batch dimension, so without -batch a larger tensor is an error,
// not a guess.
func FitPort(t *tensor.Tensor, p *isa.Port, batch int) ([]*tensor.Tensor, error) {
	n := int(p.Len())
	if t.Len() == n && batch <= 1 {
		return []*tensor.Tensor{t}, nil
	}
	fits := t.Rank() > 0 && len(p.Shape) > 0 && p.Shape[0] == 1 && t.Shape[0] > 1 && t.Len()%t.Shape[0] == 0 && t.Len()/t.Shape[0] == n
	switch {
	case fits && batch == 0:
		return nil, fmt.Errorf("tensor %s is a batch of %d inputs for input port %q %s: pass -batch %d to run them one by one", sh(t.Shape), t.Shape[0], p.Name, sh(portShape(p)), t.Shape[0])
	case fits && batch != t.Shape[0]:
		return nil, fmt.Errorf("tensor %s holds %d inputs for input port %q %s, -batch says %d", sh(t.Shape), t.Shape[0], p.Name, sh(portShape(p)), batch)
	case !fits && batch > 1:
		return nil, fmt.Errorf("tensor %s is not a batch of %d inputs for input port %q %s (along dimension 0)", sh(t.Shape), batch, p.Name, sh(portShape(p)))
	case !fits:
		return nil, fmt.Errorf("tensor %s does not fit input port %q %s", sh(t.Shape), p.Name, sh(portShape(p)))
	}
	b := t.Shape[0]
	shape := append([]int{1}, t.Shape[1:]...)
	return tensor.Unbatch(t, shape, b), nil
}

// portShape is p's shape as ints.
func portShape(p *isa.Port) []int {
	s := make([]int, len(p.Shape))
	for i, d := range p.Shape {
		s[i] = int(d)
	}
	return s
}

// ReadPortBatch reads the inputs of a program without a host graph (pimc
// sim -i, or any program under -raw) into the inferences
// sim.Executable.RunBatch takes: paths[i] holds the tensor for the input
// port ports[i], checked by seen (pimc warns about NaN there), taken as raw
// integers when raw (RawInts) and split with FitPort (batch: -batch);
// every file must hold the same number of inferences. prog names the
// program in messages.
func ReadPortBatch(prog string, ports []*isa.Port, paths []string, raw bool, batch int, seen func(path string, t *tensor.Tensor)) ([][]*tensor.Tensor, error) {
	if len(paths) != len(ports) {
		var names []string
		for _, p := range ports {
			names = append(names, fmt.Sprintf("%s %v %s", p.Name, p.Shape, p.Type))
		}
		return nil, fmt.Errorf("%s has %d input ports (%s); got %d -i files", prog, len(ports), strings.Join(names, ", "), len(paths))
	}
	var out [][]*tensor.Tensor
	for i, path := range paths {
		t, err := tensorio.Read(path)
		if err != nil {
			return nil, err
		}
		seen(path, t)
		if raw {
			if t, err = RawInts(t); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
		imgs, err := FitPort(t, ports[i], batch)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if i == 0 {
			out = make([][]*tensor.Tensor, len(imgs))
		} else if len(imgs) != len(out) {
			return nil, fmt.Errorf("%s holds %d images, %s holds %d", path, len(imgs), paths[0], len(out))
		}
		for b, img := range imgs {
			out[b] = append(out[b], img)
		}
	}
	return out, nil
}
