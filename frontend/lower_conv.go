package frontend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
)

// windowAttrs are the resolved sliding-window attributes of Conv and pools.
type windowAttrs struct {
	kernel, strides, pads, dilations []int
}

// readWindow reads kernel_shape (checked against kernel when given), strides,
// dilations, pads and auto_pad for nsp spatial axes of size in, resolving
// auto_pad to explicit pads (shapes are static). ceil applies to pools.
func (c *nodeCtx) readWindow(in, kernel []int, kernelRequired bool) (*windowAttrs, error) {
	w, err := c.readWindowNoAuto(len(in), kernel, kernelRequired)
	if err != nil {
		return nil, err
	}
	autoPad, err := c.readAutoPad()
	if err != nil {
		return nil, err
	}
	nsp := len(in)
	switch autoPad {
	case "VALID":
		w.pads = make([]int, 2*nsp)
	case "SAME_UPPER", "SAME_LOWER":
		// Output size ceil(in/stride); the total padding needed to get it is
		// split evenly, the odd cell going at the end (UPPER) or the
		// beginning (LOWER). Formula from the ONNX operator docs.
		w.pads = make([]int, 2*nsp)
		for i := 0; i < nsp; i++ {
			out := (in[i] + w.strides[i] - 1) / w.strides[i]
			total := max(0, (out-1)*w.strides[i]+(w.kernel[i]-1)*w.dilations[i]+1-in[i])
			small, big := total/2, total-total/2
			if autoPad == "SAME_UPPER" {
				w.pads[i], w.pads[i+nsp] = small, big
			} else {
				w.pads[i], w.pads[i+nsp] = big, small
			}
		}
	}
	return w, nil
}

// readAutoPad reads auto_pad and checks that it names an ONNX mode; what a
// mode means for the pads depends on the op (Conv and ConvTranspose differ).
func (c *nodeCtx) readAutoPad() (string, error) {
	autoPad, err := c.attrString("auto_pad", "NOTSET")
	if err != nil {
		return "", err
	}
	switch autoPad {
	case "", "NOTSET":
		return "NOTSET", nil
	case "VALID", "SAME_UPPER", "SAME_LOWER":
		return autoPad, nil
	}
	return "", fmt.Errorf("attribute \"auto_pad\": unknown value %q (want NOTSET, SAME_UPPER, SAME_LOWER or VALID)", autoPad)
}

// readWindowNoAuto reads kernel_shape (checked against kernel when given,
// required when kernelRequired and kernel is nil), strides, dilations and
// explicit pads for nsp spatial axes; auto_pad is the caller's.
func (c *nodeCtx) readWindowNoAuto(nsp int, kernel []int, kernelRequired bool) (*windowAttrs, error) {
	ks, ok, err := c.attrInts("kernel_shape")
	if err != nil {
		return nil, err
	}
	switch {
	case ok && len(ks) != nsp:
		return nil, fmt.Errorf("attribute \"kernel_shape\": want %d ints, got %d", nsp, len(ks))
	case ok && kernel != nil:
		for i := range ks {
			if ks[i] != kernel[i] {
				return nil, fmt.Errorf("attribute \"kernel_shape\" %v disagrees with the weight's spatial dims %v", ks, kernel)
			}
		}
	case ok:
		kernel = ks
	case kernelRequired:
		return nil, fmt.Errorf("missing required attribute \"kernel_shape\"")
	}
	for _, k := range kernel {
		if k < 1 {
			return nil, fmt.Errorf("kernel %v: sizes must be >= 1", kernel)
		}
	}
	w := &windowAttrs{kernel: kernel}
	ones := make([]int, nsp)
	for i := range ones {
		ones[i] = 1
	}
	if w.strides, err = c.attrIntsLen("strides", nsp, ones); err != nil {
		return nil, err
	}
	if w.dilations, err = c.attrIntsLen("dilations", nsp, ones); err != nil {
		return nil, err
	}
	for i := 0; i < nsp; i++ {
		if w.strides[i] < 1 || w.dilations[i] < 1 {
			return nil, fmt.Errorf("strides %v and dilations %v must be >= 1", w.strides, w.dilations)
		}
	}
	if w.pads, err = c.attrIntsLen("pads", 2*nsp, make([]int, 2*nsp)); err != nil {
		return nil, err
	}
	for _, p := range w.pads {
		if p < 0 {
			return nil, fmt.Errorf("attribute \"pads\" %v: must be >= 0", w.pads)
		}
	}
	return w, nil
}

