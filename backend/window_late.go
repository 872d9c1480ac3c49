package backend

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/ir/mapping"
)

// Late window controllers (docs/PARALLEL.md §8.8). The window stage's
// later ops start only after its first op has received every frame of the
// run, so after every stage before the window has run its last frame: the
// controllers of those stages are idle then. windowSplits gives the later
// ops pieces (by chunks) on such controllers beside the window's own, and
// the code of a late controller runs them after its earlier work:
//
//	a stage's stream:    its frame loop; tsig done (a prefetch's); jmp split_c
//	split_c:             per later op with a piece on c: per frame: twait go; the piece; tsig done
//	                     halt
//
// A late controller that runs helpers of an earlier split op has them
// first in its helper stream (helpers are emitted in op order). The
// prefetcher (window_prefetch.go) and controller 0 (its halt ends the
// steady state the simulator reports) are never late, and a controller
// that runs nothing before the window is late only when too few others
// are: its stream would first pass a twait at the window's later ops,
// after stream 0's halt, and the simulator's steady state, which opens
// when every stream that waits has passed one, would not open.

// windowLocal is the controllers local to the banks of plan's window (from
// plan.WindowBase to the chip's end), in bank order.
func windowLocal(plan *mapping.Plan, controllers int) []int {
	geo := plan.Geom
	per := max(1, geo.PerBank)
	banks := max(1, geo.Subarrays/per)
	var ctrls []int
	for b := plan.WindowBase() / per; b <= (geo.Subarrays-1)/per && b < banks; b++ {
		if c := b * controllers / banks; !slices.Contains(ctrls, c) {
			ctrls = append(ctrls, c)
		}
	}
	return ctrls
}

// assignLate chooses the late controllers of p as placed (renumber has
// numbered the stages before the window): as many as windowSplits
// counted, those that run a stage or helper before the window first, each
// group the window's local controllers first and then by number; and puts
// them in the pieces of the window's ops past its own controllers.
func (p *pipePlan) assignLate(plan *mapping.Plan, controllers int) error {
	if p.window < 0 || len(p.late) == 0 {
		return nil
	}
	busy := map[int]bool{}
	for s, c := range p.ctrl {
		if s != p.window {
			busy[c] = true
		}
	}
	for n, cs := range p.pieceCtrl {
		if !p.inWindow(n) {
			for _, c := range cs {
				busy[c] = true
			}
		}
	}
	_, pre, _ := p.prefetcher()
	order := windowLocal(plan, controllers)
	for c := range controllers {
		if !slices.Contains(order, c) {
			order = append(order, c)
		}
	}
	var late []int
	for _, first := range []bool{true, false} {
		for _, c := range order {
			if len(late) < len(p.late) && c != 0 && c != pre && busy[c] == first && !slices.Contains(p.windowCtrls, c) && !slices.Contains(late, c) {
				late = append(late, c)
			}
		}
	}
	if len(late) < len(p.late) {
		return fmt.Errorf("backend: BUG: -pipeline: %d late window controllers wanted, %d free", len(p.late), len(late))
	}
	own := len(p.windowCtrls)
	for n, cs := range p.pieceCtrl {
		if p.inWindow(n) {
			for k := own; k < len(cs); k++ {
				cs[k] = late[k-own]
			}
		}
	}
	p.late = late
	return nil
}

// isLate reports whether controller ctrl runs pieces of the window's later
// ops besides the window's own controllers.
func (p *pipePlan) isLate(ctrl int) bool {
	return p != nil && slices.Contains(p.late, ctrl)
}

// runsStage reports whether controller ctrl runs the stream of a stage
// before the window (a late controller's helpers then follow that stream
// instead of being a stream of their own).
func (p *pipePlan) runsStage(ctrl int) bool {
	if p == nil {
		return false
	}
	for s, x := range p.ctrl {
		if s != p.window && x == ctrl {
			return true
		}
	}
	return false
}
