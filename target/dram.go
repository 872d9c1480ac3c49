package target

import (
	"fmt"
	"math"
)

// DRAM is the optional off-chip memory (ISA v1.6: dload, dstore; docs/ISA.md
// §3.2, §4.1). Programs move words between it and the activation buffer:
// feature maps that do not fit the buffer are spilled there in tiles. The
// section is not part of the fingerprint (a program that moves no words runs
// on any DRAM, or none); the loader checks a program's statically known
// DRAM addresses against Capacity, and the simulator every address at run
// time.
type DRAM struct {
	// Capacity of the memory: B, KiB, MiB, GiB, Kibit, Mibit or Gibit.
	// A DRAM word holds one code of up to act_word_bits bits: the
	// capacity in words counts act_word_bits per word (transfers move and
	// cost each code at its type's width, docs/ISA.md §3.2).
	Capacity Quantity `json:"capacity" yaml:"capacity"`
	// Bandwidth is the peak data rate of all channels together: GB/s or
	// MB/s (decimal, as datasheets give it).
	Bandwidth Quantity `json:"bandwidth" yaml:"bandwidth"`
	// Latency is the time from a transfer's start to its first word
	// (a row miss: precharge, activate, read latency).
	Latency Quantity `json:"latency" yaml:"latency"`
	// Energy per bit moved, read or write (array, I/O and termination):
	// <energy>/bit.
	Energy Quantity `json:"energy" yaml:"energy"`
}

// Unit conversion factors of the DRAM section.
var (
	capacityBits   = map[string]float64{"B": 8, "KiB": 8 << 10, "MiB": 8 << 20, "GiB": 8 << 30, "Kibit": 1 << 10, "Mibit": 1 << 20, "Gibit": 1 << 30}
	bandwidthBytes = map[string]float64{"MB/s": 1e-3, "GB/s": 1} // bytes per ns
)

// maxDRAMWords bounds the capacity: DRAM addresses are int32 register
// values (docs/ISA.md §3.2).
const maxDRAMWords = math.MaxInt32

// HasDRAM reports whether the description has the off-chip memory.
func (t *Target) HasDRAM() bool { return t.DRAM != nil }

// DRAMWords is the capacity in activation-buffer words (0 without DRAM).
func (t *Target) DRAMWords() int64 {
	if t.DRAM == nil {
		return 0
	}
	bits := t.DRAM.Capacity.Value * capacityBits[t.DRAM.Capacity.Unit]
	return min(int64(bits)/t.Geometry.ActWordBits.Value, maxDRAMWords)
}

// DRAMBitNS is the time one bit takes at the DRAM's bandwidth, in ns.
func (t *Target) DRAMBitNS() float64 {
	if t.DRAM == nil {
		return 0
	}
	return 1 / (8 * t.DRAM.Bandwidth.Value * bandwidthBytes[t.DRAM.Bandwidth.Unit])
}

// DRAMBandwidthGBs is the DRAM's bandwidth in GB/s (bytes per ns).
func (t *Target) DRAMBandwidthGBs() float64 {
	if t.DRAM == nil {
		return 0
	}
	return t.DRAM.Bandwidth.Value * bandwidthBytes[t.DRAM.Bandwidth.Unit]
}

// dramCost is the cost-table entry of dram_read or dram_write: the access
// latency and the energy of one bit moved.
func (t *Target) dramCost() Cost {
	l, _ := timeNS(t.DRAM.Latency)
	e, _ := energyFJ(t.DRAM.Energy, opSpecs[OpDRAMRead], 1)
	return Cost{LatencyNS: l, EnergyFJ: e}
}

// validateDRAM checks the dram section's units and ranges.
func (t *Target) validateDRAM() []string {
	d := t.DRAM
	if d == nil {
		return nil
	}
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	for _, q := range []struct {
		path string
		q    Quantity
	}{{"dram.capacity", d.Capacity}, {"dram.bandwidth", d.Bandwidth}, {"dram.latency", d.Latency}, {"dram.energy", d.Energy}} {
		if math.IsNaN(q.q.Value) || math.IsInf(q.q.Value, 0) {
			bad("%s: value %v is not finite", q.path, q.q.Value)
		}
	}
	if len(probs) > 0 {
		return probs
	}
	if f, ok := capacityBits[d.Capacity.Unit]; !ok {
		bad("dram.capacity: unit %q is not a capacity unit (want B, KiB, MiB, GiB, Kibit, Mibit or Gibit)", d.Capacity.Unit)
	} else if words := d.Capacity.Value * f / float64(t.Geometry.ActWordBits.Value); words < 1 {
		bad("dram.capacity: %v %s holds no %d-bit word", d.Capacity.Value, d.Capacity.Unit, t.Geometry.ActWordBits.Value)
	}
	if _, ok := bandwidthBytes[d.Bandwidth.Unit]; !ok {
		bad("dram.bandwidth: unit %q is not a bandwidth unit (want GB/s or MB/s)", d.Bandwidth.Unit)
	} else if d.Bandwidth.Value <= 0 {
		bad("dram.bandwidth: %v %s must be > 0", d.Bandwidth.Value, d.Bandwidth.Unit)
	}
	if l, err := timeNS(d.Latency); err != nil {
		bad("dram.latency: %v", err)
	} else if l < 0 {
		bad("dram.latency: %v %s must be >= 0", d.Latency.Value, d.Latency.Unit)
	}
	if e, err := energyFJ(d.Energy, opSpecs[OpDRAMRead], 1); err != nil {
		bad("dram.energy: %v", err)
	} else if e < 0 {
		bad("dram.energy: %v %s must be >= 0", d.Energy.Value, d.Energy.Unit)
	}
	return probs
}

// dramNormalised renders a dram quantity in the simulator's units.
func (t *Target) dramNormalised(path string) string {
	switch path {
	case "dram.capacity":
		return fmt.Sprintf("%d words", t.DRAMWords())
	case "dram.bandwidth":
		return fmt.Sprintf("%.6g ns/bit", t.DRAMBitNS())
	case "dram.latency":
		return fmt.Sprintf("%.6g ns", t.dramCost().LatencyNS)
	case "dram.energy":
		return fmt.Sprintf("%.6g fJ/bit", t.dramCost().EnergyFJ)
	}
	return ""
}
