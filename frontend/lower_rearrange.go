package frontend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Lowerings of ONNX ops that are compositions of existing IR ops:
// DepthToSpace and SpaceToDepth (reshape, transpose, reshape: data movement
// the device applies to codes), InstanceNormalization and
// MeanVarianceNormalization (reductions and arithmetic), and Size (a
// constant, shapes being static).

func addRearrangeLowerers(m map[string]lowerFunc) {
	m["DepthToSpace"] = lowerDepthSpace(true)
	m["SpaceToDepth"] = lowerDepthSpace(false)
	m["InstanceNormalization"] = lowerInstanceNorm
	m["MeanVarianceNormalization"] = lowerMVN
	m["Size"] = lowerSize
}

// lowerDepthSpace: DepthToSpace moves blocks of b*b channels into b x b
// pixel blocks (mode DCR: depth, column, row order of the channel index;
// CRD, opset 11 on: column, row, depth), SpaceToDepth the reverse (DCR).
func lowerDepthSpace(toSpace bool) lowerFunc {
	return func(c *nodeCtx) error {
		x, err := c.soleInput()
		if err != nil {
			return err
		}
		b64, err := c.attrInt("blocksize", 0)
		if err != nil {
			return err
		}
		mode, err := c.attrString("mode", "DCR")
		if err != nil {
			return err
		}
		s := x.Type.Shape
		if len(s) != 4 {
			return fmt.Errorf("input has shape %v, want rank 4 (N, C, H, W)", s)
		}
		b := int(b64)
		if b < 1 || b > 1<<16 {
			return fmt.Errorf("attribute \"blocksize\" is %d, want a positive block size", b64)
		}
		n, ch, h, w := s[0], s[1], s[2], s[3]
		var split, perm, out []int
		switch {
		case toSpace && ch%(b*b) != 0:
			return fmt.Errorf("%d channels are not a multiple of blocksize^2 = %d", ch, b*b)
		case toSpace && mode == "DCR":
			split, perm = []int{n, b, b, ch / (b * b), h, w}, []int{0, 3, 4, 1, 5, 2}
		case toSpace && mode == "CRD":
			split, perm = []int{n, ch / (b * b), b, b, h, w}, []int{0, 1, 4, 2, 5, 3}
		case toSpace:
			return fmt.Errorf("attribute \"mode\" is %q, want DCR or CRD", mode)
		case h%b != 0 || w%b != 0:
			return fmt.Errorf("spatial size %dx%d is not a multiple of blocksize %d", h, w, b)
		default:
			split, perm = []int{n, ch, h / b, b, w / b, b}, []int{0, 3, 5, 1, 2, 4}
		}
		if toSpace {
			out = []int{n, ch / (b * b), h * b, w * b}
		} else {
			out = []int{n, ch * b * b, h / b, w / b}
		}
		v, err := c.emitTemp(ir.OpReshape, []*ir.Value{x}, ir.Attrs{"shape": ir.IntsFromInts(split)})
		if err != nil {
			return err
		}
		if v, err = c.emitTemp(ir.OpTranspose, []*ir.Value{v}, ir.Attrs{"perm": ir.IntsFromInts(perm)}); err != nil {
			return err
		}
		_, err = c.emit1(ir.OpReshape, []*ir.Value{v}, ir.Attrs{"shape": ir.IntsFromInts(out)})
		return err
	}
}

