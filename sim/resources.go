package sim

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// Resource accounting (docs/PARALLEL.md §6). Every executed instruction
// charges its occupancy, per source, to every unit it occupies, with no
// waiting: a unit's "work" for a source is the sum of the latencies of that
// source's operations on it. The device bound (bound.go) and the
// utilisation figures of the report are built from these charges and from
// the busy time of each sub-array (the union of its units' intervals).
//
// Where the charges are made, so that the hot paths pay nothing:
//   - Controller issue slots: one cycle per executed instruction (divided by
//     the issue width), to the controller of its stream (controllers.go),
//     from the per-pc execution counts at report time; code several streams
//     share is charged at run time (chargeIssue).
//   - Sub-array units of an instruction that names its sub-arrays by
//     immediates (base register r0, what compiled code does): a per-pc table
//     built at Prepare (saChg, saChgAt) times the execution count, at report
//     time.
//   - Group instructions (group.go) charge every member sub-array at run
//     time.
//   - Sub-array units of a register-addressed instruction: at run time, into
//     the sub-array's running charge for its current source (chargeSA),
//     flushed to RunStats.SubarrayWork when another source uses the
//     sub-array and at the end of the run.
//   - DPU and buffer port: at run time (their durations depend on VL and
//     transfer lengths), into RunStats.Work.
//
// The shared resources (controllers' issue slots, DPUs, buffer ports, links)
// are numbered densely (sharedRes); a machine with several controllers and
// ports only has more of them.

// ResourceKind is the kind of a unit the accounting charges.
type ResourceKind uint8

const (
	ResIssue ResourceKind = iota // a controller's issue slots
	ResDPU                       // a controller's DPU
	ResPort                      // an activation-buffer port
	ResLink                      // an inter-bank link
	ResDRAM                      // the off-chip memory channel (dram.go)
	ResArray                     // a sub-array's cell array (row writes, senses, row reads)
	ResCount                     // a sub-array's bit-counter
	ResShadd                     // a sub-array's shift-add unit (and accumulator transfers)
	numResKinds
)

// numShared is the number of shared (non-sub-array) resource kinds.
const numShared = int(ResArray)

var resKindNames = [numResKinds]string{"issue", "DPU", "buffer port", "link", "DRAM", "array", "count", "shift-add"}

func (k ResourceKind) String() string {
	if int(k) < len(resKindNames) {
		return resKindNames[k]
	}
	return fmt.Sprintf("ResourceKind(%d)", k)
}

// Resource is one unit: its kind and index (controller, DPU, port, link or
// sub-array index).
type Resource struct {
	Kind  ResourceKind
	Index int
}

// String names the unit as the report prints it: "controller 0 issue",
// "DPU 0", "buffer port 0", "link 0", "sub-array 12 array".
func (r Resource) String() string {
	switch r.Kind {
	case ResIssue:
		return fmt.Sprintf("controller %d issue", r.Index)
	case ResArray, ResCount, ResShadd:
		return fmt.Sprintf("sub-array %d %s", r.Index, r.Kind)
	}
	return fmt.Sprintf("%s %d", r.Kind, r.Index)
}

// less orders resources: shared ones first, by kind and index.
func (r Resource) less(o Resource) bool {
	if r.Kind != o.Kind {
		return r.Kind < o.Kind
	}
	return r.Index < o.Index
}

// sharedRes numbers the shared resources of a machine densely: resource
// (k, i) is base[k] + i. The serial machine has one controller (issue
// slots and DPU), one buffer port and no links.
type sharedRes struct {
	base, n [numShared]int
	total   int
}

func newSharedRes(controllers, ports, links, drams int) sharedRes {
	var s sharedRes
	for k, n := range [numShared]int{controllers, controllers, ports, links, drams} {
		s.base[k], s.n[k] = s.total, n
		s.total += n
	}
	return s
}

// sharedOf sizes the shared resources of tgt: its controllers (each with
// its issue slots and DPU), buffer ports and, on a parallel machine, one
// link port per bank (docs/PARALLEL.md §5: a crossbar between banks).
func sharedOf(tgt *target.Target) sharedRes {
	ports, links := 1, 0
	if p := tgt.Parallel; p != nil {
		ports, links = int(max(p.BufferPorts.Value, 1)), int(tgt.Geometry.Banks.Value)
	}
	drams := 0
	if tgt.HasDRAM() {
		drams = 1 // one channel (dram.go)
	}
	return newSharedRes(int(max(tgt.Controllers(), 1)), ports, links, drams)
}

// issueWidth is the instructions a controller of tgt issues per clock.
func issueWidth(tgt *target.Target) int64 {
	if p := tgt.Parallel; p != nil {
		return max(p.IssueWidth.Value, 1)
	}
	return 1
}

// id is the dense index of shared resource (k, i).
func (s *sharedRes) id(k ResourceKind, i int) int { return s.base[k] + i }

// resource is the Resource of dense index id.
func (s *sharedRes) resource(id int) Resource {
	k := 0
	for k+1 < numShared && id >= s.base[k+1] {
		k++
	}
	return Resource{ResourceKind(k), id - s.base[k]}
}

