package interp_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// NaN and infinities through the float kernels, checked against what
// onnxruntime's CPU provider computes on the same one-op models.
//
// The expected outputs (nanCase.ort) were produced by onnxruntime-node
// 1.31.1 (CPU execution provider, linux x64) with:
//
//	PIMC_NAN_MODELS=/tmp/nan go test ./ir/interp -run TestWriteNaNModels
//	(cd /tmp/ort && npm install --ignore-scripts onnxruntime-node)
//	NODE_PATH=/tmp/ort/node_modules node ir/interp/testdata/ort_nan.js /tmp/nan
//
// which prints the ortOutputs entries below. docs/QUANT.md ("NaN and infinities")
// summarises them per op.

// nanCase is one single-op graph (inputs %x and optionally %y); its
// onnxruntime output on nanInput is ortOutputs[name].
type nanCase struct {
	name string
	pir  string           // nodes and the output line; the header and inputs come from ins
	ins  map[string][]int // input shapes
	tol  float64          // relative tolerance of finite values (0: exact)
	// differ lists the outputs where pimc deliberately differs from
	// onnxruntime (docs/QUANT.md "NaN and infinities" says why); with
	// nanWins, pimc has NaN there because the window holds a NaN.
	differ  []int
	nanWins bool
}

var nanCases = []nanCase{
	{name: "relu", pir: "%y: f32[1,37] = relu(%x)", ins: x(1, 37)},
	{name: "leaky_relu", pir: "%y: f32[1,37] = leaky_relu(%x) {alpha=0.1}", ins: x(1, 37)},
	{name: "prelu", pir: "const %s: f32[1] = [0.25]\n%y: f32[1,37] = prelu(%x, %s)", ins: x(1, 37)},
	{name: "clip", pir: "%y: f32[1,37] = clip(%x) {max=1.0, min=-1.0}", ins: x(1, 37)},
	{name: "clip_min", pir: "%y: f32[1,37] = clip(%x) {min=0.0}", ins: x(1, 37)},
	{name: "sigmoid", pir: "%y: f32[1,37] = sigmoid(%x)", ins: x(1, 37), tol: 1e-6},
	{name: "tanh", pir: "%y: f32[1,37] = tanh(%x)", ins: x(1, 37), tol: 1e-6},
	{name: "hard_sigmoid", pir: "%y: f32[1,37] = hard_sigmoid(%x) {alpha=0.2, beta=0.5}", ins: x(1, 37)},
	{name: "hard_swish", pir: "%y: f32[1,37] = hard_swish(%x)", ins: x(1, 37), tol: 1e-6},
	{name: "max", pir: "%z: f32[1,37] = max(%x, %y)", ins: xy(1, 37)},
	{name: "min", pir: "%z: f32[1,37] = min(%x, %y)", ins: xy(1, 37)},
	{name: "sum", pir: "%z: f32[1,37] = sum(%x, %y)", ins: xy(1, 37)},
	{name: "softmax", pir: "%y: f32[6,11] = softmax(%x) {axis=1}", ins: x(6, 11), tol: 1e-6},
	{name: "log_softmax", pir: "%y: f32[6,11] = log_softmax(%x) {axis=1}", ins: x(6, 11), tol: 1e-6},
	{name: "max_pool", differ: []int{0, 1, 4, 6}, nanWins: true, pir: "%y: f32[1,1,2,4] = max_pool(%x) {ceil_mode=0, dilations=[1,1], kernel=[2,2], pads=[0,0,0,0], strides=[2,2]}", ins: x(1, 1, 4, 8)},
	{name: "max_pool_pad", differ: []int{0, 1, 2, 3, 7, 9, 10, 11, 13, 14, 15, 16, 17, 18, 20, 21, 22, 23, 24, 25, 26, 28, 29, 30}, nanWins: true, pir: "%y: f32[1,1,4,8] = max_pool(%x) {ceil_mode=0, dilations=[1,1], kernel=[3,3], pads=[1,1,1,1], strides=[1,1]}", ins: x(1, 1, 4, 8)},
	{name: "max_pool_dilated", differ: []int{1, 4, 5, 9, 10}, nanWins: true, pir: "%y: f32[1,1,2,6] = max_pool(%x) {ceil_mode=0, dilations=[2,2], kernel=[2,2], pads=[0,0,0,0], strides=[1,1]}", ins: x(1, 1, 4, 8)},
	{name: "max_pool_ceil", differ: []int{0, 1, 2, 3, 4, 6}, nanWins: true, pir: "%y: f32[1,1,2,4] = max_pool(%x) {ceil_mode=1, dilations=[1,1], kernel=[3,3], pads=[0,0,0,0], strides=[2,2]}", ins: x(1, 1, 4, 8)},
	{name: "global_max_pool", differ: []int{1, 2}, nanWins: true, pir: "%y: f32[1,4,1,1] = global_max_pool(%x)", ins: x(1, 4, 4, 4)},
	{name: "avg_pool", pir: "%y: f32[1,1,2,4] = avg_pool(%x) {ceil_mode=0, count_include_pad=0, dilations=[1,1], kernel=[2,2], pads=[0,0,0,0], strides=[2,2]}", ins: x(1, 1, 4, 8), tol: 1e-6},
	{name: "global_avg_pool", pir: "%y: f32[1,4,1,1] = global_avg_pool(%x)", ins: x(1, 4, 4, 4), tol: 1e-6},
	{name: "reduce_mean", pir: "%y: f32[1,4,1,1] = reduce_mean(%x) {axes=[2,3], keepdims=1}", ins: x(1, 4, 4, 4), tol: 1e-6},
	{name: "lrn", differ: []int{32, 35, 48, 49, 52, 58}, pir: "%y: f32[1,4,4,4] = lrn(%x) {alpha=0.0001, beta=0.75, bias=1.0, size=3}", ins: x(1, 4, 4, 4), tol: 1e-6},
	{name: "conv_zero_weight", pir: "const %w: f32[1,1,2,2] = [1, 0, 0, 0]\n%y: f32[1,1,3,7] = conv(%x, %w) {dilations=[1,1], group=1, pads=[0,0,0,0], strides=[1,1]}", ins: x(1, 1, 4, 8)},
	{name: "gemm_zero_weight", pir: "const %w: f32[8,2] = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n%y: f32[4,2] = gemm(%x, %w) {alpha=1.0, beta=1.0, trans_a=0, trans_b=0}", ins: x(4, 8)},
	{name: "batch_norm", pir: "const %s: f32[4] = [1, 2, 0, -1]\nconst %b: f32[4] = [0, 1, 0, 0]\nconst %m: f32[4] = [0, 0, 1, 0]\nconst %v: f32[4] = [1, 1, 1, 4]\n%y: f32[1,4,4,4] = batch_norm(%x, %s, %b, %m, %v) {epsilon=1e-05}", ins: x(1, 4, 4, 4), tol: 1e-6},
}

