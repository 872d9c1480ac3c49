package interp

import (
	"math"
	"math/rand"
	"runtime"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Every float op of the import and canonical stages has a kernel.
func TestEveryOpHasKernel(t *testing.T) {
	for _, info := range ir.Ops() {
		if info.FirstStage <= ir.StageCanonical && !HasKernel(info.Op) {
			t.Errorf("op %q has no interpreter kernel", info.Op)
		}
	}
}

// The interpreter computes LeNet-5 the same way as calling the kernels by
// hand, layer by layer.
func TestLeNetMatchesKernels(t *testing.T) {
	g := lenet5(t, 2)
	x := randInput(1, 2, 1, 28, 28)
	got, err := Run(g, []*tensor.Tensor{x})
	if err != nil {
		t.Fatal(err)
	}
	// Evaluate node by node with fresh tensors and EvalNode (no buffer reuse).
	env := map[*ir.Value]*tensor.Tensor{g.Inputs[0]: x}
	for _, c := range g.Consts {
		env[c] = c.Const
	}
	for _, n := range g.Nodes {
		ins := make([]*tensor.Tensor, len(n.Inputs))
		for i, v := range n.Inputs {
			ins[i] = env[v]
		}
		outs, err := EvalNode(n, ins)
		if err != nil {
			t.Fatal(err)
		}
		env[n.Outputs[0]] = outs[0]
	}
	want := env[g.Outputs[0]]
	if !tensor.Equal(got[0], want) {
		t.Fatalf("Run and node-by-node evaluation differ")
	}
	if !tensor.SameShape(got[0].Shape, []int{2, 10}) {
		t.Fatalf("output shape %v", got[0].Shape)
	}
	// and the first layer against a direct convolution
	conv := g.Nodes[0]
	w, bias := conv.Inputs[1].Const, conv.Inputs[2].Const
	c1 := env[conv.Outputs[0]]
	for _, pos := range [][4]int{{0, 0, 0, 0}, {1, 5, 23, 17}, {0, 3, 11, 2}} {
		n, f, oy, ox := pos[0], pos[1], pos[2], pos[3]
		s := float64(bias.F32[f])
		for ky := 0; ky < 5; ky++ {
			for kx := 0; kx < 5; kx++ {
				s += float64(x.F32[(n*28+oy+ky)*28+ox+kx]) * float64(w.F32[(f*5+ky)*5+kx])
			}
		}
		if got := c1.F32[((n*6+f)*24+oy)*24+ox]; math.Abs(float64(got)-s) > 1e-5 {
			t.Errorf("conv1%v = %v, want %v", pos, got, s)
		}
	}
}

// randomGraph builds a random DAG of element-wise ops, views and shape ops
// over a few live values, to stress the buffer recycling: every value is
// read by several later nodes, views alias their sources, and graph outputs
// include inputs, constants and views.
func randomGraph(t *testing.T, seed int64) *ir.Graph {
	b := newBuilder(t, "random", seed)
	r := b.r
	x := b.input("x", tensor.Float32, 2, 3, 4)
	y := b.input("y", tensor.Float32, 3, 4)
	vals := []*ir.Value{x, y, b.randConst("c", 1, 4)}
	for i := 0; i < 40; i++ {
		a := vals[r.Intn(len(vals))]
		c := vals[r.Intn(len(vals))]
		name := "n" + string(rune('A'+i%26)) + string(rune('a'+i/26))
		var v *ir.Value
		switch r.Intn(8) {
		case 0:
			v = b.node(ir.OpAdd, name, nil, a, c)
		case 1:
			v = b.node(ir.OpMul, name, nil, a, c)
		case 2:
			v = b.node(ir.OpSub, name, nil, a, c)
		case 3:
			v = b.node(ir.OpIdentity, name, nil, a)
		case 4: // a view of a view with the original shape
			flat := b.node(ir.OpReshape, name+"f", ir.Attrs{"shape": ir.IntsFromInts([]int{a.Type.NumElems()})}, a)
			v = b.node(ir.OpReshape, name, ir.Attrs{"shape": ir.IntsFromInts(a.Type.Shape)}, flat)
		case 5:
			v = b.node(ir.OpTanh, name, nil, a)
		case 6:
			v = b.node(ir.OpSum, name, nil, a, c, a)
		case 7:
			v = b.node(ir.OpMax, name, nil, a, c)
		}
		vals = append(vals, v)
	}
	return b.output(vals[len(vals)-1], vals[len(vals)/2], x, vals[2], vals[len(vals)-1])
}

func TestBufferReuseMatchesFreshEvaluation(t *testing.T) {
	for seed := int64(0); seed < 30; seed++ {
		g := randomGraph(t, seed)
		x, y := randInput(seed, 2, 3, 4), randInput(seed+100, 3, 4)
		xCopy, yCopy := x.Clone(), y.Clone()
		got, err := Run(g, []*tensor.Tensor{x, y})
		if err != nil {
			t.Fatal(err)
		}
		if !tensor.Equal(x, xCopy) || !tensor.Equal(y, yCopy) {
			t.Fatal("Run modified its inputs")
		}
		env := map[*ir.Value]*tensor.Tensor{g.Inputs[0]: x, g.Inputs[1]: y}
		for _, c := range g.Consts {
			env[c] = c.Const
		}
		for _, n := range g.Nodes {
			ins := make([]*tensor.Tensor, len(n.Inputs))
			for i, v := range n.Inputs {
				ins[i] = env[v]
			}
			outs, err := EvalNode(n, ins)
			if err != nil {
				t.Fatal(err)
			}
			env[n.Outputs[0]] = outs[0]
		}
		for i, v := range g.Outputs {
			if !tensor.Equal(got[i], env[v]) {
				t.Fatalf("seed %d: output %d differs from fresh evaluation", seed, i)
			}
			for j := 0; j < i; j++ {
				if got[i].StorageKey() == got[j].StorageKey() {
					t.Fatalf("seed %d: outputs %d and %d share storage", seed, i, j)
				}
			}
			if got[i].StorageKey() == x.StorageKey() || got[i].StorageKey() == g.Consts[0].Const.StorageKey() {
				t.Fatalf("seed %d: output %d aliases an input or constant", seed, i)
			}
		}
	}
}

func TestRunErrors(t *testing.T) {
	b := newBuilder(t, "errs", 3)
	x := b.input("x", tensor.Float32, 1, 1, 7, 7)
	w := b.randConst("w", 1, 8, 1, 5, 5)
	g := b.output(b.node(ir.OpConv, "Conv_4", ir.Attrs{
		"strides": ints(1, 1), "pads": ints(0, 0, 0, 0), "dilations": ints(1, 1), "group": ir.IntAttr(1),
	}, x, w))

	_, err := Run(g, []*tensor.Tensor{tensor.New(tensor.Float32, 1, 1, 6, 6)})
	wantErr(t, err, `interp: input 0 ("x"): want f32[1,1,7,7], got f32[1,1,6,6]`)
	_, err = Run(g, nil)
	wantErr(t, err, "has 1 inputs, got 0 tensors")
	_, err = Run(g, []*tensor.Tensor{{DType: tensor.Float32, Shape: []int{1, 1, 7, 7}, F32: make([]float32, 3)}})
	wantErr(t, err, "holds 3 elements, want 49")

	// a constant whose payload does not match its declared type
	w.Const = tensor.New(tensor.Float32, 8, 1, 3, 3)
	_, err = Run(g, []*tensor.Tensor{tensor.New(tensor.Float32, 1, 1, 7, 7)})
	wantErr(t, err, `interp: node "Conv_4" (conv): input 1: want f32[8,1,5,5], got f32[8,1,3,3]`)
	w.Const = tensor.New(tensor.Float32, 8, 1, 5, 5)

	// a missing attribute
	delete(g.Nodes[0].Attrs, "group")
	_, err = Run(g, []*tensor.Tensor{tensor.New(tensor.Float32, 1, 1, 7, 7)})
	wantErr(t, err, `interp: node "Conv_4" (conv): attribute "group" is required`)
	g.Nodes[0].Attrs["group"] = ir.IntAttr(1)

	// a wrong declared output type is reported, not silently used
	g.Nodes[0].Outputs[0].Type.Shape = []int{1, 8, 2, 2}
	_, err = Run(g, []*tensor.Tensor{tensor.New(tensor.Float32, 1, 1, 7, 7)})
	wantErr(t, err, "output 0: computed f32[1,8,3,3], graph declares f32[1,8,2,2]")

	// integer division by zero is an error
	b2 := newBuilder(t, "div", 4)
	a := b2.input("a", tensor.Int32, 2)
	z := b2.cnst("z", tensor.FromI64(tensor.Int32, []int64{1, 0}, 2))
	g2 := b2.output(b2.node(ir.OpDiv, "Div_1", nil, a, z))
	_, err = Run(g2, []*tensor.Tensor{tensor.FromI64(tensor.Int32, []int64{4, 4}, 2)})
	wantErr(t, err, `node "Div_1" (div): div: integer division by zero`)
}

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want it to contain %q", err, want)
	}
}