// saUnits is the occupancy of one sub-array's units (ps), indexed by kind -
// ResArray.
type saUnits [3]int64

// srcSA is a (source, sub-array) pair; src is the RunStats index (src+1).
type srcSA struct {
	src int32
	sa  int32
}

// SubarrayCharge is the work of one source on one sub-array's units, charged
// at run time (register-addressed instructions). Src is the source index,
// -1 unattributed.
type SubarrayCharge struct {
	Src      int32    `json:"src"`
	Subarray int32    `json:"subarray"`
	Work     [3]int64 `json:"work_ps"` // array, count, shift-add
}

// SubarrayBusy is the busy time of one sub-array in a run: the union of the
// intervals in which any of its units works.
type SubarrayBusy struct {
	Subarray int32 `json:"subarray"`
	PS       int64 `json:"ps"`
}

// saCharge is one static charge of an instruction: pair index (into
// Executable.pairs), unit and latency per execution.
type saCharge struct {
	pair int32
	unit uint8
	lat  int64
}

// saOperands returns the n sub-array operands of in as (base register,
// immediate) pairs, and the units and latencies it occupies on the first
// one (accadd reads the second without occupying it).
func (c *costTable) saOperands(in *inst) (ops [2][2]int32, n int, units saUnits) {
	x := &in.arg
	one := [2][2]int32{{x[0], x[1]}}
	switch in.op {
	case isa.OpWrp:
		return one, 1, saUnits{c.lat[target.OpRowWrite], 0, 0}
	case isa.OpRdrow:
		return one, 1, saUnits{c.lat[target.OpRowRead], 0, 0}
	case isa.OpAnd, isa.OpOr:
		return one, 1, saUnits{c.lat[target.OpAndSense], 0, 0}
	case isa.OpPopc:
		return one, 1, saUnits{0, c.lat[target.OpBitcount], 0}
	case isa.OpShadd, isa.OpAccclr:
		return one, 1, saUnits{0, 0, c.lat[target.OpShiftAdd]}
	case isa.OpAccadd:
		return [2][2]int32{{x[0], x[1]}, {x[3], x[4]}}, 2, saUnits{0, 0, c.lat[target.OpShiftAdd]}
	case isa.OpBmac:
		return one, 1, saUnits{c.lat[target.OpAndSense], c.lat[target.OpBitcount], c.lat[target.OpShiftAdd]}
	case isa.OpVacc:
		return [2][2]int32{{x[3], x[4]}}, 1, saUnits{0, 0, c.lat[target.OpAccTransfer]}
	}
	return ops, 0, saUnits{}
}

// prepareCharges builds the static sub-array charge table (saChg, saChgAt,
// pairs) and marks the register-addressed sub-array instructions (saDyn),
// which charge at run time. A pair with zero work records that the source
// touches the sub-array's state (accadd's second operand).
func (e *Executable) prepareCharges() {
	e.shared = sharedOf(e.Target)
	e.prepareControllers()
	e.saChgAt = make([]int32, len(e.code)+1)
	e.saDyn = make([]bool, len(e.code))
	idx := map[srcSA]int32{}
	for pc := range e.code {
		e.saChgAt[pc] = int32(len(e.saChg))
		in := &e.code[pc]
		all, n, units := e.cost.saOperands(in)
		ops := all[:n]
		if slices.ContainsFunc(ops, func(o [2]int32) bool { return o[0] != 0 }) {
			e.saDyn[pc] = true
			continue
		}
		for j, o := range ops {
			p := srcSA{e.src[pc] + 1, o[1]}
			k, ok := idx[p]
			if !ok {
				k = int32(len(e.pairs))
				idx[p] = k
				e.pairs = append(e.pairs, p)
			}
			for u, l := range units {
				if j == 0 && l > 0 {
					e.saChg = append(e.saChg, saCharge{k, uint8(u), l})
				}
			}
			if j > 0 {
				e.saChg = append(e.saChg, saCharge{k, 0, 0})
			}
		}
	}
	e.saChgAt[len(e.code)] = int32(len(e.saChg))
	e.pairIdx = idx
}

// chargeSA adds work of source src (RunStats index) to sub-array s's units
// at run time, flushing the sub-array's running charge when the source
// changes.
func (m *Machine) chargeSA(sa *subarray, s int32, src int32, w saUnits) {
	if sa.chSrc != src {
		m.flushSA(sa, s)
		sa.chSrc = src
	}
	sa.chWork[0] += w[0]
	sa.chWork[1] += w[1]
	sa.chWork[2] += w[2]
	sa.chUsed = true
}

// chargeDyn charges the sub-array units of the register-addressed
// instruction pc, which has just executed (sub-array instructions write no
// register, so its operands still resolve to the sub-arrays it used).
func (m *Machine) chargeDyn(pc int) {
	e := m.exe
	ops, n, units := e.cost.saOperands(&e.code[pc])
	src := e.src[pc] + 1
	for j, o := range ops[:n] {
		s := m.regs[o[0]] + o[1]
		if j > 0 {
			units = saUnits{}
		}
		m.chargeSA(m.sas[s], s, src, units)
	}
}

