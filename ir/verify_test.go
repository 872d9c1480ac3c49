package ir

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
)

func TestVerifyValid(t *testing.T) {
	if err := Verify(mnistLike(t)); err != nil {
		t.Fatal(err)
	}
}

// diagnostics returns the diagnostics of Verify(g) (nil if it passes).
func diagnostics(t *testing.T, g *Graph) []Diagnostic {
	t.Helper()
	err := Verify(g)
	if err == nil {
		return nil
	}
	var ve *VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("Verify returned %T, want *VerifyError", err)
	}
	if len(ve.Diagnostics) == 0 {
		t.Fatal("VerifyError without diagnostics")
	}
	return ve.Diagnostics
}

// find returns the names of nodes/values in mnistLike for mutations.
func nodeByOp(g *Graph, op Op) *Node {
	for _, n := range g.Nodes {
		if n.Op == op {
			return n
		}
	}
	panic("BUG: test graph lacks " + op)
}

// TestVerifyDiagnostics breaks a valid graph in one way per case and checks
// that Verify reports exactly that, naming the node.
func TestVerifyDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(g *Graph)
		origin string // substring of the diagnostic's Origin
		want   string // substring of its message
	}{
		{"topological order", func(g *Graph) { g.Nodes[0], g.Nodes[1] = g.Nodes[1], g.Nodes[0] },
			"relu (node 0)", "input 0 (%Convolution28_Output_0) is defined later, by node 1: nodes are not in topological order"},
		{"undefined value", func(g *Graph) {
			nodeByOp(g, OpRelu).Inputs[0] = &Value{Name: "ghost", Type: Type{DType: tensor.Float32}}
		},
			"relu (node 1)", "input 0 (%ghost) is not defined in the graph"},
		{"own output", func(g *Graph) { n := nodeByOp(g, OpRelu); n.Inputs[0] = n.Outputs[0] },
			"relu (node 1)", "is the node's own output"},
		{"defined twice", func(g *Graph) { g.Consts = append(g.Consts, g.Consts[0]) },
			"const %Parameter5", "%Parameter5 is already defined as const %Parameter5"},
		{"input and node output", func(g *Graph) { g.Inputs = append(g.Inputs, nodeByOp(g, OpRelu).Outputs[0]) },
			"relu (node 1)", "is already defined as graph input 1"},
		{"unknown op", func(g *Graph) { nodeByOp(g, OpRelu).Op = "swiglu" },
			"swiglu (node 1)", `unknown op "swiglu"`},
		{"too few inputs", func(g *Graph) { n := nodeByOp(g, OpMatMul); n.Inputs = n.Inputs[:1] },
			"matmul (node 4)", "has 1 inputs, matmul takes 2"},
		{"too many inputs", func(g *Graph) { n := nodeByOp(g, OpRelu); n.Inputs = append(n.Inputs, n.Inputs[0]) },
			"relu (node 1)", "has 2 inputs, relu takes 1"},
		{"required input absent", func(g *Graph) { nodeByOp(g, OpConv).Inputs[1] = nil },
			`conv "Convolution28" (node 0, ONNX Conv)`, "required input 1 is absent"},
		{"too many outputs", func(g *Graph) {
			n := nodeByOp(g, OpRelu)
			n.Outputs = append(n.Outputs, &Value{Type: n.Outputs[0].Type, Def: n})
		}, "relu (node 1)", "has 2 outputs, relu produces 1"},
		{"nil output", func(g *Graph) { nodeByOp(g, OpRelu).Outputs[0] = nil },
			"relu (node 1)", "output 0 is nil"},
		{"wrong Def", func(g *Graph) { nodeByOp(g, OpRelu).Outputs[0].Def = g.Nodes[0] },
			"relu (node 1)", `has Def pointing to conv "Convolution28", not to this node`},
		{"unknown attribute", func(g *Graph) { nodeByOp(g, OpRelu).SetAttr("alpha", FloatAttr(0.1)) },
			"relu (node 1)", `unknown attribute "alpha" for relu (it takes none)`},
		{"wrong attribute kind", func(g *Graph) { nodeByOp(g, OpConv).SetAttr("group", IntsAttr(1)) },
			"conv", `attribute "group": want int, got ints`},
		{"missing attribute", func(g *Graph) { delete(nodeByOp(g, OpSoftmax).Attrs, "axis") },
			"softmax (node 6)", `missing required attribute "axis" (int)`},
		{"stage", func(g *Graph) {
			n := nodeByOp(g, OpMatMul)
			n.Op = OpGemm
			g.Stage = StageCanonical
		}, "gemm (node 4)", "op gemm is legal from stage import to import, graph is at stage canonical"},
		{"type mismatch", func(g *Graph) { nodeByOp(g, OpRelu).Outputs[0].Type.Shape = []int{1, 8, 28, 27} },
			"relu (node 1)", "output 0 (%1) is recorded as f32[1,8,28,27], shape inference gives f32[1,8,28,28]"},
		{"inference error", func(g *Graph) { nodeByOp(g, OpReshape).SetAttr("shape", IntsAttr(1, 1000)) },
			"reshape (node 3)", "shape inference:"},
		{"payload length", func(g *Graph) { g.Consts[1].Const.F32 = g.Consts[1].Const.F32[:7] },
			"const %Parameter6", "F32 holds 7 elements, f32[8] needs 8"},
		{"payload storage", func(g *Graph) { c := g.Consts[1].Const; c.F64 = make([]float64, 8) },
			"const %Parameter6", "f32 payload must be stored in F32 only"},
		{"payload dtype", func(g *Graph) { g.Consts[1].Const.DType = tensor.Float16 },
			"const %Parameter6", "payload element type f16 differs from the value's f32"},
		{"payload shape", func(g *Graph) { g.Consts[1].Const.Shape = []int{2, 4} },
			"const %Parameter6", "payload shape [2,4] differs from the value's [8]"},
		{"integer range", func(g *Graph) { g.AddConst("k", tensor.FromI64(tensor.Int8, []int64{1, 300}, 2)) },
			"const %k", "element 1 = 300 is outside the i8 range [-128, 127]"},
		{"f16 precision", func(g *Graph) {
			c := tensor.FromF32([]float32{0.5, 0.1}, 2)
			c.DType = tensor.Float16
			g.AddConst("h", c)
		}, "const %h", "element 1 = 0.1 is not a f16 value (nearest 0.099975586)"},
		{"no payload", func(g *Graph) { g.Consts[1].Const = nil },
			"const %Parameter6", "has no payload"},
		{"input with payload", func(g *Graph) { g.Inputs[0].Const = tensor.New(tensor.Float32, 1, 1, 28, 28) },
			"graph input 0 %Input3", "has a constant payload"},
		{"no type", func(g *Graph) { g.Inputs[0].Type.DType = tensor.Invalid },
			"graph input 0 %Input3", "has no valid element type (invalid)"},
		{"negative dim", func(g *Graph) { g.AddConst("neg", &tensor.Tensor{DType: tensor.Float32, Shape: []int{-1}}) },
			"const %neg", "negative dimension in [-1]"},
		{"quant bits", func(g *Graph) { g.Inputs[0].Quant = &QuantParams{Bits: 0, Axis: -1, Scale: []float32{1}} },
			"graph input 0", "%Input3 quant: bits 0 outside 1..32"},
		{"quant scale count", func(g *Graph) {
			g.Consts[0].Quant = &QuantParams{Bits: 4, Signed: true, Axis: 0, Scale: []float32{1, 2}, ZeroPoint: []int32{0, 0}}
		}, "const %Parameter5", "2 scales for 8 channels along axis 0"},
		{"quant per-tensor", func(g *Graph) { g.Inputs[0].Quant = &QuantParams{Bits: 8, Axis: -1} },
			"graph input 0", "per-tensor quantization needs 1 scale, got 0"},
		{"quant axis", func(g *Graph) { g.Inputs[0].Quant = &QuantParams{Bits: 8, Axis: 4, Scale: []float32{1}} },
			"graph input 0", "axis 4 outside the value's rank 4"},
		{"quant scale value", func(g *Graph) { g.Inputs[0].Quant = &QuantParams{Bits: 8, Axis: -1, Scale: []float32{-1}} },
			"graph input 0", "scale 0 = -1 is not a positive finite number"},
		{"quant zero point", func(g *Graph) {
			g.Inputs[0].Quant = &QuantParams{Bits: 4, Signed: true, Axis: -1, Scale: []float32{1}, ZeroPoint: []int32{8}}
		}, "graph input 0", "zero point 0 = 8 outside the 4-bit range [-8, 7]"},
		{"quant zero point count", func(g *Graph) {
			g.Inputs[0].Quant = &QuantParams{Bits: 8, Axis: -1, Scale: []float32{1}, ZeroPoint: []int32{0, 0}}
		}, "graph input 0", "2 zero points for 1 scales"},
		{"graph output undefined", func(g *Graph) { g.Outputs[0] = &Value{Name: "nowhere"} },
			"graph output 0", "%nowhere is not defined in the graph"},
		{"graph output nil", func(g *Graph) { g.Outputs[1] = nil }, "graph output 1", "is nil"},
		{"nil node", func(g *Graph) { g.Nodes = append(g.Nodes, nil) }, "node 7", "is nil"},
		{"nil graph input", func(g *Graph) { g.Inputs = append(g.Inputs, nil) }, "graph input 1", "is nil"},
		{"nil const", func(g *Graph) { g.Consts = append(g.Consts, nil) }, "const 4", "is nil"},
		{"nil tensor attr", func(g *Graph) {
			n := nodeByOp(g, OpRelu)
			n.Op = OpConstantOfShape
			n.SetAttr("value", Attr{Kind: AttrTensor})
		}, "constant_of_shape (node 1)", `attribute "value": nil tensor`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := mnistLike(t)
			tc.break_(g)
			ds := diagnostics(t, g)
			if len(ds) == 0 {
				t.Fatalf("Verify passed, want %q", tc.want)
			}
			found := false
			for _, d := range ds {
				if strings.Contains(d.Origin, tc.origin) && strings.Contains(d.Msg, tc.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("want a diagnostic at %q saying %q, got:\n%v", tc.origin, tc.want, Verify(g))
			}
			// Node diagnostics carry the node.
			for _, d := range ds {
				if strings.Contains(d.Origin, "(node ") && d.Node == nil {
					t.Errorf("diagnostic %q has no Node", d)
				}
			}
			// Whatever Verify thinks, printing must not panic.
			_ = g.String()
		})
	}
}

