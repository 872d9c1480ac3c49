package admm_test

import (
	"math/rand/v2"
	"testing"

	"github.com/pimc-dev/pimc/admm"
	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/ir"
)

// configured parses the config text and resolves it against g's layers,
// failing the test on any error: the set-up of the tests that run a
// config on a real model.
func configured(t *testing.T, g *ir.Graph, config string) ([]*admm.Layer, *admm.Config, map[string]admm.Spec) {
	t.Helper()
	layers, _ := admm.Layers(g)
	cfg, err := admm.ParseConfig([]byte(config))
	if err != nil {
		t.Fatal(err)
	}
	specs, err := cfg.Resolve(layers)
	if err != nil {
		t.Fatal(err)
	}
	return layers, cfg, specs
}

// randomImages is n images of the shape with uniform pixels in [0, 1) and
// labels of 10 classes, seeded: training data for the tests about the
// mechanics of compression, not its accuracy.
func randomImages(n int, shape ...int) *data.Dataset {
	size := 1
	for _, d := range shape {
		size *= d
	}
	r := rand.New(rand.NewPCG(1, 2))
	ds := &data.Dataset{Name: "random", Shape: shape, X: make([]float32, n*size), Y: make([]int32, n), Classes: 10}
	for i := range ds.X {
		ds.X[i] = r.Float32()
	}
	for i := range ds.Y {
		ds.Y[i] = int32(r.IntN(10))
	}
	return ds
}
