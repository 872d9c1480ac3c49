package driver

import (
	"testing"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/evaluate"
)

// TestMeasure: the quantized interpreter and the simulator agree on every
// image, each evaluation is announced and closed, and the weight storage
// counts the codes of every matrix layer.
func TestMeasure(t *testing.T) {
	g := leNet(t)
	floatBits := 32 * MatrixWeights(g)
	res, err := Compile(g, Options{WBits: 4, ABits: 4, Calib: "random:2"})
	if err != nil {
		t.Fatal(err)
	}
	ds := &data.Dataset{Name: "ramps", Shape: []int{1, 28, 28}, Classes: 10, Y: make([]int32, 6), X: make([]float32, 6*784)}
	for i := range ds.X {
		ds.X[i] = float32(i%31) / 30
	}
	var opened, closed []string
	m, err := Measure(g, res, ds, func(what string) (evaluate.Options, func()) {
		opened = append(opened, what)
		return evaluate.Options{Jobs: 2}, func() { closed = append(closed, what) }
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.FirstMismatch() != -1 || m.Simulated.Images != 6 || m.Simulated.Report == nil {
		t.Errorf("mismatch at %d, %d images", m.FirstMismatch(), m.Simulated.Images)
	}
	if len(opened) != 2 || opened[0] != "quantized interpreter" || opened[1] != "simulator" || len(closed) != 2 {
		t.Errorf("evaluations %q, closed %q", opened, closed)
	}
	// LeNet-5's 61470 matrix weights; the first and last layers keep 8 bits.
	if floatBits != 32*61470 || res.WeightBits() <= 4*61000 || res.WeightBits() >= 8*61470 {
		t.Errorf("float %d bits, compiled %d bits", floatBits, res.WeightBits())
	}
}