func lowerConv(c *nodeCtx) error {
	if err := c.arity(2, 3, 1, 1); err != nil {
		return err
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	w, err := c.input(1)
	if err != nil {
		return err
	}
	b, err := c.optInput(2)
	if err != nil {
		return err
	}
	r := len(x.Type.Shape)
	if r != 3 && r != 4 {
		if r == 5 {
			return unsupported("3-D convolution (input rank 5)")
		}
		return fmt.Errorf("input %q has rank %d, want 3 (N,C,L) or 4 (N,C,H,W)", x.Name, r)
	}
	if len(w.Type.Shape) != r {
		return fmt.Errorf("weight %q has rank %d, want %d like the input", w.Name, len(w.Type.Shape), r)
	}
	win, err := c.readWindow(x.Type.Shape[2:], w.Type.Shape[2:], false)
	if err != nil {
		return err
	}
	group, err := c.attrInt("group", 1)
	if err != nil {
		return err
	}
	ins := []*ir.Value{x, w}
	if b != nil {
		ins = append(ins, b)
	}
	_, err = c.emit1(ir.OpConv, ins, ir.Attrs{
		"strides":   ir.IntsFromInts(win.strides),
		"pads":      ir.IntsFromInts(win.pads),
		"dilations": ir.IntsFromInts(win.dilations),
		"group":     ir.IntAttr(group),
	})
	return err
}

func lowerPool(c *nodeCtx) error {
	if err := c.arity(1, 1, 1, 2); err != nil {
		return err
	}
	if c.outputUsed(1) && c.opType != "MaxPool" {
		return fmt.Errorf("has 2 outputs, want 1")
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	r := len(x.Type.Shape)
	if r < 3 || r > 5 {
		return fmt.Errorf("input %q has rank %d, want 3 to 5", x.Name, r)
	}
	win, err := c.readWindow(x.Type.Shape[2:], nil, true)
	if err != nil {
		return err
	}
	ceil, err := c.attrInt("ceil_mode", 0)
	if err != nil {
		return err
	}
	attrs := ir.Attrs{
		"kernel":    ir.IntsFromInts(win.kernel),
		"strides":   ir.IntsFromInts(win.strides),
		"pads":      ir.IntsFromInts(win.pads),
		"dilations": ir.IntsFromInts(win.dilations),
		"ceil_mode": ir.IntAttr(boolInt(ceil != 0)),
	}
	op := ir.OpMaxPool
	if c.opType == "AveragePool" {
		op = ir.OpAvgPool
		cip, err := c.attrInt("count_include_pad", 0)
		if err != nil {
			return err
		}
		attrs["count_include_pad"] = ir.IntAttr(boolInt(cip != 0))
	} else {
		so, err := c.attrInt("storage_order", 0)
		if err != nil {
			return err
		}
		if c.outputUsed(1) {
			// The Indices output: its own op over the same windows.
			ia := ir.Attrs{"storage_order": ir.IntAttr(boolInt(so != 0))}
			for k, v := range attrs {
				ia[k] = v
			}
			if _, err := c.emit(ir.OpMaxPoolIndices, []*ir.Value{x}, ia, c.outName(1)); err != nil {
				return err
			}
		}
	}
	_, err = c.emit1(op, []*ir.Value{x}, attrs)
	return err
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
