package backend

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
)

// qconv maps a convolution: the input must be strided with the zero margins
// the windows reach into (a padded copy is made otherwise); K columns are
// the buffer offsets of (c, ky, kx) relative to the window origin.
func (c *compiler) qconv(n *ir.Node) error {
	xv := n.Inputs[0]
	if r := len(xv.Type.Shape); r != 3 && r != 4 {
		return fmt.Errorf("rank %d convolution (want 1-D or 2-D)", r)
	}
	need, err := convMargins(n)
	if err != nil {
		return err
	}
	var x *layout
	if xz := n.Int("x_zero", 0); xz != 0 && slices.ContainsFunc(n.Ints("pads", nil), func(p int) bool { return p != 0 }) {
		x, err = c.withZeroMargins(n, need, xz)
	} else {
		x, err = c.withMargins(n, need)
	}
	if err != nil {
		return err
	}
	y, err := c.outOrDRAM(n, 0)
	if err != nil {
		return err
	}
	x4, y4 := as4D(x), as4D(y)
	ws := n.Inputs[1].Type.Shape
	// Cg: the input channels of one mapped group (of b ONNX groups when
	// the mapping merged them, mapping.Layer.Block).
	Cg := ws[1] * max(c.plan.ByNode[n].Block, 1)
	kh, kw := 1, ws[len(ws)-1]
	strides, pads, dil := n.Ints("strides", nil), n.Ints("pads", nil), n.Ints("dilations", nil)
	sy, sx, py, px, dy, dx := 1, strides[0], 0, pads[0], 1, dil[0]
	if len(ws) == 4 {
		kh = ws[2]
		sy, sx, py, px, dy, dx = strides[0], strides[1], pads[0], pads[1], dil[0], dil[1]
	}
	sC, sH, sW := x4.strides[1], x4.strides[2], x4.strides[3]
	m, err := buildMatrix(n, c.plan.ByNode[n], kh, kw, func(g, ch, ky, kx int) int {
		return (g*Cg+ch)*sC + ky*dy*sH + kx*dx*sW
	})
	if err != nil {
		return err
	}
	ys := y4.shape
	pl := pixelLoop{
		dims:    []int{ys[0], ys[2], ys[3]},
		in:      operand{base: x4.base - py*sH - px*sW, strides: []int{x4.strides[0], sy * sH, sx * sW}},
		out:     operand{base: y4.base, strides: []int{y4.strides[0], y4.strides[2], y4.strides[3]}},
		outChan: y4.strides[1],
	}
	if x4.dram || y4.dram { // banded mode (band.go): rows of output pixels
		bp, err := c.planBands("convolution", n, x4, y4, ys[2], func(r int) int { return (r-1)*sy + (kh-1)*dy + 1 })
		if err != nil {
			return err
		}
		pl.bands = func(run func(pixelLoop)) {
			bp.each(c, ys[2], func(oy0 int) int { return oy0*sy - py }, func(b band) {
				run(pixelLoop{
					dims:    []int{1, b.n, ys[3]},
					in:      operand{base: b.x.base - py*sH - px*sW + b.oy0*sy*sH, strides: pl.in.strides},
					out:     operand{base: b.y.base + b.oy0*b.y.strides[2], strides: pl.out.strides},
					outChan: pl.outChan,
				})
			})
			bp.release(c)
		}
	}
	return c.mapMatrix(n, m, pl, ys[0]*ys[2]*ys[3])
}

// withMargins returns the input of a qconv as a strided layout with at least
// need zero cells around each spatial index, copying it into a zero-bordered
// buffer when it has less (a graph input port, a view, a shared value).
func (c *compiler) withMargins(n *ir.Node, need []int) (*layout, error) {
	v := n.Inputs[0]
	l, err := c.inRaw(n, 0)
	if err != nil {
		return nil, err
	}
	ok := l.strided()
	if l.dram && !(ok && len(l.shape) == 4 && l.shape[0] == 1 && marginsAtLeast(l, need)) {
		// banded mode: only a 2-D batch-1 input with its margins is read in bands
		if l, err = c.loadWhole(v, l); err != nil {
			return nil, err
		}
	}
	for d := range need {
		if ok && l.margin[2+d] < need[d] && l.shape[2+d] > 0 {
			ok = false
		}
	}
	if ok {
		return l, nil
	}
	if p := c.padded[v]; p != nil {
		good := true
		for d := range need {
			good = good && p.margin[2+d] >= need[d]
		}
		if good {
			return p, nil
		}
	}
	m := make([]int, len(l.shape))
	for d := range need {
		m[2+d] = need[d]
	}
	p, err := c.alloc(l.shape, m, false)
	if err != nil {
		return nil, err
	}
	if err := c.copyTo("zero-bordered copy of the input", p, l); err != nil {
		return nil, err
	}
	c.padded[v] = p
	c.track(v, p)
	return p, nil
}