// TestVerifyReportsAll breaks a graph in several independent ways and
// checks every problem is reported, in graph order, one per line.
func TestVerifyReportsAll(t *testing.T) {
	g := mnistLike(t)
	g.Consts[1].Const.F32 = g.Consts[1].Const.F32[:3]                  // const payload
	nodeByOp(g, OpRelu).SetAttr("alpha", FloatAttr(1))                 // unknown attribute
	delete(nodeByOp(g, OpSoftmax).Attrs, "axis")                       // missing attribute
	nodeByOp(g, OpAdd).Outputs[0].Type.DType = tensor.Float64          // type mismatch
	g.Outputs = append(g.Outputs, &Value{Name: "ghost", Type: Type{}}) // undefined output
	err := Verify(g)
	if err == nil {
		t.Fatal("Verify passed")
	}
	msg := err.Error()
	lines := strings.Split(msg, "\n")
	if !strings.Contains(lines[0], `graph "mnist" fails verification (5 problems)`) || len(lines) != 6 {
		t.Fatalf("want a header and 5 lines, got:\n%s", msg)
	}
	for i, want := range []string{"F32 holds 3 elements", `unknown attribute "alpha"`, "%Plus214_Output_0) is recorded as f64[1,10]", `missing required attribute "axis"`, "%ghost is not defined"} {
		if !strings.Contains(lines[i+1], want) {
			t.Errorf("line %d: want %q, got %q", i+1, want, lines[i+1])
		}
	}
}

