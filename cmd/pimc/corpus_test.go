package main

import (
	"path/filepath"
	"testing"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/internal/testcorpus"
)

// The external test data of the CLI tests, found through testcorpus: each
// helper skips the test when its data is absent, or fails it when
// PIMC_REQUIRE_CORPUS=1.

// needMNIST returns MNIST (shared by the tests of this binary; do not
// modify it). The commands under test load it themselves.
func needMNIST(t *testing.T) (train, test *data.Dataset) {
	t.Helper()
	return testcorpus.Dataset(t, data.MNIST, data.Load)
}

// compileTestModel returns the corpus MNIST model and its first test input.
func compileTestModel(t *testing.T) (model, input string) {
	t.Helper()
	dir := testcorpus.Root(t, "models", "mnist-cntk-zoo")
	return filepath.Join(dir, "model.onnx"), filepath.Join(dir, "test_data_0.npz")
}
