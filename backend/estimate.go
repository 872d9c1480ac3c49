package backend

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// Work estimate of a program, per source (what -pipeline partitions and
// balances by; docs/BACKEND.md §8). The program runs statically: scalar
// registers and control flow are executed exactly (li, addi, dbnz, ...; the
// emitted code's loop trip counts do not depend on data), every other
// instruction is only charged, as the simulator's throughput accounting
// charges it (docs/PARALLEL.md §6), with no waiting:
//   - issue: one cycle / issue_width per instruction, to its controller;
//   - buffer port: ceil(words / buffer_port_words) x buffer_read (or
//     buffer_write) for pld, vld, vst, vldc, bcopy, bfill, ld, st;
//   - each sub-array: per bmac (each member of a gbmac, each step of a
//     gdot on each member) the slowest stage of its sense -> count ->
//     shift-add pipeline (a gdot's step at least plane_step), per row write (each
//     member of a gwrp) row_write (+ row_broadcast for a group);
//   - link: one link latency per instruction that addresses sub-arrays
//     (one hop each, as the simulator charges a controller reaching a
//     sub-array of another bank, docs/PARALLEL.md §5): the work the source
//     puts on a bank's link when its controller is not local to the bank
//     (links.go; not part of time, which is the work on one controller);
//   - stream: the time its instructions hold the stream, stalls included
//     where an instruction waits for a sub-array's cell array (a bmac's
//     sense, a row write) that an earlier instruction of the stream still
//     holds, and where a drain (vacc, gvacc) waits for the last shift-add
//     of a gdot's sequence on its sub-arrays: in-order dispatch a cycle after issue, the next instruction
//     issuing at the first issue slot >= the dispatch less a cycle (a slot
//     is a cycle / issue_width), as the simulator's issue
//     (sim/timing.go); the other units, the DPU, the ports and register
//     dependences are not waited for.
//
// A source's estimated time is its busiest resource's work, or its stream
// time when that is more.

// workEstimate is the estimated work of one source per frame, ns.
type workEstimate struct {
	issue, port float64
	link        float64
	stream      float64
	sub         map[int]float64 // by sub-array
}

// time is the work of the busiest resource, or the stream time when that
// is more.
func (w *workEstimate) time() float64 {
	t := max(w.issue, w.port, w.stream)
	for _, x := range w.sub {
		t = max(t, x)
	}
	return t
}

// maxEstimateSteps bounds the static execution (a model whose one frame
// runs more instructions is not pipelined).
const maxEstimateSteps = 1 << 31

