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

// Leakage is the static power model.
type Leakage struct {
	Array             Quantity `json:"array" yaml:"array"`                           // static power of all sub-arrays
	PeripheryFraction Quantity `json:"periphery_fraction" yaml:"periphery_fraction"` // CMOS leakage as a fraction of dynamic energy
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
	numOpKinds
)

// opSpec describes one cost-table entry: its key, how its energy basis is
// normalised, and which field of Ops holds it.
type opSpec struct {
	key   string
	bases map[string]bool // allowed energy bases
	per   string          // normalised granularity
	field func(*Ops) *Op  // nil for Issue, which has no Op (its latency is a cycle)
}

var rowBases = map[string]bool{"bit": true, "column": true, "row": true}

var opSpecs = [numOpKinds]opSpec{
	OpIssue:       {"issue", map[string]bool{"op": true, "instr": true}, "instr", nil},
	OpRowRead:     {"row_read", rowBases, "row", func(o *Ops) *Op { return &o.RowRead }},
	OpAndSense:    {"and_sense", rowBases, "row", func(o *Ops) *Op { return &o.AndSense }},
	OpRowWrite:    {"row_write", rowBases, "row", func(o *Ops) *Op { return &o.RowWrite }},
	OpBitcount:    {"bitcount", map[string]bool{"op": true}, "op", func(o *Ops) *Op { return &o.Bitcount }},
	OpShiftAdd:    {"shift_add", map[string]bool{"op": true}, "op", func(o *Ops) *Op { return &o.ShiftAdd }},
	OpAccTransfer: {"acc_transfer", map[string]bool{"op": true}, "op", func(o *Ops) *Op { return &o.AccTransfer }},
	OpDPU:         {"dpu_op", map[string]bool{"lane": true, "op": true}, "lane", func(o *Ops) *Op { return &o.DPUOp }},
	OpBufferRead:  {"buffer_read", map[string]bool{"word": true}, "word", func(o *Ops) *Op { return &o.BufferRead }},
	OpBufferWrite: {"buffer_write", map[string]bool{"word": true}, "word", func(o *Ops) *Op { return &o.BufferWrite }},
}

// String is the cost-table key ("and_sense").
func (k OpKind) String() string {
	if k >= 0 && k < numOpKinds {
		return opSpecs[k].key
	}
	return fmt.Sprintf("op(%d)", int(k))
}

// Per is the granularity Cost normalises energy to: "row", "op", "lane",
// "word" or "instr".
func (k OpKind) Per() string { return opSpecs[k].per }

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
// cycle. Only valid on a validated Target.
func (t *Target) Cost(k OpKind) Cost {
	if k == OpIssue {
		e, _ := energyFJ(t.Ops.Issue.Energy, opSpecs[k], t.Geometry.Cols.Value)
		return Cost{LatencyNS: t.CycleNS(), EnergyFJ: e}
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

// LeakageArrayMW is the static power of the arrays in mW.
func (t *Target) LeakageArrayMW() float64 { p, _ := powerMW(t.Leakage.Array); return p }

// PeripheryLeakageFraction is CMOS leakage energy as a fraction of dynamic
// energy.
func (t *Target) PeripheryLeakageFraction() float64 {
	f, _ := fraction(t.Leakage.PeripheryFraction)
	return f
}

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
	return []AreaItem{
		{"subarray cells", cells * a(t.Area.Cell), fmt.Sprintf("%.0f cells x %.4g um2", cells, a(t.Area.Cell))},
		{"subarray periphery", n * a(t.Area.SubarrayPeriphery), fmt.Sprintf("%.0f sub-arrays x %g um2", n, a(t.Area.SubarrayPeriphery))},
		{"bit-counters", n * a(t.Area.Bitcounter), fmt.Sprintf("%.0f x %g um2", n, a(t.Area.Bitcounter))},
		{"shift-add accumulators", n * float64(g.AccPerSubarray.Value) * a(t.Area.ShiftAdd), fmt.Sprintf("%.0f x %d x %g um2", n, g.AccPerSubarray.Value, a(t.Area.ShiftAdd))},
		{"DPU", float64(g.DPULanes.Value) * a(t.Area.DPULane), fmt.Sprintf("%d lanes x %g um2", g.DPULanes.Value, a(t.Area.DPULane))},
		{"buffers (SRAM)", sramBits * a(t.Area.SRAMBit), fmt.Sprintf("%.0f bits x %g um2", sramBits, a(t.Area.SRAMBit))},
		{"controller", a(t.Area.Controller), "1"},
	}
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
