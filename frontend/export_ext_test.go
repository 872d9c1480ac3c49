package frontend

import (
	"slices"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// TestExportIssue13Ops round-trips a model through the opset-13 forms of
// the ops of export_ext.go, and checks the ones that need a later opset are
// refused by name.
func TestExportIssue13Ops(t *testing.T) {
	g := newModel(13).input("x", onnxFloat, 1, 2, 4, 4).
		init("sc", f32s([]int{4}, 1, 1, 2, 1.5)).init("pads", i64s(0, 0, 1, 2, 0, 0, 1, 0)).
		init("st", i64s(-1)).init("en", i64s(-100)).init("ax", i64s(3)).init("sp", i64s(-2)).
		init("two", tensor.FromI64(tensor.Int64, []int64{2})).init("rep", i64s(1, 1, 1, 2)).init("k", tensor.FromI64(tensor.Int64, []int64{1})).
		node("Resize", "rs", s("x", "", "sc"), s("r"), aString("mode", "cubic")).
		node("Pad", "pd", s("r", "pads"), s("p"), aString("mode", "reflect")).
		node("Slice", "sl", s("p", "st", "en", "ax", "sp"), s("v")).
		node("Exp", "ex", s("v"), s("e")).
		node("ReduceMax", "rm", s("e"), s("m"), aInts("axes", 1)).
		node("Less", "ls", s("v", "m"), s("b")).
		node("Where", "wh", s("b", "v", "m"), s("w")).
		node("CumSum", "cs", s("w", "two"), s("c"), aInt("reverse", 1)).
		node("Tile", "tl", s("c", "rep"), s("tt")).
		node("Trilu", "tr", s("tt", "k"), s("u"), aInt("upper", 0)).
		node("Cast", "ca", s("u"), s("y"), aInt("to", onnxInt32)).
		init("three", tensor.FromI64(tensor.Int32, []int64{-3})).node("Mod", "md", s("y", "three"), s("z")).
		output("z", "u").mustImport(t, Options{})
	want := []ir.Op{ir.OpResize, ir.OpPadBorder, ir.OpSlice, "exp", "reduce_max", "less", ir.OpWhere, ir.OpCumSum, ir.OpTile, ir.OpTrilu, ir.OpCast, ir.OpMod}
	if got := opsOf(g); !slices.Equal(got, want) {
		t.Fatalf("imported ops %v, want %v", got, want)
	}
	roundTrip(t, g)

	for _, c := range []struct {
		node func(*modelBuilder) *modelBuilder
		want string
	}{
		{func(b *modelBuilder) *modelBuilder { return b.node("Gelu", "g", s("x"), s("z")) }, "op gelu has no ONNX opset-13 form"},
		{func(b *modelBuilder) *modelBuilder {
			return b.init("sc", f32s([]int{4}, 1, 1, 0.5, 0.5)).node("Resize", "r", s("x", "", "sc"), s("z"), aString("mode", "linear"), aInt("antialias", 1))
		}, "antialias needs opset 18"},
	} {
		g := c.node(newModel(20).input("x", onnxFloat, 1, 2, 4, 4)).output("z").mustImport(t, Options{})
		if _, err := Marshal(g, ExportOptions{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("export error %v, want %q", err, c.want)
		}
	}
}
