package admm_test

import (
	"testing"

	"github.com/pimc-dev/pimc/admm"
	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/target"
)

// TestCoupledResidualStreams: with coupled: true, resnet-small's residual
// streams (stem + the blocks' second convs + the downsampling shortcuts,
// joined by adds) are pruned as one group per channel, so unused-path
// removal really narrows them (here 40%: 16 -> 10, 32 -> 19, 64 -> 38
// channels in every layer writing or reading a stream), and the result
// compiles to a program bit-exact against the quantized interpreter. The
// training data is random (two short epochs): the test is about the
// mechanics, not the accuracy.
func TestCoupledResidualStreams(t *testing.T) {
	g, err := frontend.Load("../testdata/models/resnet-small-fashion-mnist.onnx", frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	layers, cfg, specs := configured(t, g, `defaults: {prune: {filter: 0.4}, wbits: 4}
coupled: true
layers: {fc: {prune: {}}}
admm: {updates: 1, retrain_epochs: 1, quant_updates: 0, quant_retrain_epochs: 0, batch: 16, rho: 0.02}
`)
	cs := admm.Couplings(g, specs)
	streams := map[int]bool{}
	for _, c := range cs {
		if len(c.Producers) > 1 {
			streams[c.Channels] = true
		}
	}
	if len(cs) != 9 || !streams[16] || !streams[32] || !streams[64] {
		t.Fatalf("couplings %v: want 9 (6 block-inner, 3 residual streams of 16, 32, 64 channels)", cs)
	}
	tr := randomImages(64, 1, 28, 28)
	res, err := admm.Compress(g, admm.Options{Specs: specs, Hyper: cfg.ADMM, Train: tr, Couplings: cs})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := admm.Finish(g, res, layers, specs, nil, "coupled.onnx", func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	final := res.Graph
	after, _ := admm.Layers(final)
	rows := map[string]int{}
	for _, l := range after {
		rows[l.Name] = l.Shape.Rows
	}
	for name, want := range map[string]int{"stem.conv": 10, "layer1.0.conv2": 10, "layer1.1.conv2": 10, "layer2.0.down.conv": 19, "layer2.1.conv2": 19,
		"layer3.0.down.conv": 38, "layer3.1.conv2": 38, "layer3.0.conv1": 38} {
		if rows[name] != want {
			t.Errorf("%s: %d filters after unused-path removal, want %d", name, rows[name], want)
		}
	}
	t.Logf("unused paths removed %d channels; filters %v", ps.Channels, rows)
	prog, err := driver.Compile(final, driver.Options{WBits: 4, ABits: 8, Calib: "random:2", Replicate: "off", Target: target.Default()})
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.New(tensor.Float32, 1, 1, 28, 28)
	for j := range x.F32 {
		x.F32[j] = float32(j%31) / 30
	}
	v, err := driver.Verify(final, prog, []*tensor.Tensor{x})
	if err != nil || v.DeviceSegments == 0 {
		t.Fatalf("verify: %+v, %v", v, err)
	}
	t.Logf("bit-exact: %d values in %d device segments, %d sub-arrays", v.Values, v.DeviceSegments, prog.Subarrays)
}
