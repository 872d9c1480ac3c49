package sim

// RunStats is the raw accounting of one inference: enough to rebuild every
// number of the Report exactly. Counts are kept per instruction (pc) for the
// operations whose size is fixed by the instruction word, and per source for
// the ones whose size is known only at run time (VL, bcopy/bfill lengths);
// energies are computed from the counts only when the report is built, so the
// hot loop only increments integers.
type RunStats struct {
	LatencyPS int64 // dispatch time of halt
	Steps     int64 // instructions executed

	// PC[pc] counts the executions of instruction pc and the controller time
	// charged to it (ps; the times of a run add up to LatencyPS): a profile.
	PC []PCStat

	// Dyn[src+1][kind] counts run-time-sized operations (words, lanes) per
	// source; index 0 is unattributed.
	Dyn [][numKinds]int64
	// MACs[src+1]: multiply-accumulate equivalents (see Report).
	MACs []int64
	// SubarraysUsed is the number of sub-arrays the inference touched.
	SubarraysUsed int
}

// PCStat is the profile of one instruction in one run.
type PCStat struct {
	Count  int64 // executions
	TimePS int64 // controller time charged (issue to next issue)
}

func newRunStats(e *Executable) *RunStats {
	return &RunStats{
		PC:   make([]PCStat, len(e.code)),
		Dyn:  make([][numKinds]int64, len(e.Prog.Sources)+1),
		MACs: make([]int64, len(e.Prog.Sources)+1),
	}
}

// CombineRuns composes runs executed one after the other as parts of one
// inference (the device segments of a compiled model between host ops):
// latencies, instruction counts, profiles, operation counts and MACs add up;
// SubarraysUsed is the largest (a machine's touched set only grows). All runs
// must come from the same Executable. It returns nil for no runs.
func CombineRuns(runs []*RunStats) *RunStats {
	if len(runs) == 0 {
		return nil
	}
	if len(runs) == 1 {
		return runs[0]
	}
	c := &RunStats{
		PC:   make([]PCStat, len(runs[0].PC)),
		Dyn:  make([][numKinds]int64, len(runs[0].Dyn)),
		MACs: make([]int64, len(runs[0].MACs)),
	}
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
			c.MACs[s] += r.MACs[s]
		}
		c.SubarraysUsed = max(c.SubarraysUsed, r.SubarraysUsed)
	}
	return c
}