func x(shape ...int) map[string][]int  { return map[string][]int{"x": shape} }
func xy(shape ...int) map[string][]int { return map[string][]int{"x": shape, "y": shape} }

// nanPattern cycles through NaN, both infinities, both zeros and finite
// values, so each op sees them at every SIMD lane and in the loop tails.
var nanPattern = []float32{float32(math.NaN()), -1.5, 2, float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), 0.5}

// nanInput is the input named name of the given shape: x cycles through
// nanPattern; y through the pattern shifted by one more place every 8
// elements, so max/min meet NaN as first, second and both operands.
// Rank-4 inputs (pooling windows) use nanImage, [6,11] ones (softmax rows)
// nanRows.
func nanInput(name string, shape []int) *tensor.Tensor {
	t := tensor.New(tensor.Float32, shape...)
	n := len(nanPattern)
	for i := range t.F32 {
		switch {
		case len(shape) == 4:
			t.F32[i] = nanImage(i)
		case tensor.SameShape(shape, []int{6, 11}):
			t.F32[i] = nanRows(i/11, i%11)
		case name == "y":
			t.F32[i] = nanPattern[(i+i/n)%n]
		default:
			t.F32[i] = nanPattern[i%n]
		}
	}
	return t
}

// nanImage is element i of a rank-4 input, by rows of 8: the 2x2 windows
// of the first four rows hold NaN first, second and last, only NaN, +Inf
// with NaN, only -Inf, -Inf with NaN, and no NaN; later rows (planes of
// global pools) repeat them shifted.
func nanImage(i int) float32 {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	ninf := -inf
	rows := [4][8]float32{
		{nan, 1, 1, nan, 1, 2, nan, nan},
		{2, 3, 2, 3, 3, nan, nan, nan},
		{inf, nan, ninf, ninf, ninf, nan, 1, 2},
		{1, 2, ninf, ninf, -1, -2, 3, 4},
	}
	r, c := i/8, i%8
	return rows[(r+r/4)%4][c]
}

