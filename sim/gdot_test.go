package sim

import (
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// seqTarget is the default target with a plane sequencer per bank
// (target/testdata/plane-sequencer.yaml); accBits > 0 narrows the
// accumulators so that sweeps saturate.
func seqTarget(t testing.TB, accBits int) *target.Target {
	t.Helper()
	tgt, err := target.Load("../target/testdata/plane-sequencer.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if accBits > 0 {
		tgt.Geometry.AccBits.Value = int64(accBits)
	}
	return tgt
}

// seqTargetAccs is seqTarget(t, accBits) for accBits >= 0, and for
// accBits < 0 the same with two accumulators per sub-array (random programs
// then drain and add into both: accumulators.go), narrowed to -accBits
// bits below -1.
func seqTargetAccs(t testing.TB, accBits int) *target.Target {
	t.Helper()
	if accBits >= 0 {
		return seqTarget(t, accBits)
	}
	tgt := seqAcc2Target(t)
	if accBits < -1 {
		tgt.Geometry.AccBits.Value = int64(-accBits)
	}
	return tgt
}

// randGdotProgram is a random program of gdots (useGdot) or of the
// gbmacs each gdot stands for, in the same order, over the first 24
// sub-arrays: input planes in rows 0..15 (two patch registers' bits),
// weight planes in rows 16..31 of the weight image, group bases in
// r1..r3, a weight offset in r4; drains (gvacc) between them, the vector
// registers stored at the end.
func randGdotProgram(seed uint64, tgt *target.Target, useGdot bool) *isa.Program {
	r := rand.New(rand.NewPCG(seed, 71))
	a := tgt.Arch()
	const nsa = 24
	b := isa.NewBuilder(tgt.Name, tgt.Fingerprint())
	b.SetSource(isa.Source{Layer: "g"})
	b.AddPort(isa.Port{Name: "x", Dir: isa.PortIn, Addr: 0, Shape: []uint32{uint32(2 * a.Cols)}, Type: isa.MakeIntType(8, true), Scale: 1})
	b.AddPort(isa.Port{Name: "y", Dir: isa.PortOut, Addr: 4096, Shape: []uint32{uint32(8 * a.DPULanes)}, Type: isa.MakeIntType(32, true), Scale: 1})
	for s := range nsa {
		for row := 16; row < 32; row++ {
			bits := make([]byte, a.Cols/8)
			for i := range bits {
				bits[i] = byte(r.Uint32())
			}
			b.AddWeightRow(uint32(s), uint32(row), bits)
		}
	}
	for p := range int64(2) {
		b.Emit(isa.OpPzero, p)
		b.Emit(isa.OpPld, p, 0, 0, p*int64(a.Cols), int64(a.Cols))
	}
	for row := range int64(16) {
		b.Emit(isa.OpGwrp, 0, nsa, 0, row, row/8, row%8)
	}
	b.Emit(isa.OpSetvl, 0, int64(a.DPULanes))
	regs := [5]int64{}
	for range 10 + r.IntN(20) {
		reg := int64(1 + r.IntN(3))
		n := int64(1 + r.IntN(8))
		if regs[reg] == 0 || r.IntN(3) == 0 {
			regs[reg] = int64(r.IntN(nsa - 8))
			b.Emit(isa.OpLi, reg, regs[reg])
		}
		if r.IntN(4) == 0 {
			regs[4] = int64(r.IntN(4))
			b.Emit(isa.OpLi, 4, regs[4])
		}
		if r.IntN(4) == 0 {
			lane := int64(r.IntN(a.DPULanes - int(n)))
			b.Emit(isa.OpGvacc, int64(r.IntN(8)), 0, lane, reg, n, 1, int64(r.IntN(a.AccPerSubarray)), int64(r.IntN(2)))
			continue
		}
		pl := isa.Planes{M: 1 + r.IntN(8), N: 1 + r.IntN(8), XSigned: r.IntN(2) == 0}
		switch r.IntN(6) {
		case 0:
			pl.M, pl.PlusMinus = 1, true
		case 1:
			pl.M, pl.N = 1+r.IntN(12), 1+r.IntN(isa.MaxPlanes)
		}
		rowa := int64(r.IntN(16 - pl.N + 1))
		rowb := int64(16 + r.IntN(16-pl.M-int(regs[4])+1))
		acc := int64(r.IntN(a.AccPerSubarray))
		if useGdot {
			b.Emit(isa.OpGdot, reg, n, rowa, 4, rowb, acc, pl.Pack())
			continue
		}
		for p := range pl.M {
			for q := range pl.N {
				shift, sign := pl.Pair(p, q)
				b.Emit(isa.OpGbmac, reg, n, rowa+int64(q), 4, rowb+int64(p), acc, shift, sign)
			}
		}
	}
	for v := range int64(8) {
		b.Emit(isa.OpVst, v, 0, 4096+v*int64(a.DPULanes), 1)
	}
	b.Emit(isa.OpHalt)
	p, err := b.Program()
	if err != nil {
		panic(err)
	}
	return p
}

// runGdot runs p on tgt with random input codes from seed; trace forces
// the per-instruction paths.
func runGdot(t *testing.T, p *isa.Program, tgt *target.Target, seed uint64, trace bool) (*Machine, *RunStats) {
	t.Helper()
	m, err := Load(p, tgt)
	if err != nil {
		t.Fatal(err)
	}
	if trace {
		m.Trace = io.Discard
	}
	return m, runRandomCodes(t, m, tgt, seed)
}

// runRandomCodes writes random signed 8-bit codes from seed to m's input
// port "x" (two rows of tgt's columns) and runs m.
func runRandomCodes(t *testing.T, m *Machine, tgt *target.Target, seed uint64) *RunStats {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 5))
	x := make([]int64, 2*tgt.Arch().Cols)
	for i := range x {
		x[i] = int64(r.IntN(256)) - 128
	}
	if err := m.WriteInputRaw("x", x); err != nil {
		t.Fatal(err)
	}
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// sameSubarrays reports the first sub-array whose state differs.
func sameSubarrays(a, b *Machine, timers bool) error {
	for s, sa := range a.sas {
		sb := b.sas[s]
		if (sa == nil) != (sb == nil) {
			return fmt.Errorf("sub-array %d touched in one run only", s)
		}
		if sa == nil {
			continue
		}
		if sa.acc != sb.acc || sa.latch != sb.latch || sa.count != sb.count {
			return fmt.Errorf("sub-array %d: accumulators %v / %v, counts %d / %d", s, sa.acc, sb.acc, sa.count, sb.count)
		}
		if timers && (sa.arrayFree != sb.arrayFree || sa.countFree != sb.countFree || sa.shaddFree != sb.shaddFree || sa.busy != sb.busy || sa.pendPC != sb.pendPC || sa.runStart != sb.runStart || sa.fillEnd != sb.fillEnd) {
			return fmt.Errorf("sub-array %d: timers or busy time differ", s)
		}
	}
	return nil
}

