package backend

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/ir"
)

// node emits one device node.
func (c *compiler) node(n *ir.Node) error {
	switch n.Op {
	case ir.OpQConv:
		return c.qconv(n)
	case ir.OpQFC:
		return c.qfc(n)
	case ir.OpMaxPool, ir.OpQAvgPool:
		return c.pool(n)
	case ir.OpGlobalMaxPool, ir.OpQGlobalAvgPool:
		return c.globalPool(n)
	case ir.OpQAdd:
		return c.qadd(n)
	case ir.OpQClip:
		return c.qclip(n)
	case ir.OpQAffine:
		return c.qaffine(n)
	case ir.OpQLut:
		return c.qlut(n)
	case ir.OpQMul:
		return c.qmul(n)
	case ir.OpQConcat:
		return c.qconcat(n)
	case ir.OpReshape, ir.OpFlatten, ir.OpSqueeze, ir.OpUnsqueeze, ir.OpIdentity, ir.OpDropout:
		// Free: a new logical shape over the same words.
		x, err := c.in(n, 0)
		if err != nil {
			return err
		}
		for _, o := range n.Outputs {
			if o != nil {
				c.setLay(o, x.view(o.Type.Shape))
			}
		}
		return nil
	case ir.OpTranspose:
		x, err := c.stridedIn(n, 0)
		if err != nil {
			return err
		}
		perm := n.Ints("perm", nil)
		if len(perm) == 0 {
			for d := len(x.shape) - 1; d >= 0; d-- {
				perm = append(perm, d)
			}
		}
		c.setLay(n.Outputs[0], x.transpose(perm)) // tracked: a port read at the end keeps the buffer
		return nil
	case ir.OpSlice:
		x, err := c.stridedIn(n, 0)
		if err != nil {
			return err
		}
		v, err := x.strideSlice(n.Ints("begin", nil), n.Ints("step", nil), n.Ints("shape", nil))
		if err != nil {
			return err
		}
		c.setLay(n.Outputs[0], v)
		return nil
	case ir.OpSplit:
		x, err := c.stridedIn(n, 0)
		if err != nil {
			return err
		}
		axis := int(n.Int("axis", 0))
		if axis < 0 {
			axis += len(x.shape)
		}
		start := 0
		for _, o := range n.Outputs {
			sz := o.Type.Shape[axis]
			c.setLay(o, x.slice(axis, start, sz))
			start += sz
		}
		return nil
	case ir.OpPad:
		return c.pad(n)
	case ir.OpZeroInsert:
		return c.zeroInsert(n)
	}
	return fmt.Errorf("op %s is not supported on the device", n.Op)
}

// setLay records where v lives; the buffer stays allocated while any value
// living in it has a reader left.
func (c *compiler) setLay(v *ir.Value, l *layout) {
	c.lay[v] = l
	c.track(v, l)
}

// track records that v lives (also) in l's buffer.
func (c *compiler) track(v *ir.Value, l *layout) {
	if l.reg != nil {
		c.regVals[l.reg] = append(c.regVals[l.reg], v)
		c.valRegs[v] = append(c.valRegs[v], l.reg)
	}
}

// release frees the buffers of n's inputs and outputs that no later node of
// the segment reads (and that are not ports).
func (c *compiler) release(n *ir.Node, i int) {
	var cands []*region
	for _, v := range append(append([]*ir.Value{}, n.Inputs...), n.Outputs...) {
		if v != nil {
			cands = append(cands, c.valRegs[v]...)
		}
	}
	for _, r := range cands {
		vals, ok := c.regVals[r]
		if !ok {
			continue // already freed
		}
		live := false
		for _, v := range vals {
			if c.lastUse[v] > i {
				live = true
				break
			}
		}
		if !live {
			delete(c.regVals, r)
			if !r.dram { // DRAM words are never reused (band.go)
				c.buf.release(r)
			}
		}
	}
}

// in returns the layout of input i, in ABUF: a DRAM-resident input (banded
// mode, band.go) is loaded whole.
func (c *compiler) in(n *ir.Node, i int) (*layout, error) {
	l, err := c.inRaw(n, i)
	if err != nil || !l.dram {
		return l, err
	}
	return c.loadWhole(n.Input(i), l)
}

