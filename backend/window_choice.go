package backend

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/target"
)

// A window stage by choice (docs/PARALLEL.md §8.3): a model whose weights
// fit the sub-arrays may still give a pipeline a window stage, moving the
// device segment's last matrix layers (the deep, few-pixel ones, whose
// sub-arrays idle most of a period) into a window reprogrammed from the
// DRAM once per run, so their sub-arrays go to replicas and pixel pieces
// of the early layers. Options.Window says which: WindowOff (the default)
// keeps every weight stationary, as before; WindowAuto compares the
// stationary pipeline with a window from each layer where the pixels per
// image fall and keeps the shortest estimated run; N > 0 puts the last N
// matrix layers in the window. Off by default: the window's DRAM writes
// cost energy, and its frames run through the window's ops one op after
// the other, so a run falls further behind the pipelined device bound
// (MobileNetV2, measured in docs/PARALLEL.md §8.3).

// WindowOff and WindowAuto are Options.Window's choices besides a count.
const (
	WindowOff  = 0
	WindowAuto = -1
)

// ParseWindow reads pimc compile's -window: auto, off or a count of
// matrix layers (>= 1).
func ParseWindow(s string) (int, error) {
	switch s {
	case "auto":
		return WindowAuto, nil
	case "off":
		return WindowOff, nil
	}
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n < 1 || fmt.Sprint(n) != s {
		return 0, fmt.Errorf("want off, auto or a count of matrix layers >= 1, got %q", s)
	}
	return n, nil
}

// windowFreeShare: auto tries a window only when the stationary mapping
// leaves less than this share of the sub-arrays free (a full chip, where
// the early layers cannot get copies otherwise); below, the stationary
// pipeline is compiled alone, as before.
const windowFreeShare = 8 // 1/8

// compilePipeline compiles g pipelined (or split, Options.Split), with a
// window stage by choice where Options.Window asks for one
// (compilePipelineOn does the rest).
func compilePipeline(g *ir.Graph, tgt *target.Target, opts Options) (*Result, error) {
	if !opts.Pipeline || opts.Window == WindowOff {
		return compilePipelineOn(g, tgt, opts)
	}
	plan, err := decodePlan(g, tgt)
	if err != nil {
		return nil, err
	}
	geo := plan.Geom
	if plan.Reprogrammed() > 0 {
		if opts.Window > 0 {
			return nil, fmt.Errorf("backend: -window %d: this model's weights do not fit the target %q, so the map pass chose its window (%d layers reprogrammed), which -window off and auto use", opts.Window, tgt.Name, plan.Reprogrammed())
		}
		return compilePipelineOn(g, tgt, opts)
	}
	var firsts []int // the first layer of each window tried
	switch {
	case opts.Window > 0:
		if !tgt.HasDRAM() {
			return nil, fmt.Errorf("backend: -window %d: the target %q has no dram section to reprogram weights from", opts.Window, tgt.Name)
		}
		if opts.Window >= len(plan.Layers) {
			return nil, fmt.Errorf("backend: -window %d: the model has %d matrix layers, and at least the first must stay stationary (want 1..%d)", opts.Window, len(plan.Layers), len(plan.Layers)-1)
		}
		firsts = []int{len(plan.Layers) - opts.Window}
	case tgt.HasDRAM() && geo.Subarrays-plan.Used < geo.Subarrays/windowFreeShare:
		firsts = windowStarts(plan)
	}
	var best *Result
	if opts.Window == WindowAuto {
		if best, err = compilePipelineOn(g, tgt, opts); err != nil {
			return nil, err
		}
	}
	for _, first := range firsts {
		res, err := compileWindowFrom(g, tgt, opts, first)
		if err != nil {
			if opts.Window > 0 {
				return nil, fmt.Errorf("backend: -window %d: %w", opts.Window, err)
			}
			continue // this window does not fit or compile: not a candidate
		}
		if best == nil || res.RunNS < best.RunNS*(1-1e-9) {
			best = res
		}
	}
	return best, nil
}

// windowStarts are the layers of plan where a window may start: each
// layer (not the first) with fewer output pixels than the layer before it,
// so a window takes the layers from a fall in resolution on.
func windowStarts(plan *mapping.Plan) []int {
	var out []int
	for i := 1; i < len(plan.Layers); i++ {
		if mapping.Pixels(plan.Layers[i].Node) < mapping.Pixels(plan.Layers[i-1].Node) {
			out = append(out, i)
		}
	}
	return out
}

// compileWindowFrom compiles a copy of g pipelined with its matrix layers
// first.. reprogrammed in a window (mapping.Plan.ReprogramFrom).
func compileWindowFrom(g *ir.Graph, tgt *target.Target, opts Options, first int) (*Result, error) {
	g2 := ir.Clone(g)
	plan, err := decodePlan(g2, tgt)
	if err != nil {
		return nil, err
	}
	if err := plan.ReprogramFrom(first); err != nil {
		return nil, err
	}
	for _, l := range plan.Layers {
		mapping.Encode(l, plan.Geom)
	}
	res, err := compilePipelineOn(g2, tgt, opts)
	if err != nil {
		return nil, err
	}
	res.Reprogram.Chosen = true
	return res, nil
}

// estimatedRun is the estimated time of a run of frames through the
// pipeline of ops (stages at starts, split as sp; the window stage from op
// win, len(ops) for none, writing its weights in writes per frame; the
// busiest link's work link per frame): frame 0 through the stages before
// the window (the fill), then the slowest of them (or the busiest link)
// for every further frame; with a window, the window's first op streams
// with them and its other ops and writes follow over every frame
// (windowRunTime).
func estimatedRun(ops []opCost, win int, starts []int, sp []opSplit, writes, link float64, frames int) float64 {
	scaled := scaleOps(ops, sp)
	fill, slowest := 0.0, link
	for s, lo := range starts {
		if lo >= win {
			break
		}
		hi := win
		if s+1 < len(starts) {
			hi = min(win, starts[s+1])
		}
		t, _ := stageCost(scaled[lo:hi])
		fill += t
		slowest = max(slowest, t)
	}
	if win >= len(ops) {
		return fill + float64(frames-1)*slowest
	}
	total, _ := stageCost(scaled[win:])
	first := opTime(scaled[win])
	return fill + float64(frames)*(max(slowest, first)+total+writes-first)
}
