package ir

import (
	"math"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
)

func qv(dt tensor.DType, shape ...int) *Value { return &Value{Type: Type{DType: dt, Shape: shape}} }

func qt(dt tensor.DType, shape ...int) Type { return Type{DType: dt, Shape: shape} }

// rq returns the requantization attributes plus extra ones.
func rq(lo, hi int64, extra Attrs) Attrs {
	a := Attrs{"shift": IntAttr(20), "round": StringAttr("up"), "lo": IntAttr(lo), "hi": IntAttr(hi)}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

func with(a Attrs, k string, v Attr) Attrs {
	c := a.Clone()
	c[k] = v
	return c
}

func TestQuantDType(t *testing.T) {
	for _, c := range []struct {
		lo, hi int64
		want   tensor.DType
	}{
		{0, 1, tensor.Uint8}, {0, 255, tensor.Uint8}, {0, 256, tensor.Uint16}, {-128, 127, tensor.Int8},
		{-8, 7, tensor.Int8}, {-129, 0, tensor.Int16}, {math.MinInt32, math.MaxInt32, tensor.Int32}, {0, math.MaxInt32, tensor.Uint32},
	} {
		if got := QuantDType(c.lo, c.hi); got != c.want {
			t.Errorf("QuantDType(%d, %d) = %s, want %s", c.lo, c.hi, got, c.want)
		}
	}
}

func TestInferQuantizedOps(t *testing.T) {
	x := qv(tensor.Uint8, 1, 4, 6, 6)
	w := qv(tensor.Int8, 8, 2, 3, 3)
	b8, m8 := qv(tensor.Int32, 8), qv(tensor.Int32, 8)
	conv := Attrs{"strides": ia(1, 1), "pads": ia(1, 1, 1, 1), "dilations": ia(1, 1), "group": IntAttr(2), "acc_bound": ia(1, 2, 3, 4, 5, 6, 7, 8)}
	fcx, fcw, b3 := qv(tensor.Int8, 2, 10), qv(tensor.Int8, 3, 10), qv(tensor.Int32, 3)
	pool := Attrs{"kernel": ia(2, 2), "strides": ia(2, 2), "pads": ia(0, 0, 0, 0), "dilations": ia(1, 1)}
	runInferCases(t, []inferCase{
		{"quantize", node(OpQuantize, Attrs{"scale": FloatAttr(0.1), "lo": IntAttr(0), "hi": IntAttr(15)}, 1, f32(2, 3)), []Type{qt(tensor.Uint8, 2, 3)}, ""},
		{"quantize signed", node(OpQuantize, Attrs{"scale": FloatAttr(0.1), "lo": IntAttr(-128), "hi": IntAttr(127)}, 1, f32(2)), []Type{qt(tensor.Int8, 2)}, ""},
		{"quantize int input", node(OpQuantize, Attrs{"scale": FloatAttr(0.1), "lo": IntAttr(0), "hi": IntAttr(1)}, 1, x), nil, "want a float type"},
		{"quantize zero scale", node(OpQuantize, Attrs{"scale": FloatAttr(0), "lo": IntAttr(0), "hi": IntAttr(1)}, 1, f32(2)), nil, "positive finite"},
		{"quantize empty range", node(OpQuantize, Attrs{"scale": FloatAttr(1), "lo": IntAttr(3), "hi": IntAttr(1)}, 1, f32(2)), nil, "empty"},
		{"dequantize", node(OpDequantize, Attrs{"scale": FloatAttr(0.5)}, 1, x), []Type{ft(1, 4, 6, 6)}, ""},
		{"dequantize float", node(OpDequantize, Attrs{"scale": FloatAttr(0.5)}, 1, f32(1)), nil, "integer codes"},
		{"qconv", node(OpQConv, rq(0, 255, conv), 1, x, w, b8, m8), []Type{qt(tensor.Uint8, 1, 8, 6, 6)}, ""},
		{"qconv signed out", node(OpQConv, rq(-8, 7, conv), 1, x, w, b8, m8), []Type{qt(tensor.Int8, 1, 8, 6, 6)}, ""},
		{"qconv float x", node(OpQConv, rq(0, 255, conv), 1, f32(1, 4, 6, 6), w, b8, m8), nil, "integer codes"},
		{"qconv bias shape", node(OpQConv, rq(0, 255, conv), 1, x, w, b3, m8), nil, "bias"},
		{"qconv acc_bound", node(OpQConv, rq(0, 255, Attrs{"strides": ia(1, 1), "pads": ia(1, 1, 1, 1), "dilations": ia(1, 1), "group": IntAttr(2), "acc_bound": ia(1)}), 1, x, w, b8, m8), nil, "acc_bound"},
		{"qconv group", node(OpQConv, rq(0, 255, Attrs{"strides": ia(1, 1), "pads": ia(1, 1, 1, 1), "dilations": ia(1, 1), "group": IntAttr(1), "acc_bound": ia(1, 2, 3, 4, 5, 6, 7, 8)}), 1, x, w, b8, m8), nil, "group"},
		{"qconv shift", node(OpQConv, with(rq(0, 255, conv), "shift", IntAttr(64)), 1, x, w, b8, m8), nil, "shift"},
		{"qconv round", node(OpQConv, with(rq(0, 255, conv), "round", StringAttr("nearest")), 1, x, w, b8, m8), nil, "round"},
		{"qconv range", node(OpQConv, rq(0, 1<<32, conv), 1, x, w, b8, m8), nil, "4294967296"}, // beyond int32 (and beyond int on 32-bit machines)
		{"qfc", node(OpQFC, rq(-128, 127, Attrs{"acc_bound": ia(1, 2, 3)}), 1, fcx, fcw, b3, qv(tensor.Int32, 3)), []Type{qt(tensor.Int8, 2, 3)}, ""},
		{"qfc K", node(OpQFC, rq(-128, 127, Attrs{"acc_bound": ia(1, 2, 3)}), 1, qv(tensor.Int8, 2, 9), fcw, b3, qv(tensor.Int32, 3)), nil, "[M,K]"},
		{"qadd", node(OpQAdd, rq(0, 255, Attrs{"in_mults": ia(3, 4), "in_shifts": ia(1, 2), "mult": IntAttr(5)}), 1, x, qv(tensor.Int8, 1, 4, 6, 6)), []Type{qt(tensor.Uint8, 1, 4, 6, 6)}, ""},
		{"qadd broadcast", node(OpQAdd, rq(0, 255, Attrs{"in_mults": ia(3, 4), "in_shifts": ia(1, 2), "mult": IntAttr(5)}), 1, x, qv(tensor.Int8, 1, 4, 1, 1)), nil, "does not broadcast"},
		{"qadd mults", node(OpQAdd, rq(0, 255, Attrs{"in_mults": ia(3), "in_shifts": ia(1, 2), "mult": IntAttr(5)}), 1, x, x), nil, "in_mults"},
		{"qadd mult range", node(OpQAdd, rq(0, 255, Attrs{"in_mults": ia(3, 1<<31), "in_shifts": ia(1, 2), "mult": IntAttr(5)}), 1, x, x), nil, "2147483648"}, // beyond int32 (and beyond int on 32-bit machines)
		{"qconcat", node(OpQConcat, Attrs{"axis": IntAttr(1), "in_mults": ia(1, 1), "in_shifts": ia(0, 0), "round": StringAttr("up"), "lo": IntAttr(-128), "hi": IntAttr(127)}, 1, x, qv(tensor.Int8, 1, 2, 6, 6)), []Type{qt(tensor.Int8, 1, 6, 6, 6)}, ""},
		{"qconcat float", node(OpQConcat, Attrs{"axis": IntAttr(1), "in_mults": ia(1), "in_shifts": ia(0), "round": StringAttr("up"), "lo": IntAttr(0), "hi": IntAttr(1)}, 1, f32(1, 2)), nil, "integer codes"},
		{"qavg_pool", node(OpQAvgPool, rq(0, 255, pool), 1, x), []Type{qt(tensor.Uint8, 1, 4, 3, 3)}, ""},
		{"qavg_pool shift", node(OpQAvgPool, rq(0, 255, Attrs{"kernel": ia(2, 2), "strides": ia(2, 2), "pads": ia(0, 0, 0, 0), "dilations": ia(1, 1), "shift": IntAttr(62)}), 1, x), nil, "0..61"},
		{"qglobal_avg_pool", node(OpQGlobalAvgPool, rq(-128, 127, nil), 1, x), []Type{qt(tensor.Int8, 1, 4, 1, 1)}, ""},
		{"qclip relu of signed", node(OpQClip, Attrs{"lo": IntAttr(0), "hi": IntAttr(127)}, 1, qv(tensor.Int8, 3)), []Type{qt(tensor.Uint8, 3)}, ""},
		{"qclip missing", node(OpQClip, Attrs{"lo": IntAttr(0)}, 1, qv(tensor.Int8, 3)), nil, "missing attribute \"hi\""},
	})
}

// Every canonical op is legal at the quantized stage (host ops, and data
// movement on codes; the ONNX quantized-model ops of op_qlinear.go, whose
// names start with q too, are canonical ops); the quantized ops only there and at the mapped stage
// (which adds the mapping attributes of qconv/qfc, ir/mapping).
func TestQuantizedStageLegality(t *testing.T) {
	for _, info := range Ops() {
		switch {
		case (strings.HasPrefix(string(info.Op), "q") && !IsONNXQuantOp(info.Op)) || info.Op == OpDequantize:
			if info.FirstStage != StageQuantized || info.LastStage != StageMapped {
				t.Errorf("%s: stages %s..%s", info.Op, info.FirstStage, info.LastStage)
			}
		case info.LastStage >= StageCanonical && info.FirstStage <= StageCanonical:
			if info.LastStage < StageQuantized {
				t.Errorf("%s: canonical op not legal at the quantized stage", info.Op)
			}
		}
	}
	if Lookup(OpGemm).LastStage != StageImport || Lookup(OpBatchNorm).LastStage != StageImport {
		t.Error("import-only ops became legal later")
	}
}

// A hand-written quantized graph verifies, prints and parses back.
func TestQuantizedGraphVerifies(t *testing.T) {
	src := `pir 1
graph "q" stage=quantized
input %x: f32[1,2]
const %w: i8[3,2] quant{bits=4, signed=true, axis=0, scale=[0.1,0.2,0.3], zero_point=[]} = [1, -7, 7, 0, -1, 2]
const %b: i32[3] = [10, -3, 0]
const %m: i32[3] = [1073741824, 536870912, 3]
%q: u8[1,2] quant{bits=8, signed=false, axis=-1, scale=[0.01], zero_point=[]} = quantize(%x) {hi=255, lo=0, scale=0.01}
%y: i8[1,3] quant{bits=8, signed=true, axis=-1, scale=[0.05], zero_point=[]} = qfc(%q, %w, %b, %m) {acc_bound=[2040,1785,765], hi=127, lo=-128, round="up", shift=31}
%r: u8[1,3] quant{bits=7, signed=false, axis=-1, scale=[0.05], zero_point=[]} = qclip(%y) {hi=127, lo=0}
%f: f32[1,3] = dequantize(%r) {scale=0.05}
%s: f32[1,3] = softmax(%f) {axis=1}
output %s
`
	g, err := Parse("q.pir", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(g); err != nil {
		t.Fatal(err)
	}
	// The quantized-stage rule: acc_bound, scales, weight codes, quant params.
	for _, c := range []struct{ from, to, want string }{
		{"acc_bound=[2040,1785,765]", "acc_bound=[2040,1785,764]", "acc_bound[2] = 764, want"},
		{"= dequantize(%r) {scale=0.05}", "= dequantize(%r) {scale=0.5}", "differs from the input's scale"},
		{"[1, -7, 7, 0, -1, 2]", "[1, -8, 7, 0, -1, 2]", "weight code -8"},
		{"acc_bound=[2040,1785,765]", "acc_bound=[2040,1785,2147483647]", "acc_bound[2] = 2147483647"},
		{"%q: u8[1,2] quant{bits=8, signed=false, axis=-1, scale=[0.01], zero_point=[]}", "%q: u8[1,2]", "needs per-tensor quantization parameters"},
	} {
		bad, err := Parse("bad.pir", []byte(strings.Replace(src, c.from, c.to, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(bad); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s -> %s: got %v, want %q", c.from, c.to, err, c.want)
		}
	}
	g.Stage = StageCanonical
	err = Verify(g)
	if err == nil || !strings.Contains(err.Error(), "qfc is legal from stage quantized") {
		t.Errorf("qfc at the canonical stage: %v", err)
	}
}