// withZeroMargins returns the input of a qconv with an input zero point xz
// (x_zero) in a buffer whose margins hold xz: the whole buffer is filled
// with xz (one bfill) and the input copied into it, so the padded cells
// contribute nothing to sum (x - xz) w. The copy is made for this layer
// alone (cost: the bfill and a vld/vst per pixel vector).
func (c *compiler) withZeroMargins(n *ir.Node, need []int, xz int64) (*layout, error) {
	v := n.Inputs[0]
	l, err := c.inRaw(n, 0)
	if err != nil {
		return nil, err
	}
	if l.dram {
		if l, err = c.loadWhole(v, l); err != nil {
			return nil, err
		}
	}
	m := make([]int, len(l.shape))
	for d := range need {
		m[2+d] = need[d]
	}
	p, err := c.allocFill(l.shape, m, false, xz)
	if err != nil {
		return nil, err
	}
	if err := c.copyTo("input copy bordered with its zero point", p, l); err != nil {
		return nil, err
	}
	c.track(v, p)
	return p, nil
}

// marginsAtLeast reports whether l has need zero cells around each spatial
// index.
func marginsAtLeast(l *layout, need []int) bool {
	for d := range need {
		if l.margin[2+d] < need[d] && l.shape[2+d] > 0 {
			return false
		}
	}
	return true
}

// qfc maps a fully connected layer x [M,K] * w [N,K]^T: one pixel per row of
// x. The columns' offsets come from x's layout, so a flatten of an NHWC
// buffer costs nothing (the weights are permuted instead).
func (c *compiler) qfc(n *ir.Node) error {
	xv := n.Inputs[0]
	x, err := c.in(n, 0)
	if err != nil {
		return err
	}
	rows, K := xv.Type.Shape[0], xv.Type.Shape[1]
	a00 := x.addr(0)
	rowStride := 0
	if rows > 1 {
		rowStride = x.addr(K) - a00
	}
	affine := true
	for r := 0; r < rows && affine; r++ {
		for k := 0; k < K; k++ {
			if x.addr(r*K+k)-a00 != r*rowStride+x.addr(k)-a00 {
				affine = false
				break
			}
		}
	}
	if !affine {
		if x, err = c.stridedIn(n, 0); err != nil {
			return err
		}
		a00 = x.addr(0)
		rowStride = x.strides[0]
	}
	y, err := c.out(n, 0)
	if err != nil {
		return err
	}
	m, err := buildMatrix(n, c.plan.ByNode[n], 1, 1, func(_, k, _, _ int) int { return x.addr(k) - a00 })
	if err != nil {
		return err
	}
	pl := pixelLoop{
		dims:    []int{rows},
		in:      operand{base: a00, strides: []int{rowStride}},
		out:     operand{base: y.base, strides: []int{y.strides[0]}},
		outChan: y.strides[1],
	}
	return c.mapMatrix(n, m, pl, rows)
}