// chargeRegRun charges the register-addressed bmacs [pc, pc+len(ops)) of a
// run (operand records ops) whose sub-array is register-relative.
func (m *Machine) chargeRegRun(pc int, ops []sbmac) {
	e := m.exe
	units := saUnits{m.bk.latS, m.bk.latC, m.bk.latA}
	for i := range ops {
		if e.saDyn[pc+i] {
			s := ops[i].sa
			m.chargeSA(m.sas[s], int32(s), e.src[pc+i]+1, units)
		}
	}
}

// flushSA moves sub-array s's running charge to the run's list.
func (m *Machine) flushSA(sa *subarray, s int32) {
	if sa.chUsed {
		m.stats.SubarrayWork = append(m.stats.SubarrayWork, SubarrayCharge{Src: sa.chSrc - 1, Subarray: s, Work: sa.chWork})
	}
	sa.chWork, sa.chUsed = saUnits{}, false
}

// occupy adds the interval [d, end) of one of sa's units to its busy time.
// Intervals of a sub-array arrive in non-decreasing order of d on one
// stream (the controller dispatches in order, and every unit interval of
// an instruction starts at its dispatch, or later only while an earlier
// interval of the same sub-array covers the gap), so the union grows by
// what the interval adds past the latest end so far, which is the latest
// of the unit timers. Call it before the timers are updated.
//
// With several streams an interval may arrive out of order: another
// stream's instruction, issued earlier but simulated later, dispatches on
// a free unit of a sub-array whose last covered stretch (from runStart)
// an instruction waiting for a busy resource opened later (outOfOrder).
func (sa *subarray) occupy(d, end int64) {
	be := max(sa.arrayFree, sa.countFree, sa.shaddFree)
	if d > be { // after a gap: a new covered stretch (window.go)
		sa.runStart, sa.fillEnd = d, be
	} else if d < sa.runStart {
		sa.outOfOrder(d, end)
	}
	sa.busy += max(end, be) - max(d, be)
}

// outOfOrder adds the part of [d, end) before the last covered stretch.
// The gap before that stretch starts at fillEnd (the previous stretch's
// end, moved on by earlier out-of-order intervals in the gap), so what
// lies past fillEnd is known to be idle and is added; what lies before it
// may overlap earlier stretches or fills, which are not kept: it is
// counted in unsure, a bound on the busy time missed (RunStats.BusyUnsurePS).
func (sa *subarray) outOfOrder(d, end int64) {
	e := min(end, sa.runStart)
	if e <= d {
		return
	}
	if d < sa.fillEnd {
		sa.unsure += min(e, sa.fillEnd) - d
	}
	if f := max(d, sa.fillEnd); e > f {
		sa.busy += e - f
		sa.fillEnd = e
	}
}

// chargeShared charges dur of shared resource id to the source of pc.
func (m *Machine) chargeShared(pc int, id int, dur int64) {
	e := m.exe
	m.stats.Work[int(e.src[pc]+1)*e.shared.total+id] += dur
}

// chargePort charges dur of the running controller's buffer port (id) to
// the source of pc, and adds it to the controller's running port work,
// which the steady-state window reads (window.go).
func (m *Machine) chargePort(pc int, id int, dur int64) {
	m.chargeShared(pc, id, dur)
	m.tm.portWork += dur
}

// chargeDPU charges dur of the running controller's DPU (id) like
// chargePort.
func (m *Machine) chargeDPU(pc int, id int, dur int64) {
	m.chargeShared(pc, id, dur)
	m.tm.dpuWork += dur
}

// finishCharges closes the accounting of a run: the running sub-array
// charges and busy times of every touched sub-array, sorted so that the
// result does not depend on the order of first use.
func (m *Machine) finishCharges(st *RunStats) {
	for _, s := range m.touched {
		sa := m.sas[s]
		m.flushSA(sa, int32(s))
		sa.chSrc = 0
		st.Busy = append(st.Busy, SubarrayBusy{int32(s), sa.busy})
		st.BusyUnsurePS += sa.unsure
	}
	slices.SortFunc(st.Busy, func(a, b SubarrayBusy) int { return int(a.Subarray - b.Subarray) })
	st.SubarrayWork = mergeCharges(st.SubarrayWork)
	for pc, p := range st.PC {
		if p.Count > 0 {
			i := m.exe.src[pc] + 1
			st.Ran[i>>6] |= 1 << (uint(i) & 63)
		}
	}
}

// mergeCharges sorts charges by source and sub-array and adds up those of
// the same pair.
func mergeCharges(w []SubarrayCharge) []SubarrayCharge {
	slices.SortStableFunc(w, func(a, b SubarrayCharge) int {
		if a.Src != b.Src {
			return int(a.Src - b.Src)
		}
		return int(a.Subarray - b.Subarray)
	})
	out := w[:0]
	for _, c := range w {
		if n := len(out); n > 0 && out[n-1].Src == c.Src && out[n-1].Subarray == c.Subarray {
			for u := range c.Work {
				out[n-1].Work[u] += c.Work[u]
			}
			continue
		}
		out = append(out, c)
	}
	return out
}
