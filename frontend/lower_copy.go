package frontend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Lowerings of Expand, Tile and LayerNormalization; the border modes of Pad
// (lower_shape.go) lower to pad_border here too.

func addCopyLowerers(m map[string]lowerFunc) {
	m["Expand"] = lowerExpand
	m["Tile"] = lowerTile
	m["LayerNormalization"] = lowerLayerNorm
}

// lowerExpand: the shape input must be a constant (shapes are static); the
// output is the broadcast of the input's shape and it.
func lowerExpand(c *nodeCtx) error {
	if err := c.arity(2, 2, 1, 1); err != nil {
		return err
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	shape, err := c.constInts(1, "shape")
	if err != nil {
		return err
	}
	out, err := tensor.ExpandShape(x.Type.Shape, shape)
	if err != nil {
		return err
	}
	if tensor.SameShape(out, x.Type.Shape) {
		_, err = c.emit1(ir.OpIdentity, []*ir.Value{x}, nil)
		return err
	}
	_, err = c.emit1(ir.OpExpand, []*ir.Value{x}, ir.Attrs{"shape": ir.IntsFromInts(out)})
	return err
}

// lowerTile: repeats is a constant input (from opset 6; Tile-1's tiles and
// axis inputs are not accepted).
func lowerTile(c *nodeCtx) error {
	if c.opset < 6 {
		return unsupported("Tile before opset 6 (tiles/axis inputs)")
	}
	if err := c.arity(2, 2, 1, 1); err != nil {
		return err
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	rep, err := c.constInts(1, "repeats")
	if err != nil {
		return err
	}
	if len(rep) != len(x.Type.Shape) {
		return fmt.Errorf("input 1 (repeats) has %d values, want %d (the input's rank)", len(rep), len(x.Type.Shape))
	}
	_, err = c.emit1(ir.OpTile, []*ir.Value{x}, ir.Attrs{"repeats": ir.IntsFromInts(rep)})
	return err
}

// lowerLayerNorm: LayerNormalization (opset 17) with its optional Mean and
// InvStdDev outputs; stash_type only names the precision of the
// statistics, which the interpreter keeps in float64 anyway.
func lowerLayerNorm(c *nodeCtx) error {
	if err := c.arity(2, 3, 1, 3); err != nil {
		return err
	}
	x, err := c.input(0)
	if err != nil {
		return err
	}
	scale, err := c.input(1)
	if err != nil {
		return err
	}
	bias, err := c.optInput(2)
	if err != nil {
		return err
	}
	ins := []*ir.Value{x, scale}
	if bias != nil {
		ins = append(ins, bias)
	}
	axis, err := c.axisAttr(-1, len(x.Type.Shape))
	if err != nil {
		return err
	}
	eps, err := c.attrFloat("epsilon", 1e-5)
	if err != nil {
		return err
	}
	nout := 1
	for i := 1; i < 3; i++ {
		if c.outputUsed(i) {
			nout = i + 1
		}
	}
	names := make([]string, nout)
	for i := range names {
		names[i] = c.outName(i)
	}
	_, err = c.emit(ir.OpLayerNorm, ins, ir.Attrs{"axis": ir.IntAttr(int64(axis)), "epsilon": ir.FloatAttr(eps)}, names...)
	return err
}