// nanRows is row r, column c of a softmax input: a NaN, a +Inf, two -Inf,
// only finite values, only -Inf, two +Inf.
func nanRows(r, c int) float32 {
	v := float32(c) / 4
	inf := float32(math.Inf(1))
	switch {
	case r == 0 && c == 3:
		return float32(math.NaN())
	case r == 1 && c == 5, r == 5 && (c == 2 || c == 9):
		return inf
	case r == 2 && (c == 0 || c == 10), r == 4:
		return -inf
	}
	return v
}

// graph builds the case's graph text.
func (c nanCase) graph() string {
	var b strings.Builder
	b.WriteString("pir 1\ngraph \"" + c.name + "\" stage=import opset=13\n")
	for _, name := range []string{"x", "y"} {
		if s, ok := c.ins[name]; ok {
			fmt.Fprintf(&b, "input %%%s: f32%s\n", name, tensor.ShapeString(s))
		}
	}
	b.WriteString(c.pir + "\n")
	out := strings.TrimPrefix(strings.Fields(c.pir[strings.LastIndex(c.pir, "\n")+1:])[0], "%")
	fmt.Fprintf(&b, "output %%%s\n", strings.TrimSuffix(out, ":"))
	return b.String()
}

func (c nanCase) inputs(g *ir.Graph) []*tensor.Tensor {
	var ts []*tensor.Tensor
	for _, v := range g.Inputs {
		ts = append(ts, nanInput(v.Name, v.Type.Shape))
	}
	return ts
}

// TestNaNMatchesONNXRuntime runs every case on the interpreter and compares
// with onnxruntime: NaN where it has NaN, the same infinities, and the
// same finite values (exactly, or within tol for transcendental ops).
func TestNaNMatchesONNXRuntime(t *testing.T) {
	for _, c := range nanCases {
		t.Run(c.name, func(t *testing.T) {
			g, err := ir.Parse(c.name, []byte(c.graph()))
			if err != nil {
				t.Fatal(err)
			}
			outs, err := interp.Run(g, c.inputs(g))
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Fields(ortOutputs[c.name])
			got := outs[0].F32
			if len(want) != len(got) {
				t.Fatalf("%d values, onnxruntime gives %d", len(got), len(want))
			}
			differ := map[int]bool{}
			for _, i := range c.differ {
				differ[i] = true
			}
			for i, s := range want {
				w, err := strconv.ParseFloat(s, 32)
				if err != nil {
					t.Fatal(err)
				}
				g := float64(got[i])
				same := math.IsNaN(w) && math.IsNaN(g) || w == g && math.Signbit(w) == math.Signbit(g) ||
					c.tol > 0 && !math.IsInf(w, 0) && math.Abs(w-g) <= c.tol*math.Max(1, math.Abs(w))
				switch {
				case differ[i] && same:
					t.Errorf("element %d: %v, the same as onnxruntime: drop it from differ", i, g)
				case differ[i] && c.nanWins && !math.IsNaN(g):
					t.Errorf("element %d: %v, want NaN (onnxruntime: %s)", i, g, s)
				case !differ[i] && !same:
					t.Errorf("element %d: %v, onnxruntime %s\n got %v\nwant %s", i, g, s, fmtF32(got), ortOutputs[c.name])
				}
			}
		})
	}
}

func fmtF32(v []float32) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(float64(x), 'g', -1, 32)
	}
	return strings.Join(s, " ")
}

