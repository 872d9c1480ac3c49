package sim

import "github.com/pimc-dev/pimc/target"

// Leakage is static power x time (docs/ISA.md §4, target.Leakage): it is
// computed per phase from the latency and the sub-arrays powered, never per
// instruction, so it costs the simulation nothing.

// LeakageSplit is leakage energy by component, pJ (the components of
// target.LeakageBreakdown).
type LeakageSplit struct {
	Array      float64 `json:"subarray_cells"`
	Periphery  float64 `json:"subarray_periphery"`
	Bitcounter float64 `json:"bitcounters"`
	ShiftAdd   float64 `json:"shift_add"`
	DPU        float64 `json:"dpu"`
	SRAM       float64 `json:"buffers"`
	Controller float64 `json:"controller"`
}

func (l *LeakageSplit) fields() [7]*float64 {
	return [7]*float64{&l.Array, &l.Periphery, &l.Bitcounter, &l.ShiftAdd, &l.DPU, &l.SRAM, &l.Controller}
}

// add adds f x o to l.
func (l *LeakageSplit) add(o LeakageSplit, f float64) {
	of := o.fields()
	for i, p := range l.fields() {
		*p += f * *of[i]
	}
}

// scaled returns l x f.
func (l LeakageSplit) scaled(f float64) LeakageSplit {
	var r LeakageSplit
	r.add(l, f)
	return r
}

func (l *LeakageSplit) total() float64 {
	t := 0.0
	for _, p := range l.fields() {
		t += *p
	}
	return t
}

// leakageSplit is the static energy of ns nanoseconds during which saNS
// sub-array-nanoseconds were powered and the fraction ctl of the
// controllers (with their DPU lanes) was powered (mW x ns = pJ).
func leakageSplit(t *target.Target, ns, saNS, ctl float64) LeakageSplit {
	var l LeakageSplit
	n := float64(t.Subarrays())
	for _, it := range t.LeakageBreakdown() {
		pj := it.MW * ns
		if it.PerSubarray {
			pj = it.MW / n * saNS
		}
		if it.Name == target.LeakDPU || it.Name == target.LeakController {
			pj *= ctl
		}
		switch it.Name {
		case target.LeakArray:
			l.Array += pj
		case target.LeakPeriphery:
			l.Periphery += pj
		case target.LeakBitcounter:
			l.Bitcounter += pj
		case target.LeakShiftAdd:
			l.ShiftAdd += pj
		case target.LeakDPU:
			l.DPU += pj
		case target.LeakSRAM:
			l.SRAM += pj
		case target.LeakController:
			l.Controller += pj
		}
	}
	return l
}

// addLeakage adds to en the leakage of a phase of ns nanoseconds in which
// saNS sub-array-nanoseconds were powered.
func (e *Executable) addLeakage(en *Energy, ns, saNS float64) {
	en.LeakageBy = leakageSplit(e.Target, ns, saNS, e.poweredControllers())
	en.Leakage = en.LeakageBy.total()
	en.Total += en.Leakage
}

// poweredSubarrays is the number of sub-arrays that leak during a run that
// touched used of them: all of them, or only those with power gating
// (target leakage.subarray_power_gating).
func (e *Executable) poweredSubarrays(used int) float64 {
	if e.Target.PowerGating() {
		return float64(used)
	}
	return float64(e.Arch.Subarrays)
}

// poweredControllers is the fraction of the controllers (each with its DPU
// lanes) that leak during a run: all of them, or with power gating only
// those that run one of the program's streams (the controllers the used
// area counts, usedArea).
func (e *Executable) poweredControllers() float64 {
	nc := e.Target.Controllers()
	if !e.Target.PowerGating() || nc <= 0 {
		return 1
	}
	return min(1, float64(max(1, len(e.Prog.StreamEntries())))/float64(nc))
}
