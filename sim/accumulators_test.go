package sim

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/target"
)

// seqAcc2Target is the default target with a plane sequencer per bank and
// two accumulators per sub-array (target/testdata/plane-sequencer-acc2.yaml).
func seqAcc2Target(t testing.TB) *target.Target {
	t.Helper()
	tgt, err := target.Load("../target/testdata/plane-sequencer-acc2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if tgt.Geometry.AccPerSubarray.Value != 2 {
		t.Fatalf("plane-sequencer-acc2.yaml has %d accumulators per sub-array", tgt.Geometry.AccPerSubarray.Value)
	}
	return tgt
}

// TestDrainOtherAccumulator: with two accumulators, a drain of accumulator
// 0 dispatches when its own sequence's adds end, while the next sequence
// (into accumulator 1, on the same sub-arrays) still runs; with one
// accumulator, or with both sequences into accumulator 0, it waits for
// the later sequence. The drained values are the same either way.
func TestDrainOtherAccumulator(t *testing.T) {
	var w strings.Builder
	for s := range 4 {
		for row := range 16 {
			fmt.Fprintf(&w, ".weights sa=%d row=%d src=-1 hex=%s\n", s, row, strings.Repeat(fmt.Sprintf("%02x", 17*(s+row)%256), 32))
		}
	}
	prog := func(second int) string {
		return w.String() + fmt.Sprintf(`    setvl [r0+4]
    gdot [r0], 4, 0, [r0+8], a0, 8x4s
    gdot [r0], 4, 0, [r0+8], a%d, 8x4s
    gvacc v0, [r0+0], [r0], 4, 1, a0, 1
    halt
`, second)
	}
	acc2 := seqAcc2Target(t)
	c := newCostTable(acc2)
	latS, latC, latA := c.lat[target.OpAndSense], c.lat[target.OpBitcount], c.lat[target.OpShiftAdd]

	m2, _, two := streamsRun(t, acc2, prog(1))
	// The first gdot dispatches a cycle after setvl's and runs 32 steps
	// one sense apart; its adds into accumulator 0 end three stages after
	// its last step's dispatch.
	firstEnd := two[1] + 31*latS + latS + latC + latA
	if got := two[3]; got != firstEnd {
		t.Errorf("two accumulators: the drain of accumulator 0 dispatches at %d ps, want %d (the end of its own sequence)", got, firstEnd)
	}
	secondEnd := m2.sas[0].shaddFree
	if secondEnd <= firstEnd+31*latS {
		t.Fatalf("the second sequence ends at %d ps, the first at %d: no overlap to test", secondEnd, firstEnd)
	}
	for s := range 4 {
		if sa := m2.sas[s]; sa.curAcc != 1 || sa.accEnd[0] != firstEnd || sa.shaddFree != secondEnd {
			t.Errorf("sub-array %d: adding into %d, accumulator 0's adds end %d (want %d), the unit free at %d (want %d: the drain ends before)", s, sa.curAcc, sa.accEnd[0], firstEnd, sa.shaddFree, secondEnd)
		}
	}

	m0, _, same := streamsRun(t, acc2, prog(0))
	if got, want := same[3], m0.sas[0].shaddFree-c.transfer(4, c.lat[target.OpAccTransfer]); got != want || got <= firstEnd {
		t.Errorf("both into accumulator 0: the drain dispatches at %d ps, want %d (after the second sequence)", got, want)
	}
	// Accumulator 0 holds both (equal) sequences' sums in m0, one in m2.
	for l := range 4 {
		if got, one := int64(m0.vregs[0][l]), int64(m2.vregs[0][l]); got != 2*one || one == 0 {
			t.Errorf("lane %d: both sequences into accumulator 0 drain %d, one sequence %d: want twice, not 0", l, got, one)
		}
	}

	one := seqTarget(t, 0)
	_, _, single := streamsRun(t, one, prog(0))
	if !reflect.DeepEqual(single, same) {
		t.Errorf("one accumulator program: dispatches %v on the one-accumulator target, %v on two", single, same)
	}
}

// TestAddWaitsForDrain: adds into an accumulator whose drain runs while
// the shift-add unit works on another wait for that drain.
func TestAddWaitsForDrain(t *testing.T) {
	var w strings.Builder
	for row := range 16 {
		fmt.Fprintf(&w, ".weights sa=0 row=%d src=-1 hex=%s\n", row, strings.Repeat(fmt.Sprintf("%02x", 17*row%256), 32))
	}
	// A long sequence into a0, a one-step one into a1, the drain of a0
	// (dispatched when a0's adds end, after a1's), then a one-step
	// sequence back into a0: its add must follow the drain.
	src := w.String() + `    setvl [r0+1]
    gdot [r0], 1, 0, [r0+8], a0, 8x8
    gdot [r0], 1, 0, [r0+8], a1, 1x1
    gvacc v0, [r0+0], [r0], 1, 1, a0, 1
    gdot [r0], 1, 0, [r0+8], a0, 1x1
    halt
`
	tgt := seqAcc2Target(t)
	c := newCostTable(tgt)
	m, _, d := streamsRun(t, tgt, src)
	drainEnd := d[3] + c.transfer(1, c.lat[target.OpAccTransfer])
	if sa := m.sas[0]; sa.shaddFree < drainEnd+c.lat[target.OpShiftAdd] {
		t.Errorf("the add into accumulator 0 ends at %d ps, before its drain (%d) plus a shift-add", sa.shaddFree, drainEnd)
	}
}