// estimateWork executes the control flow of p from pc 0 to its first halt
// and returns the work of every source (index src+1; 0 = unattributed).
func estimateWork(p *isa.Program, tgt *target.Target) ([]workEstimate, error) {
	a := tgt.Arch()
	full := tgt.CycleNS() // a cycle: dispatch follows issue by one
	cycle := full         // an issue slot
	if tgt.Parallel != nil {
		cycle /= float64(max(1, tgt.Parallel.IssueWidth.Value))
	}
	portW := float64(max(1, tgt.Geometry.BufferPortWords.Value))
	rd, wr := tgt.Cost(target.OpBufferRead).LatencyNS, tgt.Cost(target.OpBufferWrite).LatencyNS
	sense := tgt.Cost(target.OpAndSense).LatencyNS
	bmac := max(sense, tgt.Cost(target.OpBitcount).LatencyNS, tgt.Cost(target.OpShiftAdd).LatencyNS)
	write, bcast := tgt.Cost(target.OpRowWrite).LatencyNS, tgt.Cost(target.OpRowBroadcast).LatencyNS
	hop := tgt.Cost(target.OpLink).LatencyNS
	step := tgt.Cost(target.OpPlaneStep).LatencyNS // a gdot's steps (ISA v1.7)
	out := make([]workEstimate, len(p.Sources)+1)
	for i := range out {
		out[i].sub = map[int]float64{}
	}
	var r [isa.NumRegs]int64
	vl := int64(a.DPULanes)
	xfer := func(words int64, lat float64) float64 { return math.Ceil(float64(max(words, 0))/portW) * lat }
	// The stream's clock: issue is the issue time of the instruction,
	// free each sub-array's cell array's (ns).
	var issue float64
	free := map[int]float64{}
	// seqDone: when each gdot member's last shift-add into each accumulator
	// ends (a drain of that accumulator waits)
	seqDone := map[[2]int64]float64{}
	var acc int64 // the accumulator of a gdot
	countLat, shaddLat := tgt.Cost(target.OpBitcount).LatencyNS, tgt.Cost(target.OpShiftAdd).LatencyNS
	pc := 0
	for steps := int64(0); ; steps++ {
		if pc < 0 || pc >= len(p.Code) {
			return nil, fmt.Errorf("work estimate: pc %d outside the code", pc)
		}
		if steps >= maxEstimateSteps {
			return nil, fmt.Errorf("work estimate: more than %d instructions per frame", int64(maxEstimateSteps))
		}
		in := &p.Code[pc]
		x := in.Args
		w := &out[in.Src+1]
		w.issue += cycle
		next := pc + 1
		d := issue + full // dispatch
		// arrays: the sub-arrays whose cell arrays the instruction holds
		// (first, count) and for how long.
		first, count, hold := 0, int64(0), 0.0
		gdot := false
		set := func(d int64, v int64) {
			if d != 0 {
				r[d] = int64(int32(v))
			}
		}
		switch in.Op {
		case isa.OpHalt:
			return out, nil
		case isa.OpLi:
			set(x[0], x[1])
		case isa.OpAdd:
			set(x[0], r[x[1]]+r[x[2]])
		case isa.OpSub:
			set(x[0], r[x[1]]-r[x[2]])
		case isa.OpMul:
			set(x[0], r[x[1]]*r[x[2]])
		case isa.OpAddi:
			set(x[0], r[x[1]]+x[2])
		case isa.OpMuli:
			set(x[0], r[x[1]]*x[2])
		case isa.OpSlli:
			set(x[0], r[x[1]]<<x[2])
		case isa.OpSrai:
			set(x[0], r[x[1]]>>x[2])
		case isa.OpMin:
			set(x[0], min(r[x[1]], r[x[2]]))
		case isa.OpMax:
			set(x[0], max(r[x[1]], r[x[2]]))
		case isa.OpJmp:
			next = int(x[0])
		case isa.OpBeq, isa.OpBne, isa.OpBlt, isa.OpBge:
			a, b := r[x[0]], r[x[1]]
			if in.Op == isa.OpBeq && a == b || in.Op == isa.OpBne && a != b || in.Op == isa.OpBlt && a < b || in.Op == isa.OpBge && a >= b {
				next = int(x[2])
			}
		case isa.OpDbnz:
			set(x[0], r[x[0]]-1)
			if r[x[0]] != 0 {
				next = int(x[1])
			}
		case isa.OpLd:
			set(x[0], 0) // data: only the segment selector reads one (segment 0)
			w.port += xfer(1, rd)
		case isa.OpLdc:
			set(x[0], 0)
			w.port += xfer(1, rd)
		case isa.OpSt:
			w.port += xfer(1, wr)
		case isa.OpSetvl:
			vl = r[x[0]] + x[1]
		case isa.OpVld, isa.OpVldc:
			w.port += xfer(vl, rd)
		case isa.OpVst:
			w.port += xfer(vl, wr)
		case isa.OpPld:
			w.port += xfer(x[4], rd)
		case isa.OpBcopy:
			w.port += xfer(r[x[2]], rd) + xfer(r[x[2]], wr)
		case isa.OpBfill:
			w.port += xfer(r[x[1]], wr)
		case isa.OpBmac:
			w.sub[int(r[x[0]]+x[1])] += bmac
			w.link += hop
			first, count, hold = int(r[x[0]]+x[1]), 1, sense
		case isa.OpWrp:
			w.sub[int(r[x[0]]+x[1])] += write
			w.link += hop
			first, count, hold = int(r[x[0]]+x[1]), 1, write
		case isa.OpGbmac:
			for j := range x[1] {
				w.sub[int(r[x[0]]+j)] += bmac
			}
			w.link += hop
			first, count, hold = int(r[x[0]]), x[1], sense
		case isa.OpGdot: // M x N bmac steps on each member, one issue
			pl := isa.UnpackPlanes(x[6])
			k := float64(pl.M * pl.N)
			for j := range x[1] {
				w.sub[int(r[x[0]]+j)] += k * max(bmac, step)
			}
			w.link += hop
			first, count, hold = int(r[x[0]]), x[1], (k-1)*max(sense, step)+sense
			gdot, acc = true, x[5]
		case isa.OpGwrp:
			for j := range x[1] {
				w.sub[int(r[x[0]]+j)] += write + bcast
			}
			w.link += hop
			first, count, hold = int(r[x[0]]), x[1], write+bcast
		case isa.OpVacc, isa.OpGvacc:
			w.link += hop // sub-array work not in the estimate (never a stage's bound in compiled code)
			// A drain of a gdot's members waits for the sequence's last
			// shift-add (the controller, free during the sequence, waits
			// here); gbmacs pace the controller instead and are not waited
			// for.
			s, n, a := r[x[3]]+x[4], int64(1), x[5]
			if in.Op == isa.OpGvacc {
				s, n, a = r[x[3]], x[4], x[6]
			}
			for j := range n {
				d = max(d, seqDone[[2]int64{s + j, a}])
			}
		case isa.OpRdrow, isa.OpAnd, isa.OpOr, isa.OpPopc, isa.OpShadd, isa.OpAccclr, isa.OpAccadd:
			w.link += hop // sub-array work not in the estimate (never a stage's bound in compiled code)
		}
		for j := range count {
			d = max(d, free[first+int(j)])
		}
		for j := range count {
			free[first+int(j)] = d + hold
			if gdot {
				seqDone[[2]int64{int64(first) + j, acc}] = d + hold + countLat + shaddLat
			}
		}
		// The next instruction issues at the first issue slot >= d - a
		// cycle (at least a slot later).
		ni := issue + cycle
		if d-full > ni {
			ni += math.Ceil((d-full-ni)/cycle-1e-9) * cycle
		}
		w.stream += ni - issue
		issue = ni
		pc = next
	}
}