// Malformed nodes must give errors, never panics.
func TestEvalNodeNeverPanics(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	shapes := [][]int{{}, {0}, {3}, {1, 3}, {2, 3, 4}, {1, 2, 5, 5}, {1, 1, 2, 2, 2}, {2, 1, 1, 1, 1, 1}}
	attrVals := []ir.Attr{ir.IntAttr(-1), ir.IntAttr(0), ir.IntAttr(2), ir.IntAttr(1 << 40), ir.IntsAttr(), ir.IntsAttr(1),
		ir.IntsAttr(0, 0), ir.IntsAttr(1, 1), ir.IntsAttr(-3, 2, 1, 1), ir.FloatAttr(0.5), ir.StringAttr("x"),
		ir.TensorAttr(tensor.New(tensor.Float32, 2))}
	dtypes := []tensor.DType{tensor.Float32, tensor.Float16, tensor.Int64, tensor.Uint8, tensor.Bool, tensor.Float64}
	for _, info := range ir.Ops() {
		if !HasKernel(info.Op) {
			continue
		}
		for iter := 0; iter < 300; iter++ {
			n := &ir.Node{Op: info.Op, Name: "fuzz", Attrs: ir.Attrs{}}
			nin := info.MinInputs + r.Intn(2)
			ins := make([]*tensor.Tensor, nin)
			for i := range ins {
				n.Inputs = append(n.Inputs, &ir.Value{})
				if r.Intn(10) == 0 && i > 0 {
					continue
				}
				ins[i] = tensor.New(dtypes[r.Intn(len(dtypes))], shapes[r.Intn(len(shapes))]...)
			}
			nout := max(1, info.MinOutputs) + r.Intn(2)
			for i := 0; i < nout; i++ {
				n.Outputs = append(n.Outputs, &ir.Value{})
			}
			for _, a := range info.Attrs {
				if r.Intn(4) > 0 {
					n.Attrs[a.Name] = attrVals[r.Intn(len(attrVals))]
				}
			}
			_, err := EvalNode(n, ins)
			if err != nil && strings.Contains(err.Error(), "BUG") {
				t.Fatalf("%s: %v", info.Op, err)
			}
		}
	}
}

