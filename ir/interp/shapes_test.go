package interp

import (
	"math/rand"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// The interpreter's kernels compute output shapes themselves and compare
// them with the graph's types, which come from ir.InferNode. Both must agree
// on every valid conv and pool configuration (ceil_mode, dilations,
// asymmetric pads); a disagreement would make valid graphs fail to run.
func TestKernelShapesAgreeWithInference(t *testing.T) {
	r := rand.New(rand.NewSource(40))
	checked := 0
	for iter := 0; iter < 3000; iter++ {
		s := 1 + r.Intn(2)
		shape := []int{1 + r.Intn(2), 1 + r.Intn(3)}
		var kernel, strides, dil, pads []int64
		for i := 0; i < s; i++ {
			shape = append(shape, 1+r.Intn(9))
			kernel = append(kernel, int64(1+r.Intn(4)))
			strides = append(strides, int64(1+r.Intn(3)))
			dil = append(dil, int64(1+r.Intn(2)))
		}
		for i := 0; i < 2*s; i++ {
			pads = append(pads, int64(r.Intn(int(kernel[i%s]))))
		}
		x := &ir.Value{Name: "x", Type: ir.Type{DType: tensor.Float32, Shape: shape}}
		ceil := int64(r.Intn(2))
		pool := &ir.Node{Op: ir.OpMaxPool, Inputs: []*ir.Value{x}, Outputs: []*ir.Value{{}}, Attrs: ir.Attrs{
			"kernel": ir.IntsAttr(kernel...), "strides": ir.IntsAttr(strides...), "pads": ir.IntsAttr(pads...),
			"dilations": ir.IntsAttr(dil...), "ceil_mode": ir.IntAttr(ceil)}}
		p, err := poolParams(pool)
		if err != nil {
			t.Fatal(err)
		}
		want, kerr := tensor.PoolShape(shape, p)
		ierr := ir.InferNode(pool)
		if (kerr == nil) != (ierr == nil) {
			t.Fatalf("pool %v %+v: kernel shape error %v, inference error %v", shape, p, kerr, ierr)
		}
		if kerr == nil && !tensor.SameShape(want, pool.Outputs[0].Type.Shape) {
			t.Fatalf("pool %v %+v: kernel shape %v, inference %v", shape, p, want, pool.Outputs[0].Type.Shape)
		}

		group := int64(1 + r.Intn(2))
		c := shape[1] * int(group)
		cshape := append([]int{shape[0], c}, shape[2:]...)
		xc := &ir.Value{Name: "x", Type: ir.Type{DType: tensor.Float32, Shape: cshape}}
		wshape := append([]int{int(group) * (1 + r.Intn(3)), shape[1]}, toInts(kernel)...)
		w := &ir.Value{Name: "w", Type: ir.Type{DType: tensor.Float32, Shape: wshape}}
		conv := &ir.Node{Op: ir.OpConv, Inputs: []*ir.Value{xc, w}, Outputs: []*ir.Value{{}}, Attrs: ir.Attrs{
			"strides": ir.IntsAttr(strides...), "pads": ir.IntsAttr(pads...), "dilations": ir.IntsAttr(dil...),
			"group": ir.IntAttr(group)}}
		cp := tensor.ConvParams{Strides: toInts(strides), Pads: toInts(pads), Dilations: toInts(dil), Group: int(group)}
		cwant, kerr := tensor.ConvShape(cshape, wshape, cp)
		ierr = ir.InferNode(conv)
		if (kerr == nil) != (ierr == nil) {
			t.Fatalf("conv %v w %v %+v: kernel shape error %v, inference error %v", cshape, wshape, cp, kerr, ierr)
		}
		if kerr == nil {
			checked++
			if !tensor.SameShape(cwant, conv.Outputs[0].Type.Shape) {
				t.Fatalf("conv %v w %v %+v: kernel shape %v, inference %v", cshape, wshape, cp, cwant, conv.Outputs[0].Type.Shape)
			}
		}
	}
	if checked < 500 {
		t.Fatalf("only %d valid convolutions generated", checked)
	}
}

func toInts(v []int64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

// Same agreement for NumPy matmul and broadcasting binary ops.
func TestMatMulAndBroadcastShapesAgree(t *testing.T) {
	r := rand.New(rand.NewSource(41))
	dims := func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = 1 + r.Intn(3)
		}
		return s
	}
	for iter := 0; iter < 2000; iter++ {
		a, b := dims(1+r.Intn(4)), dims(1+r.Intn(4))
		if r.Intn(2) == 0 && len(b) >= 2 { // make the inner sizes match half of the time
			b[len(b)-2] = a[len(a)-1]
		}
		for _, op := range []ir.Op{ir.OpMatMul, ir.OpAdd} {
			va := &ir.Value{Type: ir.Type{DType: tensor.Float32, Shape: a}}
			vb := &ir.Value{Type: ir.Type{DType: tensor.Float32, Shape: b}}
			n := &ir.Node{Op: op, Inputs: []*ir.Value{va, vb}, Outputs: []*ir.Value{{}}}
			var want []int
			var kerr error
			if op == ir.OpMatMul {
				want, kerr = tensor.MatMulShape(a, b)
			} else {
				want, kerr = tensor.BroadcastShape(a, b)
			}
			ierr := ir.InferNode(n)
			if (kerr == nil) != (ierr == nil) {
				t.Fatalf("%s %v %v: kernel error %v, inference error %v", op, a, b, kerr, ierr)
			}
			if kerr == nil && !tensor.SameShape(want, n.Outputs[0].Type.Shape) {
				t.Fatalf("%s %v %v: kernel shape %v, inference %v", op, a, b, want, n.Outputs[0].Type.Shape)
			}
		}
	}
}
