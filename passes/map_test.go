package passes

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/lenet5"
	"github.com/pimc-dev/pimc/ir"
)

// TestMapPass: map takes the quantized LeNet-5 to stage mapped without
// changing what the interpreter computes, records a mapping on every matrix
// layer, and a second run changes nothing.
func TestMapPass(t *testing.T) {
	g, err := frontend.Import("lenet5.onnx", lenet5.ONNX, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := NewManager().RunString(g, "canonicalize,quantize{calib=random:1}"); err != nil {
		t.Fatal(err)
	}
	checkPipeline(t, g, "map")
	if g.Stage != ir.StageMapped {
		t.Fatalf("stage %s", g.Stage)
	}
	for _, n := range g.Nodes {
		if (n.Op == ir.OpQConv || n.Op == ir.OpQFC) && n.Attrs["map_tiles"].Kind != ir.AttrInts {
			t.Errorf("%s has no map_tiles", n.Origin())
		}
	}
	checkIdempotent(t, g, "map")
}

// TestMapOptions: bad replicate values and unknown targets are errors.
func TestMapOptions(t *testing.T) {
	for _, c := range []struct{ pipe, want string }{
		{"map{replicate=5}", "1..4"},
		{"map{replicate=many}", "off, auto or a count"},
	} {
		if _, err := Parse(c.pipe); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.pipe, err, c.want)
		}
	}
	g, err := frontend.Import("lenet5.onnx", lenet5.ONNX, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := NewManager().RunString(g, "canonicalize,quantize{calib=random:1},map{target=no-such-target}"); err == nil || !strings.Contains(err.Error(), "no-such-target") {
		t.Errorf("unknown target: %v", err)
	}
}
