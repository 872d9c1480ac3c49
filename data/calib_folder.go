package data

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// readCalibFile reads the tensors of one calibration file: a .pb or .npy
// file gives one tensor (under its file name), a .npz archive every array
// by name.
func readCalibFile(path string) (map[string]*tensor.Tensor, error) {
	if strings.HasSuffix(strings.ToLower(path), ".npz") {
		return tensorio.ReadNPZ(path)
	}
	t, err := tensorio.Read(path)
	if err != nil {
		return nil, err
	}
	return map[string]*tensor.Tensor{filepath.Base(path): t}, nil
}

// CalibSample is one sample of a calibration folder as read, before it is
// fitted to the graph's inputs: one tensor per input and the file each came
// from.
type CalibSample struct {
	Tensors []*tensor.Tensor
	Files   []string
}

// ReadCalibFolder reads every calibration file under dir (sorted walk) as
// samples for a graph whose inputs are named inputs, unfitted. A .npz
// archive is one sample: its arrays named like the graph inputs, or
// "inputs"/"input_<i>". Otherwise the files of one folder named input_<i>
// form one sample, and for a single-input graph every other .pb/.npy file
// is one sample. The NaN and infinite values of the files are counted in
// bad. driver.BindDims reads the shapes of these samples before the model
// is imported; folderSamples fits them to the imported graph.
func ReadCalibFolder(dir string, inputs []string) (samples []CalibSample, bad tensor.NonFiniteFiles, err error) {
	var files []string
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".pb", ".npy", ".npz":
			if !d.IsDir() {
				files = append(files, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, bad, fmt.Errorf("calib %q: %w", dir, err)
	}
	sort.Strings(files)
	groups := map[string]*CalibSample{} // folder -> its input_<i> tensors
	var groupOrder []string
	for _, f := range files {
		m, err := readCalibFile(f)
		if err != nil {
			return nil, bad, fmt.Errorf("calib: %w", err)
		}
		base := strings.TrimSuffix(strings.ToLower(filepath.Base(f)), filepath.Ext(f))
		switch {
		case strings.HasSuffix(strings.ToLower(f), ".npz"):
			s, err := npzSample(inputs, f, m)
			if err != nil {
				return nil, bad, err
			}
			samples = append(samples, CalibSample{Tensors: s, Files: repeat(f, len(s))})
		case strings.HasPrefix(base, "input_"):
			i, err := strconv.Atoi(strings.TrimPrefix(base, "input_"))
			if err != nil || i < 0 || i >= len(inputs) {
				return nil, bad, fmt.Errorf("calib: %s: the graph has %d inputs", f, len(inputs))
			}
			d := filepath.Dir(f)
			if groups[d] == nil {
				groups[d] = &CalibSample{Tensors: make([]*tensor.Tensor, len(inputs)), Files: make([]string, len(inputs))}
				groupOrder = append(groupOrder, d)
			}
			groups[d].Tensors[i], groups[d].Files[i] = single(m), f
		case len(inputs) == 1 && strings.HasPrefix(base, "output"):
			continue // reference outputs of an ONNX test case: not inputs
		case len(inputs) == 1:
			samples = append(samples, CalibSample{Tensors: []*tensor.Tensor{single(m)}, Files: []string{f}})
		default:
			continue // not an input of a multi-input graph
		}
		var c tensor.NonFinite
		for _, t := range m {
			c.Add(tensor.CountNonFinite(t))
		}
		bad.AddFile(f, c)
	}
	for _, d := range groupOrder {
		samples = append(samples, *groups[d])
	}
	if len(samples) == 0 {
		return nil, bad, fmt.Errorf("calib %q: no input tensors found", dir)
	}
	return samples, bad, nil
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// folderSamples reads the samples of the calibration folder dir
// (ReadCalibFolder) and fits each tensor to its graph input: a tensor whose
// shape differs from the input's only by leading dimensions of size 1 (a
// missing batch axis) is reshaped; any other shape is an error (a
// channels-last image gets a hint). NaN and infinite input values (which
// calibration skips) are reported with warn, summed over the folder.
func folderSamples(g *ir.Graph, dir string, warn func(string)) ([][]*tensor.Tensor, error) {
	names := make([]string, len(g.Inputs))
	for i, v := range g.Inputs {
		names[i] = v.Name
	}
	read, bad, err := ReadCalibFolder(dir, names)
	if err != nil {
		return nil, err
	}
	samples := make([][]*tensor.Tensor, len(read))
	for si, s := range read {
		samples[si] = s.Tensors
		for i, v := range g.Inputs {
			t, err := fitCalibInput(v, s.Tensors[i])
			if err != nil {
				return nil, fmt.Errorf("calib %q: sample %d, input %d (%q): %v", dir, si, i, v.Name, err)
			}
			samples[si][i] = t
		}
	}
	if bad.Any() {
		warn(fmt.Sprintf("calib %s: %s; calibration ignores them", dir, bad))
	}
	return samples, nil
}

func single(m map[string]*tensor.Tensor) *tensor.Tensor {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil
	}
	return m[names[0]]
}

func npzSample(inputs []string, path string, m map[string]*tensor.Tensor) ([]*tensor.Tensor, error) {
	s := make([]*tensor.Tensor, len(inputs))
	for i, name := range inputs {
		for _, k := range []string{name, fmt.Sprintf("input_%d", i), "inputs", "input"} {
			if t, ok := m[k]; ok && (k != "inputs" && k != "input" || len(inputs) == 1) {
				s[i] = t
				break
			}
		}
		if s[i] == nil {
			return nil, fmt.Errorf("calib: %s: no array for input %d (%q)", path, i, name)
		}
	}
	return s, nil
}

// fitCalibInput checks t against input v's type, reshaping a tensor whose shape
// differs only by leading 1s, and converts float types to the input's.
func fitCalibInput(v *ir.Value, t *tensor.Tensor) (*tensor.Tensor, error) {
	if t == nil {
		return nil, fmt.Errorf("missing")
	}
	if !tensor.SameShape(trimOnes(t.Shape), trimOnes(v.Type.Shape)) {
		msg := fmt.Sprintf("tensor %v does not fit %v", t, v.Type)
		if h := tensor.LayoutHint(t.Shape, v.Type.Shape); h != "" {
			msg += ": it " + h
		}
		return nil, fmt.Errorf("%s", msg)
	}
	if t.DType == v.Type.DType {
		return t.Reshaped(v.Type.Shape...), nil
	}
	if !t.DType.IsFloat() || !v.Type.DType.IsFloat() {
		return nil, fmt.Errorf("tensor %v, want %v", t, v.Type)
	}
	out := tensor.New(v.Type.DType, v.Type.Shape...)
	for i := 0; i < t.Len(); i++ {
		x := t.Float64At(i)
		if out.F64 != nil {
			out.F64[i] = x
		} else {
			out.F32[i] = float32(x)
		}
	}
	return out, nil
}

// trimOnes drops leading dimensions of size 1: a calibration tensor may add
// or leave out batch axes of size 1, nothing else ([1,28,28] fits
// [1,1,28,28]; [28,28,1] and [1,784] do not).
func trimOnes(s []int) []int {
	for len(s) > 0 && s[0] == 1 {
		s = s[1:]
	}
	return s
}

// WriteCalibFolder writes the first n images of train as one .npy file
// each (train-00.npy, ...) into the folder dir, made if missing: a
// calibration folder as CalibSamples reads it (quantize{calib=DIR}; pimc
// demo makes one and prints the commands that use it).
func WriteCalibFolder(dir string, train *Dataset, n int) error {
	if train == nil || train.Len() < n {
		return fmt.Errorf("want %d MNIST training images for calibration", n)
	}
	if err := outfile.MkdirAll(dir); err != nil {
		return err
	}
	for i := range n {
		x, _ := train.Gather(nil, []int{i})
		if err := tensorio.Write(filepath.Join(dir, fmt.Sprintf("train-%02d.npy", i)), x, ""); err != nil {
			return err
		}
	}
	return nil
}
