package ir

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// Random graphs exercise the printer and parser on everything the IR can
// hold, valid or not: awkward names (quoted, numeric, duplicated, empty),
// every element type, special floats (NaN payloads, infinities, -0,
// subnormals), quantization parameters, every attribute kind including
// empty lists and nil tensors, absent inputs and nil outputs. They are not
// meant to pass Verify.

var awkwardNames = []string{
	"", "", "", "x", "conv1.weight", "gpu_0/data_0", "3", "007", "a b", "onnx::Conv_3",
	"ünïcode", "\x00\xff", "_", "nan", "inf", "input", "%", `"q"`, "tab\tnew\nline", "x",
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

var specialF32 = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1, 0.1, 1e-45, -1e-45, math.MaxFloat32, -math.MaxFloat32,
	float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(canonNaN32),
	math.Float32frombits(0x7fc00001), math.Float32frombits(0xffc00000), math.Float32frombits(0x7f800001),
	1.17549435e-38, 16777217, 3.4028235e38,
}

func randF32(r *rand.Rand) float32 {
	switch r.IntN(3) {
	case 0:
		return pick(r, specialF32)
	case 1:
		return math.Float32frombits(r.Uint32())
	}
	return float32(r.NormFloat64())
}

func randF64(r *rand.Rand) float64 {
	switch r.IntN(4) {
	case 0:
		return float64(pick(r, specialF32))
	case 1:
		return math.Float64frombits(r.Uint64())
	case 2:
		return math.Float64frombits(canonNaN64 | uint64(r.IntN(2)))
	}
	return r.NormFloat64()
}

var allDTypes = []tensor.DType{
	tensor.Float32, tensor.Float64, tensor.Float16, tensor.BFloat16, tensor.Int8, tensor.Int16, tensor.Int32,
	tensor.Int64, tensor.Uint8, tensor.Uint16, tensor.Uint32, tensor.Uint64, tensor.Bool,
}

func randType(r *rand.Rand) Type {
	rank := r.IntN(5)
	shape := make([]int, rank)
	for i := range shape {
		shape[i] = r.IntN(4)
	}
	return Type{DType: pick(r, allDTypes), Shape: shape}
}

// randTensor makes a payload stored the way its type requires.
func randTensor(r *rand.Rand, t Type) *tensor.Tensor {
	c := tensor.New(t.DType, t.Shape...)
	for i := range c.F32 {
		c.F32[i] = randF32(r)
	}
	for i := range c.F64 {
		c.F64[i] = randF64(r)
	}
	for i := range c.I64 {
		if t.DType == tensor.Uint64 || t.DType == tensor.Int64 {
			c.I64[i] = int64(r.Uint64())
		} else {
			lo, hi := t.DType.IntRange()
			c.I64[i] = lo + r.Int64N(hi-lo+1)
		}
	}
	return c
}

func randQuant(r *rand.Rand) *QuantParams {
	if r.IntN(3) != 0 {
		return nil
	}
	q := &QuantParams{Bits: r.IntN(40) - 4, Signed: r.IntN(2) == 0, Axis: r.IntN(5) - 1}
	for range r.IntN(4) {
		q.Scale = append(q.Scale, randF32(r))
	}
	for range r.IntN(4) {
		q.ZeroPoint = append(q.ZeroPoint, int32(r.Uint32()))
	}
	return q
}

func randAttr(r *rand.Rand) Attr {
	switch r.IntN(7) {
	case 0:
		return IntAttr(int64(r.Uint64()))
	case 1:
		a := Attr{Kind: AttrInts, Ints: []int64{}}
		for range r.IntN(4) {
			a.Ints = append(a.Ints, int64(r.Uint64())>>r.IntN(64))
		}
		return a
	case 2:
		return FloatAttr(randF32(r))
	case 3:
		a := Attr{Kind: AttrFloats, Floats: []float32{}}
		for range r.IntN(4) {
			a.Floats = append(a.Floats, randF32(r))
		}
		return a
	case 4:
		return StringAttr(pick(r, awkwardNames))
	case 5:
		if r.IntN(4) == 0 {
			return Attr{Kind: AttrTensor}
		}
		return TensorAttr(randTensor(r, randType(r)))
	}
	// The kind the op table wants for a known name, or a random other.
	return IntsAttr()
}

