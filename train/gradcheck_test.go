package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// testGraph builds a graph input -> add(trainable per-element bias) -> f ->
// flatten, so the gradient reaching the op's input shows up in the bias.
func testGraph(t *testing.T, inShape []int, f func(b *gb, h *ir.Value) *ir.Value) *ir.Graph {
	t.Helper()
	b := &gb{g: &ir.Graph{Name: t.Name()}, r: rand.New(rand.NewPCG(1, 2))}
	x := &ir.Value{Name: "x", Type: ir.Type{DType: tensor.Float32, Shape: inShape}}
	b.g.Inputs = []*ir.Value{x}
	pre := b.uniform("pre", 0.5, append([]int{1}, inShape[1:]...)...)
	h := f(b, b.node(ir.OpAdd, "pre_add", nil, x, pre))
	if len(h.Type.Shape) != 2 {
		h = b.flatten(h)
	}
	b.g.Outputs = []*ir.Value{h}
	if b.err != nil {
		t.Fatal(b.err)
	}
	if err := ir.Verify(b.g); err != nil {
		t.Fatal(err)
	}
	return b.g
}

// gradCheck compares every parameter gradient of loss = sum(out * R) with
// central finite differences; the loss is summed in float64.
func gradCheck(t *testing.T, g *ir.Graph, batch int, training bool) {
	t.Helper()
	m, err := NewModel(g)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	shape := append([]int{batch}, g.Inputs[0].Type.Shape[1:]...)
	x := tensor.New(tensor.Float32, shape...)
	for i := range x.F32 {
		x.F32[i] = float32(r.NormFloat64())
	}
	out, err := m.Forward(x, training)
	if err != nil {
		t.Fatal(err)
	}
	R := tensor.New(tensor.Float32, out.Shape...)
	for i := range R.F32 {
		R.F32[i] = float32(r.NormFloat64())
	}
	loss := func() float64 {
		o, err := m.Forward(x, training)
		if err != nil {
			t.Fatal(err)
		}
		var s float64
		for i, v := range o.F32 {
			s += float64(v) * float64(R.F32[i])
		}
		return s
	}
	m.ZeroGrad()
	loss()
	if err := m.Backward(R); err != nil {
		t.Fatal(err)
	}
	const eps = 1e-3
	base := loss()
	checked, kinks := 0, 0
	for _, p := range m.Params() {
		grad := append([]float32{}, p.Grad...)
		for i := range p.Data.F32 {
			old := p.Data.F32[i]
			p.Data.F32[i] = old + eps
			up := loss()
			p.Data.F32[i] = old - eps
			down := loss()
			p.Data.F32[i] = old
			num := (up - down) / (2 * eps)
			// A kink (relu at 0, a max-pool tie, a clip bound) inside the
			// interval makes the one-sided slopes differ: skip that element.
			if fwd, bwd := (up-base)/eps, (base-down)/eps; math.Abs(fwd-bwd) > 1e-2*math.Max(1, math.Abs(num)) {
				kinks++
				continue
			}
			if d := math.Abs(num - float64(grad[i])); d > 1e-2*math.Max(1, math.Abs(num)) {
				t.Errorf("%s[%d]: analytic %.6f, numeric %.6f", p.Name, i, grad[i], num)
			}
			checked++
		}
	}
	if checked == 0 || kinks*10 > checked {
		t.Fatalf("%d elements checked, %d skipped at kinks", checked, kinks)
	}
}

func convAttrs(stride, pad []int64, dil []int64, group int64) ir.Attrs {
	return ir.Attrs{"strides": ir.IntsAttr(stride...), "pads": ir.IntsAttr(pad...), "dilations": ir.IntsAttr(dil...), "group": ir.IntAttr(group)}
}

func poolAttrs(k, stride, pad, dil []int64, ceil int64) ir.Attrs {
	return ir.Attrs{"kernel": ir.IntsAttr(k...), "strides": ir.IntsAttr(stride...), "pads": ir.IntsAttr(pad...), "dilations": ir.IntsAttr(dil...), "ceil_mode": ir.IntAttr(ceil)}
}

