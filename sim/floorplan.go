package sim

// The floorplan of a report (htmlreport draws it as a heat map): for every
// sub-array that holds weights or did work, the layer whose weights it
// holds and how busy it was. The weights come from the program's
// weight-stationary image (what weight programming writes); the busy time
// from the runs (RunStats.Busy), over the whole runs.

// SubarrayUse is one sub-array of Report.Subarrays.
type SubarrayUse struct {
	Index int `json:"index"`
	// Source is the index of the source whose weights the sub-array holds
	// (its first weight row's), -1 for none (a sub-array used for
	// activations only, or weights without a source).
	Source int `json:"source"`
	// Busy is the sub-array's busy time / the runs' time.
	Busy float64 `json:"busy"`
}

// addBusy folds one run's per-sub-array busy time into s.
func (s *Summary) addBusy(busy []SubarrayBusy) {
	if s.saBusy == nil {
		s.saBusy = make([]int64, s.e.Arch.Subarrays)
	}
	for _, b := range busy {
		if int(b.Subarray) < len(s.saBusy) {
			s.saBusy[b.Subarray] += b.PS
		}
	}
}

// mergeBusy adds o's per-sub-array busy time to s's.
func (s *Summary) mergeBusy(o *Summary) {
	if o.saBusy == nil {
		return
	}
	if s.saBusy == nil {
		s.saBusy = make([]int64, len(o.saBusy))
	}
	for i, ps := range o.saBusy {
		s.saBusy[i] += ps
	}
}

// floorplan lists the sub-arrays that hold weights or were busy, in index
// order.
func (s *Summary) floorplan() []SubarrayUse {
	owner := map[int]int{}
	for _, w := range s.e.Prog.Weights {
		if _, ok := owner[int(w.Subarray)]; !ok {
			owner[int(w.Subarray)] = int(w.Src)
		}
	}
	var out []SubarrayUse
	for i := range s.e.Arch.Subarrays {
		var ps int64
		if i < len(s.saBusy) {
			ps = s.saBusy[i]
		}
		src, holds := owner[i]
		if ps == 0 && !holds {
			continue
		}
		if !holds {
			src = -1
		}
		u := SubarrayUse{Index: i, Source: src}
		if s.latPS > 0 {
			u.Busy = float64(ps) / float64(s.latPS)
		}
		out = append(out, u)
	}
	return out
}