// RunBatch over 16 images equals 16 single runs concatenated, bit for bit,
// whatever GOMAXPROCS is.
func TestRunBatch(t *testing.T) {
	g := lenet5(t, 1)
	x := randInput(6, 16, 1, 28, 28)
	want := tensor.New(tensor.Float32, 16, 10)
	for i := 0; i < 16; i++ {
		xi := tensor.FromF32(x.F32[i*784:(i+1)*784], 1, 1, 28, 28)
		out, err := Run(g, []*tensor.Tensor{xi})
		if err != nil {
			t.Fatal(err)
		}
		copy(want.F32[i*10:], out[0].F32)
	}
	for _, procs := range []int{1, 2, 3} {
		old := runtime.GOMAXPROCS(procs)
		got, err := RunBatch(g, []*tensor.Tensor{x})
		runtime.GOMAXPROCS(old)
		if err != nil {
			t.Fatal(err)
		}
		if !tensor.Equal(got[0], want) {
			t.Fatalf("GOMAXPROCS=%d: RunBatch differs from single runs", procs)
		}
	}
	if _, err := RunBatch(g, []*tensor.Tensor{randInput(1, 3, 2, 28, 28)}); err == nil {
		t.Error("wrong channel count accepted")
	}
	b := newBuilder(t, "shape", 1)
	sx := b.input("x", tensor.Float32, 1, 4)
	gs := b.output(b.node(ir.OpShape, "s", ir.Attrs{"start": ir.IntAttr(0), "end": ir.IntAttr(2)}, sx))
	_, err := RunBatch(gs, []*tensor.Tensor{randInput(1, 3, 4)})
	wantErr(t, err, "RunBatch needs the batch (1) on axis 0 of every output")
	one, err := RunBatch(g, []*tensor.Tensor{randInput(7, 1, 1, 28, 28)})
	if err != nil || !tensor.SameShape(one[0].Shape, []int{1, 10}) {
		t.Fatalf("RunBatch of one image: %v %v", one, err)
	}
}

