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
//     dependences are not waited for;
//   - remote: the stream time again, as if the controller reached every
//     sub-array it addresses over a bank link: such an instruction
//     dispatches a link latency after its link is free (at its earliest
//     dispatch, or after the stream's previous hop), then waits for its
//     sub-arrays, as the simulator's streams do (sim/streams.go, link);
//     a pipeline stage placed outside its controller's bank takes it
//     (links.go, remoteStreams). Back-to-back gbmacs on one group are
//     where it tells: sensed every 1.2 ns locally, every 1.5 ns on
//     average over a link (each dispatch a hop after the clock edge at
//     which the previous one dispatched; VGG-11-BN's features.8 on the
//     default target: 996 us per frame against 824 us local).
//
// A source's estimated time is its busiest resource's work, or its stream
// time when that is more.

// workEstimate is the estimated work of one source per frame, ns.
type workEstimate struct {
	issue, port    float64
	link           float64
	stream, remote float64
	sub            []float64 // by sub-array (nil: none worked)
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
	// subs: the target's sub-arrays; work adds x to sub-array i of w
	// (dense slices, not maps: a gbmac adds to up to a group's members,
	// and -pipeline -spread estimates a program per placement it tries).
	subs := int(a.Subarrays)
	var bad error
	work := func(w *workEstimate, i int64, x float64) {
		if i < 0 || i >= int64(subs) {
			bad = fmt.Errorf("work estimate: sub-array %d outside the target's %d", i, subs)
			return
		}
		if w.sub == nil {
			w.sub = make([]float64, subs)
		}
		w.sub[i] += x
	}
	var r [isa.NumRegs]int64
	vl := int64(a.DPULanes)
	xfer := func(words int64, lat float64) float64 { return math.Ceil(float64(max(words, 0))/portW) * lat }
	// The stream's clock, local and with every sub-array reached over a
	// link.
	local := newStreamReplay(full, cycle, 0, subs)
	far := newStreamReplay(full, cycle, hop, subs)
	var acc int64 // the accumulator of a gdot
	seqTail := tgt.Cost(target.OpBitcount).LatencyNS + tgt.Cost(target.OpShiftAdd).LatencyNS
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
		// The sub-arrays whose cell arrays the instruction holds (first,
		// count) and for how long; the accumulators a drain waits for
		// (drain: first, count, accumulator); reach: it addresses
		// sub-arrays (a link hop when they are remote).
		first, count, hold := 0, int64(0), 0.0
		gdot, reach := false, false
		var drain [3]int64
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
			work(w, r[x[0]]+x[1], bmac)
			reach = true
			first, count, hold = int(r[x[0]]+x[1]), 1, sense
		case isa.OpWrp:
			work(w, r[x[0]]+x[1], write)
			reach = true
			first, count, hold = int(r[x[0]]+x[1]), 1, write
		case isa.OpGbmac:
			for j := range x[1] {
				work(w, r[x[0]]+j, bmac)
			}
			reach = true
			first, count, hold = int(r[x[0]]), x[1], sense
		case isa.OpGdot: // M x N bmac steps on each member, one issue
			pl := isa.UnpackPlanes(x[6])
			k := float64(pl.M * pl.N)
			for j := range x[1] {
				work(w, r[x[0]]+j, k*max(bmac, step))
			}
			reach = true
			first, count, hold = int(r[x[0]]), x[1], (k-1)*max(sense, step)+sense
			gdot, acc = true, x[5]
		case isa.OpGwrp:
			for j := range x[1] {
				work(w, r[x[0]]+j, write+bcast)
			}
			reach = true
			first, count, hold = int(r[x[0]]), x[1], write+bcast
		case isa.OpVacc, isa.OpGvacc:
			reach = true // sub-array work not in the estimate (never a stage's bound in compiled code)
			// A drain of a gdot's members waits for the sequence's last
			// shift-add (the controller, free during the sequence, waits
			// here); gbmacs pace the controller instead and are not waited
			// for.
			drain = [3]int64{r[x[3]] + x[4], 1, x[5]}
			if in.Op == isa.OpGvacc {
				drain = [3]int64{r[x[3]], x[4], x[6]}
			}
		case isa.OpRdrow, isa.OpAnd, isa.OpOr, isa.OpPopc, isa.OpShadd, isa.OpAccclr, isa.OpAccadd:
			reach = true // sub-array work not in the estimate (never a stage's bound in compiled code)
		}
		if bad != nil {
			return nil, fmt.Errorf("pc %d: %w", pc, bad)
		}
		if first < 0 || int64(first)+count > int64(subs) {
			return nil, fmt.Errorf("work estimate: pc %d: sub-arrays %d..%d outside the target's %d", pc, first, int64(first)+count-1, subs)
		}
		if reach {
			w.link += hop
		}
		tail := -1.0 // a gdot's: its members' sequences end tail after they hold their arrays
		if gdot {
			tail = seqTail
		}
		w.stream += local.step(reach, drain, first, count, hold, tail, acc)
		w.remote += far.step(reach, drain, first, count, hold, tail, acc)
		pc = next
	}
}

// streamReplay is the in-order dispatch of one stream as the estimate
// replays it (estimateWork): its issue clock, when each sub-array's cell
// array is free, when each gdot member's last shift-add into each
// accumulator ends (a drain of that accumulator waits) and, for a stream
// reaching its sub-arrays over a link (hop > 0), when its link is free.
type streamReplay struct {
	full, cycle, hop float64 // a cycle (dispatch follows issue by one), an issue slot, a link hop
	issue, linkFree  float64
	free             []float64 // by sub-array
	seqDone          map[[2]int64]float64
}

func newStreamReplay(full, cycle, hop float64, subs int) *streamReplay {
	return &streamReplay{full: full, cycle: cycle, hop: hop, free: make([]float64, subs), seqDone: map[[2]int64]float64{}}
}

// step replays one instruction and returns the time it holds the stream:
// reach, it addresses sub-arrays (a hop first when the stream's are
// remote); drain, the first sub-array, count and accumulator whose
// sequences it waits for (count 0: none); it holds the cell arrays of
// count sub-arrays from first for hold; tail >= 0: it starts a gdot
// sequence into accumulator acc on them, ending tail after their hold.
func (s *streamReplay) step(reach bool, drain [3]int64, first int, count int64, hold, tail float64, acc int64) float64 {
	d := s.issue + s.full // dispatch
	if reach && s.hop > 0 {
		d = max(d, s.linkFree) + s.hop
		s.linkFree = d
	}
	if len(s.seqDone) > 0 { // only gdots start sequences
		for j := range drain[1] {
			d = max(d, s.seqDone[[2]int64{drain[0] + j, drain[2]}])
		}
	}
	for j := range count {
		d = max(d, s.free[first+int(j)])
	}
	for j := range count {
		s.free[first+int(j)] = d + hold
		if tail >= 0 {
			s.seqDone[[2]int64{int64(first) + j, acc}] = d + hold + tail
		}
	}
	// The next instruction issues at the first issue slot >= d - a cycle
	// (at least a slot later).
	ni := s.issue + s.cycle
	if d-s.full > ni {
		ni += math.Ceil((d-s.full-ni)/s.cycle-1e-9) * s.cycle
	}
	t := ni - s.issue
	s.issue = ni
	return t
}
