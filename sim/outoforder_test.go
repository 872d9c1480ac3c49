package sim

import (
	"bytes"
	"strings"
	"testing"
)

// outOfOrderSrc: stream 0 writes a row of sub-array 1 (10 ns with
// slowWrites), then a gwrp to sub-arrays 0 and 1, which waits for
// sub-array 1 and writes sub-array 0 from 11 ns on; stream 1, simulated
// after it in timing order but issued earlier, drains sub-array 0's
// accumulator (1 ns) at about 6 ns, before that write: an interval that
// arrives out of order. PRE is stream 0's work on sub-array 0 before.
const outOfOrderSrc = `
.stream 0 entry=s0
.stream 1 entry=s1
s0:
    pzero p0
PRE    wrp [r0+1], [r0+0], p0, 0
    gwrp [r0], 2, [r0+1], p0, 0
    halt
s1:
    nop
    nop
    nop
    nop
    vacc v0, [r0+0], [r0+0], a0, 0
    halt
`

// TestOutOfOrderBusy: a sub-array shared by two streams. When sub-array 0
// was idle before the late write, the early drain lies in the gap before
// it and its busy time is the write's plus the drain's, exactly (the
// in-order shortcut counted the write alone). When stream 0 wrote
// sub-array 0 before (a covered stretch until 11 ns), the drain falls
// inside that earlier stretch or the gap after it, which the machine no
// longer knows: the busy time is unchanged and the drain's 1 ns is the
// bound on what it may miss (BusyUnsurePS, printed after the busy figure).
func TestOutOfOrderBusy(t *testing.T) {
	run := func(pre string) (*RunStats, *Report) {
		t.Helper()
		src := strings.Replace(outOfOrderSrc, "PRE", pre, 1)
		e, err := Prepare(asm(t, src), slowWrites())
		if err != nil {
			t.Fatal(err)
		}
		m := e.NewMachine()
		st, err := m.Run()
		if err != nil {
			t.Fatal(err)
		}
		return st, e.BuildReport([]*RunStats{st})
	}
	busy0 := func(st *RunStats) int64 {
		for _, b := range st.Busy {
			if b.Subarray == 0 {
				return b.PS
			}
		}
		return -1
	}
	tgt := slowWrites()
	write := int64(tgt.Ops.RowWrite.Latency.Value*1000) + int64(tgt.Ops.RowBroadcast.Latency.Value*1000)
	drain := int64(tgt.Ops.AccTransfer.Latency.Value * 1000)

	st, r := run("")
	if got := busy0(st); got != write+drain || st.BusyUnsurePS != 0 || r.SubarrayBusyUnsure != 0 {
		t.Errorf("idle before: sub-array 0 busy %d ps (unsure %d), want %d + %d exactly", got, st.BusyUnsurePS, write, drain)
	}

	st, r = run("    wrp [r0+0], [r0+0], p0, 0\n")
	plain := int64(tgt.Ops.RowWrite.Latency.Value * 1000)
	if got := busy0(st); got != plain+write || st.BusyUnsurePS != drain {
		t.Errorf("written before: sub-array 0 busy %d ps (unsure %d), want %d, %d unsure", got, st.BusyUnsurePS, plain+write, drain)
	}
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	if want := "% more: work of streams sharing sub-arrays out of order)"; r.SubarrayBusyUnsure <= 0 || !strings.Contains(buf.String(), want) {
		t.Errorf("unsure %g; report lacks %q:\n%s", r.SubarrayBusyUnsure, want, buf.String())
	}
}