// TestGdotEqualsGbmacs: random gdot programs compute, bit for bit, what
// the M x N gbmacs each gdot stands for compute (accumulators, latches,
// counts, drained lanes), on accumulators wide enough and on 10-bit ones
// that saturate; they cost the same ANDs, counts and shift-adds, issue
// fewer instructions and take no longer.
func TestGdotEqualsGbmacs(t *testing.T) {
	for _, accBits := range []int{0, 10, -1, -10} {
		tgt := seqTargetAccs(t, accBits)
		saturated := false
		for seed := range uint64(25) {
			pg, pb := randGdotProgram(seed, tgt, true), randGdotProgram(seed, tgt, false)
			mg, sg := runGdot(t, pg, tgt, seed, false)
			mb, sb := runGdot(t, pb, tgt, seed, false)
			if err := sameSubarrays(mg, mb, false); err != nil {
				t.Fatalf("acc_bits %d, seed %d: %v", accBits, seed, err)
			}
			if !reflect.DeepEqual(mg.abuf, mb.abuf) || !reflect.DeepEqual(mg.vregs, mb.vregs) {
				t.Fatalf("acc_bits %d, seed %d: drained lanes differ", accBits, seed)
			}
			for _, sa := range mg.sas {
				if sa != nil && (sa.acc[0] == mg.accHi || sa.acc[0] == mg.accLo) {
					saturated = true
				}
			}
			og, ob := mg.Report(sg).PerInference.Ops, mb.Report(sb).PerInference.Ops
			for _, k := range []string{"and_sense", "bitcount", "shift_add", "row_write", "acc_transfer"} {
				if og[k] != ob[k] {
					t.Errorf("acc_bits %d, seed %d: %s %d with gdot, %d with gbmacs", accBits, seed, k, og[k], ob[k])
				}
			}
			if steps := og["plane_step"]; og["issue"] >= ob["issue"] && steps > 0 || steps == 0 || ob["plane_step"] != 0 {
				t.Errorf("acc_bits %d, seed %d: issue %d / %d, plane steps %d / %d", accBits, seed, og["issue"], ob["issue"], steps, ob["plane_step"])
			}
			if sg.LatencyPS > sb.LatencyPS {
				t.Errorf("acc_bits %d, seed %d: gdot program takes %d ps, its gbmacs %d", accBits, seed, sg.LatencyPS, sb.LatencyPS)
			}
			// Each layer's sub-array work is the same (per-layer
			// attribution, the device bound's inputs).
			if wg, wb := saWork(sg), saWork(sb); !reflect.DeepEqual(wg, wb) {
				t.Errorf("acc_bits %d, seed %d: sub-array work by source differs: %v / %v", accBits, seed, wg, wb)
			}
		}
		if (accBits > 0 || accBits < -1) && !saturated {
			t.Errorf("acc_bits %d: no accumulator saturated: the test proves nothing about saturation", accBits)
		}
	}
}