// EvalNode: optional inputs may be nil and outputs never alias inputs.
func TestEvalNode(t *testing.T) {
	x := randInput(8, 1, 2, 4, 4)
	w := randInput(9, 3, 2, 3, 3)
	n := &ir.Node{Op: ir.OpConv, Name: "c", Attrs: ir.Attrs{
		"strides": ints(1, 1), "pads": ints(1, 1, 1, 1), "dilations": ints(1, 1), "group": ir.IntAttr(1),
	}, Inputs: []*ir.Value{{}, {}, nil}, Outputs: []*ir.Value{{}}}
	outs, err := EvalNode(n, []*tensor.Tensor{x, w, nil})
	if err != nil || !tensor.SameShape(outs[0].Shape, []int{1, 3, 4, 4}) {
		t.Fatalf("conv without bias: %v, %v", outs, err)
	}
	id := &ir.Node{Op: ir.OpIdentity, Inputs: []*ir.Value{{}}, Outputs: []*ir.Value{{}}}
	outs, err = EvalNode(id, []*tensor.Tensor{x})
	if err != nil || !tensor.Equal(outs[0], x) || outs[0].StorageKey() == x.StorageKey() {
		t.Fatalf("identity: %v, aliasing %v", err, outs[0].StorageKey() == x.StorageKey())
	}
	sh := &ir.Node{Op: ir.OpShape, Attrs: ir.Attrs{"start": ir.IntAttr(1), "end": ir.IntAttr(3)}, Inputs: []*ir.Value{{}}, Outputs: []*ir.Value{{}}}
	outs, err = EvalNode(sh, []*tensor.Tensor{x})
	if err != nil || outs[0].DType != tensor.Int64 || outs[0].I64[0] != 2 || outs[0].I64[1] != 4 {
		t.Fatalf("shape: %v %v", outs, err)
	}
	cos := &ir.Node{Op: ir.OpConstantOfShape, Attrs: ir.Attrs{"value": ir.TensorAttr(tensor.FromI64(tensor.Int32, []int64{7}, 1))},
		Inputs: []*ir.Value{{}}, Outputs: []*ir.Value{{}}}
	outs, err = EvalNode(cos, []*tensor.Tensor{tensor.FromI64(tensor.Int64, []int64{2, 3}, 2)})
	if err != nil || outs[0].DType != tensor.Int32 || !tensor.SameShape(outs[0].Shape, []int{2, 3}) || outs[0].I64[5] != 7 {
		t.Fatalf("constant_of_shape: %v %v", outs, err)
	}
	sp := &ir.Node{Op: ir.OpSplit, Attrs: ir.Attrs{"axis": ir.IntAttr(1), "split": ints(1, 1)},
		Inputs: []*ir.Value{{}}, Outputs: []*ir.Value{{}, {}}}
	outs, err = EvalNode(sp, []*tensor.Tensor{x})
	if err != nil || len(outs) != 2 || outs[1].F32[0] != x.F32[16] {
		t.Fatalf("split: %v %v", outs, err)
	}
}

// Buffers are recycled across runs, but never the tensors handed to the
// caller, even when the caller passes them back in as inputs.
func TestOutputsSurviveLaterRuns(t *testing.T) {
	g := lenet5(t, 1)
	first, err := Run(g, []*tensor.Tensor{randInput(10, 1, 1, 28, 28)})
	if err != nil {
		t.Fatal(err)
	}
	keep := first[0].Clone()
	b := newBuilder(t, "chain", 1)
	x := b.input("x", tensor.Float32, 1, 10)
	id := b.node(ir.OpIdentity, "id", nil, x) // a view of the caller's tensor
	h := b.node(ir.OpTanh, "t1", nil, id)
	h = b.node(ir.OpAdd, "a1", nil, h, id)
	g2 := b.output(b.node(ir.OpRelu, "r1", nil, h))
	for i := 0; i < 5; i++ {
		if _, err := Run(g, []*tensor.Tensor{randInput(int64(11+i), 1, 1, 28, 28)}); err != nil {
			t.Fatal(err)
		}
		if _, err := Run(g2, []*tensor.Tensor{first[0]}); err != nil {
			t.Fatal(err)
		}
		if !tensor.Equal(first[0], keep) {
			t.Fatalf("run %d overwrote an earlier output", i)
		}
	}
}

