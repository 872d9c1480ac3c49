package data

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// LoadFolder reads a dataset from a folder. A folder with train/ and test/
// subfolders gives both sets; a flat folder is an evaluation set only
// (train is nil). Each set is a folder of .npy files, one sample each, and a
// labels.txt holding one integer class per line for the files in sorted name
// order. Samples must all have the same shape ([C,H,W], [H,W] taken as one
// channel, or [1,C,H,W]); float files are used as they are, integer files
// are divided by 255 (8-bit images).
func LoadFolder(dir string) (train, test *Dataset, err error) {
	tr, te := filepath.Join(dir, "train"), filepath.Join(dir, "test")
	if isDir(tr) && isDir(te) {
		if train, err = loadNPYDir(tr); err != nil {
			return nil, nil, err
		}
		if test, err = loadNPYDir(te); err != nil {
			return nil, nil, err
		}
		if !tensor.SameShape(train.Shape, test.Shape) {
			return nil, nil, fmt.Errorf("data: %s: train samples are %v but test samples are %v", dir, train.Shape, test.Shape)
		}
		test.Classes = max(train.Classes, test.Classes)
		train.Classes = test.Classes
		return train, test, nil
	}
	test, err = loadNPYDir(dir)
	return nil, test, err
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// loadNPYDir reads one folder of .npy samples and its labels.txt.
func loadNPYDir(dir string) (*Dataset, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	var files []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(strings.ToLower(e.Name()), ".npy") {
			files = append(files, e.Name())
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("data: %s: no .npy files", dir)
	}
	labels, err := readLabels(filepath.Join(dir, "labels.txt"))
	if err != nil {
		return nil, err
	}
	if len(labels) != len(files) {
		return nil, fmt.Errorf("data: %s: labels.txt has %d labels for %d .npy files", dir, len(labels), len(files))
	}
	d := &Dataset{Name: dir, Y: labels}
	for i, f := range files {
		path := filepath.Join(dir, f)
		t, err := tensorio.Read(path)
		if err != nil {
			return nil, fmt.Errorf("data: %v", err)
		}
		shape := sampleShape(t.Shape)
		if shape == nil {
			return nil, fmt.Errorf("data: %s: sample shape %v, want [C,H,W], [H,W] or [1,C,H,W]", path, t.Shape)
		}
		if i == 0 {
			d.Shape = shape
			d.X = make([]float32, 0, len(files)*tensor.NumElems(shape))
		} else if !tensor.SameShape(shape, d.Shape) {
			return nil, fmt.Errorf("data: %s: sample shape %v differs from %v of %s", path, shape, d.Shape, files[0])
		}
		d.NonFinite.AddFile(path, tensor.CountNonFinite(t))
		scale := float32(1)
		if !t.DType.IsFloat() {
			scale = 1.0 / 255
		}
		for _, v := range t.Float32s() {
			d.X = append(d.X, v*scale)
		}
	}
	for _, y := range labels {
		d.Classes = max(d.Classes, int(y)+1)
	}
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("data: %v", err)
	}
	return d, nil
}

// sampleShape normalizes a sample's shape to [C,H,W], or returns nil.
func sampleShape(s []int) []int {
	switch {
	case len(s) == 2:
		return []int{1, s[0], s[1]}
	case len(s) == 3:
		return append([]int{}, s...)
	case len(s) == 4 && s[0] == 1:
		return append([]int{}, s[1:]...)
	}
	return nil
}

// readLabels parses labels.txt: one non-negative integer per non-empty line.
func readLabels(path string) ([]int32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	var out []int32
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		v, err := strconv.ParseInt(line, 10, 32)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("data: %s:%d: %q is not a class index (want a non-negative integer)", path, i+1, line)
		}
		out = append(out, int32(v))
	}
	return out, nil
}