// saWork sums a run's sub-array work by source and sub-array.
func saWork(st *RunStats) map[[2]int32][3]int64 {
	w := map[[2]int32][3]int64{}
	for _, c := range st.SubarrayWork {
		k := [2]int32{c.Src, c.Subarray}
		x := w[k]
		for u := range x {
			x[u] += c.Work[u]
		}
		w[k] = x
	}
	return w
}

// TestGdotTimeline: the utilisation timeline of a gdot program ends with
// its sub-arrays' busy time (the steps' intervals, as -report and -html
// show them), and recording it changes no other figure.
func TestGdotTimeline(t *testing.T) {
	tgt := seqTarget(t, 0)
	p := randGdotProgram(1, tgt, true)
	_, plain := runGdot(t, p, tgt, 1, false)
	e, err := Prepare(p, tgt)
	if err != nil {
		t.Fatal(err)
	}
	e.RecordTimeline(true)
	m := e.NewMachine()
	m.Reset()
	st := runRandomCodes(t, m, tgt, 1)
	var busy int64
	for _, b := range st.Busy {
		busy += b.PS
	}
	smp := st.Timeline.Samples
	if got := smp[len(smp)-1].Work[0]; got != busy || busy == 0 {
		t.Errorf("timeline ends with %d ps of sub-array work, the run's busy time is %d", got, busy)
	}
	st.Timeline = nil
	if !reflect.DeepEqual(st, plain) {
		t.Error("recording the timeline changed the run's statistics")
	}
}

// TestGdotFastMatchesReference: the fast gdot (one timing pass, bit work
// as a uniform gbmac run, dot products where it can) leaves every
// statistic and every bit as the reference's M x N bmacs.
func TestGdotFastMatchesReference(t *testing.T) {
	for _, accBits := range []int{0, 10, -1, -10} {
		tgt := seqTargetAccs(t, accBits)
		multi := 0
		for seed := range uint64(25) {
			p := randGdotProgram(seed, tgt, true)
			mf, sf := runGdot(t, p, tgt, seed, false)
			mr, sr := runGdot(t, p, tgt, seed, true)
			if mf.exe.multiAcc {
				multi++
			}
			if !reflect.DeepEqual(sf, sr) {
				t.Fatalf("acc_bits %d, seed %d: run stats differ between the fast and the reference path", accBits, seed)
			}
			if err := sameSubarrays(mf, mr, true); err != nil {
				t.Fatalf("acc_bits %d, seed %d: %v", accBits, seed, err)
			}
			if !reflect.DeepEqual(mf.abuf, mr.abuf) || !reflect.DeepEqual(mf.vregs, mr.vregs) {
				t.Fatalf("acc_bits %d, seed %d: buffer or vector registers differ", accBits, seed)
			}
		}
		if accBits < 0 && multi < 20 {
			t.Errorf("acc_bits %d (two accumulators): %d of 25 programs use both", accBits, multi)
		}
	}
}

