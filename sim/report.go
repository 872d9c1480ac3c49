package sim

import (
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"strings"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// Report is the cost report of a batch of inferences (docs/PAPER.md §4:
// latency, energy, power, area, FPS, GOPS, TOPS/W). Units: ns, pJ, mW, um2.
//
// Definitions:
//   - Load is the one-time weight programming: row_write per weight row;
//     sub-arrays are programmed in parallel, rows of one sub-array in
//     sequence, so its latency is (most rows in one sub-array) x row_write.
//   - PerInference is the mean over the images of the batch (equal to each
//     image when the program has no data-dependent control flow); Batch is
//     the sum (images run back to back on one machine: every image starts
//     from the post-load state, so the sum is also the sequential latency).
//   - Energy: dynamic energy = operation counts x the target's cost table
//     (docs/ISA.md §4); leakage = static power x time (target.Leakage,
//     leakage.go): every component leaks its power for the whole latency,
//     but with leakage.subarray_power_gating a run's untouched sub-arrays
//     leak nothing; Energy.LeakageBy splits it by component and a source's
//     leakage is the chip's over the time charged to it.
//   - MACs are the multiply-accumulates of an inference. A source that
//     declares its workload (isa.Source.MACs, format v1.2; the compiler sets
//     it for every matrix layer: kept filters x kept columns x output pixels,
//     per group, less the all-zero tiles it did not place) contributes its declared count to each run that executes
//     any of its instructions; SourceReport.MACsSource is then "declared".
//     Every other source ("counted"; the only kind in programs that declare
//     nothing, such as older binaries and hand-written assembly without
//     macs=) is inferred from the bit-serial work, without knowing the bit
//     widths: the bmacs (or and/popc/shadd triples; rdrow/or feeding a
//     shadd are not multiplies) accumulated into one accumulator between
//     two consumptions of it (vacc, accadd reading it, accclr, or the end of the run) form one
//     dot-product segment (M x N bmacs), worth K MACs, where K is the number
//     of columns in use of the group's input row (rowa of its last bmac):
//     the extent of the patch register (highest off+len loaded by pld since
//     its pzero) that wrp wrote into that row, or cols for a row of the
//     weight image. This is exact for the one-segment-per-accumulator
//     mapping of docs/ISA.md (dot, conv and relu_layer in testdata/isa give
//     16, 576 and 900); a program that accumulates several segments of one
//     dot product in the same accumulator is under-counted, and compiled
//     fully connected layers can be over-counted (trained LeNet-5 at W8A8:
//     fc2 18732 counted vs 84 x 120 = 10080, fc3 2230 vs 840), hence the
//     declared count. A declared count is bounded by the source's executed
//     row ANDs x cols (macbound.go): a run that declares more is refused.
//     BitOps counts the 1-bit AND-accumulates: cols per
//     bmac.
//   - GOPS = 2 x MACs / latency; TOPS/W = 2 x MACs / energy; FPS = 1 / frame
//     latency; average power = energy / latency.
//   - DRAM (ISA v1.6, dram.go): dram_read/dram_write per bit moved (codes
//     at their type's width); Phase.DRAMNS is the time the channel was busy
//     (latency + bits at the bandwidth, per transfer), DRAMBits the bits.
//   - Area: the chip's (target.AreaBreakdown) and the area this program
//     uses (AreaUsed, area.go): the sub-arrays touched, the streams'
//     controllers and DPUs, its constants and the activation buffer it
//     used at the real width of its codes.
//   - Host (host.go): a compiled model run by pimrt adds Host, the work of
//     its host ops and of the port transfers across the host interface,
//     costed by the target's host section, with the end-to-end latency and
//     energy and the host's share of each; the device figures above cover
//     the device alone. A program run without its host (pimc sim of a
//     bare program) has no Host: its ports' transfers are not costed.
//   - Utilization: sub-arrays touched / sub-arrays of the target, and their
//     busy fraction: the mean over the touched sub-arrays of busy time /
//     latency, where a sub-array is busy while any of its units (cell array,
//     bit-counter, shift-add) works (the union of their intervals, not the
//     sum). Resources: the busy fraction of every controller's issue slots
//     (one cycle per instruction), DPU, buffer port and link. A pipelined
//     batch (runs of several frames of a program with several streams)
//     measures sub-arrays, issue slots, DPUs and ports over the runs'
//     steady-state windows (window.go) and adds the steady-state FPS
//     (steady.go).
//   - Device bound (bound.go, docs/PARALLEL.md §6): each source's cost is
//     the work of its busiest resource (SourceReport.BoundNS, Busiest); the
//     device bound of an image is the longest path through the layer graph
//     (the data flow the run executed), at least the pipeline bound: the
//     busiest resource's total work per image, whose inverse is FPSBound.
type Report struct {
	Target            string  `json:"target"`
	TargetFingerprint string  `json:"target_fingerprint"`
	ClockGHz          float64 `json:"clock_ghz"`
	Instructions      int     `json:"program_instructions"`
	WeightRows        int     `json:"weight_rows"`
	Images            int     `json:"images"`
	// Runs is the number of runs of the batch: Images, or fewer for a
	// pipelined program that runs several frames (images) per run.
	Runs int `json:"runs"`

	Load         Phase   `json:"weight_programming"`
	PerInference Phase   `json:"per_inference"`
	Batch        Phase   `json:"batch"`
	PerImage     []Phase `json:"per_image,omitempty"`

	FPS              float64 `json:"fps"`
	GOPS             float64 `json:"gops"`
	TOPSPerW         float64 `json:"tops_per_w"`
	MACs             float64 `json:"macs_per_inference"`
	BitOps           float64 `json:"bit_ops_per_inference"`
	SubarraysUsed    int     `json:"subarrays_used"`
	SubarraysTotal   int     `json:"subarrays_total"`
	SubarrayBusyFrac float64 `json:"subarray_busy_fraction"`
	// SteadyStateNS is the total steady-state window of a pipelined batch
	// over which SubarrayBusyFrac is integrated (0: over the whole runs).
	SteadyStateNS float64 `json:"steady_state_window_ns,omitempty"`
	// SubarrayBusyUnsure bounds what SubarrayBusyFrac may miss: busy time
	// of sub-arrays shared by streams whose intervals arrived out of order
	// over earlier work (resources.go, outOfOrder), as a fraction of the
	// same time; the true figure is at most SubarrayBusyFrac + it. 0 on
	// one stream and whenever every interval was placed exactly.
	SubarrayBusyUnsure float64 `json:"subarray_busy_unsure_fraction,omitempty"`
	// A batch with runs of several frames (steady.go, docs/PARALLEL.md
	// §7.1): SingleImageNS is T_1, the latency of a one-frame run of the
	// batch's first image (an extra run, not one of the batch's);
	// PipelinedRuns runs of several frames processed PipelinedFrames
	// images in PipelinedNS (the sum of their T_n), PipelinedFPS =
	// frames / time (fill and drain included) and SteadyStateFPS = sum(n
	// - 1) / sum(T_n - T_1), one frame per period once the pipeline is
	// full. All 0 (omitted) otherwise.
	SingleImageNS   float64 `json:"single_image_ns,omitempty"`
	PipelinedRuns   int     `json:"pipelined_runs,omitempty"`
	PipelinedFrames int     `json:"pipelined_frames,omitempty"`
	PipelinedNS     float64 `json:"pipelined_ns,omitempty"`
	PipelinedFPS    float64 `json:"pipelined_fps,omitempty"`
	SteadyStateFPS  float64 `json:"steady_state_fps,omitempty"`

	// FPSBound is 1 / the pipeline bound (PerInference.PipelineBoundNS);
	// PipelineBusiest names the resource that sets it.
	FPSBound        float64 `json:"fps_bound"`
	PipelineBusiest string  `json:"pipeline_busiest,omitempty"`
	// Stages is the work of every stream of a program with several
	// (pipeline stages), by controller.
	Stages []StageReport `json:"stages,omitempty"`
	// Resources is the utilisation of the shared resources (controllers'
	// issue slots, DPUs, buffer ports, links) that did any work, in that
	// order; ResourceCounts is how many of each kind the target has (the
	// others were idle). In a pipelined batch (SteadyStateNS > 0) the
	// utilisation of issue slots, DPUs and ports is over the steady-state
	// windows, like the sub-arrays' (ResourceUse.SteadyState).
	Resources      []ResourceUse  `json:"resources"`
	ResourceCounts map[string]int `json:"resource_counts"`

	// PowerGating: the target gates the sub-arrays a run does not touch
	// (their leakage is not counted).
	PowerGating bool `json:"subarray_power_gating"`

	Area         []AreaItem `json:"area"`
	AreaTotalUM2 float64    `json:"area_total_um2"`
	// AreaUsed is the area this program uses, by component in Area's
	// order (area.go): the sub-arrays it touched, its controllers and
	// DPUs, and the buffers it filled at the real width of its codes.
	AreaUsed       []AreaItem `json:"area_used"`
	AreaUsedUM2    float64    `json:"area_used_um2"`
	BufferBitsUsed int64      `json:"buffer_bits_used"`
	// Subarrays are the sub-arrays that hold weights or did work: the
	// layer whose weights each holds and its busy fraction over the runs
	// (floorplan.go).
	Subarrays []SubarrayUse `json:"subarrays,omitempty"`
	// Geometry places a sub-array index on the chip: Banks banks of
	// SubarraysPerBank (index = bank x SubarraysPerBank + the rest).
	Banks            int `json:"banks,omitempty"`
	SubarraysPerBank int `json:"subarrays_per_bank,omitempty"`

	// Sources are per-inference (mean) costs by source (layer / ONNX node),
	// in source-index order; "(unattributed)" last if any instruction has no
	// source.
	Sources []SourceReport `json:"sources"`

	// Hotspots are the instructions that held the controller longest (per
	// inference, mean), at most MaxHotspots, longest first.
	Hotspots []Hotspot `json:"hotspots"`

	// Host is the host's share of a compiled model's inference (host.go);
	// nil for a program run without its host section.
	Host *HostReport `json:"host,omitempty"`

	// Timeline is the busy fraction of the sub-arrays, controllers, DPUs,
	// buffer ports, links and DRAM over the inference in coarse time bins
	// (timeline.go); nil unless recorded (Executable.RecordTimeline: pimc
	// sim and eval with -report or -html).
	Timeline *Timeline `json:"timeline,omitempty"`
	// FaultPoints are an evaluation's accuracies on chips with faults
	// (faultcurve.go): filled by pimc eval -faults, not by the simulator.
	FaultPoints []FaultPoint `json:"fault_points,omitempty"`
}

// MaxHotspots bounds Report.Hotspots.
const MaxHotspots = 10

// Hotspot is one line of the per-instruction profile.
type Hotspot struct {
	PC        int     `json:"pc"`
	Instr     string  `json:"instr"`
	Source    string  `json:"source"`
	Count     float64 `json:"count"`      // executions per inference
	LatencyNS float64 `json:"latency_ns"` // controller time charged per inference
}

// ResourceUse is the work of one shared resource per inference and its
// busy fraction (work / latency).
type ResourceUse struct {
	Resource    string  `json:"resource"`
	Kind        string  `json:"kind"` // issue, DPU, buffer port, link
	Index       int     `json:"index"`
	BusyNS      float64 `json:"busy_ns"`
	Utilisation float64 `json:"utilisation"`
	// SteadyState: Utilisation is the work inside the steady-state windows
	// of a pipelined batch / their length (window.go); else BusyNS /
	// the latency.
	SteadyState bool `json:"steady_state,omitempty"`
}

// Phase is the cost of one phase (weight programming, one inference, a batch).
// DeviceBoundNS, CriticalPathNS (the longest path through the layer graph)
// and PipelineBoundNS are the bounds of Report (for a batch, the sum over
// its images; not given for weight programming).
type Phase struct {
	Cycles          float64          `json:"cycles"`
	LatencyNS       float64          `json:"latency_ns"`
	DeviceBoundNS   float64          `json:"device_bound_ns,omitempty"`
	CriticalPathNS  float64          `json:"critical_path_ns,omitempty"`
	PipelineBoundNS float64          `json:"pipeline_bound_ns,omitempty"`
	Instructions    float64          `json:"instructions"`
	Energy          Energy           `json:"energy_pj"`
	AvgPowerMW      float64          `json:"avg_power_mw"`
	Ops             map[string]int64 `json:"ops,omitempty"` // operation counts by cost entry (words, lanes, rows, ops, instrs)
	// DRAMBits are the bits moved to and from the off-chip memory
	// (dload, dstore; ISA v1.6: codes at their type's width) and DRAMNS
	// the time its channel was busy with them (access latency + bits at
	// its bandwidth, dram.go); omitted when 0.
	DRAMBits float64 `json:"dram_bits,omitempty"`
	DRAMNS   float64 `json:"dram_ns,omitempty"`
}

// Energy is an energy split by component, pJ.
type Energy struct {
	Sense       float64 `json:"sense"` // two-row AND/OR and plain row reads
	Write       float64 `json:"write"`
	Popcount    float64 `json:"popcount"`
	ShiftAdd    float64 `json:"shift_add"`
	AccTransfer float64 `json:"acc_transfer"`
	DPU         float64 `json:"dpu"`
	Buffer      float64 `json:"buffer"`
	Controller  float64 `json:"controller"`
	// Interconnect is the parallel engine's row broadcasts, inter-bank
	// links and token signals (row_broadcast, link, sync); omitted when 0.
	Interconnect float64 `json:"interconnect,omitempty"`
	// DRAM is the off-chip memory's energy (dram_read, dram_write: the
	// bits moved x energy per bit); omitted when 0.
	DRAM    float64 `json:"dram,omitempty"`
	Leakage float64 `json:"leakage"`
	Total   float64 `json:"total"`
	// LeakageBy splits Leakage by component (target.LeakageBreakdown).
	LeakageBy LeakageSplit `json:"leakage_by_component"`
}

// AreaItem is one component of the chip area.
type AreaItem struct {
	Name    string  `json:"name"`
	UM2     float64 `json:"um2"`
	Formula string  `json:"formula"`
}

// SourceReport is the per-inference cost of one source.
type SourceReport struct {
	Index        int     `json:"index"` // -1 unattributed
	Layer        string  `json:"layer"`
	Node         string  `json:"node"`
	Value        string  `json:"value"`
	Instructions float64 `json:"instructions"`
	Cycles       float64 `json:"cycles"`     // controller time charged, in cycles
	LatencyNS    float64 `json:"latency_ns"` // controller time charged (sums to the frame latency)
	Energy       Energy  `json:"energy_pj"`
	AvgPowerMW   float64 `json:"avg_power_mw"` // energy / latency charged
	MACs         float64 `json:"macs"`
	// MACsSource says where MACs comes from: "declared" (isa.Source.MACs,
	// set by the compiler) or "counted" (inferred from the bit-serial
	// work). Omitted for programs that declare no MACs (all counted).
	MACsSource   string  `json:"macs_source,omitempty"`
	LoadEnergyPJ float64 `json:"load_energy_pj"` // weight programming of its rows
	// BoundNS is the work of the source's busiest resource (Busiest) per
	// inference; Critical: the source is on the critical path (of at least
	// half of the images).
	BoundNS  float64 `json:"bound_ns"`
	Busiest  string  `json:"busiest,omitempty"`
	Critical bool    `json:"critical"`
}

// staticOps adds the operation counts fixed by instruction in (executed n
// times) to ops, indexed by target.OpKind.
func staticOps(in *isa.Instr, n int64, ops *[numCounts]int64) {
	ops[target.OpIssue] += n
	switch in.Op {
	case isa.OpLd, isa.OpLdc:
		ops[target.OpBufferRead] += n
	case isa.OpSt:
		ops[target.OpBufferWrite] += n
	case isa.OpPld:
		ops[target.OpBufferRead] += n * in.Args[4]
	case isa.OpWrp:
		ops[target.OpRowWrite] += n
	case isa.OpRdrow:
		ops[target.OpRowRead] += n
	case isa.OpAnd, isa.OpOr:
		ops[target.OpAndSense] += n
	case isa.OpPopc:
		ops[target.OpBitcount] += n
	case isa.OpShadd, isa.OpAccclr, isa.OpAccadd:
		ops[target.OpShiftAdd] += n
	case isa.OpBmac:
		ops[target.OpAndSense] += n
		ops[target.OpBitcount] += n
		ops[target.OpShiftAdd] += n
	case isa.OpVacc:
		ops[target.OpAccTransfer] += n
	// ISA v1.5: a group instruction costs what its n single instructions
	// cost, plus the row broadcast to the sub-arrays beyond the first.
	case isa.OpGwrp:
		ops[target.OpRowWrite] += n * in.Args[1]
		ops[target.OpRowBroadcast] += n * (in.Args[1] - 1)
	case isa.OpGbmac:
		ops[target.OpAndSense] += n * in.Args[1]
		ops[target.OpBitcount] += n * in.Args[1]
		ops[target.OpShiftAdd] += n * in.Args[1]
	case isa.OpGvacc:
		ops[target.OpAccTransfer] += n * in.Args[4]
	// ISA v1.7: a gdot costs its M x N bmacs on each of its n sub-arrays,
	// plus M x N steps of the bank's plane sequencer.
	case isa.OpGdot:
		pl := isa.UnpackPlanes(in.Args[6])
		k := n * int64(pl.M*pl.N)
		ops[target.OpAndSense] += k * in.Args[1]
		ops[target.OpBitcount] += k * in.Args[1]
		ops[target.OpShiftAdd] += k * in.Args[1]
		ops[target.OpPlaneStep] += k
	case isa.OpTsig, isa.OpTwait:
		ops[target.OpSync] += n
	}
}

// energyOf converts operation counts into the component split (no leakage).
func (c *costTable) energyOf(ops *[numCounts]int64) Energy {
	// a row operation's energy less that of the columns it did not drive
	// (columns.go; none without column gating)
	pj := func(k target.OpKind) float64 { return (float64(ops[k]) - c.undriven(ops, k)) * c.fj[k] / 1000 }
	en := Energy{
		Sense:       pj(target.OpAndSense) + pj(target.OpRowRead),
		Write:       pj(target.OpRowWrite),
		Popcount:    pj(target.OpBitcount),
		ShiftAdd:    pj(target.OpShiftAdd),
		AccTransfer: pj(target.OpAccTransfer),
		DPU:         pj(target.OpDPU),
		Buffer:      pj(target.OpBufferRead) + pj(target.OpBufferWrite),
		Controller:  pj(target.OpIssue) + pj(target.OpPlaneStep), // the plane sequencer: command logic
		// the parallel engine's wires: group broadcasts, inter-bank links,
		// token signals (0 on the serial machine)
		Interconnect: pj(target.OpRowBroadcast) + pj(target.OpLink) + pj(target.OpSync),
		DRAM:         pj(target.OpDRAMRead) + pj(target.OpDRAMWrite),
	}
	en.Total = en.Sense + en.Write + en.Popcount + en.ShiftAdd + en.AccTransfer + en.DPU + en.Buffer + en.Controller + en.Interconnect + en.DRAM
	return en
}

func (en *Energy) scale(f float64) {
	for _, p := range []*float64{&en.Sense, &en.Write, &en.Popcount, &en.ShiftAdd, &en.AccTransfer, &en.DPU, &en.Buffer, &en.Controller, &en.Interconnect, &en.DRAM, &en.Leakage, &en.Total} {
		*p *= f
	}
	en.LeakageBy = en.LeakageBy.scaled(f)
}

func (en *Energy) add(o Energy) {
	en.Sense += o.Sense
	en.Write += o.Write
	en.Popcount += o.Popcount
	en.ShiftAdd += o.ShiftAdd
	en.AccTransfer += o.AccTransfer
	en.DPU += o.DPU
	en.Buffer += o.Buffer
	en.Controller += o.Controller
	en.Interconnect += o.Interconnect
	en.DRAM += o.DRAM
	en.Leakage += o.Leakage
	en.Total += o.Total
	en.LeakageBy.add(o.LeakageBy, 1)
}

func opsMap(ops *[numCounts]int64) map[string]int64 {
	m := map[string]int64{}
	for k, n := range ops[:numKinds] {
		if n != 0 {
			m[target.OpKind(k).String()] = n
		}
	}
	return m
}

// imageOps returns the operation counts of one run per source (index src+1).
func (e *Executable) imageOps(st *RunStats) [][numCounts]int64 {
	bySrc := make([][numCounts]int64, len(e.Prog.Sources)+1)
	for pc, ps := range st.PC {
		if ps.Count == 0 {
			continue
		}
		in := &e.Prog.Code[pc]
		staticOps(in, ps.Count, &bySrc[in.Src+1])
	}
	for s := range bySrc {
		for k := range numKinds {
			bySrc[s][k] += st.Dyn[s][k]
		}
		for k := range numUnd {
			bySrc[s][numKinds+k] += st.Undriven[s][k]
		}
	}
	return bySrc
}

// phaseOf builds the Phase of one inference from its operation counts.
func (e *Executable) phaseOf(st *RunStats, bySrc [][numCounts]int64) Phase {
	var ops [numCounts]int64
	for s := range bySrc {
		for k := range numCounts {
			ops[k] += bySrc[s][k]
		}
	}
	ns := float64(st.LatencyPS) / 1000
	ph := Phase{
		Cycles:       float64((st.LatencyPS + e.cost.cycle - 1) / e.cost.cycle),
		LatencyNS:    ns,
		Instructions: float64(st.Steps),
		Energy:       e.cost.energyOf(&ops),
		Ops:          opsMap(&ops),
		DRAMBits:     float64(ops[target.OpDRAMRead] + ops[target.OpDRAMWrite]),
	}
	if e.Target.HasDRAM() {
		id, R := e.shared.id(ResDRAM, 0), e.shared.total
		var w int64
		for src := range len(st.Work) / R {
			w += st.Work[src*R+id]
		}
		ph.DRAMNS = float64(w) / 1000
	}
	e.addLeakage(&ph.Energy, ns, e.poweredSubarrays(st.SubarraysUsed)*ns)
	if ns > 0 {
		ph.AvgPowerMW = ph.Energy.Total / ns
	}
	return ph
}

// share is one image's share of a run of n frames: every figure / n (the
// mean power stays); the integer operation counts are kept only for n = 1.
func (ph Phase) share(n int) Phase {
	if n == 1 {
		return ph
	}
	f := 1 / float64(n)
	ph.Cycles *= f
	ph.LatencyNS *= f
	ph.DeviceBoundNS *= f
	ph.CriticalPathNS *= f
	ph.PipelineBoundNS *= f
	ph.Instructions *= f
	ph.DRAMBits *= f
	ph.DRAMNS *= f
	ph.Energy.scale(f)
	ph.Ops = nil
	return ph
}

// loadPhase is the one-time weight programming phase.
func (e *Executable) loadPhase() Phase {
	var ops [numCounts]int64
	ops[target.OpRowWrite] = int64(len(e.Prog.Weights))
	lat := e.loadMaxRows * e.cost.lat[target.OpRowWrite]
	ns := float64(lat) / 1000
	ph := Phase{
		Cycles:    float64((lat + e.cost.cycle - 1) / e.cost.cycle),
		LatencyNS: ns,
		Energy:    e.cost.energyOf(&ops),
		Ops:       opsMap(&ops),
	}
	// during programming the sub-arrays that receive weights are powered
	e.addLeakage(&ph.Energy, ns, e.poweredSubarrays(e.loadSubarrays)*ns)
	if ns > 0 {
		ph.AvgPowerMW = ph.Energy.Total / ns
	}
	return ph
}

// Summary folds the runs of a batch into integer totals as they finish, so
// a long batch does not keep every run's per-instruction profile. Adding
// runs in any order gives the same report: everything summed is an integer,
// and the per-image phases are kept by image index.
type Summary struct {
	e        *Executable
	perImage []Phase
	have     []bool
	srcOps   [][numCounts]int64 // operation and undriven-column counts (columns.go)
	srcInstr []int64
	srcTime  []int64
	srcMACs  []int64
	pcCount  []int64
	pcTime   []int64
	cycles   int64
	latPS    int64
	saPS     int64 // sub-arrays powered x latency, summed over the runs (leakage)
	bufBits  int64 // the most activation-buffer bits a run used (area.go)
	steps    int64
	bmacs    int64
	used     int

	// resource accounting (bound.go)
	devPS, pipePS    int64
	pathPS           int64
	pipeMax          int64 // the largest pipeline bound of an image, and its resource
	pipeRes          Resource
	srcCost          []int64
	srcBusy          []Resource // busiest resource of the source (its largest work in one image)
	srcBusyWork      []int64
	srcCrit          []int64 // images in which the source is on the critical path
	sharedWork       []int64
	busyPS           int64   // sum of sub-array busy times
	saBusy           []int64 // busy time by sub-array (floorplan.go)
	busyUnsurePS     int64   // and the bound on what they may miss (RunStats.BusyUnsurePS)
	winPS, winBusyPS int64   // steady-state windows of pipelined runs (window.go)
	winWork          []int64 // shared resources' work inside them
	runs             int
	// steady state (steady.go): runs of several frames, their frames and
	// time, and the one-frame run's latency T_1
	multiRuns, multiFrames, multiPS int64
	periods, periodsPS              int64 // measured steady periods (steady.go)
	measuredRuns                    int64 // runs of several frames with measured periods
	singlePS                        int64
	stages                          []stageSum   // per controller of a program with several streams
	tl                              *timelineSum // the utilisation timeline (timeline.go), nil: none recorded
}

// NewSummary starts the summary of a batch of n images.
func (e *Executable) NewSummary(n int) *Summary {
	ns := len(e.Prog.Sources) + 1
	return &Summary{
		e: e, perImage: make([]Phase, n), have: make([]bool, n),
		srcOps: make([][numCounts]int64, ns), srcInstr: make([]int64, ns), srcTime: make([]int64, ns), srcMACs: make([]int64, ns),
		pcCount: make([]int64, len(e.code)), pcTime: make([]int64, len(e.code)),
		srcCost: make([]int64, ns), srcBusy: make([]Resource, ns), srcBusyWork: make([]int64, ns), srcCrit: make([]int64, ns),
		sharedWork: make([]int64, e.shared.total),
	}
}

// Add folds the run of image i, or of images i .. i+st.Frames-1 for a run
// of several frames of a pipelined program (each image's phase is then its
// share of the run: the run's figures / st.Frames). Not safe for
// concurrent use.
func (s *Summary) Add(i int, st *RunStats) {
	e := s.e
	bySrc := e.imageOps(st)
	ph := e.phaseOf(st, bySrc)
	nf := max(1, st.Frames)
	s.addBound(e.bound(st), &ph, nf)
	for _, b := range st.Busy {
		s.busyPS += b.PS
	}
	s.addBusy(st.Busy)
	s.addTimeline(st)
	s.busyUnsurePS += st.BusyUnsurePS
	s.winPS += st.WindowPS
	s.winBusyPS += st.WindowBusyPS
	s.winWork = addWork(s.winWork, st.WindowWork)
	s.runs++
	s.addMultiFrame(st)
	share := ph.share(nf)
	for f := range nf {
		s.perImage[i+f], s.have[i+f] = share, true
	}
	s.cycles += int64(ph.Cycles)
	s.latPS += st.LatencyPS
	s.saPS += int64(e.poweredSubarrays(st.SubarraysUsed)) * st.LatencyPS
	s.bufBits = max(s.bufBits, e.bufferBits(st))
	s.steps += st.Steps
	for src := range bySrc {
		for k := range numCounts {
			s.srcOps[src][k] += bySrc[src][k]
		}
	}
	ran := make([]bool, len(bySrc))
	for pc, ps := range st.PC {
		src := e.src[pc] + 1
		ran[src] = ran[src] || ps.Count > 0
		s.srcInstr[src] += ps.Count
		s.srcTime[src] += ps.TimePS
		s.pcCount[pc] += ps.Count
		s.pcTime[pc] += ps.TimePS
		switch e.code[pc].op {
		case isa.OpBmac:
			s.bmacs += ps.Count
		case isa.OpGbmac: // n bmacs
			s.bmacs += ps.Count * int64(e.code[pc].arg[1])
		case isa.OpGdot: // n x M x N bmacs
			pl := isa.UnpackPlanes(int64(e.code[pc].arg[6]))
			s.bmacs += ps.Count * int64(e.code[pc].arg[1]) * int64(pl.M*pl.N)
		}
	}
	for src := range bySrc {
		s.srcMACs[src] += runMACs(e.Prog, st, src, ran[src])
	}
	s.used = max(s.used, st.SubarraysUsed)
}

// runMACs is the MACs of one run for source index src (src+1 in RunStats,
// 0 = unattributed): the source's declared count (isa.Source.MACs) if it
// has one and any of its instructions ran, else the count inferred from the
// bit-serial work (RunStats.MACs). A declared count is per image: a run of
// several frames counts it once per frame.
func runMACs(p *isa.Program, st *RunStats, src int, ran bool) int64 {
	if src > 0 && p.Sources[src-1].MACs > 0 {
		if ran {
			return p.Sources[src-1].MACs * int64(max(1, st.Frames))
		}
		return 0
	}
	return st.MACs[src]
}

// Merge adds the runs folded into o (a summary of the same executable and
// batch size, over other images) to s. Integer sums and per-image phases
// make the result independent of how the images were split.
func (s *Summary) Merge(o *Summary) {
	for i, h := range o.have {
		if h {
			s.perImage[i], s.have[i] = o.perImage[i], true
		}
	}
	for src := range s.srcOps {
		for k := range numCounts {
			s.srcOps[src][k] += o.srcOps[src][k]
		}
		s.srcInstr[src] += o.srcInstr[src]
		s.srcTime[src] += o.srcTime[src]
		s.srcMACs[src] += o.srcMACs[src]
	}
	for pc := range s.pcCount {
		s.pcCount[pc] += o.pcCount[pc]
		s.pcTime[pc] += o.pcTime[pc]
	}
	s.mergeBound(o)
	s.mergeSteady(o)
	s.mergeTimeline(o)
	s.busyUnsurePS += o.busyUnsurePS
	s.cycles += o.cycles
	s.latPS += o.latPS
	s.saPS += o.saPS
	s.bufBits = max(s.bufBits, o.bufBits)
	s.steps += o.steps
	s.bmacs += o.bmacs
	s.used = max(s.used, o.used)
}

// BuildReport summarises the runs of a batch (in image order; a run of
// several frames is its frames' images). It is deterministic: the same runs
// give the same report byte for byte.
func (e *Executable) BuildReport(runs []*RunStats) *Report {
	images := 0
	for _, st := range runs {
		images += max(1, st.Frames)
	}
	s := e.NewSummary(images)
	i := 0
	for _, st := range runs {
		s.Add(i, st)
		i += max(1, st.Frames)
	}
	return s.Report()
}

// Report builds the report of the runs added so far.
func (s *Summary) Report() *Report {
	e := s.e
	t := e.Target
	fp := e.Arch.Fingerprint
	images := 0
	for _, h := range s.have {
		if h {
			images++
		}
	}
	rep := &Report{
		Target:            t.Name,
		TargetFingerprint: hex.EncodeToString(fp[:]),
		ClockGHz:          t.ClockGHz(),
		Instructions:      len(e.Prog.Code),
		WeightRows:        len(e.Prog.Weights),
		Images:            images,
		Load:              e.loadPhase(),
		SubarraysTotal:    e.Arch.Subarrays,
		SubarraysUsed:     s.used,
		PowerGating:       t.PowerGating(),
	}
	if b := e.Arch.Banks; b > 0 && e.Arch.Subarrays%b == 0 {
		rep.Banks, rep.SubarraysPerBank = b, e.Arch.Subarrays/b
	}
	for i, h := range s.have {
		if h {
			rep.PerImage = append(rep.PerImage, s.perImage[i])
		}
	}
	for _, it := range t.AreaBreakdown() {
		rep.Area = append(rep.Area, AreaItem{it.Name, it.UM2, it.Formula})
		rep.AreaTotalUM2 += it.UM2
	}
	rep.BufferBitsUsed = s.bufBits
	rep.AreaUsed = e.usedArea(s.used, s.bufBits)
	for _, it := range rep.AreaUsed {
		rep.AreaUsedUM2 += it.UM2
	}
	c := &e.cost
	var batchOps [numCounts]int64
	var macs int64
	for src := range s.srcOps {
		for k := range numCounts {
			batchOps[k] += s.srcOps[src][k]
		}
		macs += s.srcMACs[src]
	}
	ns := float64(s.latPS) / 1000
	rep.Batch = Phase{
		Cycles:          float64(s.cycles),
		LatencyNS:       ns,
		Instructions:    float64(s.steps),
		DeviceBoundNS:   float64(s.devPS) / 1000,
		CriticalPathNS:  float64(s.pathPS) / 1000,
		PipelineBoundNS: float64(s.pipePS) / 1000,
		Energy:          c.energyOf(&batchOps),
		Ops:             opsMap(&batchOps),
		DRAMBits:        float64(batchOps[target.OpDRAMRead] + batchOps[target.OpDRAMWrite]),
	}
	if t.HasDRAM() {
		rep.Batch.DRAMNS = float64(s.sharedWork[e.shared.id(ResDRAM, 0)]) / 1000
	}
	e.addLeakage(&rep.Batch.Energy, ns, float64(s.saPS)/1000)
	if ns > 0 {
		rep.Batch.AvgPowerMW = rep.Batch.Energy.Total / ns
	}

	n := float64(max(images, 1))
	per := Phase{
		Cycles:          rep.Batch.Cycles / n,
		LatencyNS:       rep.Batch.LatencyNS / n,
		Instructions:    rep.Batch.Instructions / n,
		DeviceBoundNS:   rep.Batch.DeviceBoundNS / n,
		CriticalPathNS:  rep.Batch.CriticalPathNS / n,
		PipelineBoundNS: rep.Batch.PipelineBoundNS / n,
		DRAMBits:        rep.Batch.DRAMBits / n,
		DRAMNS:          rep.Batch.DRAMNS / n,
		Energy:          rep.Batch.Energy,
		AvgPowerMW:      rep.Batch.AvgPowerMW,
	}
	per.Energy.scale(1 / n)
	if images == 1 {
		per.Ops = rep.Batch.Ops
	}
	rep.PerInference = per
	rep.MACs = float64(macs) / n
	rep.BitOps = float64(s.bmacs) * float64(e.Arch.Cols) / n
	if per.LatencyNS > 0 {
		rep.FPS = 1e9 / per.LatencyNS
		rep.GOPS = 2 * rep.MACs / per.LatencyNS
	}
	if per.Energy.Total > 0 {
		rep.TOPSPerW = 2 * rep.MACs / per.Energy.Total
	}
	if s.used > 0 && s.latPS > 0 {
		rep.SubarrayBusyFrac = float64(s.busyPS) / (float64(s.used) * float64(s.latPS))
	}
	if s.used > 0 && s.winPS > 0 { // a pipelined batch: over the steady state
		rep.SubarrayBusyFrac = float64(s.winBusyPS) / (float64(s.used) * float64(s.winPS))
		rep.SteadyStateNS = float64(s.winPS) / 1000
	}
	if s.used > 0 && s.busyUnsurePS > 0 { // over the same time as SubarrayBusyFrac
		den := s.latPS
		if s.winPS > 0 {
			den = s.winPS
		}
		rep.SubarrayBusyUnsure = float64(s.busyUnsurePS) / (float64(s.used) * float64(den))
	}
	s.reportResources(rep, n)
	s.reportSteady(rep)
	rep.Subarrays = s.floorplan()
	rep.Timeline = s.timeline()

	nsrc := len(s.srcOps)
	// Sources in index order, the unattributed bucket last (if used).
	order := make([]int, 0, nsrc)
	for src := 1; src < nsrc; src++ {
		order = append(order, src)
	}
	if s.srcInstr[0] > 0 || e.loadRowsBySrc[0] > 0 {
		order = append(order, 0)
	}
	declared := slices.ContainsFunc(e.Prog.Sources, func(s isa.Source) bool { return s.MACs > 0 })
	for _, src := range order {
		sr := SourceReport{Index: src - 1, Layer: "(unattributed)"}
		if src > 0 {
			ps := e.Prog.Sources[src-1]
			sr.Layer, sr.Node, sr.Value = ps.Layer, ps.Node, ps.Value
		}
		sns := float64(s.srcTime[src]) / 1000
		sr.Instructions = float64(s.srcInstr[src]) / n
		sr.LatencyNS = sns / n
		sr.Cycles = float64(s.srcTime[src]) / float64(c.cycle) / n
		sr.Energy = c.energyOf(&s.srcOps[src])
		// Leakage by source: the chip's static energy over the time
		// charged to the source; the sources add up to the total.
		if s.latPS > 0 {
			sr.Energy.LeakageBy = rep.Batch.Energy.LeakageBy.scaled(sns * 1000 / float64(s.latPS))
			sr.Energy.Leakage = sr.Energy.LeakageBy.total()
			sr.Energy.Total += sr.Energy.Leakage
		}
		sr.Energy.scale(1 / n)
		if sr.LatencyNS > 0 {
			sr.AvgPowerMW = sr.Energy.Total / sr.LatencyNS
		}
		sr.MACs = float64(s.srcMACs[src]) / n
		if declared {
			sr.MACsSource = "counted"
			if src > 0 && e.Prog.Sources[src-1].MACs > 0 {
				sr.MACsSource = "declared"
			}
		}
		sr.LoadEnergyPJ = float64(e.loadRowsBySrc[src]) * c.fj[target.OpRowWrite] / 1000
		s.sourceBound(&sr, src, n)
		rep.Sources = append(rep.Sources, sr)
	}
	rep.Hotspots = s.hotspots(n)
	return rep
}

// hotspots returns the instructions with the most controller time, longest
// first (ties by pc), means over n images.
func (s *Summary) hotspots(n float64) []Hotspot {
	var pcs []int
	for pc, t := range s.pcTime {
		if t > 0 {
			pcs = append(pcs, pc)
		}
	}
	sort.Slice(pcs, func(i, j int) bool {
		a, b := pcs[i], pcs[j]
		if s.pcTime[a] != s.pcTime[b] {
			return s.pcTime[a] > s.pcTime[b]
		}
		return a < b
	})
	var hs []Hotspot
	for _, pc := range pcs[:min(len(pcs), MaxHotspots)] {
		in := s.e.Prog.Code[pc]
		hs = append(hs, Hotspot{
			PC: pc, Instr: strings.TrimSpace(isa.FormatInstr(in)), Source: sourceName(s.e.Prog, in.Src),
			Count: float64(s.pcCount[pc]) / n, LatencyNS: float64(s.pcTime[pc]) / 1000 / n,
		})
	}
	return hs
}

// JSON returns the report as indented JSON (deterministic: maps are sorted
// by encoding/json).
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
