package sim

// Timing model (docs/ISA.md §4 suggests it and leaves the details here).
//
// Times are integer picoseconds from the start of the inference.
//
//   - Issue: the controller issues one instruction per clock, in order. An
//     instruction issued at t may dispatch at d = t + cycle at the earliest;
//     it dispatches when its units are free and the values it reads are ready
//     (d = max(t+cycle, unit free times, operand ready times)). While it waits
//     it blocks the instructions behind it: the next one issues at
//     max(t + cycle, ceil_cycle(d) - cycle), i.e. in the clock in which this
//     one dispatches. Without stalls that is one instruction per clock.
//   - Controller instructions (scalar ALU, branches, setvl, pzero) complete at
//     dispatch: their result is ready at d. Branches cost no penalty.
//   - Units: one buffer port (buf), one DPU (dpu), and per sub-array a cell
//     array (write and sense: the array does one row operation at a time, so a
//     write never overlaps a read of the same sub-array and both wait for each
//     other), a bit-counter (count) and a shift-add accumulator (shadd). A
//     unit is busy from dispatch for the latency of its cost entry; units of
//     different sub-arrays work in parallel.
//   - bmac is a three-stage pipeline: sense [d, d+Ls), count from
//     max(d+Ls, count free) for Lc, shadd from max(count end, shadd free) for
//     La. Back-to-back bmacs on one sub-array therefore run at the rate of the
//     slowest stage (the sense, 1.2 ns by default), on different sub-arrays in
//     parallel, one issue per clock.
//   - Ready times tracked: scalar registers (ld/ldc write them late), vector
//     registers, patch registers, and per sub-array its latch, its bit-count
//     register and its accumulators (one ready time for all accumulators of a
//     sub-array). Row contents need no tracking: every read and write of a
//     sub-array's cells is serialised on its array unit.
//   - Buffer accesses move buffer_port_words words per access: a transfer of
//     n words takes ceil(n / port) x latency (bcopy: read + write latency per
//     access). Vector loads and stores (vld, vst, vldc) occupy both the buffer
//     port and the DPU (its register file port), as isa.OpInfo.Units says;
//     vacc occupies the sub-array's shadd unit and the DPU for acc_transfer.
//   - Group instructions (ISA v1.5, group.go) issue once and dispatch when
//     every addressed sub-array could dispatch the single instruction (the
//     latest of their unit free times and the operands' ready times); each
//     sub-array then runs the single instruction's unit sequence from that
//     dispatch time, so n idle sub-arrays finish a gbmac's senses together
//     at d + and_sense. gwrp's write takes row_write + row_broadcast; gvacc
//     holds the DPU (and every member's shadd) for
//     ceil(n / buffer_port_words) x acc_transfer.
//   - Tokens (tokens.go): a tsig's signal is visible sync after it
//     dispatches; a twait dispatches no earlier than the signal it takes.
//   - barrier and halt dispatch when every unit is idle. The frame latency is
//     the dispatch time of halt: every result is in ABUF by then.
//
// Latency attribution: the time from an instruction's issue to the next
// instruction's issue is charged to the instruction (and its source); halt is
// charged up to the end. The charges of one run therefore add up exactly to
// its latency, and a layer's share is the controller time it held.

// timing is the per-run state of the timing model.
type timing struct {
	issue   int64 // issue time of the next instruction
	lastEnd int64 // latest completion time of any unit
	bufFree int64
	dpuFree int64
	// the controller's work so far on its DPU and on its buffer port
	// (chargeDPU, chargePort): the steady-state window's marks (window.go)
	dpuWork, portWork int64

	regReady [scratchReg + 1]int64
	vReady   [8]int64
	pReady   [4]int64
}

// transfer is the time of an n-word buffer transfer with per-access latency lat.
func (c *costTable) transfer(n int64, lat int64) int64 {
	if n <= 0 {
		return 0
	}
	return (n + c.port - 1) / c.port * lat
}
