package tensor

import "fmt"

// ConvTransposeParams are the resolved attributes of a transposed
// convolution (ONNX ConvTranspose) over s spatial axes: Strides, Dilations
// and OutputPadding have s entries, Pads 2*s ([begin..., end...]). Padding
// here crops the full output (it is the padding of the forward convolution
// this op is the gradient of); OutputPadding adds cells at the end of each
// axis, where only the bias lands unless kernel taps reach them.
type ConvTransposeParams struct {
	Strides       []int
	Pads          []int
	Dilations     []int
	OutputPadding []int
	Group         int
}

// ConvTransposeOutSize is the ONNX ConvTranspose output length of one axis:
// stride*(in-1) + outPad + ((kernel-1)*dilation+1) - padBegin - padEnd
// (formula from the ONNX operator spec, opset 11+).
func ConvTransposeOutSize(in, kernel, stride, dilation, padBegin, padEnd, outPad int) int {
	return stride*(in-1) + outPad + (kernel-1)*dilation + 1 - padBegin - padEnd
}

// ConvTransposePadsFor returns the pads and output padding of one axis that
// give the requested output length, following the ONNX spec's output_shape
// rule: total = stride*(in-1) + outPad + ((kernel-1)*dilation+1) - out is
// split in two, the odd cell at the end for SAME_UPPER (upper true) and at
// the beginning otherwise. A negative total (an output longer than the
// unpadded result) is not padding but extra cells at the end, returned as a
// larger output padding, which is what onnxruntime computes (it clamps the
// total at 0 and sizes the output as requested).
func ConvTransposePadsFor(in, kernel, stride, dilation, outPad, out int, upper bool) (padBegin, padEnd, newOutPad int) {
	total := ConvTransposeOutSize(in, kernel, stride, dilation, 0, 0, outPad) - out
	if total < 0 {
		return 0, 0, outPad - total
	}
	if upper {
		return total / 2, total - total/2, outPad
	}
	return total - total/2, total / 2, outPad
}

// maxConvTAttr bounds strides, dilations, pads and output padding so that
// the output size formula cannot overflow int with dimensions up to 2^40
// (ir.MaxElems): 2^20 * 2^40 stays far below 2^63. Real models use single
// digits.
const maxConvTAttr = 1 << 20

// ConvTransposeShape checks a transposed convolution of x [N,C,spatial...]
// (1 to 3 spatial axes) with w [C, M/Group, kernel...] and returns the
// output shape [N, M, out...].
func ConvTransposeShape(x, w []int, p ConvTransposeParams) ([]int, error) {
	s := len(x) - 2
	if s < 1 || s > 3 {
		return nil, fmt.Errorf("conv_transpose: input must be [N,C,spatial...] with 1 to 3 spatial axes, got %s", ShapeString(x))
	}
	if len(w) != len(x) {
		return nil, fmt.Errorf("conv_transpose: weight %s must have the rank of input %s", ShapeString(w), ShapeString(x))
	}
	if len(p.Strides) != s || len(p.Dilations) != s || len(p.OutputPadding) != s || len(p.Pads) != 2*s {
		return nil, fmt.Errorf("conv_transpose: want %d strides, dilations and output_padding and %d pads, got %v %v %v %v",
			s, 2*s, p.Strides, p.Dilations, p.OutputPadding, p.Pads)
	}
	g := p.Group
	if g < 1 {
		return nil, fmt.Errorf("conv_transpose: group must be >= 1, got %d", g)
	}
	if x[1] != w[0] || w[0]%g != 0 {
		return nil, fmt.Errorf("conv_transpose: input %s and weight %s do not fit group %d (want C = W[0] divisible by group)",
			ShapeString(x), ShapeString(w), g)
	}
	out := []int{x[0], w[1] * g}
	for i := 0; i < s; i++ {
		if p.Strides[i] < 1 || p.Dilations[i] < 1 || w[2+i] < 1 {
			return nil, fmt.Errorf("conv_transpose: strides %v, dilations %v and kernel %v must be >= 1", p.Strides, p.Dilations, w[2:])
		}
		if p.Pads[i] < 0 || p.Pads[s+i] < 0 || p.OutputPadding[i] < 0 {
			return nil, fmt.Errorf("conv_transpose: pads %v and output_padding %v must be >= 0", p.Pads, p.OutputPadding)
		}
		if max(p.Strides[i], p.Dilations[i], p.Pads[i], p.Pads[s+i], p.OutputPadding[i]) > maxConvTAttr {
			return nil, fmt.Errorf("conv_transpose: strides %v, dilations %v, pads %v or output_padding %v beyond 2^20", p.Strides, p.Dilations, p.Pads, p.OutputPadding)
		}
		o := ConvTransposeOutSize(x[2+i], w[2+i], p.Strides[i], p.Dilations[i], p.Pads[i], p.Pads[s+i], p.OutputPadding[i])
		if o < 1 {
			return nil, fmt.Errorf("conv_transpose: spatial axis %d: pads %v leave no output (length %d)", i, p.Pads, o)
		}
		out = append(out, o)
	}
	return out, nil
}

