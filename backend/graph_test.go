package backend_test

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/target"
)

// gb builds small float canonical graphs with random weights.
type gb struct {
	t   testing.TB
	g   *ir.Graph
	rng *rand.Rand
	n   int
}

func newGB(t testing.TB, seed int64) *gb {
	return &gb{t: t, g: &ir.Graph{Name: "test", Stage: ir.StageCanonical}, rng: rand.New(rand.NewSource(seed))}
}

func (b *gb) input(shape ...int) *ir.Value {
	v := &ir.Value{Name: fmt.Sprintf("in%d", len(b.g.Inputs)), Type: ir.Type{DType: tensor.Float32, Shape: shape}}
	b.g.Inputs = append(b.g.Inputs, v)
	return v
}

func (b *gb) rand(scale float64, shape ...int) *ir.Value {
	t := tensor.New(tensor.Float32, shape...)
	for i := range t.F32 {
		t.F32[i] = float32((b.rng.Float64()*2 - 1) * scale)
	}
	b.n++
	return b.g.AddConst(fmt.Sprintf("c%d", b.n), t)
}

func (b *gb) op(op ir.Op, attrs ir.Attrs, ins ...*ir.Value) *ir.Value {
	b.t.Helper()
	b.n++
	n := &ir.Node{Op: op, Inputs: ins, Attrs: attrs, Name: fmt.Sprintf("%s_%d", op, b.n)}
	out := &ir.Value{Name: fmt.Sprintf("v%d", b.n), Def: n}
	n.Outputs = []*ir.Value{out}
	ts, err := ir.InferTypes(n)
	if err != nil {
		b.t.Fatalf("%s: %v", n.Name, err)
	}
	out.Type = ts[0]
	b.g.Nodes = append(b.g.Nodes, n)
	return out
}

func ints(v ...int64) ir.Attr { return ir.IntsAttr(v...) }

// conv adds a 2-D convolution with random weights (and bias).
func (b *gb) conv(x *ir.Value, F, k, stride, pad, dil, group int) *ir.Value {
	C := x.Type.Shape[1]
	w := b.rand(0.5, F, C/group, k, k)
	bias := b.rand(0.2, F)
	return b.op(ir.OpConv, ir.Attrs{"strides": ints(int64(stride), int64(stride)), "pads": ints(int64(pad), int64(pad), int64(pad), int64(pad)),
		"dilations": ints(int64(dil), int64(dil)), "group": ir.IntAttr(int64(group))}, x, w, bias)
}

func (b *gb) relu(x *ir.Value) *ir.Value { return b.op(ir.OpRelu, nil, x) }

func (b *gb) pool(op ir.Op, x *ir.Value, k, s, p int, ceil, incl int64) *ir.Value {
	a := ir.Attrs{"kernel": ints(int64(k), int64(k)), "strides": ints(int64(s), int64(s)), "pads": ints(int64(p), int64(p), int64(p), int64(p)),
		"dilations": ints(1, 1), "ceil_mode": ir.IntAttr(ceil)}
	if op == ir.OpAvgPool {
		a["count_include_pad"] = ir.IntAttr(incl)
	}
	return b.op(op, a, x)
}

func (b *gb) fc(x *ir.Value, N int) *ir.Value {
	return b.op(ir.OpFC, nil, x, b.rand(0.3, N, x.Type.Shape[1]), b.rand(0.1, N))
}

// finish quantizes the graph (random calibration) and returns it with
// random test inputs.
func (b *gb) finish(opts string, outs ...*ir.Value) (*ir.Graph, [][]*tensor.Tensor) {
	b.t.Helper()
	b.g.Outputs = outs
	if err := ir.Verify(b.g); err != nil {
		b.t.Fatal(err)
	}
	if err := passes.NewManager().RunString(b.g, "quantize{calib=random:8,"+opts+"}"); err != nil {
		b.t.Fatal(err)
	}
	var ins [][]*tensor.Tensor
	for k := 0; k < 2; k++ {
		var one []*tensor.Tensor
		for _, v := range b.g.Inputs {
			t := tensor.New(tensor.Float32, v.Type.Shape...)
			for i := range t.F32 {
				t.F32[i] = float32(b.rng.Float64()*2.4 - 1.2) // a little outside the calibrated range: clamps too
			}
			one = append(one, t)
		}
		ins = append(ins, one)
	}
	return b.g, ins
}