// TestVerifyRegisteredCheck checks that registered rules run on sound
// graphs, can report, and that a panicking rule becomes a diagnostic.
func TestVerifyRegisteredCheck(t *testing.T) {
	var ran int
	RegisterCheck("test-rule", func(g *Graph, report func(n *Node, format string, args ...any)) {
		if g.Name != "check-me" {
			return
		}
		ran++
		report(g.Nodes[1], "rule says no to %s", g.Nodes[1].Op)
		if g.Producer == "panic" {
			panic("rule bug")
		}
	})
	g := mnistLike(t)
	if err := Verify(g); err != nil {
		t.Fatal(err)
	}
	g.Name = "check-me"
	ds := diagnostics(t, g)
	if ran != 1 || len(ds) != 1 || ds[0].Node != g.Nodes[1] || ds[0].Msg != "rule says no to relu" || ds[0].Origin != "relu (node 1)" {
		t.Fatalf("ran %d, diagnostics %+v", ran, ds)
	}
	g.Producer = "panic"
	ds = diagnostics(t, g)
	if len(ds) != 2 || !strings.Contains(ds[1].Msg, `BUG: verifier check "test-rule" panicked: rule bug`) {
		t.Fatalf("diagnostics %+v", ds)
	}
	checksMu.Lock()
	checks = checks[:len(checks)-1]
	checksMu.Unlock()
}