// lowerInstanceNorm: y = (x - mean) / sqrt(var + epsilon) * scale[c] +
// bias[c], statistics over the spatial axes of each (n, c).
func lowerInstanceNorm(c *nodeCtx) error {
	if err := c.arity(3, 3, 1, 1); err != nil {
		return err
	}
	ins, err := c.inputs()
	if err != nil {
		return err
	}
	x := ins[0]
	r := len(x.Type.Shape)
	if r < 3 {
		return fmt.Errorf("input has rank %d, want N, C and at least one spatial axis", r)
	}
	eps, err := c.attrFloat("epsilon", 1e-5)
	if err != nil {
		return err
	}
	perChannel := append([]int{x.Type.Shape[1]}, ones(r-2)...)
	for i, name := range []string{"scale", "B"} {
		v := ins[i+1]
		if len(v.Type.Shape) != 1 || v.Type.Shape[0] != x.Type.Shape[1] {
			return fmt.Errorf("input %d (%s) has shape %v, want [%d]", i+1, name, v.Type.Shape, x.Type.Shape[1])
		}
		if ins[i+1], err = c.emitTemp(ir.OpReshape, []*ir.Value{v}, ir.Attrs{"shape": ir.IntsFromInts(perChannel)}); err != nil {
			return err
		}
	}
	spatial := make([]int, r-2)
	for i := range spatial {
		spatial[i] = i + 2
	}
	d, err := c.centerScale(x, spatial, eps)
	if err != nil {
		return err
	}
	if d, err = c.emitTemp(ir.OpMul, []*ir.Value{d, ins[1]}, nil); err != nil {
		return err
	}
	_, err = c.emit1(ir.OpAdd, []*ir.Value{d, ins[2]}, nil)
	return err
}

// lowerMVN: (x - mean) / sqrt(var + 1e-9) over axes (default [0, 2, 3]),
// as MeanVarianceNormalization's function body computes it.
func lowerMVN(c *nodeCtx) error {
	x, err := c.soleInput()
	if err != nil {
		return err
	}
	axes, ok, err := c.attrInts("axes")
	if err != nil {
		return err
	}
	if !ok {
		axes = []int{0, 2, 3}
	}
	if axes, err = normAxes(axes, len(x.Type.Shape), "axes"); err != nil {
		return err
	}
	d, err := c.centerScale(x, axes, 1e-9)
	if err != nil {
		return err
	}
	_, err = c.emit1(ir.OpIdentity, []*ir.Value{d}, nil)
	return err
}

// centerScale emits (x - mean) / sqrt(var + eps) over axes (the population
// variance, mean((x - mean)^2)).
func (c *nodeCtx) centerScale(x *ir.Value, axes []int, eps float32) (*ir.Value, error) {
	red := ir.Attrs{"axes": ir.IntsFromInts(axes), "keepdims": ir.IntAttr(1)}
	mean, err := c.emitTemp(ir.OpReduceMean, []*ir.Value{x}, red)
	if err != nil {
		return nil, err
	}
	d, err := c.emitTemp(ir.OpSub, []*ir.Value{x, mean}, nil)
	if err != nil {
		return nil, err
	}
	sq, err := c.emitTemp(ir.OpMul, []*ir.Value{d, d}, nil)
	if err != nil {
		return nil, err
	}
	v, err := c.emitTemp(ir.OpReduceMean, []*ir.Value{sq}, red)
	if err != nil {
		return nil, err
	}
	e := tensor.New(x.Type.DType)
	if e.F64 != nil {
		e.F64[0] = float64(eps)
	} else {
		e.F32[0] = eps
	}
	if v, err = c.emitTemp(ir.OpAdd, []*ir.Value{v, c.im.g.AddConst(c.outName(0)+"/epsilon", e)}, nil); err != nil {
		return nil, err
	}
	if v, err = c.emitTemp(ir.Op(tensor.Sqrt.String()), []*ir.Value{v}, nil); err != nil {
		return nil, err
	}
	return c.emitTemp(ir.OpDiv, []*ir.Value{d, v}, nil)
}

// lowerSize: the number of elements, an int64 scalar constant.
func lowerSize(c *nodeCtx) error {
	x, err := c.soleInput()
	if err != nil {
		return err
	}
	c.bindConst(0, tensor.FromI64(tensor.Int64, []int64{int64(x.Type.NumElems())}))
	return nil
}

func ones(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}
