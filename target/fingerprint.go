package target

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/isa"
)

// archText is the canonical encoding of the architectural parameters: the
// ones that decide whether a program is legal and what it computes.
func (t *Target) archText() string {
	g := &t.Geometry
	var b strings.Builder
	b.WriteString("pimc-arch-v1\n")
	for _, kv := range []struct {
		k string
		v int64
	}{
		{"banks", g.Banks.Value}, {"mats_per_bank", g.MatsPerBank.Value}, {"subarrays_per_mat", g.SubarraysPerMat.Value},
		{"rows", g.Rows.Value}, {"cols", g.Cols.Value}, {"acc_per_subarray", g.AccPerSubarray.Value},
		{"acc_bits", g.AccBits.Value}, {"dpu_lanes", g.DPULanes.Value}, {"act_buffer_words", g.ActBufferWords.Value},
		{"act_word_bits", g.ActWordBits.Value}, {"const_words", g.ConstWords.Value},
	} {
		fmt.Fprintf(&b, "%s=%d\n", kv.k, kv.v)
	}
	// The parallel engine (docs/PARALLEL.md §3), only when the section is
	// present: a description without it keeps its fingerprint.
	if p := t.Parallel; p != nil {
		fmt.Fprintf(&b, "controllers=%d\ngroup_subarrays=%d\ntokens=%d\n", p.Controllers.Value, p.GroupSubarrays.Value, p.Tokens.Value)
		// The plane sequencer (ISA v1.7), only when present.
		if p.PlaneSequencer != nil {
			b.WriteString("plane_sequencer=1\n")
		}
	}
	return b.String()
}

// Fingerprint is the SHA-256 of the canonical encoding of the architectural
// parameters (geometry, widths, buffer sizes). Programs store it and only load
// on a target with the same fingerprint. Names, provenance, costs, areas and
// the buffer port width are excluded: they change reported numbers, not what
// a program does, so a cost sweep needs no recompilation.
func (t *Target) Fingerprint() [32]byte { return sha256.Sum256([]byte(t.archText())) }

// CostFingerprint is the SHA-256 of the canonical encoding of everything that
// affects simulated results and reports (architecture plus normalised costs,
// areas, clock and leakage; not names or provenance). Reports print it so a
// number can be traced to the exact description.
func (t *Target) CostFingerprint() [32]byte {
	var b strings.Builder
	b.WriteString(t.archText())
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	fmt.Fprintf(&b, "buffer_port_words=%d\nclock_ghz=%s\ntechnology_nm=%s\n", t.Geometry.BufferPortWords.Value, f(t.ClockGHz()), f(t.Technology.Value))
	if p := t.Parallel; p != nil {
		fmt.Fprintf(&b, "issue_width=%d\nbuffer_ports=%d\n", p.IssueWidth.Value, p.BufferPorts.Value)
		if t.HasPlaneSequencer() {
			fmt.Fprintf(&b, "plane_sequences=%d\n", t.PlaneSequences())
		}
	}
	// The off-chip memory (dram.go), only when present: its size and its
	// bandwidth; latency and energy are the dram_* entries below.
	if t.DRAM != nil {
		fmt.Fprintf(&b, "dram_words=%d\ndram_bit_ns=%s\n", t.DRAMWords(), f(t.DRAMBitNS()))
	}
	// The host model (host.go), only when present.
	if c, ok := t.HostCost(); ok {
		fmt.Fprintf(&b, "host_op=%s ns %s pJ\nhost_function_ops=%d\nhost_interface=%s ns/bit %s ns %s pJ/bit\n",
			f(c.OpNS), f(c.OpPJ), c.FunctionOps, f(c.BitNS), f(c.TransferNS), f(c.BitPJ))
	}
	for _, k := range OpKinds() {
		if !t.HasOp(k) {
			continue // an optional entry the description omits
		}
		c := t.Cost(k)
		fmt.Fprintf(&b, "op.%s=%s ns %s fJ/%s\n", k, f(c.LatencyNS), f(c.EnergyFJ), k.Per())
	}
	for _, it := range t.AreaBreakdown() {
		fmt.Fprintf(&b, "area.%s=%s\n", it.Name, f(it.UM2))
	}
	for _, it := range t.LeakageBreakdown() {
		fmt.Fprintf(&b, "leak.%s=%s mW\n", it.Name, f(it.MW))
	}
	fmt.Fprintf(&b, "leak.subarray_power_gating=%d\n", t.Leakage.PowerGating.Value)
	fmt.Fprintf(&b, "op.column_gating=%d\n", t.Ops.ColumnGating.Value)
	return sha256.Sum256([]byte(b.String()))
}

// Arch is the ISA-visible part of the description, for isa.Validate and for
// sizing the simulator's state.
func (t *Target) Arch() isa.Arch {
	g := &t.Geometry
	a := isa.Arch{
		Name:            t.Name,
		Fingerprint:     t.Fingerprint(),
		Subarrays:       int(t.Subarrays()),
		SubarraysPerMat: int(g.SubarraysPerMat.Value),
		Rows:            int(g.Rows.Value),
		Cols:            int(g.Cols.Value),
		AccPerSubarray:  int(g.AccPerSubarray.Value),
		AccBits:         int(g.AccBits.Value),
		DPULanes:        int(g.DPULanes.Value),
		ActBufferWords:  int(g.ActBufferWords.Value),
		ActWordBits:     int(g.ActWordBits.Value),
		ConstWords:      int(g.ConstWords.Value),
		Banks:           int(g.Banks.Value),
		DRAMWords:       int(t.DRAMWords()),
	}
	if p := t.Parallel; p != nil {
		a.Controllers = int(p.Controllers.Value)
		a.GroupSubarrays = int(t.GroupSubarrays())
		a.Tokens = int(p.Tokens.Value)
		a.PlaneSequencer = p.PlaneSequencer != nil
	}
	return a
}