// TestVerifyNeverPanics runs Verify on random (mostly broken) graphs and
// on random mutations of a valid one. A shape function that panics shows
// up as a BUG diagnostic, which is a bug in infer.go and fails the test.
func TestVerifyNeverPanics(t *testing.T) {
	for seed := range 3000 {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		var g *Graph
		if seed%2 == 0 {
			g = randGraph(r)
		} else {
			g = mutate(t, r, mnistLike(t))
		}
		err := Verify(g)
		if err != nil && strings.Contains(err.Error(), "BUG:") {
			t.Errorf("seed %d: %v", seed, err)
		}
	}
	if err := Verify(nil); err == nil {
		t.Error("Verify(nil) passed")
	}
}

// mutate applies a few random edits to g: rewired inputs, dropped or
// swapped nodes, changed attributes and types.
func mutate(t *testing.T, r *rand.Rand, g *Graph) *Graph {
	var vals []*Value
	vals = append(vals, g.Inputs...)
	vals = append(vals, g.Consts...)
	for _, n := range g.Nodes {
		vals = append(vals, n.Outputs...)
	}
	for range 1 + r.IntN(3) {
		n := g.Nodes[r.IntN(len(g.Nodes))]
		switch r.IntN(7) {
		case 0:
			if len(n.Inputs) > 0 {
				n.Inputs[r.IntN(len(n.Inputs))] = pick(r, vals)
			}
		case 1:
			n.Inputs = append(n.Inputs, pick(r, append(vals, nil)))
		case 2:
			i, j := r.IntN(len(g.Nodes)), r.IntN(len(g.Nodes))
			g.Nodes[i], g.Nodes[j] = g.Nodes[j], g.Nodes[i]
		case 3:
			n.Op = pick(r, Ops()).Op
		case 4:
			names := append(n.Attrs.Names(), "axis", "pads")
			n.SetAttr(pick(r, names), randAttr(r))
		case 5:
			n.Outputs[0].Type = randType(r)
		case 6:
			if len(n.Inputs) > 0 {
				n.Inputs = n.Inputs[:r.IntN(len(n.Inputs))]
			}
		}
	}
	_ = fmt.Sprint
	return g
}

// TestVerifyNoCascade: a wrong recorded type is reported once, at the node
// that produces it, not again at every consumer inferring from it.
func TestVerifyNoCascade(t *testing.T) {
	g := mnistLike(t)
	nodeByOp(g, OpRelu).Outputs[0].Type.Shape = []int{1, 8, 28, 27}
	ds := diagnostics(t, g)
	if len(ds) != 1 || ds[0].Node != nodeByOp(g, OpRelu) {
		t.Fatalf("want one diagnostic at relu, got %v", Verify(g))
	}
	g = mnistLike(t)
	nodeByOp(g, OpReshape).SetAttr("shape", IntsAttr(1, 1000))
	if ds := diagnostics(t, g); len(ds) != 1 {
		t.Fatalf("want one diagnostic at reshape, got %v", Verify(g))
	}
}