// TestWriteNaNModels writes every case as an ONNX model (NAME.onnx) and its
// inputs (NAME.json) to $PIMC_NAN_MODELS for testdata/ort_nan.js; it is
// skipped without that variable.
func TestWriteNaNModels(t *testing.T) {
	dir := os.Getenv("PIMC_NAN_MODELS")
	if dir == "" {
		t.Skip("set PIMC_NAN_MODELS=DIR to write the models onnxruntime runs")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range nanCases {
		g, err := ir.Parse(c.name, []byte(c.graph()))
		if err != nil {
			t.Fatal(err)
		}
		if err := frontend.Save(filepath.Join(dir, c.name+".onnx"), g, frontend.ExportOptions{}); err != nil {
			t.Fatal(err)
		}
		type in struct {
			Name   string   `json:"name"`
			Shape  []int    `json:"shape"`
			Values []string `json:"values"`
		}
		var ins []in
		for i, x := range c.inputs(g) {
			ins = append(ins, in{g.Inputs[i].Name, x.Shape, strings.Fields(fmtF32(x.F32))})
		}
		js, _ := json.MarshalIndent(ins, "", " ")
		if err := os.WriteFile(filepath.Join(dir, c.name+".json"), js, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// ortOutputs holds what onnxruntime 1.31.1 computed (see the file comment).
var ortOutputs = map[string]string{
	// onnxruntime-node 1.31.1, CPU execution provider
	"avg_pool":         "NaN NaN NaN NaN NaN -Inf NaN 2.5",
	"batch_norm":       "NaN 0.9999949932098389 0.9999949932098389 NaN 0.9999949932098389 1.9999899864196777 NaN NaN 1.9999899864196777 2.9999849796295166 1.9999899864196777 2.9999849796295166 2.9999849796295166 NaN NaN NaN Inf NaN -Inf -Inf -Inf NaN 2.9999899864196777 4.9999799728393555 2.9999899864196777 4.9999799728393555 -Inf -Inf -0.9999899864196777 -2.9999799728393555 6.999969959259033 8.999959945678711 0 0 0 0 0 NaN NaN NaN NaN NaN NaN NaN NaN NaN 0 0 -0.49999940395355225 -0.9999988079071045 Inf Inf 0.49999940395355225 0.9999988079071045 -1.4999982118606567 -1.999997615814209 NaN -0.49999940395355225 -0.49999940395355225 NaN -0.49999940395355225 -0.9999988079071045 NaN NaN",
	"clip":             "NaN -1 1 1 -1 0 -0 0.5 NaN -1 1 1 -1 0 -0 0.5 NaN -1 1 1 -1 0 -0 0.5 NaN -1 1 1 -1 0 -0 0.5 NaN -1 1 1 -1",
	"clip_min":         "NaN 0 2 3.4028234663852886e+38 0 0 -0 0.5 NaN 0 2 3.4028234663852886e+38 0 0 -0 0.5 NaN 0 2 3.4028234663852886e+38 0 0 -0 0.5 NaN 0 2 3.4028234663852886e+38 0 0 -0 0.5 NaN 0 2 3.4028234663852886e+38 0",
	"conv_zero_weight": "NaN 1 NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN 1",
	"gemm_zero_weight": "NaN NaN NaN NaN NaN NaN NaN NaN",
	"global_avg_pool":  "NaN NaN NaN NaN",
	"global_max_pool":  "NaN Inf Inf NaN",
	"hard_sigmoid":     "NaN 0.19999998807907104 0.8999999761581421 1 0 0.5 0.5 0.6000000238418579 NaN 0.19999998807907104 0.8999999761581421 1 0 0.5 0.5 0.6000000238418579 NaN 0.19999998807907104 0.8999999761581421 1 0 0.5 0.5 0.6000000238418579 NaN 0.19999998807907104 0.8999999761581421 1 0 0.5 0.5 0.6000000238418579 NaN 0.19999998807907104 0.8999999761581421 1 0",
	"hard_swish":       "NaN -0.375 1.6666667461395264 Inf NaN 0 -0 0.2916666567325592 NaN -0.375 1.6666667461395264 Inf NaN 0 -0 0.2916666567325592 NaN -0.375 1.6666667461395264 Inf NaN 0 -0 0.2916666567325592 NaN -0.375 1.6666667461395264 Inf NaN 0 -0 0.2916666567325592 NaN -0.375 1.6666667461395264 Inf NaN",
	"leaky_relu":       "NaN -0.15000000596046448 2 Inf -Inf 0 -0 0.5 NaN -0.15000000596046448 2 Inf -Inf 0 -0 0.5 NaN -0.15000000596046448 2 Inf -Inf 0 -0 0.5 NaN -0.15000000596046448 2 Inf -Inf 0 -0 0.5 NaN -0.15000000596046448 2 Inf -Inf",
	"log_softmax":      "NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN -Inf -3.3973140716552734 -3.1473140716552734 -2.8973140716552734 -2.6473140716552734 -2.3973140716552734 -2.1473140716552734 -1.8973139524459839 -1.6473139524459839 -1.3973139524459839 -Inf -3.942628860473633 -3.692628860473633 -3.442628860473633 -3.192628860473633 -2.942628860473633 -2.692628860473633 -2.442628860473633 -2.192628860473633 -1.9426288604736328 -1.6926288604736328 -1.4426288604736328 NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN",
	"lrn":              "NaN NaN 0 NaN 0 NaN NaN NaN 1.999750018119812 2.999025344848633 0 0 2.9992499351501465 NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN 0 NaN NaN NaN -0 NaN NaN NaN NaN NaN 0 NaN 0 NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN 0 NaN NaN NaN",
	"max":              "NaN -1.5 2 Inf -Inf 0 -0 0.5 NaN 2 Inf Inf 0 -0 0.5 NaN NaN Inf 2 Inf -0 0.5 NaN 0.5 NaN -1.5 2 Inf 0.5 NaN -0 2 NaN 0 2 Inf NaN",
	"max_pool":         "3 3 NaN NaN Inf -Inf -1 4",
	"max_pool_ceil":    "2 3 1 2 Inf -1 3 4",
	"max_pool_dilated": "NaN 1 1 NaN 1 2 2 3 3 3 3 NaN",
	"max_pool_pad":     "3 3 3 3 NaN NaN NaN -3.4028234663852886e+38 NaN 2 3 3 NaN 1 2 2 Inf Inf 3 3 3 3 4 4 Inf Inf 2 -1 -1 3 4 4",
	"min":              "NaN -1.5 2 Inf -Inf 0 -0 0.5 NaN -1.5 2 -Inf -Inf -0 -0 NaN NaN -1.5 -Inf 0 -Inf 0 NaN -1.5 NaN -Inf 0 -0 -Inf NaN -1.5 0.5 NaN -1.5 -0 0.5 NaN",
	"prelu":            "NaN -0.375 2 Inf -Inf 0 -0 0.5 NaN -0.375 2 Inf -Inf 0 -0 0.5 NaN -0.375 2 Inf -Inf 0 -0 0.5 NaN -0.375 2 Inf -Inf 0 -0 0.5 NaN -0.375 2 Inf -Inf",
	"reduce_mean":      "NaN NaN NaN NaN",
	"relu":             "NaN 0 2 Inf 0 0 -0 0.5 NaN 0 2 Inf 0 0 -0 0.5 NaN 0 2 Inf 0 0 -0 0.5 NaN 0 2 Inf 0 0 -0 0.5 NaN 0 2 Inf 0",
	"sigmoid":          "NaN 0.18242555856704712 0.8807970881462097 1 0 0.5 0.5 0.6224592924118042 NaN 0.18242555856704712 0.8807970881462097 1 0 0.5 0.5 0.6224592924118042 NaN 0.18242555856704712 0.8807970881462097 1 0 0.5 0.5 0.6224592924118042 NaN 0.18242555856704712 0.8807970881462097 1 0 0.5 0.5 0.6224592924118042 NaN 0.18242555856704712 0.8807970881462097 1 0",
	"softmax":          "NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN 0 0.03346303105354309 0.04296738654375076 0.055171214044094086 0.0708412453532219 0.09096195548772812 0.11679746210575104 0.1499709039926529 0.19256645441055298 0.2472602277994156 0 0.019397156313061714 0.024906443431973457 0.03198050335049629 0.04106378182768822 0.05272693932056427 0.06770273298025131 0.08693202584981918 0.11162292957305908 0.14332668483257294 0.18403509259223938 0.23630574345588684 NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN",
	"sum":              "NaN -3 4 Inf -Inf 0 -0 1 NaN 0.5 Inf NaN -Inf 0 0.5 NaN NaN Inf -Inf Inf -Inf 0.5 NaN -1 NaN -Inf 2 Inf -Inf NaN -1.5 2.5 NaN -1.5 2 Inf NaN",
	"tanh":             "NaN -0.9051482081413269 0.9640275835990906 1 -1 0 -0 0.46211716532707214 NaN -0.9051482081413269 0.9640275835990906 1 -1 0 -0 0.46211716532707214 NaN -0.9051482081413269 0.9640275835990906 1 -1 0 -0 0.46211716532707214 NaN -0.9051482081413269 0.9640275835990906 1 -1 0 -0 0.46211716532707214 NaN -0.9051482081413269 0.9640275835990906 1 -1",
}