// mapMatrix emits a matrix layer as mapped and records its stats.
func (c *compiler) mapMatrix(n *ir.Node, m *matrix, pl pixelLoop, pixels int) error {
	l := m.lay
	segs := make([][][2]int, len(l.Groups))
	for g := range l.Groups {
		segs[g] = l.Groups[g].Segs
	}
	tiles := make([]tile, len(l.Tiles))
	for i, t := range l.Tiles {
		tiles[i] = tile{rep: t.Replica, grp: t.Grp, seg: t.Seg, sa: t.SA, inRow: t.Row, wRow: t.Row + l.N}
		for k := t.From; k < t.To; k++ {
			tiles[i].filters = append(tiles[i].filters, k)
		}
	}
	nchunks := len(laneChunks(m, tiles, c.e.arch.DPULanes))
	k := c.splitOf(n) // controllers; l.Replicas / k replicas each
	if r, most := l.Replicas/k, maxAccRegs(nchunks); l.Replicas%k != 0 || r > most && !packedReplicas(m, pl, nchunks, r, c.e.arch.DPULanes) {
		return fmt.Errorf("%d replicas on %d controller(s): at most %d each for %d output channels (one DPU accumulator register each, or %d side by side in one)", l.Replicas, k, most, m.F, c.e.arch.DPULanes/max(m.F, 1))
	}
	repTile, err := replicaTiles(l)
	if err != nil {
		return err
	}
	c.res.Layers = append(c.res.Layers, LayerStat{
		Node: n.Name, Op: string(n.Op), OnnxOp: n.OnnxOp, Filters: m.F, KeptFilters: m.keptFilters,
		Cols: m.totalCols, KeptCols: m.keptCols, M: m.M, N: m.N,
		Segments: l.Segments(), Tiles: len(tiles), Subarrays: l.Subarrays, FirstSubarray: l.FirstSubarray,
		WeightRows: l.WeightRows(), Pixels: pixels, Replicas: l.Replicas, Reprogrammed: l.Reprogrammed, Spread: l.Spread,
		WBits: quantBits(n.Inputs[1]), ABits: quantBits(n.Outputs[0]),
	})
	// Declare the layer's workload on its source (set by compiler.run)
	// so reports count the true MACs rather than infer them from the
	// bit-serial work: per tile of one replica, its filters x its
	// segment's columns, per pixel (kept filters x kept columns, less the
	// all-zero tiles the mapper skipped).
	// With block-diagonal groups (mapping.Layer.Block) a filter's MACs
	// are its own block's columns.
	var macs int64
	for _, t := range tiles {
		if t.rep != 0 {
			continue
		}
		sg := segs[t.grp][t.seg]
		if l.Block <= 1 {
			macs += int64(len(t.filters)) * int64(sg[1]-sg[0])
			continue
		}
		lg := &l.Groups[t.grp]
		for _, fi := range t.filters {
			for j := sg[0]; j < sg[1]; j++ {
				if l.InBlock(lg.Filters[fi], lg.Cols[j]) {
					macs++
				}
			}
		}
	}
	c.e.b.AddSourceMACs(macs * int64(pixels))
	c.e.b.SetSourceWidths(quantBits(n.Inputs[1]), quantBits(n.Outputs[0]))
	return c.emitMatrix(m, segs, tiles, repTile, pl)
}

// replicaTiles pairs the tiles of every replica with replica 0's:
// repTile[r][i] is replica r's copy of tile i (a tile of replica 0), the
// k-th tile of a replica in mapping order matching replica 0's k-th. The
// emitter walks every replica like replica 0, so their tiles must hold the
// same group, segment and filters.
func replicaTiles(l *mapping.Layer) ([][]int, error) {
	lists := make([][]int, l.Replicas)
	for i, t := range l.Tiles {
		lists[t.Replica] = append(lists[t.Replica], i)
	}
	repTile := make([][]int, l.Replicas)
	for r := range repTile {
		repTile[r] = make([]int, len(l.Tiles))
		if len(lists[r]) != len(lists[0]) {
			return nil, fmt.Errorf("mapping: replica %d has %d tiles, replica 0 has %d (replicas must be identical)", r, len(lists[r]), len(lists[0]))
		}
		for k, i0 := range lists[0] {
			a, b := l.Tiles[i0], l.Tiles[lists[r][k]]
			if a.Grp != b.Grp || a.Seg != b.Seg || a.From != b.From || a.To != b.To {
				return nil, fmt.Errorf("mapping: tile %d of replica %d holds other filters or columns than replica 0's (replicas must be identical)", k, r)
			}
			repTile[r][i0] = lists[r][k]
		}
	}
	return repTile, nil
}

// quantBits is the declared width of v's codes, 0 without quantization
// parameters.
func quantBits(v *ir.Value) int {
	if v == nil || v.Quant == nil {
		return 0
	}
	return v.Quant.Bits
}