// TestConvVariants: groups, strides, pads, dilations, 1-D, pools of every
// kind (padding, ceil mode, count_include_pad), fc after a flatten of NHWC.
func TestConvVariants(t *testing.T) {
	for _, wa := range []string{"wbits=8,abits=8", "wbits=4,abits=4,keep-ends=false", "wbits=1,abits=2,keep-ends=false", "wbits=3,abits=5,keep-ends=false"} {
		t.Run(wa, func(t *testing.T) {
			b := newGB(t, 1)
			x := b.input(1, 4, 11, 13)
			y := b.relu(b.conv(x, 6, 3, 2, 1, 2, 2))    // groups 2, stride 2, pad 1, dilation 2
			y = b.pool(ir.OpMaxPool, y, 3, 2, 1, 1, 0)  // padded, ceil mode
			y = b.relu(b.conv(y, 6, 3, 1, 1, 1, 6))     // depthwise
			a := b.pool(ir.OpAvgPool, y, 2, 1, 1, 0, 0) // padded, divisor excludes pad
			c := b.pool(ir.OpAvgPool, y, 3, 2, 1, 1, 1) // count_include_pad, ceil
			g := b.op(ir.OpGlobalAvgPool, nil, b.relu(b.conv(c, 5, 1, 1, 0, 1, 1)))
			m := b.op(ir.OpGlobalMaxPool, nil, a)
			f := b.op(ir.OpFlatten, ir.Attrs{"axis": ir.IntAttr(1)}, a) // NCHW flatten of an NHWC buffer: free
			o1 := b.fc(f, 7)
			gr, ins := b.finish(wa, o1, g, m)
			compileAndCheck(t, gr, target.Default(), ins...)
		})
	}
}

func TestResidualConcat(t *testing.T) {
	b := newGB(t, 2)
	x := b.input(1, 8, 9, 9)
	y := b.relu(b.conv(x, 8, 3, 1, 1, 1, 1))
	z := b.conv(y, 8, 3, 1, 1, 1, 1)
	s := b.relu(b.op(ir.OpAdd, nil, z, x)) // residual add with a graph input
	u := b.relu(b.conv(s, 5, 1, 1, 0, 1, 1))
	cat := b.op(ir.OpConcat, ir.Attrs{"axis": ir.IntAttr(1)}, s, u)
	p := b.pool(ir.OpMaxPool, cat, 2, 2, 0, 0, 0)
	r := b.op(ir.OpReshape, ir.Attrs{"shape": ints(1, 13*4*4)}, p)
	o := b.fc(r, 10)
	gr, ins := b.finish("wbits=8,abits=8", o)
	compileAndCheck(t, gr, target.Default(), ins...)
}

// TestSegmentsAndChunks: K crossing many column segments (and acc_bits
// splits), more filters than DPU lanes, tiles spread over sub-arrays.
func TestSegmentsAndChunks(t *testing.T) {
	b := newGB(t, 3)
	x := b.input(1, 40, 6, 6)
	y := b.relu(b.conv(x, 150, 3, 1, 1, 1, 1)) // K = 360, 150 filters: 3 lane chunks, several segments
	f := b.op(ir.OpFlatten, ir.Attrs{"axis": ir.IntAttr(1)}, y)
	o := b.fc(f, 70) // K = 5400
	gr, ins := b.finish("wbits=8,abits=8", o)
	res, _ := compileAndCheck(t, gr, target.Default(), ins...)
	for _, l := range res.Layers {
		if l.Segments < 2 {
			t.Errorf("%s: %d segments, want K split", l.Node, l.Segments)
		}
	}
}

// TestHostOpsSegments: a float op between integer layers splits the program
// into two device segments run by the runtime around the host op.
func TestHostOpsSegments(t *testing.T) {
	b := newGB(t, 4)
	x := b.input(1, 3, 8, 8)
	y := b.conv(x, 4, 3, 1, 1, 1, 1)
	y = b.op("exp", nil, y) // host (activations such as leaky_relu run on the device: qlut)
	y = b.relu(b.conv(y, 4, 3, 1, 0, 1, 1))
	o := b.op(ir.OpSoftmax, ir.Attrs{"axis": ir.IntAttr(1)}, b.fc(b.op(ir.OpFlatten, ir.Attrs{"axis": ir.IntAttr(1)}, y), 5))
	gr, ins := b.finish("wbits=8,abits=8", o)
	res, _ := compileAndCheck(t, gr, target.Default(), ins...)
	if res.Segments != 2 || res.HostOps != 2 {
		t.Errorf("%d segments and %d host ops, want 2 and 2", res.Segments, res.HostOps)
	}
}

// TestCrossSegmentValue: a device value read by a later segment travels
// through the host as raw codes (an output port of segment 0, an input
// port of segment 1).
func TestCrossSegmentValue(t *testing.T) {
	b := newGB(t, 5)
	x := b.input(1, 4, 6, 6)
	a := b.relu(b.conv(x, 4, 3, 1, 1, 1, 1))
	h := b.op("exp", nil, a) // host
	c := b.relu(b.conv(h, 4, 3, 1, 1, 1, 1))
	s := b.op(ir.OpAdd, nil, a, c) // reads a (segment 0) and c (segment 1)
	gr, ins := b.finish("wbits=6,abits=6,keep-ends=false", b.relu(s))
	res, run := compileAndCheck(t, gr, target.Default(), ins...)
	if res.Segments != 2 || len(run.Stats) != 2 {
		t.Fatalf("%d segments, %d runs; want 2 and 2", res.Segments, len(run.Stats))
	}
}

