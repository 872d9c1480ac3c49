package mapping

import "fmt"

// Reprogrammed layers (docs/BACKEND.md §10). A model whose weights need
// more sub-arrays than the target has, on a target with an off-chip DRAM,
// keeps as many layers stationary as fit beside a window: the layers that
// do not fit (Layer.Reprogrammed) all sit in the window, the last sub-arrays
// of the chip, and the backend writes each one's weight rows there from the
// DRAM just before the layer runs, every image (SOT row writes at run
// time). Stationary layers are chosen first-fit in graph order; the window
// holds the largest reprogrammed layer (see stream for its size).

// stream places every layer of p without replicas, as stationary layers
// and reprogrammed layers in the window, when they do not all fit. It
// reports an error when one layer alone needs more sub-arrays than the
// target has.
func (p *Plan) stream() error {
	geo := p.Geom
	// need[i]: the sub-arrays layer i spans placed alone from a bank start.
	need := make([]int, len(p.Layers))
	most := 0
	for i, l := range p.Layers {
		pl := p.placer(true)
		l.Replicas = 1
		l.Tiles = nil
		if err := pl.place(l); err != nil {
			return nodeError(l.Node, err)
		}
		need[i] = pl.next
		most = max(most, need[i])
		if need[i] > geo.Subarrays {
			return nodeError(l.Node, fmt.Errorf("the layer alone needs %d sub-arrays for its weights, the target %q has %d (layers are reprogrammed whole: a target with geometry.banks >= %d would fit it)",
				need[i], geo.Name, geo.Subarrays, (need[i]+max(geo.PerBank, 1)-1)/max(geo.PerBank, 1)))
		}
	}
	// The window holds the largest layer to reprogram: first the largest
	// of the model; then, with more layers stationary, the largest left.
	// Each size is tried as is and rounded up to whole banks (a window
	// from a bank boundary places a layer as from sub-array 0, group
	// alignment included); the placement that fits and keeps the most
	// weight rows stationary wins (the first on a tie).
	best, bestRows := -1, -1
	try := func(w int) {
		if w <= 0 || w > geo.Subarrays {
			return
		}
		p.placeStreamed(w)
		if p.Used > geo.Subarrays {
			return
		}
		rows := 0
		for _, l := range p.Layers {
			if !l.Reprogrammed {
				rows += l.WeightRows()
			}
		}
		if rows > bestRows {
			best, bestRows = w, rows
		}
	}
	bankUp := func(n int) int {
		if b := geo.PerBank; b > 0 {
			return (n + b - 1) / b * b
		}
		return n
	}
	try(bankUp(most))
	try(most)
	if best < 0 {
		return fmt.Errorf("BUG: mapping: no window fits the largest layer (%d sub-arrays of %d)", most, geo.Subarrays)
	}
	p.placeStreamed(best)
	left := 0
	for i, l := range p.Layers {
		if l.Reprogrammed {
			left = max(left, need[i])
		}
	}
	try(bankUp(left))
	try(left)
	p.placeStreamed(best)
	return nil
}

// placer returns an empty placer for p's geometry, aligning layers to
// banks when aligned.
func (p *Plan) placer(aligned bool) placer {
	pl := placer{rows: p.Geom.Rows, lanes: p.Geom.DPULanes, chunkBatch: p.Geom.ChunkBatch}
	if aligned {
		pl.bank, pl.group = p.Geom.PerBank, p.Geom.Group
	}
	return pl
}

// placeStreamed places the layers of p with a window of w sub-arrays at
// the end of the chip: first-fit in graph order in [0, Subarrays-w), the
// rest (Reprogrammed) each from the window's start.
func (p *Plan) placeStreamed(w int) {
	base := p.Geom.Subarrays - w
	res := p.placer(true)
	p.Used = 0
	for _, l := range p.Layers {
		save := res
		l.Tiles, l.Reprogrammed = nil, false
		if err := res.place(l); err == nil && res.next <= base {
			setSpan(l, res.next)
			continue
		}
		res = save
		l.Tiles, l.Reprogrammed = nil, true
		win := p.placer(true)
		win.next = base
		_ = win.place(l) // placed alone from 0 before (stream): no error
		setSpan(l, win.next)
		p.Used = max(p.Used, win.next)
	}
	p.Used = max(p.Used, res.next)
}

// setSpan sets the layer's sub-array span from its tiles; next is the
// placer's first free sub-array after it.
func setSpan(l *Layer, next int) {
	l.FirstSubarray, l.Subarrays = next, 0
	if len(l.Tiles) > 0 {
		l.FirstSubarray = l.Tiles[0].SA
		l.Subarrays = next - l.FirstSubarray
	}
}

// Reprogrammed counts p's reprogrammed layers.
func (p *Plan) Reprogrammed() int {
	n := 0
	for _, l := range p.Layers {
		if l.Reprogrammed {
			n++
		}
	}
	return n
}

// ReprogramFrom makes layers first.. of p reprogrammed by choice (a
// pipeline's window stage, docs/PARALLEL.md §8.3): they share a window at
// the chip's end, without replicas, as large as the largest of them needs
// (rounded up to whole banks where that fits), and the layers before first
// keep their replicas and are placed below it as PlanGraph places them. So
// the deep layers' sub-arrays are left free for the pipeline's pixel
// pieces of the early layers (the backend's balance). It reports an error
// when first is out of range or the layers before first do not fit below
// the window.
func (p *Plan) ReprogramFrom(first int) error {
	if first < 1 || first >= len(p.Layers) {
		return fmt.Errorf("mapping: a window from layer %d of %d (the first layer stays stationary)", first, len(p.Layers))
	}
	geo := p.Geom
	most := 0
	for _, l := range p.Layers[first:] {
		pl := p.placer(true)
		l.Replicas, l.Tiles = 1, nil
		if err := pl.place(l); err != nil {
			return nodeError(l.Node, err)
		}
		most = max(most, pl.next)
	}
	w := most
	if b := geo.PerBank; b > 0 && (most+b-1)/b*b < geo.Subarrays {
		w = (most + b - 1) / b * b
	}
	base := geo.Subarrays - w
	below := &Plan{Geom: geo, Layers: p.Layers[:first]}
	below.Geom.Subarrays = base
	reps := make([]int, first)
	for i, l := range below.Layers {
		reps[i], l.Reprogrammed = l.Replicas, false
	}
	if err := below.place(reps); err != nil {
		return err
	}
	if below.Used > base {
		return fmt.Errorf("mapping: the %d layers before the window need %d sub-arrays, the window of %d leaves %d", first, below.Used, w, base)
	}
	p.Used = base
	for _, l := range p.Layers[first:] {
		win := p.placer(true)
		win.next = base
		l.Tiles, l.Reprogrammed = nil, true
		if err := win.place(l); err != nil {
			return nodeError(l.Node, err)
		}
		setSpan(l, win.next)
		p.Used = max(p.Used, win.next)
	}
	return nil
}