func TestGradients(t *testing.T) {
	cases := []struct {
		name  string
		in    []int
		train bool
		f     func(b *gb, h *ir.Value) *ir.Value
	}{
		{"conv", []int{1, 3, 6, 7}, true, func(b *gb, h *ir.Value) *ir.Value {
			return b.node(ir.OpConv, "c", convAttrs([]int64{1, 1}, []int64{1, 1, 1, 1}, []int64{1, 1}, 1), h, b.uniform("w", 0.5, 4, 3, 3, 3), b.uniform("b", 0.5, 4))
		}},
		{"conv_group_stride_dilation_pads", []int{1, 4, 7, 8}, true, func(b *gb, h *ir.Value) *ir.Value {
			return b.node(ir.OpConv, "c", convAttrs([]int64{2, 1}, []int64{1, 0, 2, 1}, []int64{2, 1}, 2), h, b.uniform("w", 0.5, 6, 2, 3, 2), b.uniform("b", 0.5, 6))
		}},
		{"conv_depthwise_nobias", []int{1, 3, 5, 5}, true, func(b *gb, h *ir.Value) *ir.Value {
			return b.node(ir.OpConv, "c", convAttrs([]int64{2, 2}, []int64{1, 1, 1, 1}, []int64{1, 1}, 3), h, b.uniform("w", 0.5, 3, 1, 3, 3))
		}},
		{"conv1d", []int{1, 2, 9}, true, func(b *gb, h *ir.Value) *ir.Value {
			return b.node(ir.OpConv, "c", convAttrs([]int64{2}, []int64{1, 2}, []int64{2}, 1), h, b.uniform("w", 0.5, 3, 2, 3), b.uniform("b", 0.5, 3))
		}},
		{"fc", []int{1, 5}, true, func(b *gb, h *ir.Value) *ir.Value { return b.fc("fc", h, 4) }},
		{"gemm_tA_tB", []int{1, 5}, true, func(b *gb, h *ir.Value) *ir.Value {
			// h [N,5] -> transpose via gemm with trans_a: use A = W [5,3]^T? A is the constant here.
			return b.node(ir.OpGemm, "g", ir.Attrs{"alpha": ir.FloatAttr(0.7), "beta": ir.FloatAttr(1.3), "trans_a": ir.IntAttr(0), "trans_b": ir.IntAttr(1)},
				h, b.uniform("B", 0.5, 4, 5), b.uniform("C", 0.5, 1, 4))
		}},
		{"gemm_const_A_transposed", []int{1, 5}, true, func(b *gb, h *ir.Value) *ir.Value {
			// Y [4, N*?]: A' = A^T with A [5,4] is [4,5]... Y = A'(4x5) * h^T? h is [N,5]; with trans_b h'=h^T [5,N].
			return b.node(ir.OpGemm, "g", ir.Attrs{"trans_a": ir.IntAttr(1), "trans_b": ir.IntAttr(1)}, b.uniform("A", 0.5, 5, 4), h, b.uniform("C", 0.5, 4, 1))
		}},
		{"matmul", []int{1, 5}, true, func(b *gb, h *ir.Value) *ir.Value {
			return b.node(ir.OpMatMul, "mm", nil, h, b.uniform("W", 0.5, 5, 3))
		}},
		{"add_residual_and_bias", []int{1, 3, 4, 4}, true, func(b *gb, h *ir.Value) *ir.Value {
			r := b.node(ir.OpRelu, "r", nil, h)
			s := b.node(ir.OpAdd, "res", nil, h, r)
			return b.node(ir.OpAdd, "bias", nil, s, b.uniform("bc", 0.5, 1, 3, 1, 1))
		}},
		{"relu", []int{1, 3, 4, 4}, true, func(b *gb, h *ir.Value) *ir.Value { return b.node(ir.OpRelu, "r", nil, h) }},
		{"clip", []int{1, 3, 4, 4}, true, func(b *gb, h *ir.Value) *ir.Value {
			return b.node(ir.OpClip, "c", ir.Attrs{"min": ir.FloatAttr(-0.4), "max": ir.FloatAttr(0.6)}, h)
		}},
		{"leaky_relu", []int{1, 3, 4, 4}, true, func(b *gb, h *ir.Value) *ir.Value {
			return b.node(ir.OpLeakyRelu, "l", ir.Attrs{"alpha": ir.FloatAttr(0.2)}, h)
		}},
		{"max_pool_ceil_pad", []int{1, 2, 7, 7}, true, func(b *gb, h *ir.Value) *ir.Value {
			return b.node(ir.OpMaxPool, "p", poolAttrs([]int64{3, 3}, []int64{2, 2}, []int64{1, 1, 1, 1}, []int64{1, 1}, 1), h)
		}},
		{"max_pool_dilated", []int{1, 2, 7, 6}, true, func(b *gb, h *ir.Value) *ir.Value {
			return b.node(ir.OpMaxPool, "p", poolAttrs([]int64{2, 2}, []int64{1, 2}, []int64{0, 0, 0, 0}, []int64{2, 1}, 0), h)
		}},
		{"avg_pool_exclude_pad", []int{1, 2, 6, 6}, true, func(b *gb, h *ir.Value) *ir.Value {
			return b.node(ir.OpAvgPool, "p", poolAttrs([]int64{3, 3}, []int64{2, 2}, []int64{1, 1, 1, 1}, []int64{1, 1}, 1), h)
		}},
		{"avg_pool_include_pad", []int{1, 2, 6, 6}, true, func(b *gb, h *ir.Value) *ir.Value {
			a := poolAttrs([]int64{3, 3}, []int64{2, 2}, []int64{1, 1, 1, 1}, []int64{1, 1}, 0)
			a["count_include_pad"] = ir.IntAttr(1)
			return b.node(ir.OpAvgPool, "p", a, h)
		}},
		{"avg_pool_1d", []int{1, 2, 9}, true, func(b *gb, h *ir.Value) *ir.Value {
			return b.node(ir.OpAvgPool, "p", poolAttrs([]int64{3}, []int64{2}, []int64{1, 0}, []int64{1}, 0), h)
		}},
		{"global_avg_pool", []int{1, 3, 4, 5}, true, func(b *gb, h *ir.Value) *ir.Value { return b.node(ir.OpGlobalAvgPool, "g", nil, h) }},
		{"reshape", []int{1, 2, 3, 4}, true, func(b *gb, h *ir.Value) *ir.Value {
			r := b.node(ir.OpReshape, "r", ir.Attrs{"shape": ir.IntsAttr(1, 6, 4)}, h)
			return b.node(ir.OpMatMul, "mm", nil, b.flatten(r), b.uniform("W", 0.5, 24, 3))
		}},
		{"concat_channels", []int{1, 3, 4, 4}, true, func(b *gb, h *ir.Value) *ir.Value {
			c := b.conv("c", h, 2, 3, 1, 1, true)
			return b.node(ir.OpConcat, "cat", ir.Attrs{"axis": ir.IntAttr(1)}, c, h, b.node(ir.OpRelu, "r", nil, c))
		}},
		{"concat_last_axis", []int{1, 2, 3}, true, func(b *gb, h *ir.Value) *ir.Value {
			return b.node(ir.OpConcat, "cat", ir.Attrs{"axis": ir.IntAttr(2)}, b.node(ir.OpRelu, "r", nil, h), h)
		}},
		{"batch_norm_train", []int{1, 3, 4, 4}, true, func(b *gb, h *ir.Value) *ir.Value {
			return b.node(ir.OpBatchNorm, "bn", ir.Attrs{"epsilon": ir.FloatAttr(1e-5)}, h, b.uniform("s", 1, 3), b.uniform("bb", 1, 3), b.filled("m", 0.1, 3), b.filled("v", 2, 3))
		}},
		{"batch_norm_eval", []int{1, 3, 4, 4}, false, func(b *gb, h *ir.Value) *ir.Value {
			return b.node(ir.OpBatchNorm, "bn", ir.Attrs{"epsilon": ir.FloatAttr(1e-5)}, h, b.uniform("s", 1, 3), b.uniform("bb", 1, 3), b.filled("m", 0.1, 3), b.filled("v", 2, 3))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := testGraph(t, c.in, c.f)
			gradCheck(t, g, 3, c.train)
		})
	}
}