// randGraph builds a random graph from the registered ops.
func randGraph(r *rand.Rand) *Graph {
	g := &Graph{
		Name: pick(r, awkwardNames), Stage: Stage(r.IntN(4)), Producer: pick(r, awkwardNames),
		Opset: int64(r.Uint64()) >> r.IntN(64),
	}
	var pool []*Value
	newValue := func() *Value {
		v := &Value{Name: pick(r, awkwardNames), Type: randType(r), Quant: randQuant(r)}
		if r.IntN(20) == 0 {
			v.Type.DType = tensor.Invalid
		}
		return v
	}
	for range r.IntN(3) {
		v := newValue()
		g.Inputs = append(g.Inputs, v)
		pool = append(pool, v)
	}
	for range r.IntN(4) {
		v := newValue()
		if v.Type.DType == tensor.Invalid {
			v.Type.DType = tensor.Float32
		}
		v.Const = randTensor(r, v.Type)
		g.Consts = append(g.Consts, v)
		pool = append(pool, v)
	}
	ops := Ops()
	for range r.IntN(8) {
		info := pick(r, ops)
		n := &Node{Op: info.Op, Name: pick(r, awkwardNames), OnnxOp: pick(r, []string{"", "Conv", "com.ms:Fused", "Max Pool"})}
		for range r.IntN(5) {
			if len(pool) == 0 || r.IntN(6) == 0 {
				n.Inputs = append(n.Inputs, nil)
			} else {
				n.Inputs = append(n.Inputs, pick(r, pool))
			}
		}
		for range r.IntN(4) {
			if r.IntN(10) == 0 {
				n.Outputs = append(n.Outputs, nil)
				continue
			}
			v := newValue()
			v.Def = n
			n.Outputs = append(n.Outputs, v)
		}
		if r.IntN(4) != 0 {
			n.Attrs = Attrs{}
			for range r.IntN(4) {
				name := pick(r, []string{"axis", "pads", "value", "alpha", "weird name", "x"})
				if len(info.Attrs) > 0 && r.IntN(2) == 0 {
					name = pick(r, info.Attrs).Name
				}
				n.Attrs[name] = randAttr(r)
			}
		}
		g.Nodes = append(g.Nodes, n)
		for _, v := range n.Outputs {
			if v != nil {
				pool = append(pool, v)
			}
		}
	}
	for range r.IntN(3) {
		if len(pool) > 0 {
			g.Outputs = append(g.Outputs, pick(r, pool))
		}
	}
	return g
}

func TestRoundTripRandom(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 200
	}
	for seed := range n {
		r := rand.New(rand.NewPCG(uint64(seed), 42))
		g := randGraph(r)
		t.Run("", func(t *testing.T) { roundTrip(t, g) })
		if t.Failed() {
			t.Fatalf("seed %d", seed)
		}
	}
}

// TestRoundTripEveryOp builds, for every registered op, a node with its
// full input list (optional inputs absent and present), every attribute
// its spec lists (with a value of the right kind) and the largest legal
// output count, and checks the text round trip.
func TestRoundTripEveryOp(t *testing.T) {
	for _, info := range Ops() {
		t.Run(string(info.Op), func(t *testing.T) {
			for _, withOptional := range []bool{false, true} {
				g := &Graph{Name: "op_" + string(info.Op), Stage: info.LastStage}
				x := &Value{Name: "x", Type: Type{DType: tensor.Float32, Shape: []int{1, 2, 3, 3}}}
				g.Inputs = []*Value{x}
				w := g.AddConst("", tensor.FromF32([]float32{1, -2.5, 3e-8, float32(math.Inf(-1))}, 2, 2))
				n := &Node{Op: info.Op, Name: "n_" + string(info.Op), OnnxOp: "Onnx" + string(info.Op)}
				maxIn := info.MaxInputs
				if maxIn < 0 {
					maxIn = info.MinInputs + 2
				}
				for i := range maxIn {
					switch {
					case i < info.MinInputs || withOptional:
						n.Inputs = append(n.Inputs, []*Value{x, w}[i%2])
					default:
						n.Inputs = append(n.Inputs, nil)
					}
				}
				outs := info.MaxOutputs
				if outs < 0 {
					outs = info.MinOutputs + 2
				}
				for i := range outs {
					v := &Value{Type: Type{DType: tensor.Float32, Shape: []int{1, i}}, Def: n}
					if i == 1 {
						v.Name = "second"
					}
					n.Outputs = append(n.Outputs, v)
				}
				for _, spec := range info.Attrs {
					var a Attr
					switch spec.Kind {
					case AttrInt:
						a = IntAttr(-3)
					case AttrInts:
						a = IntsAttr(1, 0, -2)
					case AttrFloat:
						a = FloatAttr(2)
					case AttrFloats:
						a = FloatsAttr(0.5, 1)
					case AttrString:
						a = StringAttr("NOTSET")
					case AttrTensor:
						a = TensorAttr(tensor.FromI64(tensor.Int64, []int64{7}, 1))
					}
					n.SetAttr(spec.Name, a)
				}
				g.Nodes = []*Node{n}
				g.Outputs = n.Outputs[:1]
				roundTrip(t, g)
			}
		})
	}
}