// A batch-16 graph run in one piece gives the same bits as the batch-1
// graph run image by image: the kernels' sums do not depend on the batch
// size or on how the work is split.
func TestBatchedGraphMatchesPerImage(t *testing.T) {
	for _, m := range []struct {
		name  string
		build func(testing.TB, int) *ir.Graph
		chw   []int
	}{{"lenet5", lenet5, []int{1, 28, 28}}, {"resnet18", resnet18, []int{3, 32, 32}}} {
		n := 4
		x := randInput(20, append([]int{n}, m.chw...)...)
		whole, err := Run(m.build(t, n), []*tensor.Tensor{x})
		if err != nil {
			t.Fatal(err)
		}
		split, err := RunBatch(m.build(t, 1), []*tensor.Tensor{x})
		if err != nil {
			t.Fatal(err)
		}
		if !tensor.Equal(whole[0], split[0]) {
			t.Errorf("%s: batch-%d graph and RunBatch of the batch-1 graph differ", m.name, n)
		}
	}
}

// Integer and float16 values flow through the interpreter with their own
// semantics: int8 arithmetic wraps, uint8 max pooling compares bytes, and
// float16 results are rounded to half precision.
func TestIntegerAndHalfGraphs(t *testing.T) {
	b := newBuilder(t, "ints", 1)
	x := b.input("x", tensor.Int8, 1, 1, 2, 2)
	c := b.cnst("c", tensor.FromI64(tensor.Int8, []int64{100}, 1))
	s := b.node(ir.OpAdd, "add", nil, x, c)
	r := b.node(ir.OpRelu, "relu", nil, s)
	g := b.output(r)
	out, err := Run(g, []*tensor.Tensor{tensor.FromI64(tensor.Int8, []int64{27, 28, -100, -128}, 1, 1, 2, 2)})
	if err != nil {
		t.Fatal(err)
	}
	// 27+100 = 127, 28+100 wraps to -128 -> relu 0, -100+100 = 0, -128+100 = -28 -> 0
	if want := []int64{127, 0, 0, 0}; !sameInts(out[0].I64, want) {
		t.Errorf("int8 graph = %v, want %v", out[0].I64, want)
	}

	b2 := newBuilder(t, "u8pool", 1)
	u := b2.input("u", tensor.Uint8, 1, 1, 1, 4)
	g2 := b2.output(b2.node(ir.OpMaxPool, "pool", ir.Attrs{"kernel": ints(1, 2), "strides": ints(1, 2),
		"pads": ints(0, 0, 0, 0), "dilations": ints(1, 1)}, u))
	out, err = Run(g2, []*tensor.Tensor{tensor.FromI64(tensor.Uint8, []int64{200, 3, 255, 254}, 1, 1, 1, 4)})
	if err != nil || !sameInts(out[0].I64, []int64{200, 255}) {
		t.Errorf("uint8 max pool = %v, %v", out, err)
	}

	b3 := newBuilder(t, "half", 1)
	h := b3.input("h", tensor.Float16, 1, 1, 3, 3)
	w := b3.cnst("w", &tensor.Tensor{DType: tensor.Float16, Shape: []int{1, 1, 2, 2}, F32: []float32{1, 1, 1, 1}})
	g3 := b3.output(b3.node(ir.OpConv, "conv", ir.Attrs{"strides": ints(1, 1), "pads": ints(0, 0, 0, 0),
		"dilations": ints(1, 1), "group": ir.IntAttr(1)}, h, w))
	// 2048 + 1 + 1 + 1 = 2051 is not a float16 (spacing 2 there): rounds to 2052
	in := &tensor.Tensor{DType: tensor.Float16, Shape: []int{1, 1, 3, 3}, F32: []float32{2048, 1, 0, 1, 1, 0, 0, 0, 0}}
	out, err = Run(g3, []*tensor.Tensor{in})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].DType != tensor.Float16 || out[0].F32[0] != 2052 || out[0].F32[3] != 1 {
		t.Errorf("float16 conv = %v %v, want 2052 first and 1 last", out[0], out[0].F32)
	}
}

func sameInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Results do not depend on the number of cores: ResNet-18 gives the same
// bits with GOMAXPROCS 1, 2 and 4 (the conv and gemm splits change).
func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	g := resnet18(t, 1)
	x := randInput(30, 1, 3, 32, 32)
	var first *tensor.Tensor
	for _, procs := range []int{1, 2, 4} {
		old := runtime.GOMAXPROCS(procs)
		out, err := Run(g, []*tensor.Tensor{x})
		runtime.GOMAXPROCS(old)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = out[0]
		} else if !tensor.Equal(first, out[0]) {
			t.Fatalf("GOMAXPROCS=%d changes the result", procs)
		}
	}
}
