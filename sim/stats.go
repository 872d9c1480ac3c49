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

	PCCount []int64 // executions per pc
	PCTime  []int64 // ps of controller time charged to each pc (sums to LatencyPS)

	// Dyn[src+1][kind] counts run-time-sized operations (words, lanes) per
	// source; index 0 is unattributed.
	Dyn [][numKinds]int64
	// MACs[src+1]: multiply-accumulate equivalents (see Report).
	MACs []int64
	// SubarraysUsed is the number of sub-arrays the inference touched.
	SubarraysUsed int

	pc []pcStat // hot-loop form of PCCount/PCTime, copied out after the run
}

// pcStat keeps the two per-instruction counters in one cache line slot.
type pcStat struct{ count, time int64 }

func newRunStats(e *Executable) *RunStats {
	return &RunStats{
		PCCount: make([]int64, len(e.code)),
		PCTime:  make([]int64, len(e.code)),
		Dyn:     make([][numKinds]int64, len(e.Prog.Sources)+1),
		MACs:    make([]int64, len(e.Prog.Sources)+1),
		pc:      make([]pcStat, len(e.code)),
	}
}
