package pimrt_test

import (
	"testing"

	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/lenet5"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/pimrt"
)

// compiledLeNet5 imports the embedded LeNet-5, compiles it with the
// default pipeline (random calibration, seed 1) and loads the program: the
// model most runtime tests run.
func compiledLeNet5(t testing.TB) (*ir.Graph, *driver.Result, *pimrt.Model) {
	t.Helper()
	g, err := frontend.Import(lenet5.Name, lenet5.ONNX, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := driver.Compile(g, driver.Options{Calib: "random:1"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := pimrt.Load(res.Prog, res.Target)
	if err != nil {
		t.Fatal(err)
	}
	return g, res, m
}
