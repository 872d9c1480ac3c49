//go:build unix

package battery

import (
	"testing"

	"github.com/pimc-dev/pimc/internal/hostile"
	"github.com/pimc-dev/pimc/isa"
)

// boundsRSS is the peak RSS a refused hostile model may cost: the limits
// trigger before the value is allocated, so a refusal stays near the
// binary's own footprint whatever the model asks for.
const boundsRSS = 100

// withHostile writes model as name and the models' input x.npy.
func withHostile(name string, model []byte) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		writeFile(t, dir, name, model)
		writeFile(t, dir, "x.npy", hostile.InputNPY())
	}
}

// hostProgram is a .pimb holding only a halt and, as its host section,
// issue 9's graph as .pir: what sim and asm parse before running it.
func hostProgram(t *testing.T) *isa.Program {
	return &isa.Program{TargetName: "sot-mram-45nm", Code: []isa.Instr{{Op: isa.OpHalt, Src: -1}},
		Host: append([]byte("pimc-host 1\ngraph-inputs 1\ngraph-outputs 1\npir\n"), hostile.PIRConstantOfShape(30000)...)}
}

// TestBatteryBounds: small models that ask for huge values (docs/PIR.md
// "Size limits") are refused before anything is allocated, naming the file,
// the node and the flag that raises the limit; programs and listings above
// -max-program-bytes are not written; the flags let a medium case through.
func TestBatteryBounds(t *testing.T) {
	limit := "above the 1 GiB limit (-max-value-bytes)"
	cos := `node "ConstantOfShape_0" (ConstantOfShape): constant_of_shape: output f32[1,1,30000,30000] is 3.4 GiB, ` + limit
	runCases(t, []Case{
		// ONNX models of a few hundred bytes.
		{Name: "onnx/constant-of-shape/run", Setup: withHostile("m.onnx", hostile.ConstantOfShape(30000)),
			Args: strs("run", "m.onnx", "-i", "x.npy"), Code: 1, Stderr: strs("pimc run: frontend: m.onnx: " + cos), MaxRSSMiB: boundsRSS},
		{Name: "onnx/constant-of-shape/compile", Setup: withHostile("m.onnx", hostile.ConstantOfShape(30000)),
			Args: strs("compile", "m.onnx", "-o", "m.pimb", "-S", "m.pasm"), Code: 1, Stderr: strs("pimc compile: frontend: m.onnx: " + cos), MaxRSSMiB: boundsRSS},
		{Name: "onnx/constant-of-shape-20000/compile", Setup: withHostile("m.onnx", hostile.ConstantOfShape(20000)),
			Args: strs("compile", "m.onnx", "-o", "m.pimb"), Code: 1, Stderr: strs("m.onnx", `"ConstantOfShape_0"`, "f32[1,1,20000,20000] is 1.5 GiB, "+limit), MaxRSSMiB: boundsRSS},
		{Name: "onnx/pad/run", Setup: withHostile("m.onnx", hostile.Pad(15000)),
			Args: strs("run", "m.onnx", "-i", "x.npy"), Code: 1, Stderr: strs("m.onnx", `node "Pad_0" (Pad)`, "f32[1,1,30001,30001] is 3.4 GiB", limit), MaxRSSMiB: boundsRSS},
		{Name: "onnx/broadcast/compile", Setup: withHostile("m.onnx", hostile.Broadcast(30000)),
			Args: strs("compile", "m.onnx", "-o", "m.pimb"), Code: 1, Stderr: strs("m.onnx", `node "Broadcast_0" (Add)`, limit), MaxRSSMiB: boundsRSS},
		{Name: "onnx/matmul-outer-product/ir", Setup: withHostile("m.onnx", hostile.MatMul(30000)),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `node "MatMul_0" (MatMul)`, "f32[30000,30000] is 3.4 GiB", limit), MaxRSSMiB: boundsRSS},
		{Name: "onnx/concat-doubling/run", Setup: withHostile("m.onnx", hostile.ConcatDoubling(60)),
			Args: strs("run", "m.onnx", "-i", "x.npy"), Code: 1, Stderr: strs("m.onnx", `node "Concat_29" (Concat)`, "is 2 GiB", limit), MaxRSSMiB: boundsRSS},
		{Name: "onnx/conv-transpose-stride/compile", Setup: withHostile("m.onnx", hostile.ConvTranspose(30000)),
			Args: strs("compile", "m.onnx", "-o", "m.pimb"), Code: 1, Stderr: strs("m.onnx", `node "ConvTranspose_0" (ConvTranspose)`, limit), MaxRSSMiB: boundsRSS},
		{Name: "onnx/initializer-without-data/run", Setup: withHostile("m.onnx", hostile.HugeInitializer(30000)),
			Args: strs("run", "m.onnx", "-i", "x.npy"), Code: 1, Stderr: strs("m.onnx", `initializer "big": f32[1,1,30000,30000] is 3.4 GiB`, limit), MaxRSSMiB: boundsRSS},
		{Name: "onnx/constant-node-without-data/ir", Setup: withHostile("m.onnx", hostile.HugeConstantNode(30000)),
			Args: strs("ir", "m.onnx"), Code: 1, Stderr: strs("m.onnx", `node "Constant_0" (Constant)`, "is 3.4 GiB", limit), MaxRSSMiB: boundsRSS},
		{Name: "onnx/many-medium-constants/compile", Setup: withHostile("m.onnx", hostile.ManyConstants(1000, 16000)),
			Args: strs("compile", "m.onnx", "-o", "m.pimb"), Code: 1,
			Stderr: strs("m.onnx", `node "ConstantOfShape_2" (ConstantOfShape)`, "brings the values of the graph to 2.9 GiB, above the 2 GiB total limit (-max-total-bytes)"), MaxRSSMiB: boundsRSS},
		{Name: "onnx/expand-unsupported/run", Setup: withHostile("m.onnx", hostile.NewModel(13).Input("x", 1, 1, 1, 1).Int64s("shape", 1, 1, 30000, 30000).
			Node("Expand", "Expand_0", []string{"x", "shape"}, []string{"e"}).Output("e").Bytes()),
			Args: strs("run", "m.onnx", "-i", "x.npy"), Code: 1, Stderr: strs("m.onnx", "Expand", "Expand_0"), MaxRSSMiB: boundsRSS},
		{Name: "onnx/tile-unsupported/compile", Setup: withHostile("m.onnx", hostile.NewModel(13).Input("x", 1, 1, 1, 1).Int64s("repeats", 1, 1, 30000, 30000).
			Node("Tile", "Tile_0", []string{"x", "repeats"}, []string{"e"}).Output("e").Bytes()),
			Args: strs("compile", "m.onnx", "-o", "m.pimb"), Code: 1, Stderr: strs("m.onnx", "Tile", "Tile_0"), MaxRSSMiB: boundsRSS},
		{Name: "onnx/reshape-to-huge/run", Setup: withHostile("m.onnx", hostile.NewModel(13).Input("x", 1, 1, 1, 1).Int64s("shape", 30000, 30000).
			Node("Reshape", "Reshape_0", []string{"x", "shape"}, []string{"r"}).Output("r").Bytes()),
			Args: strs("run", "m.onnx", "-i", "x.npy"), Code: 1, Stderr: strs("m.onnx", `"Reshape_0"`), MaxRSSMiB: boundsRSS},

		// .pir texts and the host section of a program.
		{Name: "pir/huge-constant/ir", Setup: withHostile("m.pir", hostile.PIRConstant(30000)),
			Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir:4:13: %big: f32[1,1,30000,30000] is 3.4 GiB, " + limit), MaxRSSMiB: boundsRSS},
		{Name: "pir/huge-node/run", Setup: withHostile("m.pir", hostile.PIRConstantOfShape(30000)),
			Args: strs("run", "m.pir", "-i", "x.npy"), Code: 1, Stderr: strs("m.pir:5:7: %big: f32[1,1,30000,30000] is 3.4 GiB, " + limit), MaxRSSMiB: boundsRSS},
		{Name: "pimb/huge-host-graph/sim", Setup: func(t *testing.T, dir string) {
			b, err := isa.EncodeBinary(hostProgram(t))
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, "h.pimb", b)
			writeFile(t, dir, "x.npy", hostile.InputNPY())
		}, Args: strs("sim", "h.pimb", "-i", "x.npy"), Code: 1, Stderr: strs("h.pimb", "host section:5:7: %big: f32[1,1,30000,30000] is 3.4 GiB", limit), MaxRSSMiB: boundsRSS},
		{Name: "pasm/huge-host-graph/asm", Setup: func(t *testing.T, dir string) {
			writeFile(t, dir, "h.pasm", isa.FormatAsm(hostProgram(t)))
		}, Args: strs("asm", "h.pasm", "-o", "h.pimb"), Code: 1, Stderr: strs("h.pasm", "host section:5:7: %big: f32[1,1,30000,30000] is 3.4 GiB", limit), MaxRSSMiB: boundsRSS},

		// The flags: a medium model refused under a lowered limit, let
		// through by the default or a raised one.
		{Name: "flags/lowered-refuses-medium", Setup: withHostile("m.onnx", hostile.ConstantOfShape(2000)),
			Args: strs("run", "m.onnx", "-i", "x.npy", "-max-value-bytes", "8MiB"), Code: 1,
			Stderr: strs("m.onnx", `"ConstantOfShape_0"`, "is 15.3 MiB, above the 8 MiB limit (-max-value-bytes)"), MaxRSSMiB: boundsRSS},
		{Name: "flags/default-lets-medium-through", Setup: withHostile("m.onnx", hostile.ConstantOfShape(2000)),
			Args: strs("run", "m.onnx", "-i", "x.npy"), Code: 0, Stdout: strs("y: f32[1,1,1,1] [2]"), MaxRSSMiB: 150},
		{Name: "flags/raised-lets-larger-through", Setup: withHostile("m.onnx", hostile.ConstantOfShape(6000)),
			Args: strs("run", "m.onnx", "-i", "x.npy", "-max-value-bytes", "128MiB"), Code: 1, Stderr: strs("is 137.3 MiB, above the 128 MiB limit"), MaxRSSMiB: boundsRSS},
		{Name: "flags/raised-runs-larger", Setup: withHostile("m.onnx", hostile.ConstantOfShape(6000)),
			Args: strs("run", "m.onnx", "-i", "x.npy", "-max-value-bytes", "256MiB", "-max-total-bytes", "512MiB"), Code: 0, Stdout: strs("y: f32[1,1,1,1] [2]"), MaxRSSMiB: 400},
		{Name: "flags/total-lowered", Setup: withHostile("m.onnx", hostile.ConstantOfShape(2000)),
			Args: strs("compile", "m.onnx", "-o", "m.pimb", "-max-total-bytes", "16MiB"), Code: 1,
			Stderr: strs("m.onnx", "above the 16 MiB total limit (-max-total-bytes)"), MaxRSSMiB: boundsRSS},
		{Name: "flags/zero", Setup: withHostile("m.onnx", hostile.ConstantOfShape(2)),
			Args: strs("run", "m.onnx", "-i", "x.npy", "-max-value-bytes", "0"), Code: 2, Stderr: strs("-max-value-bytes", "want a positive byte count")},
		{Name: "flags/decimal-unit", Setup: withHostile("m.onnx", hostile.ConstantOfShape(2)),
			Args: strs("ir", "m.onnx", "-max-total-bytes", "2GB"), Code: 2, Stderr: strs("-max-total-bytes", `"2GB"`)},
		{Name: "flags/program-bytes-junk", Setup: withProgram,
			Args: strs("disasm", "lenet5.pimb", "-max-program-bytes", "lots"), Code: 2, Stderr: strs("-max-program-bytes", `"lots"`)},

		// Programs and listings above -max-program-bytes are not written.
		{Name: "program/compile-pimb-over-limit", Setup: withLeNet,
			Args: strs("compile", "lenet5.onnx", "-o", "m.pimb", "-S", "m.pasm", "-max-program-bytes", "16KiB"), Code: 1,
			Stderr: strs("-o m.pimb: the program would take", "above the 16 KiB limit (-max-program-bytes); nothing written")},
		{Name: "program/compile-listing-over-limit", Setup: withLeNet,
			Args: strs("compile", "lenet5.onnx", "-o", "m.pimb", "-S", "m.pasm", "-max-program-bytes", "256KiB"), Code: 1,
			Stderr: strs("-S m.pasm: the assembly text passes 256 KiB, the limit (-max-program-bytes); nothing written")},
		{Name: "program/host-section-over-limit", Setup: withHostile("m.onnx", hostile.ConstantOfShape(600)),
			Args: strs("compile", "m.onnx", "-o", "m.pimb", "-max-program-bytes", "256KiB"), Code: 1,
			Stderr: strs("m.onnx", "host section", "passes 256 KiB, the limit for a program (-max-program-bytes)"), MaxRSSMiB: 200},
		{Name: "program/disasm-listing-over-limit", Setup: withProgram,
			Args: strs("disasm", "lenet5.pimb", "-o", "out.pasm", "-max-program-bytes", "64KiB"), Code: 1,
			Stderr: strs("-o out.pasm: the assembly text passes 64 KiB, the limit (-max-program-bytes); nothing written")},
		{Name: "program/asm-over-limit", Setup: withProgram,
			Args: strs("asm", "lenet5.pasm", "-o", "out.pimb", "-max-program-bytes", "8KiB"), Code: 1,
			Stderr: strs("lenet5.pasm", "-o out.pimb: the program would take", "above the 8 KiB limit (-max-program-bytes)")},
	})
}
