package tensorio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"github.com/pimc-dev/pimc/ir"
)

func withLimits(t *testing.T, l ir.Limits) {
	prev := ir.SetLimits(l)
	t.Cleanup(func() { ir.SetLimits(prev) })
}

// TestTensorFilesObeyTheLimit: .pb and .npy tensors are checked against
// the per-value limit before their storage is allocated (int8 data takes 8
// bytes per element once read).
func TestTensorFilesObeyTheLimit(t *testing.T) {
	withLimits(t, ir.Limits{ValueBytes: 1 << 10})
	raw := make([]byte, 256)
	pb, err := proto.Marshal(&onnx.TensorProto{Name: "x", DataType: int32(onnx.TensorProto_INT8), Dims: []int64{256}, RawData: raw})
	if err != nil {
		t.Fatal(err)
	}
	npy := npyBytes(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (256,), }", raw)
	for _, c := range []struct {
		name string
		data []byte
	}{{"x.pb", pb}, {"x.npy", npy}} {
		path := filepath.Join(t.TempDir(), c.name)
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Read(path)
		if err == nil || !strings.Contains(err.Error(), "i8[256] is 2 KiB, above the 1 KiB limit (-max-value-bytes)") {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
