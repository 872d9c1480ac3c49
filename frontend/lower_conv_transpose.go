package frontend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// lowerConvTranspose imports ONNX ConvTranspose (opset 1, 11+) as
// conv_transpose with explicit pads and output_padding: auto_pad and
// output_shape are resolved here since shapes are static. Rules from the
// ONNX operator spec: SAME_UPPER/SAME_LOWER ask for in*stride output cells,
// output_shape for the given ones, and the padding that produces them is
// split with the odd cell at the end for SAME_UPPER, at the beginning
// otherwise (tensor.ConvTransposePadsFor).
func lowerConvTranspose(c *nodeCtx) error {
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
	if r < 3 || r > 5 {
		return fmt.Errorf("input %q has rank %d, want 3 to 5 (N, C, 1 to 3 spatial axes)", x.Name, r)
	}
	if len(w.Type.Shape) != r {
		return fmt.Errorf("weight %q has rank %d, want %d like the input", w.Name, len(w.Type.Shape), r)
	}
	nsp := r - 2
	in := x.Type.Shape[2:]
	win, err := c.readWindowNoAuto(nsp, w.Type.Shape[2:], false)
	if err != nil {
		return err
	}
	kernel, strides, dil, pads := win.kernel, win.strides, win.dilations, win.pads
	outPad, err := c.attrIntsLen("output_padding", nsp, make([]int, nsp))
	if err != nil {
		return err
	}
	for _, v := range outPad {
		if v < 0 {
			return fmt.Errorf("attribute \"output_padding\" %v: must be >= 0", outPad)
		}
	}
	group, err := c.attrInt("group", 1)
	if err != nil {
		return err
	}
	autoPad, err := c.readAutoPad()
	if err != nil {
		return err
	}
	outShape, haveOut, err := c.attrInts("output_shape")
	if err != nil {
		return err
	}
	if haveOut {
		// Some exporters write the full [N, C, spatial...] shape.
		if len(outShape) == nsp+2 {
			outShape = outShape[2:]
		}
		if len(outShape) != nsp {
			return fmt.Errorf("attribute \"output_shape\": want %d ints, got %d", nsp, len(outShape))
		}
	}
	if autoPad == "VALID" {
		pads = make([]int, 2*nsp)
	}
	if !haveOut && (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
		outShape, haveOut = make([]int, nsp), true
		for i := range outShape {
			outShape[i] = in[i] * strides[i]
		}
	}
	if haveOut {
		for i := 0; i < nsp; i++ {
			if outShape[i] < 1 {
				return fmt.Errorf("attribute \"output_shape\" %v: sizes must be >= 1", outShape)
			}
			pads[i], pads[i+nsp], outPad[i] = tensor.ConvTransposePadsFor(in[i], kernel[i], strides[i], dil[i], outPad[i], outShape[i], autoPad == "SAME_UPPER")
		}
	}
	ins := []*ir.Value{x, w}
	if b != nil {
		ins = append(ins, b)
	}
	_, err = c.emit1(ir.OpConvTranspose, ins, ir.Attrs{
		"strides":        ir.IntsFromInts(strides),
		"pads":           ir.IntsFromInts(pads),
		"dilations":      ir.IntsFromInts(dil),
		"output_padding": ir.IntsFromInts(outPad),
		"group":          ir.IntAttr(group),
	})
	return err
}