// TestGdotTiming: one gdot of M x N pairs on n idle sub-arrays issues in
// one slot and runs the steps back to back at the sense's rate; the next
// instruction issues a cycle later; energy counts M x N plane steps.
func TestGdotTiming(t *testing.T) {
	tgt := seqTarget(t, 0)
	c := newCostTable(tgt)
	latS, latC, latA := c.lat[target.OpAndSense], c.lat[target.OpBitcount], c.lat[target.OpShiftAdd]
	var w strings.Builder
	for s := range 4 {
		for row := range 16 {
			fmt.Fprintf(&w, ".weights sa=%d row=%d src=-1 hex=%s\n", s, row, strings.Repeat(fmt.Sprintf("%02x", 17*(s+row)%256), 32))
		}
	}
	p := asm(t, w.String()+"    gdot [r0], 4, 0, [r0+8], a0, 8x4s\n    li r1, 1\n    halt\n")
	p.TargetName, p.TargetFingerprint = tgt.Name, tgt.Fingerprint()
	m, err := Load(p, tgt)
	if err != nil {
		t.Fatal(err)
	}
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	d := c.cycle
	last := d + 31*latS // 32 steps, one sense apart (plane_step 1 ns < and_sense)
	for s := range 4 {
		sa := m.sas[s]
		if sa.arrayFree != last+latS || sa.shaddFree != last+latS+latC+latA {
			t.Errorf("sub-array %d: sense/shift-add end %d/%d, want %d/%d", s, sa.arrayFree, sa.shaddFree, last+latS, last+latS+latC+latA)
		}
		if sa.busy != last+latS+latC+latA-d {
			t.Errorf("sub-array %d busy %d ps, want %d", s, sa.busy, last+latS+latC+latA-d)
		}
	}
	if got := st.PC[0].TimePS; got != c.cycle {
		t.Errorf("gdot holds the controller %d ps, want one cycle (%d)", got, c.cycle)
	}
	ops := m.Report(st).PerInference.Ops
	if ops["and_sense"] != 4*32 || ops["plane_step"] != 32 || ops["issue"] != 3 {
		t.Errorf("ops %v: want 128 ANDs, 32 plane steps, 3 issues", ops)
	}
}

// TestGdotBankSequencer: a bank's sequencer runs
// plane_sequencer.sequences sequences at once: with one, a gdot on another
// group of the same bank dispatches plane_step after the first one's last
// step (holding the controller meanwhile), one on another bank at once;
// with two, both run at once.
func TestGdotBankSequencer(t *testing.T) {
	var w strings.Builder
	for _, s := range []int{0, 1, 64} {
		for row := range 16 {
			fmt.Fprintf(&w, ".weights sa=%d row=%d src=-1 hex=%s\n", s, row, strings.Repeat(fmt.Sprintf("%02x", 17*(s+row)%256), 32))
		}
	}
	for _, k := range []int64{1, 2} {
		tgt := seqTarget(t, 0)
		tgt.Parallel.PlaneSequencer.Sequences.Value = k
		c := newCostTable(tgt)
		latS, step := c.lat[target.OpAndSense], c.lat[target.OpPlaneStep]
		run := func(second string) *Machine {
			p := asm(t, w.String()+"    li r1, 1\n    li r2, 64\n    gdot [r0], 1, 0, [r0+8], a0, 2x2\n    "+second+"\n    halt\n")
			p.TargetName, p.TargetFingerprint = tgt.Name, tgt.Fingerprint()
			m, err := Load(p, tgt)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Run(); err != nil {
				t.Fatal(err)
			}
			return m
		}
		d := 3 * c.cycle // the first gdot issues at 2 cycles
		want := d + c.cycle + 4*latS
		if k == 1 {
			want = d + 3*latS + step + 4*latS
		}
		if got := run("gdot [r1], 1, 0, [r0+8], a0, 2x2").sas[1].arrayFree; got != want {
			t.Errorf("%d sequence(s), same bank: the second sequence's last sense ends at %d, want %d", k, got, want)
		}
		if got, want := run("gdot [r2], 1, 0, [r0+8], a0, 2x2").sas[64].arrayFree, d+c.cycle+4*latS; got != want {
			t.Errorf("%d sequence(s), other bank: the second sequence's last sense ends at %d, want %d", k, got, want)
		}
	}
}

