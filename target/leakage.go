package target

import "fmt"

// LeakItem is one component's static power.
type LeakItem struct {
	Name string
	MW   float64 // all instances together
	// PerSubarray: the component is one per sub-array (periphery,
	// bit-counter, accumulators): with power gating only the sub-arrays
	// a run touches leak (Target.PowerGating).
	PerSubarray bool
	Formula     string // how it was computed, for reports
}

// Names of the leakage components (Report JSON keys and table rows).
const (
	LeakArray      = "subarray cells"
	LeakPeriphery  = "subarray periphery"
	LeakBitcounter = "bit-counters"
	LeakShiftAdd   = "shift-add accumulators"
	LeakDPU        = "DPU"
	LeakSRAM       = "buffers (SRAM)"
	LeakController = "controller"
)

// LeakageBreakdown returns the static power of the whole chip by component
// (mW), in the order of AreaBreakdown: the cell arrays (one figure for all),
// then per sub-array, per accumulator, per DPU lane, per SRAM bit and per
// controller figures times their counts.
func (t *Target) LeakageBreakdown() []LeakItem {
	g := &t.Geometry
	p := func(q Quantity) float64 { v, _ := powerMW(q); return v }
	n := float64(t.Subarrays())
	nc := float64(t.Controllers())
	acc := n * float64(g.AccPerSubarray.Value)
	lanes := nc * float64(g.DPULanes.Value)
	bits := float64(g.ActBufferWords.Value*g.ActWordBits.Value + g.ConstWords.Value*32)
	l := &t.Leakage
	return []LeakItem{
		{LeakArray, p(l.Array), false, "all cell arrays (non-volatile)"},
		{LeakPeriphery, n * p(l.SubarrayPeriphery), true, fmt.Sprintf("%.0f sub-arrays x %.4g uW", n, 1e3*p(l.SubarrayPeriphery))},
		{LeakBitcounter, n * p(l.Bitcounter), true, fmt.Sprintf("%.0f x %.4g uW", n, 1e3*p(l.Bitcounter))},
		{LeakShiftAdd, acc * p(l.ShiftAdd), true, fmt.Sprintf("%.0f x %.4g uW", acc, 1e3*p(l.ShiftAdd))},
		{LeakDPU, lanes * p(l.DPULane), false, fmt.Sprintf("%.0f lanes x %.4g uW", lanes, 1e3*p(l.DPULane))},
		{LeakSRAM, bits * p(l.SRAMBit), false, fmt.Sprintf("%.0f bits x %.4g pW", bits, 1e9*p(l.SRAMBit))},
		{LeakController, nc * p(l.Controller), false, fmt.Sprintf("%.0f x %.4g uW", nc, 1e3*p(l.Controller))},
	}
}

// LeakagePower splits the chip's static power (mW) into the part that does
// not depend on the sub-arrays in use (fixed: cell arrays, DPUs, buffers,
// controllers) and the power of one sub-array's periphery, bit-counter and
// accumulators (perSubarray). Without power gating every sub-array leaks:
// the chip leaks fixed + subarrays x perSubarray; with it, a run that
// touches u sub-arrays leaks fixed + u x perSubarray.
func (t *Target) LeakagePower() (fixed, perSubarray float64) {
	n := float64(t.Subarrays())
	for _, it := range t.LeakageBreakdown() {
		if it.PerSubarray {
			perSubarray += it.MW / n
		} else {
			fixed += it.MW
		}
	}
	return fixed, perSubarray
}

// TotalLeakageMW is the static power of the whole chip with every
// sub-array powered.
func (t *Target) TotalLeakageMW() float64 {
	f, s := t.LeakagePower()
	return f + s*float64(t.Subarrays())
}
