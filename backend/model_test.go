package backend_test

import (
	"path/filepath"
	"testing"

	"github.com/pimc-dev/pimc/backend/target"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir/tensor"
)

func TestMNISTCNTK(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "models", "mnist-cntk-zoo")
	var inputs [][]*tensor.Tensor
	for i := 0; i < 3; i++ {
		m, err := frontend.ReadNPZ(filepath.Join(dir, "test_data_"+string(rune('0'+i))+".npz"))
		if err != nil {
			t.Fatal(err)
		}
		x := m["inputs"]
		x.Shape = []int{1, 1, 28, 28}
		inputs = append(inputs, []*tensor.Tensor{x})
	}
	g := quantizeModel(t, filepath.Join(dir, "model.onnx"), "calib=mnist")
	res, _ := compileAndCheck(t, g, target.Default(), inputs...)
	t.Logf("%d instructions, %d sub-arrays", len(res.Prog.Code), res.Subarrays)
}
