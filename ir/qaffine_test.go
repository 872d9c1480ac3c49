package ir

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
)

func TestInferQAffine(t *testing.T) {
	x := qv(tensor.Uint8, 1, 3, 2, 2)
	k3, b3 := qv(tensor.Int32, 3), qv(tensor.Int32, 3)
	m := Attrs{"mult": IntAttr(1 << 20)}
	runInferCases(t, []inferCase{
		{"qaffine", node(OpQAffine, rq(0, 255, m), 1, x, k3, b3), []Type{qt(tensor.Uint8, 1, 3, 2, 2)}, ""},
		{"qaffine signed", node(OpQAffine, rq(-128, 127, m), 1, qv(tensor.Uint8, 4, 3), k3, b3), []Type{qt(tensor.Int8, 4, 3)}, ""},
		{"qaffine scale shape", node(OpQAffine, rq(0, 255, m), 1, x, qv(tensor.Int32, 2), b3), nil, "scale [2], want [3]"},
		{"qaffine bias float", node(OpQAffine, rq(0, 255, m), 1, x, k3, f32(3)), nil, "bias: input 2 has element type f32"},
		{"qaffine rank 1", node(OpQAffine, rq(0, 255, m), 1, qv(tensor.Uint8, 3), k3, b3), nil, "want at least 2"},
		{"qaffine mult", node(OpQAffine, rq(0, 255, Attrs{"mult": IntAttr(1 << 31)}), 1, x, k3, b3), nil, "2147483648"}, // outside int32 (and outside int on 32-bit machines)
		{"qaffine no mult", node(OpQAffine, rq(0, 255, nil), 1, x, k3, b3), nil, "mult"},
	})
}

// The quantized-stage rule for qaffine: scale and bias are integer
// constants and max|x|*|scale| + |bias| fits int32.
func TestVerifyQAffine(t *testing.T) {
	src := `pir 1
graph "q" stage=quantized
input %x: f32[1,2,1,1]
const %k: i32[2] = [-4000000, 3]
const %b: i32[2] = [100, -7]
%q: u8[1,2,1,1] quant{bits=8, signed=false, axis=-1, scale=[0.01], zero_point=[]} = quantize(%x) {hi=255, lo=0, scale=0.01}
%y: i8[1,2,1,1] quant{bits=8, signed=true, axis=-1, scale=[0.05], zero_point=[]} = qaffine(%q, %k, %b) {hi=127, lo=-128, mult=1000, round="up", shift=30}
%f: f32[1,2,1,1] = dequantize(%y) {scale=0.05}
output %f
`
	g, err := Parse("q.pir", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(g); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ from, to, want string }{
		{"[-4000000, 3]", "[-9000000, 3]", "channel 0: max|x| 255 * |scale| 9000000 + |bias| 100 exceeds int32"},
		{"[100, -7]", "[100, -2147483640]", "channel 1: max|x| 255 * |scale| 3 + |bias| 2147483640 exceeds int32"},
	} {
		bad, err := Parse("bad.pir", []byte(strings.Replace(src, c.from, c.to, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(bad); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s -> %s: got %v, want %q", c.from, c.to, err, c.want)
		}
	}
}
