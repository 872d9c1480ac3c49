package sim

import (
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// TestGroupTestdata runs stream 0 of testdata/isa/parallel.pasm (group
// instructions, expected values computed independently) on one stream:
// y and the lane-stride-0 sum are its work; t[0] is stream 1's.
func TestGroupTestdata(t *testing.T) {
	prog, ins, outs := isaProgram(t, "parallel.pasm")
	prog.Streams = nil
	m, err := Load(prog, target.Default())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WriteInputRaw("x", ins["x"]); err != nil {
		t.Fatal(err)
	}
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	y, _ := m.ReadOutputRaw("y")
	tt, _ := m.ReadOutputRaw("t")
	if fmt.Sprint(y.I64) != fmt.Sprint(outs["y"]) || fmt.Sprint(tt.I64[1:]) != fmt.Sprint(outs["t"][1:]) {
		t.Errorf("y = %v, t[1:] = %v; want %v, %v", y.I64, tt.I64[1:], outs["y"], outs["t"][1:])
	}
	// 4 + 4 + 2 group members' bmacs, 8 row writes (2 gwrps of 4), 6
	// accumulator transfers, 3 broadcast rows per gwrp, one tsig.
	ops := m.Report(st).PerInference.Ops
	for k, want := range map[string]int64{"and_sense": 18, "bitcount": 18, "shift_add": 18, "row_write": 8, "row_broadcast": 6, "acc_transfer": 6, "sync": 1} {
		if ops[k] != want {
			t.Errorf("ops[%s] = %d, want %d", k, ops[k], want)
		}
	}
}

// groupRun runs src (default target) and returns the machine.
func groupRun(t *testing.T, src string) (*Machine, *RunStats) {
	t.Helper()
	m, err := Load(asm(t, src), target.Default())
	if err != nil {
		t.Fatal(err)
	}
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	return m, st
}

// weightRows gives sub-arrays [0, n) the weight rows 8 and 9.
func weightRows(n int) string {
	var b strings.Builder
	for s := range n {
		for row := 8; row < 10; row++ {
			fmt.Fprintf(&b, ".weights sa=%d row=%d src=-1 hex=%s\n", s, row, strings.Repeat(fmt.Sprintf("%02x", 17*(s+row)%256), 32))
		}
	}
	return b.String()
}

// TestGroupTiming: a gbmac on n idle sub-arrays dispatches at issue + 1
// cycle and every sense ends at d + and_sense; one busy sub-array holds
// the whole group; gwrp adds row_broadcast; gvacc holds the DPU for
// ceil(n / buffer_port_words) transfers.
func TestGroupTiming(t *testing.T) {
	tgt := target.Default()
	c := newCostTable(tgt)
	latS, latC, latA, latW := c.lat[target.OpAndSense], c.lat[target.OpBitcount], c.lat[target.OpShiftAdd], c.lat[target.OpRowWrite]
	m, _ := groupRun(t, weightRows(16)+`
    gbmac [r0], 16, 8, [r0+9], a0, 0, pos
    halt
`)
	d := c.cycle // issued at 0
	for s := range 16 {
		sa := m.sas[s]
		if sa.arrayFree != d+latS || sa.countFree != d+latS+latC || sa.shaddFree != d+latS+latC+latA {
			t.Errorf("sub-array %d: sense/count/shadd end %d/%d/%d, want %d/%d/%d", s, sa.arrayFree, sa.countFree, sa.shaddFree, d+latS, d+latS+latC, d+latS+latC+latA)
		}
	}
	// A wrp on sub-array 5 (issued at 0, dispatched at 1 cycle) keeps its
	// array until cycle + row_write: the gbmac issued next waits for it.
	m, _ = groupRun(t, weightRows(8)+`
    wrp [r0+5], [r0+0], p0, 0
    gbmac [r0], 8, 8, [r0+9], a0, 0, pos
    halt
`)
	d = c.cycle + latW
	for s := range 8 {
		if got := m.sas[s].arrayFree; got != d+latS {
			t.Errorf("after a busy member: sub-array %d sense ends %d, want %d", s, got, d+latS)
		}
	}
	m, _ = groupRun(t, `
    gwrp [r0], 4, [r0+3], p0, 0
    halt
`)
	latB := c.lat[target.OpRowBroadcast]
	for s := range 4 {
		if got := m.sas[s].arrayFree; got != c.cycle+latW+latB {
			t.Errorf("gwrp: sub-array %d write ends %d, want cycle + row_write + row_broadcast = %d", s, got, c.cycle+latW+latB)
		}
	}
	m, _ = groupRun(t, weightRows(64)+`
    gbmac [r0], 64, 8, [r0+9], a0, 0, pos
    gvacc v0, [r0+0], [r0], 64, 1, a0, 0
    gvacc v1, [r0+0], [r0], 64, 0, a0, 1
    halt
`)
	// 64 accumulators, 64-word port: one transfer each; the first gvacc
	// waits for the shift-adds, the second for the first.
	d1 := c.cycle + latS + latC + latA
	if m.tm.dpuFree != d1+2*c.lat[target.OpAccTransfer] {
		t.Errorf("two gvaccs of 64: DPU free at %d, want %d", m.tm.dpuFree, d1+2*c.lat[target.OpAccTransfer])
	}
}

// TestGroupFaults: a group that leaves the sub-arrays or crosses a bank,
// a lane out of range and an undefined row fault naming pc and mnemonic,
// before any state changes.
func TestGroupFaults(t *testing.T) {
	cases := []struct {
		src, instr, want string
	}{
		{"    li r1, 1020\n    gwrp [r1], 8, [r0+0], p0, 0\n", "gwrp [r1], 8, [r0+0], p0, 0", "group of 8 sub-arrays from 1020 leaves the sub-arrays (target has 1024)"},
		{"    li r1, -1\n    gbmac [r1], 2, 0, [r0+0], a0, 0, pos\n", "gbmac [r1], 2, 0, [r0+0], a0, 0, pos", "group of 2 sub-arrays from -1 leaves"},
		{"    li r1, 60\n    gwrp [r1], 8, [r0+0], p0, 0\n", "gwrp [r1], 8, [r0+0], p0, 0", "group [60, 67] crosses the bank boundary at 64 (64 sub-arrays per bank)"},
		{"    li r1, 60\n    gvacc v0, [r0+0], [r1], 8, 1, a0, 0\n", "gvacc v0, [r0+0], [r1], 8, 1, a0, 0", "crosses the bank boundary at 64"},
		{"    li r1, 60\n    gvacc v0, [r1+0], [r0], 4, 2, a0, 0\n", "gvacc v0, [r1+0], [r0], 4, 2, a0, 0", "lanes 60..66 (stride 2) out of range (target has 64 lanes)"},
		{"    li r1, 64\n    gvacc v0, [r1+0], [r0], 4, 0, a0, 0\n", "gvacc v0, [r1+0], [r0], 4, 0, a0, 0", "lanes 64..64 (stride 0) out of range"},
		{"    li r1, 2\n    gbmac [r1], 2, 8, [r0+9], a0, 0, pos\n", "gbmac [r1], 2, 8, [r0+9], a0, 0, pos", "reads row 8 of sub-array 3, which holds undefined data"},
		{"    li r2, 300\n    gbmac [r0], 2, 8, [r2+9], a0, 0, pos\n", "gbmac [r0], 2, 8, [r2+9], a0, 0, pos", "row 309 out of range (target has 256 rows)"},
		{"    li r2, 300\n    gwrp [r0], 2, [r2+0], p0, 0\n", "gwrp [r0], 2, [r2+0], p0, 0", "row 300 out of range"},
		{"    twait 5\n", "twait 5", "deadlock: waits for token 5"},
	}
	for _, c := range cases {
		src := faultHeader + weightRows(3) + c.src + "    halt\n"
		f := runFault(t, src, 100)
		wantFault(t, f, strings.Count(c.src, "\n")-1, c.instr, c.want)
	}
}

// TestTokensOneStream: tsig then twait on one stream: the wait ends when
// the signal is visible, sync after the tsig dispatched; both cost sync.
func TestTokensOneStream(t *testing.T) {
	tgt := target.Default()
	c := newCostTable(tgt)
	m, st := groupRun(t, "    tsig 7\n    tsig 7\n    twait 7\n    twait 7\n    halt\n")
	r := m.Report(st)
	if r.PerInference.Ops["sync"] != 4 || r.PerInference.Energy.Interconnect != 4*c.fj[target.OpSync]/1000 {
		t.Errorf("sync ops %d, interconnect %v pJ", r.PerInference.Ops["sync"], r.PerInference.Energy.Interconnect)
	}
	// tsig at d = 1 cycle: visible at 1 cycle + sync; the first twait
	// (issued at 2 cycles) dispatches then; halt one cycle later at the
	// earliest.
	if want := c.cycle + c.lat[target.OpSync]; st.LatencyPS < want+c.cycle || st.LatencyPS > want+3*c.cycle {
		t.Errorf("latency %d ps, want about %d", st.LatencyPS, want+2*c.cycle)
	}
}

// expandGroups rewrites every group instruction of p into the single
// instructions it stands for (with static sub-array addresses, so the
// group base registers must hold the values given in base).
func expandGroups(p *isa.Program, base func(pc int, reg int64) int64) *isa.Program {
	q := *p
	q.Code = nil
	for pc, in := range p.Code {
		x := in.Args
		emit := func(op isa.Opcode, args ...int64) {
			n := isa.NewInstr(op, args...)
			n.Src = in.Src
			q.Code = append(q.Code, n)
		}
		switch in.Op {
		case isa.OpGwrp: // ra, n, rb, row, p, bit
			for j := range x[1] {
				emit(isa.OpWrp, 0, base(pc, x[0])+j, x[2], x[3], x[4], x[5])
			}
		case isa.OpGbmac: // ra, n, rowa, rb, rowb, acc, shift, sign
			for j := range x[1] {
				emit(isa.OpBmac, 0, base(pc, x[0])+j, x[2], x[3], x[4], x[5], x[6], x[7])
			}
		case isa.OpGvacc: // vd, ra, lane, rb, n, lstride, acc, clr
			for j := range x[4] {
				emit(isa.OpVacc, x[0], x[1], x[2]+j*x[5], 0, base(pc, x[3])+j, x[6], x[7])
			}
		default:
			q.Code = append(q.Code, in)
		}
	}
	return &q
}

// randGroupProgram is a random straight-line program of group
// instructions over the first bank: r1..r3 hold group bases (set by li),
// rows 8..11 hold weights, the patch registers random inputs, and the
// vector registers are stored at the end.
func randGroupProgram(r *rand.Rand, tgt *target.Target) (*isa.Program, func(int, int64) int64) {
	a := tgt.Arch()
	const nsa = 24
	b := isa.NewBuilder(tgt.Name, tgt.Fingerprint())
	b.SetSource(isa.Source{Layer: "g"})
	b.AddPort(isa.Port{Name: "x", Dir: isa.PortIn, Addr: 0, Shape: []uint32{uint32(a.Cols)}, Type: isa.MakeIntType(8, true), Scale: 1})
	b.AddPort(isa.Port{Name: "y", Dir: isa.PortOut, Addr: 4096, Shape: []uint32{uint32(8 * a.DPULanes)}, Type: isa.MakeIntType(32, true), Scale: 1})
	for s := range nsa {
		for row := 8; row < 12; row++ {
			bits := make([]byte, a.Cols/8)
			for i := range bits {
				bits[i] = byte(r.Uint32())
			}
			b.AddWeightRow(uint32(s), uint32(row), bits)
		}
	}
	b.Emit(isa.OpPzero, 0)
	b.Emit(isa.OpPld, 0, 0, 0, 0, int64(a.Cols))
	b.Emit(isa.OpPzero, 1)
	b.Emit(isa.OpPld, 1, 0, 0, int64(r.IntN(8)), int64(a.Cols-8))
	regs := map[int64]int64{0: 0}
	bases := map[int]int64{}
	// Every sub-array's input rows 0..3 are written first.
	b.Emit(isa.OpGwrp, 0, nsa, 0, 0, 0, 0)
	for row := int64(1); row < 4; row++ {
		b.Emit(isa.OpGwrp, 0, nsa, 0, row, row%2, row)
	}
	for range 20 + r.IntN(40) {
		reg := int64(1 + r.IntN(3))
		n := int64(1 + r.IntN(8))
		if r.IntN(3) == 0 || regs[reg] == 0 && reg != 0 {
			regs[reg] = int64(r.IntN(nsa - 8))
			b.Emit(isa.OpLi, reg, regs[reg])
		}
		if r.IntN(5) == 0 {
			reg = 0
		}
		pc := b.PC()
		bases[pc] = regs[reg]
		switch r.IntN(4) {
		case 0:
			b.Emit(isa.OpGwrp, reg, n, 0, int64(r.IntN(4)), int64(r.IntN(2)), int64(r.IntN(8)))
		case 1, 2:
			b.Emit(isa.OpGbmac, reg, n, int64(r.IntN(4)), 0, int64(8+r.IntN(4)), int64(r.IntN(a.AccPerSubarray)), int64(r.IntN(16)), int64(r.IntN(2)))
		default:
			stride := int64(r.IntN(3))
			lane := int64(r.IntN(a.DPULanes - int(n-1)*int(stride)))
			b.Emit(isa.OpGvacc, int64(r.IntN(8)), 0, lane, reg, n, stride, int64(r.IntN(a.AccPerSubarray)), int64(r.IntN(2)))
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
	return p, func(pc int, reg int64) int64 { return bases[pc] }
}

// runRawX loads random program i of a property test on tgt, writes x
// into its input port "x" and runs it.
func runRawX(t *testing.T, tgt *target.Target, p *isa.Program, i int, x []int64) (*Machine, *RunStats) {
	t.Helper()
	m, err := Load(p, tgt)
	if err != nil {
		t.Fatalf("program %d: %v", i, err)
	}
	if err := m.WriteInputRaw("x", x); err != nil {
		t.Fatal(err)
	}
	st, err := m.Run()
	if err != nil {
		t.Fatalf("program %d: %v\n%s", i, err, isa.FormatAsm(p))
	}
	return m, st
}

// TestPropertyGroupExpansion: random programs of group instructions
// compute the same bits (every vector register, every accumulator, the
// counted MACs) and the same energy, row broadcasts and controller issue
// aside, as their expansion into single-sub-array instructions.
func TestPropertyGroupExpansion(t *testing.T) {
	tgt := target.Default()
	r := rand.New(rand.NewPCG(15, 39))
	for i := range 60 {
		p, base := randGroupProgram(r, tgt)
		q := expandGroups(p, base)
		x := make([]int64, tgt.Arch().Cols)
		for j := range x {
			x[j] = int64(r.IntN(256)) - 128
		}
		mg, sg := runRawX(t, tgt, p, i, x)
		me, se := runRawX(t, tgt, q, i, x)
		yg, _ := mg.ReadOutputRaw("y")
		ye, _ := me.ReadOutputRaw("y")
		if fmt.Sprint(yg.I64) != fmt.Sprint(ye.I64) {
			t.Fatalf("program %d: vector registers differ from the expansion", i)
		}
		for s := range 24 {
			if ga, ea := mg.sas[s], me.sas[s]; (ga == nil) != (ea == nil) || ga != nil && (ga.acc != ea.acc || ga.latch != ea.latch || ga.count != ea.count) {
				t.Fatalf("program %d: sub-array %d state differs from the expansion", i, s)
			}
		}
		if fmt.Sprint(sg.MACs) != fmt.Sprint(se.MACs) {
			t.Errorf("program %d: counted MACs %v, expansion %v", i, sg.MACs, se.MACs)
		}
		eg, ee := mg.Report(sg).PerInference, me.Report(se).PerInference
		for k, n := range ee.Ops {
			if k != "issue" && eg.Ops[k] != n {
				t.Errorf("program %d: ops[%s] = %d, expansion %d", i, k, eg.Ops[k], n)
			}
		}
		g, e := eg.Energy, ee.Energy
		if !near(g.Sense, e.Sense) || !near(g.Write, e.Write) || !near(g.Popcount, e.Popcount) || !near(g.ShiftAdd, e.ShiftAdd) ||
			!near(g.AccTransfer, e.AccTransfer) || !near(g.DPU, e.DPU) || !near(g.Buffer, e.Buffer) {
			t.Errorf("program %d: energy %+v, expansion %+v", i, g, e)
		}
		c := newCostTable(tgt)
		var ub int64 // broadcast columns not driven (columns.go)
		for _, u := range sg.Undriven {
			ub += u[undBroadcast]
		}
		if !near(g.Interconnect, (float64(eg.Ops["row_broadcast"])-float64(ub)/c.cols)*c.fj[target.OpRowBroadcast]/1000) || e.Interconnect != 0 {
			t.Errorf("program %d: interconnect %v pJ for %d broadcast rows (expansion %v)", i, g.Interconnect, eg.Ops["row_broadcast"], e.Interconnect)
		}
		if sg.LatencyPS > se.LatencyPS {
			t.Errorf("program %d: group latency %d ps > expansion %d ps", i, sg.LatencyPS, se.LatencyPS)
		}
	}
}

// TestGbmacRunFastPath: runs of gbmacs over one group (gbmacrun.go) give
// exactly what the general path gives (a traced run takes it): the same
// sub-array states, outputs, profile, timing and accounting, on random
// group programs, on a compiled-layer pattern of long runs and on filter
// loops whose runs are decoded once and reused (gbDecoded).
func TestGbmacRunFastPath(t *testing.T) {
	tgt := target.Default()
	r := rand.New(rand.NewPCG(3, 14))
	var progs []*isa.Program
	for range 30 {
		p, _ := randGroupProgram(r, tgt)
		progs = append(progs, p)
	}
	// A filter round: gwrp the planes, then runs of gbmacs over 16
	// sub-arrays, with a drain in between.
	var b strings.Builder
	// (The input port makes the test write random activations, so the ANDs
	// count real bits.)
	const input = ".input \"x\" addr=0 shape=1x256 type=i8 scale=1 zp=0\n"
	b.WriteString(input + weightRows(16) + "    pzero p0\n    pld p0, 0, [r0+0], 256\n    li r1, 0\n    li r2, 1\n")
	for row := range 4 {
		fmt.Fprintf(&b, "    gwrp [r1], 16, [r0+%d], p0, %d\n", row, row)
	}
	for round := range 3 {
		for m := range 2 {
			for n := range 4 {
				fmt.Fprintf(&b, "    gbmac [r1], 16, %d, [r2+%d], a0, %d, %s\n", n, 7+m, m+n, map[bool]string{true: "neg", false: "pos"}[m == 1])
			}
		}
		fmt.Fprintf(&b, "    gvacc v%d, [r0+0], [r1], 16, 1, a0, 1\n", round)
	}
	b.WriteString("    setvl [r0+16]\n    vst v0, [r0+512], 1\n    vst v1, [r0+528], 1\n    vst v2, [r0+544], 1\n    halt\n")
	progs = append(progs, asm(t, b.String()))
	// Filter loops as the compiler writes them: the runs' second rows
	// relative to a register the loop steps (the decoded run is reused for
	// every value), a run mixing registers, and a negative base register
	// (the general path).
	b.Reset()
	b.WriteString(input + weightRows(16) + "    pzero p0\n    pld p0, 0, [r0+0], 256\n    li r1, 0\n    li r2, 1\n")
	for row := range 4 {
		fmt.Fprintf(&b, "    gwrp [r1], 16, [r0+%d], p0, %d\n", row, row)
	}
	b.WriteString(`    li r5, 0
    li r7, 2
F:
    gbmac [r1], 16, 0, [r5+8], a0, 0, pos
    gbmac [r1], 16, 1, [r5+8], a0, 1, pos
    gbmac [r1], 16, 2, [r2+7], a0, 2, neg
    gbmac [r1], 16, 3, [r5+8], a0, 3, pos
    gvacc v0, [r0+0], [r1], 16, 1, a0, 0
    addi r5, r5, 1
    dbnz r7, F
    li r5, 0
    li r7, 2
G:
    gbmac [r1], 16, 0, [r5+8], a0, 0, pos
    gbmac [r1], 16, 1, [r5+8], a0, 3, neg
    gbmac [r1], 16, 2, [r5+8], a0, 1, pos
    gbmac [r1], 16, 3, [r5+8], a0, 2, pos
    gvacc v1, [r0+0], [r1], 16, 1, a0, 1
    addi r5, r5, 1
    dbnz r7, G
    li r6, -1
    gbmac [r1], 16, 2, [r6+9], a0, 1, pos
    gbmac [r1], 16, 3, [r6+10], a0, 2, pos
    gvacc v2, [r0+0], [r1], 16, 1, a0, 1
    setvl [r0+16]
    vst v0, [r0+512], 1
    vst v1, [r0+528], 1
    vst v2, [r0+544], 1
    halt
`)
	progs = append(progs, asm(t, b.String()))
	for i, p := range progs {
		x := make([]int64, 256)
		for j := range x {
			x[j] = int64(r.IntN(256)) - 128
		}
		var ms [2]*Machine
		var sts [2]*RunStats
		for k := range 2 {
			m, err := Load(p, tgt)
			if err != nil {
				t.Fatal(err)
			}
			if k == 1 {
				m.Trace = io.Discard
			}
			for _, pt := range p.Ports {
				if pt.Dir == isa.PortIn {
					m.WriteInputRaw(pt.Name, x)
				}
			}
			st, err := m.Run()
			if err != nil {
				t.Fatalf("program %d: %v", i, err)
			}
			ms[k], sts[k] = m, st
		}
		if i >= len(progs)-2 && slices.Equal(ms[0].vregs[0][:16], make([]int32, 16)) {
			t.Fatalf("program %d: v0 is zero: the ANDs counted no bits, the comparison proves little", i)
		}
		if !reflect.DeepEqual(sts[0], sts[1]) {
			t.Fatalf("program %d: run stats differ between the fast and the general path", i)
		}
		if !reflect.DeepEqual(ms[0].abuf, ms[1].abuf) || !reflect.DeepEqual(ms[0].vregs, ms[1].vregs) {
			t.Fatalf("program %d: buffer or vector registers differ", i)
		}
		for s, sa := range ms[0].sas {
			sb := ms[1].sas[s]
			if (sa == nil) != (sb == nil) || sa != nil && (sa.acc != sb.acc || sa.latch != sb.latch || sa.count != sb.count || sa.pendPC != sb.pendPC ||
				sa.arrayFree != sb.arrayFree || sa.countFree != sb.countFree || sa.shaddFree != sb.shaddFree || sa.busy != sb.busy) {
				t.Fatalf("program %d: sub-array %d differs", i, s)
			}
		}
	}
}