// inRaw returns the layout of input i where it is (ABUF or DRAM).
func (c *compiler) inRaw(n *ir.Node, i int) (*layout, error) {
	v := n.Input(i)
	if v == nil {
		return nil, fmt.Errorf("input %d is missing", i)
	}
	l := c.lay[v]
	if l == nil {
		if v.IsConst() {
			return nil, fmt.Errorf("input %d is a constant; constant activations are not supported on the device", i)
		}
		return nil, fmt.Errorf("BUG: input %d (%q) has no buffer", i, c.names[v])
	}
	return l, nil
}

// stridedIn returns input i as a strided layout in its own logical shape,
// copying it into a fresh buffer when it is a non-strided view.
func (c *compiler) stridedIn(n *ir.Node, i int) (*layout, error) {
	l, err := c.in(n, i)
	if err != nil {
		return nil, err
	}
	if l.strided() {
		return l, nil
	}
	d, err := c.alloc(l.shape, nil, false)
	if err != nil {
		return nil, err
	}
	if err := c.copyTo(fmt.Sprintf("input %d", i), d, l); err != nil {
		return nil, err
	}
	c.lay[n.Inputs[i]] = d
	return d, nil
}

// out allocates output i in a fresh canonical buffer, with the zero margins
// its convolution readers need.
func (c *compiler) out(n *ir.Node, i int) (*layout, error) { return c.outZero(n, i, false) }

// outZero is out, with the whole buffer reading zero when zero is set.
func (c *compiler) outZero(n *ir.Node, i int, zero bool) (*layout, error) {
	v := n.Outputs[i]
	l, err := c.alloc(v.Type.Shape, c.marginFor(v), zero)
	if err != nil {
		return nil, err
	}
	c.setLay(v, l)
	return l, nil
}

// marginFor is the zero border value v needs for its qconv readers (none if
// v leaves the device: ports are contiguous).
func (c *compiler) marginFor(v *ir.Value) []int {
	m := make([]int, len(v.Type.Shape))
	if c.g.IsOutput(v) {
		return m
	}
	for _, u := range c.uses[v] {
		if u.Op != ir.OpQConv || u.Inputs[0] != v || !onDevice(u) {
			continue
		}
		need, err := convMargins(u)
		if err != nil {
			continue
		}
		for d := range need {
			m[2+d] = max(m[2+d], need[d])
		}
	}
	for _, u := range c.uses[v] {
		if !onDevice(u) || c.part.phase[u] != c.part.phase[v.Def] {
			return make([]int, len(v.Type.Shape)) // leaves the segment: a port
		}
	}
	return m
}

// convMargins is the zero border a qconv reads around its input per spatial
// axis: the padding, or how far the last window reaches past the end.
func convMargins(n *ir.Node) ([]int, error) {
	x := n.Inputs[0].Type.Shape
	w := n.Inputs[1].Type.Shape
	o := n.Outputs[0].Type.Shape
	nsp := len(x) - 2
	strides, pads, dil := n.Ints("strides", nil), n.Ints("pads", nil), n.Ints("dilations", nil)
	if len(strides) != nsp || len(pads) != 2*nsp || len(dil) != nsp {
		return nil, fmt.Errorf("strides, pads or dilations do not match the %d spatial axes", nsp)
	}
	need := make([]int, nsp)
	for d := 0; d < nsp; d++ {
		lo := pads[d]
		hi := (o[2+d]-1)*strides[d] - pads[d] + (w[2+d]-1)*dil[d] - (x[2+d] - 1)
		need[d] = max(0, lo, hi)
	}
	return need, nil
}

// as4D views a strided [N,C,L] layout as [N,C,1,L] (1-D ops as 2-D).
func as4D(l *layout) *layout {
	if len(l.shape) == 4 {
		return l
	}
	// Insert the H axis by hand (view would also drop the stride and margin
	// of a size-1 W axis, which a padded 1-D convolution still needs).
	return &layout{
		dram:    l.dram,
		reg:     l.reg,
		base:    l.base,
		phys:    slices.Insert(slices.Clone(l.phys), 2, 1),
		strides: slices.Insert(slices.Clone(l.strides), 2, 0),
		margin:  slices.Insert(slices.Clone(l.margin), 2, 0),
		shape:   slices.Insert(slices.Clone(l.shape), 2, 1),
	}
}
