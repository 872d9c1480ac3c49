package sim

import "slices"

// RunStats is the raw accounting of one inference: enough to rebuild every
// number of the Report exactly. Counts are kept per instruction (pc) for the
// operations whose size is fixed by the instruction word, and per source for
// the ones whose size is known only at run time (VL, bcopy/bfill lengths);
// energies are computed from the counts only when the report is built, so the
// hot loop only increments integers.
type RunStats struct {
	LatencyPS int64 // dispatch time of halt
	Steps     int64 // instructions executed
	// Frames is the number of images (frames) the run processed: 1 except
	// for a run of several frames of a pipelined program (Machine.SetFrames,
	// docs/PARALLEL.md §7.1). The run's counts are those of all its frames.
	Frames int

	// PC[pc] counts the executions of instruction pc and the controller time
	// charged to it (ps; the times of a run add up to LatencyPS): a profile.
	PC []PCStat

	// Dyn[src+1][kind] counts run-time-sized operations (words, lanes) per
	// source; index 0 is unattributed.
	Dyn [][numKinds]int64
	// Undriven[src+1][kind] counts the columns row operations did not
	// drive, by kind (columns.go), per source.
	Undriven [][numUnd]int64
	// BufWords[src+1] counts the ABUF words the run left written by each
	// source (area.go); nil when the writers are not tracked.
	BufWords []int64 `json:",omitempty"`
	// MACs[src+1]: multiply-accumulate equivalents (see Report).
	MACs []int64
	// SubarraysUsed is the number of sub-arrays the inference touched.
	SubarraysUsed int

	// Resource accounting (resources.go, dataflow.go). Work[(src+1)*R+r]
	// is the occupancy (ps) of shared resource r (R of them: DPUs, buffer
	// ports, links; controller issue slots come from PC) charged at run
	// time to source src. SubarrayWork holds the sub-array charges made at
	// run time (register-addressed instructions), by source and sub-array;
	// the others are the program's static charges times PC counts. Busy is
	// the busy time of every touched sub-array, by sub-array. Deps is the
	// set of data-flow edges through ABUF, a bitset over (writer, reader)
	// pairs of source indices (src+1).
	Work         []int64          `json:",omitempty"`
	SubarrayWork []SubarrayCharge `json:",omitempty"`
	Busy         []SubarrayBusy   `json:",omitempty"`
	Deps         []uint64         `json:",omitempty"`
	// Ran is the set of sources (src+1) that executed an instruction, a bitset.
	Ran []uint64 `json:",omitempty"`
	// WindowPS is the length of the steady-state window of a pipelined run
	// of several frames (window.go; 0: none) and WindowBusyPS the busy time
	// of its sub-arrays inside it, summed over the sub-arrays.
	WindowPS, WindowBusyPS int64 `json:",omitempty"`
	// FramePeriodsPS is the time from frame 1 to frame n-1 entering the last
	// stage of a pipelined run of n frames, FramePeriods = n - 2 (frame 0 to
	// 1, 1, with two frames; window.go): the steady state measured inside
	// the run. 0 without one.
	FramePeriodsPS, FramePeriods int64 `json:",omitempty"`
	// WindowWork is the work of every shared resource (dense index, see
	// sharedRes) inside the window: controllers' issue slots, DPUs and
	// buffer ports; nil without a window.
	WindowWork []int64 `json:",omitempty"`
	// BusyUnsurePS bounds the sub-arrays' busy time the run may have
	// missed, summed over them: intervals of streams sharing a sub-array
	// that arrived out of order over earlier stretches (resources.go,
	// outOfOrder); 0 on one stream.
	BusyUnsurePS int64 `json:",omitempty"`
	// Timeline is the run's utilisation samples (timeline.go), nil
	// unless the executable records them.
	Timeline *RunTimeline `json:",omitempty"`
}

// PCStat is the profile of one instruction in one run.
type PCStat struct {
	Count  int64 // executions
	TimePS int64 // controller time charged (issue to next issue)
}

func newRunStats(e *Executable) *RunStats {
	ns := len(e.Prog.Sources) + 1
	return &RunStats{
		PC:       make([]PCStat, len(e.code)),
		Dyn:      make([][numKinds]int64, ns),
		Undriven: make([][numUnd]int64, ns),
		MACs:     make([]int64, ns),
		Work:     make([]int64, ns*e.shared.total),
		Deps:     make([]uint64, depsBits(ns)),
		Ran:      make([]uint64, (ns+63)/64),
	}
}

