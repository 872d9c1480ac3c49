package driver

import (
	"fmt"
	"strings"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// A Feed lists the tensors a command is given for a model's inputs. It is
// called once the model's declared inputs are known and before the import
// (LoadFed), since which tensor goes to which input depends on their names
// (an .npz holds arrays by name, a calibration folder groups files by
// input). Group numbers are the feed's own; LoadFed keeps feeds apart.
type Feed func(decls []frontend.InputDecl) ([]Given, error)

// LoadFed loads the model at path like Load, with the open dimensions of
// an ONNX model's inputs bound from the tensors the feeds give (BindDims;
// opt.Shapes, from -shape, takes part). A .pir file has static shapes: the
// feeds are not called and FitInput checks the tensors later. The bindings
// are returned for the command to state, with the open dimensions left at
// 1 (Bindings.Unbound), which an import error also names.
func LoadFed(path string, opt frontend.Options, feeds ...Feed) (*ir.Graph, Bindings, error) {
	if strings.HasSuffix(path, ".pir") {
		g, err := Load(path, opt)
		return g, nil, err
	}
	md, err := frontend.ParseFile(path)
	if err != nil {
		return nil, nil, err
	}
	decls := md.Inputs(opt)
	var given []Given
	base := 0
	for _, f := range feeds {
		gs, err := f(decls)
		if err != nil {
			return nil, nil, err
		}
		next := base
		for _, g := range gs {
			g.Group += base
			next = max(next, g.Group+1)
			given = append(given, g)
		}
		base = next
	}
	shapes, bound, err := BindDims(decls, opt.Shapes, given)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	opt.Shapes = shapes
	g, err := md.Import(opt)
	if err != nil {
		if u := bound.Unbound(); u != "" {
			err = &UnboundDimsError{Err: err, Dims: u}
		}
		return nil, nil, err
	}
	return g, bound, nil
}

// UnboundDimsError is an import that failed with open input dimensions
// set to 1 for want of a tensor or -shape giving them: the likely cause
// (a 3x3 kernel does not fit a 1x1 image).
type UnboundDimsError struct {
	Err  error
	Dims string // Bindings.Unbound
}

func (e *UnboundDimsError) Error() string {
	return fmt.Sprintf("%v (the model's open input dimensions %s were set to 1: give them with -shape NAME=DIMS or input tensors, docs/INPUTS.md)", e.Err, e.Dims)
}

func (e *UnboundDimsError) Unwrap() error { return e.Err }

// FilesFeed gives the tensors of pimc run's -i files: ts[i], read from
// paths[i], for the i-th runtime input; all of one inference.
func FilesFeed(paths []string, ts []*tensor.Tensor) Feed {
	return func(decls []frontend.InputDecl) ([]Given, error) {
		var gs []Given
		for i, t := range ts {
			if i < len(decls) && t != nil {
				gs = append(gs, Given{Input: decls[i].Name, Shape: t.Shape, From: paths[i]})
			}
		}
		return gs, nil
	}
}

// FileFeed gives the tensors of one .pb/.npy/.npz file of one inference
// (compile -verify-with), matched to the inputs as ReadInputs matches them.
func FileFeed(path string) Feed {
	return func(decls []frontend.InputDecl) ([]Given, error) {
		m, err := ReadTensors(path)
		if err != nil {
			return nil, err
		}
		if len(decls) == 1 && m[decls[0].Name] == nil {
			t := m["inputs"]
			if t == nil && len(m) == 1 {
				for _, x := range m {
					t = x
				}
			}
			if t == nil {
				return nil, nil // ReadInputs names what is missing
			}
			return []Given{{Input: decls[0].Name, Shape: t.Shape, From: path}}, nil
		}
		var gs []Given
		for _, d := range decls {
			if t := m[d.Name]; t != nil {
				gs = append(gs, Given{Input: d.Name, Shape: t.Shape, From: fmt.Sprintf("%s (array %q)", path, d.Name)})
			}
		}
		return gs, nil
	}
}

// CalibFeed gives the calibration inputs of compile -calib SPEC: every
// sample of a folder (data.ReadCalibFolder, one group each) or the sample
// shape of a named dataset; random:N gives none (it takes the shapes the
// import decides).
func CalibFeed(spec string) Feed {
	return func(decls []frontend.InputDecl) ([]Given, error) {
		if strings.HasPrefix(spec, "random:") {
			return nil, nil
		}
		if s := data.NamedSampleShape(spec); s != nil {
			return DatasetFeed(spec, s)(decls)
		}
		names := make([]string, len(decls))
		for i, d := range decls {
			names[i] = d.Name
		}
		samples, _, err := data.ReadCalibFolder(spec, names)
		if err != nil {
			return nil, nil // the quantize pass reports a bad folder with its own message
		}
		var gs []Given
		for si, s := range samples {
			for i, t := range s.Tensors {
				if t != nil {
					gs = append(gs, Given{Input: names[i], Shape: t.Shape, From: s.Files[i], Group: si})
				}
			}
		}
		return gs, nil
	}
}

// DatasetFeed gives one sample of shape s ([C,H,W]) of the dataset name
// (pimc eval, compile -calib mnist) for a single-input model.
func DatasetFeed(name string, s []int) Feed {
	return func(decls []frontend.InputDecl) ([]Given, error) {
		if len(decls) != 1 {
			return nil, nil
		}
		return []Given{{Input: decls[0].Name, Shape: s, From: name, Sample: true}}, nil
	}
}

// TestSetFeed loads the test split of dataset (data.LoadTest, the first
// limit images) into *test once the model is parsed, and gives its sample
// shape (DatasetFeed): pimc eval of a model.
func TestSetFeed(dataset string, limit int, test **data.Dataset) Feed {
	return func(decls []frontend.InputDecl) ([]Given, error) {
		t, err := data.LoadTest(dataset, limit)
		if err != nil {
			return nil, err
		}
		*test = t
		return DatasetFeed(t.Name, t.Shape)(decls)
	}
}
