//go:build unix

package battery

import (
	"strings"
	"testing"
)

// pirGraph is a small valid canonical .pir graph the hostile cases edit.
const pirGraph = `pir 1
graph "tiny" stage=canonical opset=13
input %x: f32[1,4]
const %w: f32[2,4] = [0.5, 1, 1.5, -0.25, 2, -1, 0, 0.75]
const %b: f32[2] = [0.1, -0.2]
%h: f32[1,2] = fc(%x, %w, %b) @"Gemm_0":Gemm
%y: f32[1,2] = relu(%h) @"Relu_0":Relu
output %y
`

// pirEdit returns a Setup writing pirGraph with old replaced by new as
// m.pir, and an input x.npy of its shape.
func pirEdit(old, new string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		if !strings.Contains(pirGraph, old) {
			t.Fatalf("BUG: pirGraph has no %q", old)
		}
		writeText(t, dir, "m.pir", strings.Replace(pirGraph, old, new, 1))
		writeNPY(t, dir, "x.npy", []int{1, 4}, func(i int) float32 { return float32(i) })
	}
}

// TestBatteryPIR: hand-edited .pir files given to ir, run and compile. The
// parser and verifier name the file, the line and the value or node.
func TestBatteryPIR(t *testing.T) {
	runCases(t, []Case{
		{Name: "ok/run", Setup: pirEdit("", ""), Args: strs("run", "m.pir", "-i", "x.npy"), Code: 0, Stdout: strs("y")},
		{Name: "ok/roundtrip", Setup: pirEdit("", ""), Args: strs("ir", "m.pir"), Code: 0, Stdout: strs(`@"Gemm_0":Gemm`)},

		{Name: "header/missing", Setup: pirEdit("pir 1\n", ""), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "pir")},
		{Name: "header/version-2", Setup: pirEdit("pir 1", "pir 2"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "2")},
		{Name: "header/bad-stage", Setup: pirEdit("stage=canonical", "stage=baked"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "baked")},
		{Name: "header/opset-huge", Setup: pirEdit("opset=13", "opset=99999999999999999999"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "opset")},
		{Name: "empty-file", Setup: func(t *testing.T, dir string) { writeText(t, dir, "m.pir", "") }, Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir")},
		{Name: "binary-garbage", Setup: func(t *testing.T, dir string) { writeFile(t, dir, "m.pir", []byte{0, 1, 2, 0xff, 0xfe, '\n', 0x80}) }, Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir")},

		{Name: "const/too-few-elements", Setup: pirEdit("[0.1, -0.2]", "[0.1]"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "%b")},
		{Name: "const/too-many-elements", Setup: pirEdit("[0.1, -0.2]", "[0.1, -0.2, 3]"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "%b")},
		{Name: "const/elided", Setup: pirEdit("[0.1, -0.2]", "elided  # 2 elems"), Args: strs("run", "m.pir", "-i", "x.npy"), Code: 1, Stderr: strs("m.pir", "elided")},
		{Name: "const/bad-number", Setup: pirEdit("[0.1, -0.2]", "[0.1, zero]"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "zero")},
		{Name: "const/unclosed-bracket", Setup: pirEdit("[0.1, -0.2]", "[0.1, -0.2"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir")},
		{Name: "const/huge-shape", Setup: pirEdit("const %b: f32[2] = [0.1, -0.2]", "const %b: f32[1099511627776,1099511627776] = [0.1, -0.2]"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir:5:", "1099511627776"), MaxRSSMiB: 100},
		{Name: "const/unknown-dtype", Setup: pirEdit("const %b: f32[2]", "const %b: q7[2]"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "q7")},

		{Name: "node/unknown-op", Setup: pirEdit("relu(%h)", "frobnicate(%h)"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "frobnicate")},
		{Name: "node/undefined-operand", Setup: pirEdit("relu(%h)", "relu(%ghost)"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "ghost")},
		{Name: "node/defined-twice", Setup: pirEdit(`%y: f32[1,2] = relu(%h)`, `%h: f32[1,2] = relu(%h)`), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "%h")},
		{Name: "node/wrong-declared-type", Setup: pirEdit(`%y: f32[1,2] = relu`, `%y: f32[1,3] = relu`), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "Relu_0")},
		{Name: "node/wrong-arity", Setup: pirEdit("relu(%h)", "relu(%h, %h)"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "Relu_0")},
		{Name: "node/unknown-attribute", Setup: pirEdit("relu(%h)", "relu(%h) {alpha=0.5}"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "alpha")},
		{Name: "node/fc-shape-mismatch", Setup: pirEdit("const %w: f32[2,4] = [0.5, 1, 1.5, -0.25, 2, -1, 0, 0.75]", "const %w: f32[4,2] = [0.5, 1, 1.5, -0.25, 2, -1, 0, 0.75]"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "Gemm_0")},
		{Name: "node/out-of-order", Setup: pirEdit("%h: f32[1,2] = fc(%x, %w, %b) @\"Gemm_0\":Gemm\n%y: f32[1,2] = relu(%h) @\"Relu_0\":Relu",
			"%y: f32[1,2] = relu(%h) @\"Relu_0\":Relu\n%h: f32[1,2] = fc(%x, %w, %b) @\"Gemm_0\":Gemm"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "Relu_0")},
		{Name: "node/quantized-op-in-canonical", Setup: pirEdit("relu(%h)", "qrelu(%h)"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir")},
		{Name: "output/undefined", Setup: pirEdit("output %y", "output %nowhere"), Args: strs("ir", "m.pir"), Code: 1, Stderr: strs("m.pir", "nowhere")},
		{Name: "output/none", Setup: pirEdit("output %y\n", ""), Args: strs("compile", "m.pir", "-o", "m.pimb"), Code: 1, Stderr: strs("m.pir", "output")},
	})
}
