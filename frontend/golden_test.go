package frontend_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/golden"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// TestGolden runs the import goldens (internal/golden), one txtar archive
// per model in testdata/import:
//
//	-- model.textproto --  the ModelProto in protobuf text format, or
//	-- model --            a model file's path from the repository root
//	-- import.pir --       expected: the imported graph, or
//	-- error --            expected: the import error
//
// The graph is printed as `pimc ir MODEL` prints it (constants over
// ir.HumanElideConstsOver elements summarised). When nothing is summarised
// the text must parse back to a graph the interpreter runs to the same bits
// as the imported one, so the golden text is the graph. PIMC_UPDATE=1
// rewrites the expected sections.
func TestGolden(t *testing.T) {
	golden.Run(t, filepath.Join("testdata", "import", "*.txtar"), func(t *testing.T, c *golden.Case) {
		name, data := goldenModel(t, c)
		g, err := frontend.Import(name, data, frontend.Options{})
		if err != nil {
			if c.Has("import.pir") {
				t.Fatal(err)
			}
			c.Check("error", err.Error())
			return
		}
		if c.Has("error") {
			t.Fatal("the import succeeded; the golden expects an error")
		}
		text := g.String()
		if !strings.Contains(text, "= elided") {
			checkTextIsGraph(t, g, text)
		}
		c.Check("import.pir", text)
	})
}

// goldenModel returns the model's name (as errors name it) and bytes.
func goldenModel(t *testing.T, c *golden.Case) (string, []byte) {
	t.Helper()
	if c.Has("model") {
		path := strings.TrimSpace(c.Input("model"))
		data, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(path)))
		if err != nil {
			t.Fatal(err)
		}
		return path, data
	}
	var m onnx.ModelProto
	if err := prototext.Unmarshal([]byte(c.Input("model.textproto")), &m); err != nil {
		t.Fatalf("model.textproto: %v", err)
	}
	data, err := proto.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(filepath.Base(c.Path), ".txtar") + ".onnx", data
}

// checkTextIsGraph parses text, the printed g, and requires the interpreter
// to give the same bits on both graphs for a fixed input.
func checkTextIsGraph(t *testing.T, g *ir.Graph, text string) {
	t.Helper()
	back, err := ir.Parse("import.pir", []byte(text))
	if err != nil {
		t.Fatalf("the printed graph does not parse: %v", err)
	}
	var ins []*tensor.Tensor
	for _, v := range g.Inputs {
		if v.Type.DType != tensor.Float32 {
			t.Fatalf("input %s is %s; the check feeds f32 inputs", v.Name, v.Type.DType)
		}
		x := tensor.New(tensor.Float32, v.Type.Shape...)
		for i := range x.F32 {
			x.F32[i] = float32(i%7)/4 - 0.5
		}
		ins = append(ins, x)
	}
	want, err := interp.Run(g, ins)
	if err != nil {
		t.Fatalf("interp: %v", err)
	}
	got, err := interp.Run(back, ins)
	if err != nil {
		t.Fatalf("interp on the parsed text: %v", err)
	}
	for k := range want {
		if !tensor.Equal(got[k], want[k]) {
			t.Fatalf("output %d: %v from the text, %v from the import", k, got[k], want[k])
		}
	}
}