// TestGdotFaults: a gdot on a group leaving its bank, on rows beyond the
// target or undefined faults naming pc and mnemonic before any state
// changes; a target without the sequencer refuses it at load.
func TestGdotFaults(t *testing.T) {
	tgt := seqTarget(t, 0)
	weights := weightRows(3) // rows 8, 9 of sub-arrays 0..2
	for _, c := range []struct{ src, instr, want string }{
		{"    li r1, 62\n    gdot [r1], 4, 8, [r0+8], a0, 2x1\n", "gdot [r1], 4, 8, [r0+8], a0, 2x1", "group [62, 65] crosses the bank boundary at 64"},
		{"    li r2, 250\n    gdot [r0], 2, 8, [r2+0], a0, 8x1\n", "gdot [r0], 2, 8, [r2+0], a0, 8x1", "weight rows 250..257 out of range (target has 256 rows)"},
		{"    li r1, 0\n    gdot [r1], 2, 8, [r0+8], a0, 2x3\n", "gdot [r1], 2, 8, [r0+8], a0, 2x3", "reads row 10 of sub-array 0, which holds undefined data"},
		{"    li r1, 2\n    gdot [r1], 2, 8, [r0+8], a0, 2x1\n", "gdot [r1], 2, 8, [r0+8], a0, 2x1", "reads row 8 of sub-array 3, which holds undefined data"},
	} {
		p := asm(t, faultHeader+weights+c.src+"    halt\n")
		p.TargetName, p.TargetFingerprint = tgt.Name, tgt.Fingerprint()
		m, err := Load(p, tgt)
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.Run()
		f, ok := AsFault(err)
		if !ok {
			t.Fatalf("%s: no fault (%v)", c.instr, err)
		}
		wantFault(t, f, strings.Count(c.src, "\n")-1, c.instr, c.want)
		for s := range 3 {
			if sa := m.sas[s]; sa != nil && (sa.acc != [maxAccs]int64{} || sa.arrayFree != 0) {
				t.Errorf("%s: sub-array %d changed before the fault", c.instr, s)
			}
		}
	}
	// The default has the sequencer since s8; the preset of the default
	// before it refuses a gdot.
	p := asm(t, weights+"    gdot [r0], 2, 8, [r0+8], a0, 2x1\n    halt\n")
	noseq, err := target.Preset(target.GbmacPreset)
	if err != nil {
		t.Fatal(err)
	}
	p.TargetName, p.TargetFingerprint = noseq.Name, noseq.Fingerprint()
	if _, err := Load(p, noseq); err == nil || !strings.Contains(err.Error(), "code[0] (gdot): needs a target with a plane sequencer") {
		t.Errorf("%s: %v, want the loader's refusal", target.GbmacPreset, err)
	}
}

// TestGdotSenseErrors: on a chip with sense errors a gdot takes the
// reference path, whose M x N steps misread as its gbmacs do: the same
// draws in the same order, so the same (wrong) accumulators.
func TestGdotSenseErrors(t *testing.T) {
	tgt := seqTarget(t, 0)
	for seed := range uint64(4) {
		var accs [3][][maxAccs]int64
		for k, useGdot := range []bool{true, false, true} {
			e, err := Prepare(randGdotProgram(seed, tgt, useGdot), tgt)
			if err != nil {
				t.Fatal(err)
			}
			m := e.NewMachine()
			if k < 2 {
				if err := m.SetChip(chipFor(t, e, "sense=0.01", 3)); err != nil {
					t.Fatal(err)
				}
			}
			m.Reset()
			x := make([]int64, 2*tgt.Arch().Cols)
			for i := range x {
				x[i] = int64(i%251) - 125
			}
			if err := m.WriteInputRaw("x", x); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Run(); err != nil {
				t.Fatal(err)
			}
			for _, sa := range m.sas {
				if sa != nil {
					accs[k] = append(accs[k], sa.acc)
				}
			}
		}
		if !reflect.DeepEqual(accs[0], accs[1]) {
			t.Errorf("seed %d: gdot and its gbmacs misread differently", seed)
		}
		if reflect.DeepEqual(accs[0], accs[2]) {
			t.Errorf("seed %d: sense=0.01 changed nothing", seed)
		}
	}
}