// ConvTranspose computes dst = conv_transpose(x, w) + b (b may be nil).
// It is the direct scatter form: every input cell adds x*w to the output
// cells its kernel taps reach, at i*stride - padBegin + k*dilation per axis;
// taps falling in the cropped padding are dropped. Not fast, but obviously
// the definition; the op runs on the host and decoder layers are small.
func ConvTranspose(dst, x, w, b *Tensor, p ConvTransposeParams) error {
	for _, t := range []struct {
		name string
		t    *Tensor
	}{{"x", x}, {"w", w}} {
		if err := checkStorage(t.name, t.t); err != nil {
			return err
		}
	}
	if !x.DType.IsFloat() {
		return fmt.Errorf("conv_transpose: want a float input, got %v", x)
	}
	if err := sameType(x.DType, w, b); err != nil {
		return fmt.Errorf("conv_transpose: %w", err)
	}
	out, err := ConvTransposeShape(x.Shape, w.Shape, p)
	if err != nil {
		return err
	}
	if err := checkDst(dst, x.DType, out); err != nil {
		return fmt.Errorf("conv_transpose: %w", err)
	}
	if b != nil {
		if err := checkStorage("bias", b); err != nil {
			return err
		}
		if b.Rank() != 1 || b.Shape[0] != out[1] {
			return fmt.Errorf("conv_transpose: bias is %v, want [%d]", b, out[1])
		}
	}
	g := newConvT3(x.Shape, w.Shape, out, p)
	if x.DType == Float64 {
		var bias []float64
		if b != nil {
			bias = b.F64
		}
		convTransposeRun(g, dst.F64, x.F64, w.F64, bias)
		return nil
	}
	var bias []float32
	if b != nil {
		bias = b.F32
	}
	convTransposeRun(g, dst.F32, x.F32, w.F32, bias)
	RoundToType(x.DType, dst.F32)
	return nil
}

// convT3 is a transposed convolution with its spatial axes padded to three
// (leading axes of length 1, stride 1, no padding), so one loop nest serves
// 1-D, 2-D and 3-D.
type convT3 struct {
	n, c, m, group int
	in, k, out     [3]int
	stride, dil    [3]int
	padBegin       [3]int
}

func newConvT3(x, w, out []int, p ConvTransposeParams) convT3 {
	s := len(x) - 2
	g := convT3{n: x[0], c: x[1], m: out[1], group: p.Group}
	for i := 0; i < 3; i++ {
		g.in[i], g.k[i], g.out[i], g.stride[i], g.dil[i] = 1, 1, 1, 1, 1
	}
	for i := 0; i < s; i++ {
		j := 3 - s + i
		g.in[j], g.k[j], g.out[j] = x[2+i], w[2+i], out[2+i]
		g.stride[j], g.dil[j], g.padBegin[j] = p.Strides[i], p.Dilations[i], p.Pads[i]
	}
	return g
}

func convTransposeRun[T floatElem](g convT3, d, x, w, bias []T) {
	outSp := g.out[0] * g.out[1] * g.out[2]
	inSp := g.in[0] * g.in[1] * g.in[2]
	kSp := g.k[0] * g.k[1] * g.k[2]
	cg, mg := g.c/g.group, g.m/g.group
	for n := 0; n < g.n; n++ {
		for m := 0; m < g.m; m++ {
			plane := d[(n*g.m+m)*outSp : (n*g.m+m+1)*outSp]
			var b T
			if bias != nil {
				b = bias[m]
			}
			for i := range plane {
				plane[i] = b
			}
		}
		for c := 0; c < g.c; c++ {
			grp := c / cg
			xs := x[(n*g.c+c)*inSp : (n*g.c+c+1)*inSp]
			for mo := 0; mo < mg; mo++ {
				m := grp*mg + mo
				plane := d[(n*g.m+m)*outSp : (n*g.m+m+1)*outSp]
				ws := w[(c*mg+mo)*kSp : (c*mg+mo+1)*kSp]
				convTransposeScatter(g, plane, xs, ws)
			}
		}
	}
}

// convTransposeScatter adds the contribution of one input channel plane xs
// through one kernel ws to one output channel plane.
func convTransposeScatter[T floatElem](g convT3, plane, xs, ws []T) {
	for i0 := 0; i0 < g.in[0]; i0++ {
		for i1 := 0; i1 < g.in[1]; i1++ {
			for i2 := 0; i2 < g.in[2]; i2++ {
				v := xs[(i0*g.in[1]+i1)*g.in[2]+i2]
				for k0 := 0; k0 < g.k[0]; k0++ {
					o0 := i0*g.stride[0] - g.padBegin[0] + k0*g.dil[0]
					if o0 < 0 || o0 >= g.out[0] {
						continue
					}
					for k1 := 0; k1 < g.k[1]; k1++ {
						o1 := i1*g.stride[1] - g.padBegin[1] + k1*g.dil[1]
						if o1 < 0 || o1 >= g.out[1] {
							continue
						}
						row := plane[(o0*g.out[1]+o1)*g.out[2]:]
						wrow := ws[(k0*g.k[1]+k1)*g.k[2]:]
						for k2 := 0; k2 < g.k[2]; k2++ {
							o2 := i2*g.stride[2] - g.padBegin[2] + k2*g.dil[2]
							if o2 < 0 || o2 >= g.out[2] {
								continue
							}
							row[o2] += v * wrow[k2]
						}
					}
				}
			}
		}
	}
}
