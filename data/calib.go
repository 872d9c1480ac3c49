package data

import (
	"fmt"
	"os"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// CalibImages is how many images of a named dataset's training split
// calibrate activation ranges: the first CalibImages, in file order. The
// quantize pass (pimc compile -calib mnist) calibrates on them, and
// quantization-aware training (admm act_bits) computes its activation
// scales from the same images, so training sees the scales the compiled
// program will use. It lives here, the package both import, so the two
// cannot drift apart.
const CalibImages = 32

// CalibSamples returns the calibration inputs of quantize{calib=SPEC} for
// g (passes.CalibSource; the quantize pass draws random:N itself): the
// first CalibImages training images of "mnist" or "fashion-mnist", or the
// tensor files of a folder (folderSamples), one tensor per graph input
// each, shaped and typed like the input. warn gets the NaN and infinite
// values of a folder's files.
func CalibSamples(g *ir.Graph, spec string, warn func(msg string)) ([][]*tensor.Tensor, error) {
	if spec == MNIST || spec == FashionMNIST {
		return datasetSamples(g, spec)
	}
	st, err := os.Stat(spec)
	if err != nil || !st.IsDir() {
		return nil, fmt.Errorf("calib %q: want random:N, mnist, fashion-mnist or a folder of .pb/.npy/.npz inputs", spec)
	}
	return folderSamples(g, spec, warn)
}
