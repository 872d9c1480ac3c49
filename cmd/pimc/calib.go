package main

import (
	"path/filepath"
	"strings"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/passes"
)

// The quantize pass reads calibration folders through passes.ReadCalibFile,
// because passes may not import the frontend; the command installs the
// frontend's .pb/.npy/.npz readers.
func init() {
	passes.ReadCalibFile = readCalibFile
}

func readCalibFile(path string) (map[string]*tensor.Tensor, error) {
	if strings.HasSuffix(strings.ToLower(path), ".npz") {
		return frontend.ReadNPZ(path)
	}
	t, err := frontend.ReadTensor(path)
	if err != nil {
		return nil, err
	}
	return map[string]*tensor.Tensor{filepath.Base(path): t}, nil
}
