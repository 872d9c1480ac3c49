package conform

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// Case is one model with one or more data sets.
type Case struct {
	Name  string // path relative to the root it was found under, for display
	Model string // path of the .onnx file
	Sets  []DataSet
}

// DataSet is one set of inputs and expected outputs, read from Path when the
// case runs (so a case whose model is unsupported is skipped without reading
// tensors of types pimc cannot hold).
type DataSet struct {
	Name    string
	Path    string // test_data_set_N folder, .npz file, or the light output .pb
	Inputs  []*tensor.Tensor
	Outputs []*tensor.Tensor
	// Named is used instead of Inputs/Outputs when the source names its
	// arrays after the graph's input and output values (io.npz).
	Named map[string]*tensor.Tensor
	// Arange marks a set whose single input is generated (light models).
	Arange bool
}

var (
	inputPB  = regexp.MustCompile(`^input_(\d+)\.(pb|npy)$`)
	outputPB = regexp.MustCompile(`^output_(\d+)\.(pb|npy)$`)
)

// Find walks each root and returns every case below it, sorted by name.
// A root may itself be a case folder or a single .onnx file.
func Find(roots []string) ([]*Case, error) {
	var cases []*Case
	for _, root := range roots {
		st, err := os.Stat(root)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			c, err := caseForFile(root, filepath.Dir(root))
			if err != nil {
				return nil, err
			}
			if c == nil {
				return nil, fmt.Errorf("%s: no expected outputs found beside the model", root)
			}
			cases = append(cases, c)
			continue
		}
		err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".onnx") {
				return nil
			}
			c, err := caseForFile(path, root)
			if err != nil {
				return err
			}
			if c != nil {
				cases = append(cases, c)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.SliceStable(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases, nil
}

// caseForFile builds the case of one .onnx file, or returns nil when the file
// has no expected outputs in any known layout (a bare model is not a test).
func caseForFile(model, root string) (*Case, error) {
	dir := filepath.Dir(model)
	base := strings.TrimSuffix(filepath.Base(model), ".onnx")
	name, err := filepath.Rel(root, dir)
	if err != nil || name == "." {
		name = filepath.Base(dir)
	}
	c := &Case{Name: name, Model: model}
	if base != "model" {
		// light layout: NAME.onnx beside NAME_output_0.pb.
		c.Name = filepath.Join(name, base)
		if name == "." || name == "" {
			c.Name = base
		}
		out := filepath.Join(dir, base+"_output_0.pb")
		if _, err := os.Stat(out); err != nil {
			return nil, nil
		}
		c.Sets = append(c.Sets, DataSet{Name: base + "_output_0", Path: out, Arange: true})
		return c, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir() && strings.HasPrefix(e.Name(), "test_data_set_"):
			c.Sets = append(c.Sets, DataSet{Name: e.Name(), Path: p})
		case !e.IsDir() && strings.HasSuffix(e.Name(), ".npz"):
			c.Sets = append(c.Sets, DataSet{Name: e.Name(), Path: p})
		}
	}
	if len(c.Sets) == 0 {
		return nil, nil
	}
	return c, nil
}

// load reads the set's tensors from ds.Path.
func (ds *DataSet) load() error {
	switch {
	case ds.Arange:
		t, err := tensorio.Read(ds.Path)
		if err != nil {
			return err
		}
		ds.Outputs = []*tensor.Tensor{t}
		return nil
	case strings.HasSuffix(ds.Path, ".npz"):
		return ds.loadNPZ()
	default:
		return ds.loadPB()
	}
}

func (ds *DataSet) loadPB() error {
	dir := ds.Path
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	ins := map[int]*tensor.Tensor{}
	outs := map[int]*tensor.Tensor{}
	for _, e := range ents {
		var m []string
		var into map[int]*tensor.Tensor
		if m = inputPB.FindStringSubmatch(e.Name()); m != nil {
			into = ins
		} else if m = outputPB.FindStringSubmatch(e.Name()); m != nil {
			into = outs
		} else {
			continue
		}
		i, _ := strconv.Atoi(m[1])
		t, err := tensorio.Read(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		into[i] = t
	}
	if ds.Inputs, err = dense(ins, dir, "input"); err != nil {
		return err
	}
	ds.Outputs, err = dense(outs, dir, "output")
	return err
}

// dense turns {0: a, 1: b} into [a, b], rejecting gaps.
func dense(m map[int]*tensor.Tensor, dir, kind string) ([]*tensor.Tensor, error) {
	out := make([]*tensor.Tensor, len(m))
	for i, t := range m {
		if i >= len(m) {
			return nil, fmt.Errorf("%s: %s_%d.pb present but %s files are not numbered 0..%d", dir, kind, i, kind, len(m)-1)
		}
		out[i] = t
	}
	return out, nil
}

func (ds *DataSet) loadNPZ() error {
	arrs, err := tensorio.ReadNPZ(ds.Path)
	if err != nil {
		return err
	}
	in, okIn := arrs["inputs"]
	out, okOut := arrs["outputs"]
	if okIn && okOut && len(arrs) == 2 {
		// Old model-zoo form: one input and one output.
		ds.Inputs = []*tensor.Tensor{in}
		ds.Outputs = []*tensor.Tensor{out}
		return nil
	}
	ds.Named = arrs // split into inputs and outputs by graph names at run time
	return nil
}
