package main

import (
	"path/filepath"
	"strings"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/tensorio"
)

// The quantize pass reads calibration folders through passes.ReadCalibFile;
// the command installs tensorio's .pb/.npy/.npz readers.
func init() {
	passes.ReadCalibFile = readCalibFile
}

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