// TestSoftmaxCrossEntropyGradient checks the loss gradient against finite
// differences in float64.
func TestSoftmaxCrossEntropyGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	z := tensor.New(tensor.Float32, 4, 5)
	for i := range z.F32 {
		z.F32[i] = float32(r.NormFloat64() * 2)
	}
	y := []int32{0, 3, 4, 1}
	loss, _, g, err := SoftmaxCrossEntropy(nil, z, y)
	if err != nil {
		t.Fatal(err)
	}
	// Reference loss in float64.
	ref := func(zs []float64) float64 {
		var l float64
		for i := 0; i < 4; i++ {
			row := zs[i*5 : (i+1)*5]
			var s float64
			for _, v := range row {
				s += math.Exp(v)
			}
			l += math.Log(s) - row[y[i]]
		}
		return l / 4
	}
	zs := make([]float64, len(z.F32))
	for i, v := range z.F32 {
		zs[i] = float64(v)
	}
	if d := math.Abs(ref(zs) - loss); d > 1e-9 {
		t.Fatalf("loss %v, reference %v", loss, ref(zs))
	}
	for i := range zs {
		old := zs[i]
		zs[i] = old + 1e-6
		up := ref(zs)
		zs[i] = old - 1e-6
		down := ref(zs)
		zs[i] = old
		num := (up - down) / 2e-6
		if math.Abs(num-float64(g.F32[i])) > 1e-6 {
			t.Errorf("dz[%d] = %v, numeric %v", i, g.F32[i], num)
		}
	}
	if _, _, _, err := SoftmaxCrossEntropy(nil, z, []int32{0, 9, 0, 0}); err == nil {
		t.Error("label 9 of 5 classes accepted")
	}
}

var _ = fmt.Sprint