// CombineRuns composes runs executed one after the other as parts of one
// inference (the device segments of a compiled model between host ops):
// latencies, instruction counts, profiles, operation counts and MACs add up;
// SubarraysUsed is the largest (a machine's touched set only grows). All runs
// must come from the same Executable. It returns nil for no runs. The
// resource charges and busy times add up; the data flow is the union of the
// runs' plus an edge from every source of a run to every source of the
// next (the segments run one after the other, through the host).
func CombineRuns(runs []*RunStats) *RunStats {
	if len(runs) == 0 {
		return nil
	}
	if len(runs) == 1 {
		return runs[0]
	}
	c := &RunStats{
		Frames:   runs[0].Frames,
		PC:       make([]PCStat, len(runs[0].PC)),
		Dyn:      make([][numKinds]int64, len(runs[0].Dyn)),
		Undriven: make([][numUnd]int64, len(runs[0].Dyn)),
		MACs:     make([]int64, len(runs[0].MACs)),
		Work:     make([]int64, len(runs[0].Work)),
		Deps:     make([]uint64, len(runs[0].Deps)),
		Ran:      make([]uint64, len(runs[0].Ran)),
	}
	combineCharges(c, runs)
	c.Timeline = combineTimelines(runs)
	for _, r := range runs {
		if len(r.PC) != len(c.PC) || len(r.Dyn) != len(c.Dyn) {
			panic("BUG: sim.CombineRuns: runs of different programs")
		}
		c.LatencyPS += r.LatencyPS
		c.Steps += r.Steps
		for i, p := range r.PC {
			c.PC[i].Count += p.Count
			c.PC[i].TimePS += p.TimePS
		}
		for s := range r.Dyn {
			for k := range numKinds {
				c.Dyn[s][k] += r.Dyn[s][k]
			}
			for k := range numUnd {
				c.Undriven[s][k] += r.Undriven[s][k]
			}
			c.MACs[s] += r.MACs[s]
		}
		c.SubarraysUsed = max(c.SubarraysUsed, r.SubarraysUsed)
		// the segments run one after the other from the post-load state:
		// the buffer must hold the largest footprint (area.go)
		if r.BufWords != nil && (c.BufWords == nil || bufTotal(r.BufWords) > bufTotal(c.BufWords)) {
			c.BufWords = r.BufWords
		}
	}
	return c
}

// combineCharges fills the resource accounting of c, the composition of runs
// (CombineRuns).
func combineCharges(c *RunStats, runs []*RunStats) {
	ns := len(c.MACs)
	busy := map[int32]int64{}
	for k, r := range runs {
		c.WindowPS += r.WindowPS
		c.WindowBusyPS += r.WindowBusyPS
		c.FramePeriodsPS += r.FramePeriodsPS
		c.FramePeriods += r.FramePeriods
		c.WindowWork = addWork(c.WindowWork, r.WindowWork)
		c.BusyUnsurePS += r.BusyUnsurePS
		for i, w := range r.Work {
			c.Work[i] += w
		}
		c.SubarrayWork = append(c.SubarrayWork, r.SubarrayWork...)
		for _, b := range r.Busy {
			busy[b.Subarray] += b.PS
		}
		for i, d := range r.Deps {
			c.Deps[i] |= d
		}
		for i, d := range r.Ran {
			c.Ran[i] |= d
		}
		if k == 0 {
			continue
		}
		for w := range ns {
			if !hasBit(runs[k-1].Ran, w) {
				continue
			}
			for rd := range ns {
				if hasBit(r.Ran, rd) && w != rd {
					b := w*ns + rd
					c.Deps[b>>6] |= 1 << (uint(b) & 63)
				}
			}
		}
	}
	c.SubarrayWork = mergeCharges(c.SubarrayWork)
	for s, ps := range busy {
		c.Busy = append(c.Busy, SubarrayBusy{s, ps})
	}
	slices.SortFunc(c.Busy, func(a, b SubarrayBusy) int { return int(a.Subarray - b.Subarray) })
}

func hasBit(set []uint64, i int) bool { return set[i>>6]>>(uint(i)&63)&1 != 0 }

// addWork adds the per-resource work b to a (nil: none), allocating a when
// it is nil.
func addWork(a, b []int64) []int64 {
	if b == nil {
		return a
	}
	if a == nil {
		a = make([]int64, len(b))
	}
	for i, w := range b {
		a[i] += w
	}
	return a
}