// TestPortQuantization: the simulator's own quantization of a float input
// at the port (what `pimc sim` does) gives the same results as the
// runtime, which evaluates QUANT.md's quantize with the interpreter, also
// on values exactly half way between two codes.
func TestPortQuantization(t *testing.T) {
	b := newGB(t, 6)
	x := b.input(1, 2, 5, 5)
	gr, ins := b.finish("wbits=8,abits=8", b.relu(b.conv(x, 3, 3, 1, 1, 1, 1)))
	res, err := compileQuantized(gr, target.Default(), "off")
	if err != nil {
		t.Fatal(err)
	}
	m, err := pimrt.Load(res.Prog, target.Default())
	if err != nil {
		t.Fatal(err)
	}
	port := m.Exe.Ports(isa.PortIn)[0]
	in := ins[0][0]
	for i := range in.F32 {
		if i%2 == 0 { // ties: (k + 1/2) * scale, some outside the range
			in.F32[i] = float32((float64(i%300) - 20 + 0.5) * port.Scale)
		}
	}
	want, err := m.Run([]*tensor.Tensor{in})
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Exe.NewMachine().Infer([]*tensor.Tensor{in})
	if err != nil {
		t.Fatal(err)
	}
	w := want.Ports[got.Names[0]]
	raw := tensor.FromI64(tensor.Int64, backend.FromPortOrder(w.Shape, got.Raw[0].I64), w.Shape...)
	if d := firstDiff(w, raw); d >= 0 {
		t.Fatalf("element %d: runtime %v, simulator port quantization %v", d, w.Float64At(d), raw.Float64At(d))
	}
}

// TestRandomLayers: seeded random convolution and fc layers (channels,
// filters, kernel, stride, padding, dilation, groups, bit widths, zeroed
// filters and channels) checked bit for bit.
func TestRandomLayers(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for i := 0; i < 16; i++ {
		groups := []int{1, 1, 2, 4}[rng.Intn(4)]
		C := groups * (1 + rng.Intn(24))
		F := groups * (1 + rng.Intn(40))
		k := 1 + rng.Intn(4)
		st, pad, dil := 1+rng.Intn(2), rng.Intn(k), 1+rng.Intn(2)
		H := (k-1)*dil + 1 + rng.Intn(6)
		wb, ab := 2+rng.Intn(7), 2+rng.Intn(7)
		name := fmt.Sprintf("C%d_F%d_k%d_s%d_p%d_d%d_g%d_W%dA%d", C, F, k, st, pad, dil, groups, wb, ab)
		t.Run(name, func(t *testing.T) {
			b := newGB(t, int64(i))
			x := b.input(1, C, H, H+1)
			y := b.conv(x, F, k, st, pad, dil, groups)
			w := y.Def.Inputs[1].Const
			K := C / groups * k * k
			for f := 0; f < F; f++ {
				if rng.Intn(5) == 0 { // a pruned filter
					clear(w.F32[f*K : (f+1)*K])
				}
			}
			y = b.relu(y)
			f := b.fc(b.op(ir.OpFlatten, ir.Attrs{"axis": ir.IntAttr(1)}, y), 1+rng.Intn(70))
			gr, ins := b.finish(fmt.Sprintf("wbits=%d,abits=%d,keep-ends=false", wb, ab), f)
			compileAndCheck(t, gr, target.Default(), ins...)
		})
	}
}

// TestGeometries: the mapping adapts to any target geometry (small
// sub-arrays, narrow accumulators, few DPU lanes, several accumulators,
// 16-bit buffer words) and stays bit-exact.
func TestGeometries(t *testing.T) {
	for _, geo := range []struct {
		rows, cols, accBits, lanes, accs, word int64
	}{
		{64, 64, 24, 64, 1, 32},
		{32, 16, 20, 4, 2, 16},
		{1024, 2048, 32, 8, 16, 32},
		{24, 8, 19, 3, 1, 24},
	} {
		t.Run(fmt.Sprintf("%dx%d_acc%d_lanes%d", geo.rows, geo.cols, geo.accBits, geo.lanes), func(t *testing.T) {
			tgt := target.Default()
			g := &tgt.Geometry
			g.Rows.Value, g.Cols.Value, g.AccBits.Value = geo.rows, geo.cols, geo.accBits
			g.DPULanes.Value, g.AccPerSubarray.Value, g.ActWordBits.Value = geo.lanes, geo.accs, geo.word
			g.Banks.Value = 64
			b := newGB(t, 8)
			x := b.input(1, 6, 7, 7)
			y := b.relu(b.conv(x, 10, 3, 1, 1, 1, 1))
			z := b.relu(b.op(ir.OpAdd, nil, b.conv(y, 6, 3, 1, 1, 1, 2), x))
			p := b.pool(ir.OpAvgPool, z, 2, 2, 0, 1, 0)
			o := b.fc(b.op(ir.OpFlatten, ir.Attrs{"axis": ir.IntAttr(1)}, p), 9)
			gr, ins := b.finish("wbits=8,abits=8", o)
			res, _ := compileAndCheck(t, gr, tgt, ins...)
			t.Logf("%d sub-arrays, %d instructions", res.Subarrays, len(res.Prog.Code))
		})
	}
}
