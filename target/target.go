package target

import (
	"fmt"
	"strings"
)

// Target is a complete, validated hardware description. Fields hold the
// numbers as written (value, unit, provenance); use Cost, Area, Arch and the
// other accessors for normalised values.
type Target struct {
	Name        string `json:"name" yaml:"name"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Base names a preset this file overrides; every quantity the file gives
	// replaces the preset's one whole (value, unit and provenance together).
	Base string `json:"base,omitempty" yaml:"base,omitempty"`

	Technology Quantity `json:"technology" yaml:"technology"` // feature size, nm
	Clock      Quantity `json:"clock" yaml:"clock"`           // controller clock, GHz or MHz
	Geometry   Geometry `json:"geometry" yaml:"geometry"`
	Ops        Ops      `json:"ops" yaml:"ops"`
	Area       Area     `json:"area" yaml:"area"`
	Leakage    Leakage  `json:"leakage" yaml:"leakage"`
	// Parallel is the optional parallel engine (docs/PARALLEL.md §3):
	// several controllers, group instructions and tokens. nil is the
	// serial machine of ISA v1.0-v1.4 (one controller, one instruction
	// stream), whose fingerprint does not change.
	Parallel *Parallel `json:"parallel,omitempty" yaml:"parallel,omitempty"`
	// DRAM is the optional off-chip memory (ISA v1.6, dram.go). nil: none;
	// dload and dstore are then refused.
	DRAM *DRAM `json:"dram,omitempty" yaml:"dram,omitempty"`
	// Host is the optional cost model of the host processor and its
	// interface to the device (host.go): the host ops of a compiled model
	// and the port transfers. nil: host work is counted, not costed.
	Host *Host `json:"host,omitempty" yaml:"host,omitempty"`
	// SenseMargin is the optional sense-margin model of the two-row sense
	// (sense.go), for the simulator's sense errors; nil: none given.
	SenseMargin *SenseMargin `json:"sense_margin,omitempty" yaml:"sense_margin,omitempty"`
}

// Parallel sizes the parallel engine. Controllers, GroupSubarrays and
// Tokens are architectural (in the fingerprint); IssueWidth and
// BufferPorts are costs.
type Parallel struct {
	// Controllers, each with its own instruction stream, registers and a
	// DPU of dpu_lanes lanes; stream i runs on controller i.
	Controllers Count `json:"controllers" yaml:"controllers"`
	// IssueWidth is the instructions a controller issues per clock.
	IssueWidth Count `json:"issue_width" yaml:"issue_width"`
	// GroupSubarrays is the most sub-arrays one group instruction
	// addresses (a group lies in one bank).
	GroupSubarrays Count `json:"group_subarrays" yaml:"group_subarrays"`
	// BufferPorts is the number of independent activation-buffer ports,
	// each buffer_port_words wide; controller c uses port c mod
	// buffer_ports.
	BufferPorts Count `json:"buffer_ports" yaml:"buffer_ports"`
	// Tokens is the number of token counters (tsig, twait).
	Tokens Count `json:"tokens" yaml:"tokens"`
	// PlaneSequencer is the optional plane sequencer of every bank (ISA
	// v1.7 gdot, docs/PARALLEL.md §9); nil: none, and gdot is refused.
	PlaneSequencer *PlaneSequencer `json:"plane_sequencer,omitempty" yaml:"plane_sequencer,omitempty"`
}

// PlaneSequencer is a bank's plane sequencer: a counter pair that replays
// one gdot's row command for each of its M x N plane pairs on the bank's
// command bus, so the controller issues one instruction per filter slot
// instead of M x N (PUMA's MVM instruction sequences its input bits inside
// the core in the same way: Ankit et al., ASPLOS 2019). Its presence is
// architectural (in the fingerprint); its step cost is ops.plane_step.
type PlaneSequencer struct {
	// Sequences is the number of gdot sequences a bank's sequencer runs
	// at once (a counter pair and command register each); a gdot waits
	// for a free one. A cost, not architectural.
	Sequences Count    `json:"sequences" yaml:"sequences"`
	Area      Quantity `json:"area" yaml:"area"` // per sequence of a bank
}

// PlaneSequences is the number of sequences each bank's sequencer runs at
// once (parallel.plane_sequencer.sequences), 0 without a sequencer.
func (t *Target) PlaneSequences() int64 {
	if !t.HasPlaneSequencer() {
		return 0
	}
	return t.Parallel.PlaneSequencer.Sequences.Value
}

// Geometry is the organisation of the machine. Everything except
// BufferPortWords is architectural (visible to programs, part of Fingerprint).
type Geometry struct {
	Banks           Count `json:"banks" yaml:"banks"`
	MatsPerBank     Count `json:"mats_per_bank" yaml:"mats_per_bank"`
	SubarraysPerMat Count `json:"subarrays_per_mat" yaml:"subarrays_per_mat"`
	Rows            Count `json:"rows" yaml:"rows"`                         // cells per column of a sub-array
	Cols            Count `json:"cols" yaml:"cols"`                         // cells per row = sense amplifiers
	AccPerSubarray  Count `json:"acc_per_subarray" yaml:"acc_per_subarray"` // shift-add accumulators per sub-array
	AccBits         Count `json:"acc_bits" yaml:"acc_bits"`                 // accumulator width (saturating)
	DPULanes        Count `json:"dpu_lanes" yaml:"dpu_lanes"`
	ActBufferWords  Count `json:"act_buffer_words" yaml:"act_buffer_words"`
	ActWordBits     Count `json:"act_word_bits" yaml:"act_word_bits"`
	ConstWords      Count `json:"const_words" yaml:"const_words"` // 32-bit constant memory words
	BufferPortWords Count `json:"buffer_port_words" yaml:"buffer_port_words"`
}

// Op is the cost of one operation: latency and energy.
type Op struct {
	Latency Quantity `json:"latency" yaml:"latency"`
	Energy  Quantity `json:"energy" yaml:"energy"`
}

// Ops is the per-operation cost table; keys are the cost names of
// docs/ISA.md §4. Issue has no latency of its own: it is one clock cycle.
type Ops struct {
	Issue       IssueOp `json:"issue" yaml:"issue"`
	RowRead     Op      `json:"row_read" yaml:"row_read"`
	AndSense    Op      `json:"and_sense" yaml:"and_sense"`
	RowWrite    Op      `json:"row_write" yaml:"row_write"`
	Bitcount    Op      `json:"bitcount" yaml:"bitcount"`
	ShiftAdd    Op      `json:"shift_add" yaml:"shift_add"`
	AccTransfer Op      `json:"acc_transfer" yaml:"acc_transfer"`
	DPUOp       Op      `json:"dpu_op" yaml:"dpu_op"`
	BufferRead  Op      `json:"buffer_read" yaml:"buffer_read"`
	BufferWrite Op      `json:"buffer_write" yaml:"buffer_write"`
	// The costs of the parallel engine (docs/PARALLEL.md §3): optional
	// without a parallel section, required with one.
	RowBroadcast *Op `json:"row_broadcast,omitempty" yaml:"row_broadcast,omitempty"` // a gwrp's row to every sub-array of its group
	Link         *Op `json:"link,omitempty" yaml:"link,omitempty"`                   // a controller reaching another bank (per hop)
	Sync         *Op `json:"sync,omitempty" yaml:"sync,omitempty"`                   // a token reaching the other controllers
	// PlaneStep is one step of a bank's plane sequencer (a gdot's row
	// command replayed for the next plane pair of a group): required with
	// parallel.plane_sequencer, optional without.
	PlaneStep *Op `json:"plane_step,omitempty" yaml:"plane_step,omitempty"`
	// ColumnGating (issue 12): 1 charges row writes and senses for the
	// columns they drive (docs/ISA.md §4), 0 for every column of the row.
	ColumnGating Count `json:"column_gating" yaml:"column_gating"`
}

// IssueOp is the controller's per-instruction cost (latency = 1 cycle).
type IssueOp struct {
	Energy Quantity `json:"energy" yaml:"energy"`
}

// Area is the per-component area table.
type Area struct {
	Cell              Quantity `json:"cell" yaml:"cell"`                             // one SOT-MRAM cell (F2 or um2)
	SubarrayPeriphery Quantity `json:"subarray_periphery" yaml:"subarray_periphery"` // sense amps, decoders, drivers of one sub-array
	Bitcounter        Quantity `json:"bitcounter" yaml:"bitcounter"`                 // one per sub-array
	ShiftAdd          Quantity `json:"shift_add" yaml:"shift_add"`                   // one per accumulator
	DPULane           Quantity `json:"dpu_lane" yaml:"dpu_lane"`
	SRAMBit           Quantity `json:"sram_bit" yaml:"sram_bit"` // activation buffer and constant memory bit
	Controller        Quantity `json:"controller" yaml:"controller"`
}

// Leakage is the static power model (issue 12): every component leaks a
// fixed power while it is powered, so leakage energy = power x time, not a
// share of the work done. Per-component figures scale with the component
// counts of the geometry (Target.LeakageBreakdown).
type Leakage struct {
	Array             Quantity `json:"array" yaml:"array"`                                 // all SOT-MRAM cell arrays together (non-volatile: ~0)
	SubarrayPeriphery Quantity `json:"subarray_periphery" yaml:"subarray_periphery"`       // per sub-array: sense amplifiers, drivers, decoders
	Bitcounter        Quantity `json:"bitcounter" yaml:"bitcounter"`                       // per sub-array
	ShiftAdd          Quantity `json:"shift_add" yaml:"shift_add"`                         // per accumulator
	DPULane           Quantity `json:"dpu_lane" yaml:"dpu_lane"`                           // per DPU lane (of every controller)
	SRAMBit           Quantity `json:"sram_bit" yaml:"sram_bit"`                           // per bit of the activation buffer and constant memory
	Controller        Quantity `json:"controller" yaml:"controller"`                       // per controller
	PowerGating       Count    `json:"subarray_power_gating" yaml:"subarray_power_gating"` // 1: a sub-array a run does not touch, and a controller (with its DPU) running no stream, is power-gated (leaks nothing)
	// PeripheryFraction is the obsolete model (CMOS leakage as a fraction
	// of dynamic energy), read only from descriptions written before
	// issue 12 (load.go, legacyLeakage); never kept.
	PeripheryFraction *Quantity `json:"periphery_fraction,omitempty" yaml:"periphery_fraction,omitempty"`
}

// OpKind names an entry of the cost table.
type OpKind int

const (
	OpIssue OpKind = iota
	OpRowRead
	OpAndSense
	OpRowWrite
	OpBitcount
	OpShiftAdd
	OpAccTransfer
	OpDPU
	OpBufferRead
	OpBufferWrite
	OpRowBroadcast // optional: parallel engine
	OpLink         // optional: parallel engine
	OpSync         // optional: parallel engine
	OpDRAMRead     // optional: the dram section (a bit moved DRAM -> ABUF)
	OpDRAMWrite    // optional: the dram section (a bit moved ABUF -> DRAM)
	OpPlaneStep    // optional: the plane sequencer (ISA v1.7)
	numOpKinds
)

// NumOpKinds is the number of cost-table entries (OpKind values).
const NumOpKinds = int(numOpKinds)

// opSpec describes one cost-table entry: its key, how its energy basis is
// normalised, and which field of Ops holds it.
type opSpec struct {
	key   string
	bases map[string]bool // allowed energy bases
	per   string          // normalised granularity
	field func(*Ops) *Op  // nil for Issue, which has no Op (its latency is a cycle)
	// opt is set for the entries of the parallel engine: optional
	// without a parallel section; ptr returns the field to allocate.
	opt func(*Ops) **Op
	// dram is set for the entries that the dram section gives (dram.go):
	// latency = the access latency, energy = energy per bit x word bits.
	dram bool
	// seq is set for the entries of the plane sequencer: required only
	// with parallel.plane_sequencer.
	seq bool
}

var rowBases = map[string]bool{"bit": true, "column": true, "row": true}

var opSpecs = [numOpKinds]opSpec{
	OpIssue:       {"issue", map[string]bool{"op": true, "instr": true}, "instr", nil, nil, false, false},
	OpRowRead:     {"row_read", rowBases, "row", func(o *Ops) *Op { return &o.RowRead }, nil, false, false},
	OpAndSense:    {"and_sense", rowBases, "row", func(o *Ops) *Op { return &o.AndSense }, nil, false, false},
	OpRowWrite:    {"row_write", rowBases, "row", func(o *Ops) *Op { return &o.RowWrite }, nil, false, false},
	OpBitcount:    {"bitcount", map[string]bool{"op": true}, "op", func(o *Ops) *Op { return &o.Bitcount }, nil, false, false},
	OpShiftAdd:    {"shift_add", map[string]bool{"op": true}, "op", func(o *Ops) *Op { return &o.ShiftAdd }, nil, false, false},
	OpAccTransfer: {"acc_transfer", map[string]bool{"op": true}, "op", func(o *Ops) *Op { return &o.AccTransfer }, nil, false, false},
	OpDPU:         {"dpu_op", map[string]bool{"lane": true, "op": true}, "lane", func(o *Ops) *Op { return &o.DPUOp }, nil, false, false},
	OpBufferRead:  {"buffer_read", map[string]bool{"word": true}, "word", func(o *Ops) *Op { return &o.BufferRead }, nil, false, false},
	OpBufferWrite: {"buffer_write", map[string]bool{"word": true}, "word", func(o *Ops) *Op { return &o.BufferWrite }, nil, false, false},
	// row_broadcast: per bit (or column, or row) per destination sub-array
	// beyond the first; link: per word per hop; sync: per tsig/twait.
	OpRowBroadcast: {"row_broadcast", rowBases, "row", func(o *Ops) *Op { return o.RowBroadcast }, func(o *Ops) **Op { return &o.RowBroadcast }, false, false},
	OpLink:         {"link", map[string]bool{"word": true}, "word", func(o *Ops) *Op { return o.Link }, func(o *Ops) **Op { return &o.Link }, false, false},
	OpSync:         {"sync", map[string]bool{"op": true}, "op", func(o *Ops) *Op { return o.Sync }, func(o *Ops) **Op { return &o.Sync }, false, false},
	// dram_read, dram_write: per bit moved, from the dram section.
	OpDRAMRead:  {"dram_read", map[string]bool{"bit": true}, "bit", nil, nil, true, false},
	OpDRAMWrite: {"dram_write", map[string]bool{"bit": true}, "bit", nil, nil, true, false},
	// plane_step: per step per group (the command replayed once for all
	// the group's sub-arrays).
	OpPlaneStep: {"plane_step", map[string]bool{"op": true}, "op", func(o *Ops) *Op { return o.PlaneStep }, func(o *Ops) **Op { return &o.PlaneStep }, false, true},
}

// String is the cost-table key ("and_sense").
func (k OpKind) String() string {
	if k >= 0 && k < numOpKinds {
		return opSpecs[k].key
	}
	return fmt.Sprintf("op(%d)", int(k))
}

// Per is the granularity Cost normalises energy to: "row", "op", "lane",
// "word", "bit" (DRAM) or "instr".
func (k OpKind) Per() string { return opSpecs[k].per }

// Optional reports whether k is an entry of the parallel engine, which a
// description without a parallel section may omit (plane_step: without
// parallel.plane_sequencer).
func (k OpKind) Optional() bool { return opSpecs[k].opt != nil }

// HasPlaneSequencer reports whether the banks have a plane sequencer
// (parallel.plane_sequencer): gdot is legal.
func (t *Target) HasPlaneSequencer() bool {
	return t.Parallel != nil && t.Parallel.PlaneSequencer != nil
}

// HasOp reports whether the description gives k (every entry but the
// optional ones of a description that omits them).
func (t *Target) HasOp(k OpKind) bool {
	if opSpecs[k].dram {
		return t.DRAM != nil
	}
	return k == OpIssue || opSpecs[k].field(&t.Ops) != nil
}

// IsDRAM reports whether k is an entry of the dram section (dram_read,
// dram_write), not of the ops table.
func (k OpKind) IsDRAM() bool { return opSpecs[k].dram }

// OpKinds lists every cost-table entry.
func OpKinds() []OpKind {
	ks := make([]OpKind, numOpKinds)
	for i := range ks {
		ks[i] = OpKind(i)
	}
	return ks
}

// op returns the cost-table entry of k (not OpIssue).
func (t *Target) op(k OpKind) *Op {
	if k < 0 || k >= numOpKinds || opSpecs[k].field == nil {
		panic(fmt.Sprintf("BUG: target: no Op for %v", k))
	}
	return opSpecs[k].field(&t.Ops)
}

// Cost is a normalised cost: latency in ns, energy in fJ per k.Per().
type Cost struct {
	LatencyNS float64
	EnergyFJ  float64
}

// Cost returns the normalised cost of k. Row operations are per row (a
// per-bit or per-column energy times cols); Issue's latency is one clock
// cycle; an optional entry the description omits costs nothing (the
// serial machine never uses it). Only valid on a validated Target.
func (t *Target) Cost(k OpKind) Cost {
	if k == OpIssue {
		e, _ := energyFJ(t.Ops.Issue.Energy, opSpecs[k], t.Geometry.Cols.Value)
		return Cost{LatencyNS: t.CycleNS(), EnergyFJ: e}
	}
	if !t.HasOp(k) {
		return Cost{}
	}
	if opSpecs[k].dram {
		return t.dramCost()
	}
	o := t.op(k)
	l, _ := timeNS(o.Latency)
	e, _ := energyFJ(o.Energy, opSpecs[k], t.Geometry.Cols.Value)
	return Cost{LatencyNS: l, EnergyFJ: e}
}

// ClockGHz is the controller clock frequency.
func (t *Target) ClockGHz() float64 { f, _ := freqGHz(t.Clock); return f }

// CycleNS is the controller clock period.
func (t *Target) CycleNS() float64 { return 1 / t.ClockGHz() }

// Subarrays is the total number of computational sub-arrays.
func (t *Target) Subarrays() int64 {
	g := &t.Geometry
	return g.Banks.Value * g.MatsPerBank.Value * g.SubarraysPerMat.Value
}

// Controllers is the number of controllers: parallel.controllers, or 1 on
// the serial machine.
func (t *Target) Controllers() int64 {
	if t.Parallel == nil {
		return 1
	}
	return t.Parallel.Controllers.Value
}

// GroupSubarrays is the most sub-arrays one group instruction addresses:
// parallel.group_subarrays, capped by the sub-arrays of a bank (a group
// lies in one bank); 0 on the serial machine.
func (t *Target) GroupSubarrays() int64 {
	if t.Parallel == nil {
		return 0
	}
	g := &t.Geometry
	return min(t.Parallel.GroupSubarrays.Value, g.MatsPerBank.Value*g.SubarraysPerMat.Value)
}

// ColumnGating reports whether row writes and senses are charged for the
// columns they drive only (ops.column_gating = 1).
func (t *Target) ColumnGating() bool { return t.Ops.ColumnGating.Value != 0 }

// PowerGating reports whether sub-arrays a run does not touch are
// power-gated (leakage.subarray_power_gating = 1).
func (t *Target) PowerGating() bool { return t.Leakage.PowerGating.Value != 0 }

// AreaItem is one line of the area breakdown.
type AreaItem struct {
	Name    string
	UM2     float64
	Formula string // how it was computed, for reports
}

// AreaBreakdown returns the chip area by component (um2):
// sub-arrays (cells, periphery), bit-counters, accumulators, DPU, buffers and
// controller (docs/PAPER.md §4 "Area = ...").
func (t *Target) AreaBreakdown() []AreaItem {
	g := &t.Geometry
	a := func(q Quantity) float64 { v, _ := areaUM2(q, t.Technology.Value); return v }
	n := float64(t.Subarrays())
	cells := n * float64(g.Rows.Value*g.Cols.Value)
	sramBits := float64(g.ActBufferWords.Value*g.ActWordBits.Value + g.ConstWords.Value*32)
	// One controller and DPU per controller of the parallel engine
	// (docs/PARALLEL.md §3); the serial machine's formulas are unchanged.
	nc := t.Controllers()
	dpuFormula := fmt.Sprintf("%d lanes x %g um2", g.DPULanes.Value, a(t.Area.DPULane))
	ctrlFormula := "1"
	if t.Parallel != nil {
		dpuFormula = fmt.Sprintf("%d controllers x %d lanes x %g um2", nc, g.DPULanes.Value, a(t.Area.DPULane))
		ctrlFormula = fmt.Sprintf("%d controllers x %g um2", nc, a(t.Area.Controller))
	}
	items := []AreaItem{
		{"subarray cells", cells * a(t.Area.Cell), fmt.Sprintf("%.0f cells x %.4g um2", cells, a(t.Area.Cell))},
		{"subarray periphery", n * a(t.Area.SubarrayPeriphery), fmt.Sprintf("%.0f sub-arrays x %g um2", n, a(t.Area.SubarrayPeriphery))},
		{"bit-counters", n * a(t.Area.Bitcounter), fmt.Sprintf("%.0f x %g um2", n, a(t.Area.Bitcounter))},
		{"shift-add accumulators", n * float64(g.AccPerSubarray.Value) * a(t.Area.ShiftAdd), fmt.Sprintf("%.0f x %d x %g um2", n, g.AccPerSubarray.Value, a(t.Area.ShiftAdd))},
		{"DPU", float64(nc*g.DPULanes.Value) * a(t.Area.DPULane), dpuFormula},
		{"buffers (SRAM)", sramBits * a(t.Area.SRAMBit), fmt.Sprintf("%.0f bits x %g um2", sramBits, a(t.Area.SRAMBit))},
		{"controller", float64(nc) * a(t.Area.Controller), ctrlFormula},
	}
	if t.HasPlaneSequencer() {
		b, k := g.Banks.Value, t.PlaneSequences()
		items = append(items, AreaItem{"plane sequencers", float64(b*k) * a(t.Parallel.PlaneSequencer.Area), fmt.Sprintf("%d banks x %d sequences x %g um2", b, k, a(t.Parallel.PlaneSequencer.Area))})
	}
	return items
}

// SRAMBitUM2 is the area of one SRAM bit (area.sram_bit) in um2.
func (t *Target) SRAMBitUM2() float64 {
	a, _ := areaUM2(t.Area.SRAMBit, t.Technology.Value)
	return a
}

// TotalAreaUM2 is the sum of AreaBreakdown.
func (t *Target) TotalAreaUM2() float64 {
	s := 0.0
	for _, it := range t.AreaBreakdown() {
		s += it.UM2
	}
	return s
}

// String is "name (fingerprint prefix)".
func (t *Target) String() string {
	fp := t.Fingerprint()
	return fmt.Sprintf("%s (%x)", t.Name, fp[:6])
}

// splitUnit splits "fJ/bit" into ("fJ", "bit").
func splitUnit(u string) (string, string) {
	a, b, _ := strings.Cut(u, "/")
	return strings.TrimSpace(a), strings.TrimSpace(b)
}
