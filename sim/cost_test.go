package sim

import (
	"math"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/target"
)

// Default-target costs used in the hand calculations below (sot-mram-45nm,
// normalised by target: per row = per-column figure x 256 columns):
//
//	issue        1 cycle = 1 ns        0.1 pJ/instr
//	buffer r/w   1 ns per 64 words     1 pJ/word
//	row_write    2 ns                  150 fJ/bit x 256 = 38.4 pJ/row
//	and_sense    1.2 ns                8 fJ/col x 256   = 2.048 pJ/row
//	             (column gating: per column driven, columns.go)
//	bitcount     0.5 ns                0.5 pJ
//	shift_add    0.3 ns                0.1 pJ
//	acc_transfer 1 ns                  0.1 pJ
//	dpu_op       1 ns                  1 pJ/lane
//	leakage      static power x time (power gating off): leakMW below

// leakMW is the default target's static power with every sub-array
// powered (target.LeakageBreakdown): 1024 sub-arrays x (2.82 + 1.41 +
// 0.423) uW = 4.764672 mW, 16 x 64 DPU lanes x 4.23 uW = 4.33152 mW,
// 35651584 SRAM bits x 3.03 pW = 0.10802429952 mW, 16 controllers x 14.1
// uW = 0.2256 mW; cells 0. mW x ns = pJ.
const leakMW = 4.764672 + 4.33152 + 0.10802429952 + 0.2256

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func checkNear(t *testing.T, what string, got, want float64) {
	t.Helper()
	if !near(got, want) {
		t.Errorf("%s = %.12g, want %.12g", what, got, want)
	}
}

func reportOf(t *testing.T, name string) *Report {
	t.Helper()
	m, st := runIsa(t, name)
	return m.Executable().BuildReport([]*RunStats{st})
}

// TestDotCosts checks testdata/isa/dot.pasm (28 instructions) against a hand
// calculation of the timing model and the energy table.
//
// Timing (ns):
//
//	pzero  issue 0, dispatch 1
//	pld    issue 1, dispatch 2, 16 words = 1 access: patch ready at 3
//	wrp x4 on sub-array 0: first dispatches at 3 (patch ready); the cell
//	       array is busy 2 ns per write -> writes at 3, 5, 7, 9, done at 11
//	accclr dispatch 9 (issued at 8 while the last wrp waited), done 9.3
//	bmac x16: sense waits for the array (11); back-to-back senses every
//	       1.2 ns: dispatches 11 + 1.2k, last at 29.0; its sense ends 30.2,
//	       count 30.7, shift-add 31.0
//	setvl, vbcast (DPU 30..31)
//	vacc   waits for the accumulator (31.0): 31..32
//	vst    waits for v0 (32): 32..33
//	halt   dispatches when every unit is idle: 33 ns = frame latency
//
// Energy (pJ): issue 28 x 0.1 = 2.8; buffer 16 reads (pld) + 1 write (vst,
// VL=1) = 17; writes 4 x 38.4 = 153.6 (rows not yet written: every column
// driven); sense 16 x 16 columns (the patch extent) x 8 fJ = 2.048; popcount
// 16 x 0.5 = 8; shift-add (16 bmac + 1 accclr) x 0.1 = 1.7; acc transfer
// 0.1; DPU 1 lane (vbcast) = 1. Dynamic 186.248, leakage leakMW x 33 ns =
// 311.18393788416, total 497.43193788416.
// Weight programming: 4 rows x 38.4 = 153.6 pJ + leakMW x 8 ns in 4 x 2 = 8 ns.
// MACs: one 16-column segment = 16.
func TestDotCosts(t *testing.T) {
	r := reportOf(t, "dot.pasm")
	p := r.PerInference
	checkNear(t, "latency_ns", p.LatencyNS, 33)
	checkNear(t, "cycles", p.Cycles, 33)
	checkNear(t, "instructions", p.Instructions, 28)
	e := p.Energy
	checkNear(t, "controller", e.Controller, 2.8)
	checkNear(t, "buffer", e.Buffer, 17)
	checkNear(t, "write", e.Write, 153.6)
	checkNear(t, "sense", e.Sense, 2.048)
	checkNear(t, "popcount", e.Popcount, 8)
	checkNear(t, "shift_add", e.ShiftAdd, 1.7)
	checkNear(t, "acc_transfer", e.AccTransfer, 0.1)
	checkNear(t, "dpu", e.DPU, 1)
	checkNear(t, "leakage", e.Leakage, leakMW*33)
	checkNear(t, "leakage DPU", e.LeakageBy.DPU, 4.33152*33)
	checkNear(t, "total", e.Total, 186.248+leakMW*33)
	checkNear(t, "power mW", p.AvgPowerMW, 186.248/33+leakMW)
	checkNear(t, "load latency", r.Load.LatencyNS, 8)
	checkNear(t, "load energy", r.Load.Energy.Total, 153.6+leakMW*8)
	checkNear(t, "MACs", r.MACs, 16)
	checkNear(t, "bit ops", r.BitOps, 16*256)
	checkNear(t, "FPS", r.FPS, 1e9/33)
	checkNear(t, "GOPS", r.GOPS, 32.0/33)
	checkNear(t, "TOPS/W", r.TOPSPerW, 32/(186.248+leakMW*33))
	if r.SubarraysUsed != 1 || r.SubarraysTotal != 1024 {
		t.Errorf("sub-arrays used %d of %d, want 1 of 1024", r.SubarraysUsed, r.SubarraysTotal)
	}
	// busy (the union of the units' intervals, not their sum): from the
	// first write at 3 ns to the end of vacc's transfer out of the shift-add
	// unit at 32 ns, gapless (accclr, senses, counts, shift-adds in between):
	// 29 ns of 33.
	checkNear(t, "busy fraction", r.SubarrayBusyFrac, 29.0/33)
	// Area: sum of target.AreaBreakdown.
	checkNear(t, "area", r.AreaTotalUM2, target.Default().TotalAreaUM2())
	// Area used (area.go): 1 sub-array (65536 cells x 60 F2 at 45 nm =
	// 7962.624 um2, periphery 2000, bit-counter 1000, accumulator 300), 1
	// of the 16 controllers with its 64 DPU lanes (10000 + 64 x 3000) and
	// the buffer: x, 16 u4 codes (64 bits), and y, one word written by a
	// source that accumulates (vacc: 32 bits), x 0.346 um2.
	if r.BufferBitsUsed != 96 {
		t.Errorf("buffer bits used %d, want 16 x 4 + 32 = 96", r.BufferBitsUsed)
	}
	checkNear(t, "area used", r.AreaUsedUM2, 7962.624+2000+1000+300+10000+64*3000+96*0.346)
}

// TestConvCosts checks testdata/isa/conv.pasm (630 instructions: 5 set-up,
// 4 x 4 per output row, 16 x 38 per output pixel, halt).
//
// Timing: the first patch load (pld) issues at 7 ns. One pixel iteration,
// from its first pld issue t0:
//
//	3 pld issue t0..t0+2, patch ready t0+4 (one access each)
//	4 wrp at t0+4, +6, +8, +10 (array busy 2 ns each), done t0+12
//	12 bmac (filter 0): senses from t0+12 every 1.2 ns, last accumulate at
//	   t0+12+14.4+0.5+0.3 = t0+27.2
//	vacc t0+27.2..t0+28.2; it issued at t0+27, so the 12 bmac of filter 1
//	   dispatch from t0+28: last accumulate t0+28+14.4+0.8 = t0+43.2
//	vacc t0+43.2..44.2, vst t0+44.2..45.2 (issued t0+44), addi, addi,
//	   dbnz issue t0+45, t0+46: next pld issues at t0+47.
//
// A period of 47 ns per pixel; the 3 row changes add 4 issue slots each
// (dbnz not taken, addi, dbnz, li, addi). Pixel 16 starts at
// 7 + 15 x 47 + 3 x 4 = 724; its dbnz issues at 770, addi r3 771, dbnz r1
// 772, halt issues at 773 and dispatches at 774 ns (vst ended at 769.2).
//
// Energy (pJ): issue 630 x 0.1 = 63; buffer 16 x (3 x 6 reads + 2 writes)
// = 320; writes (column gating, columns.go): the first pixel's 4 rows are
// not yet written (256 columns driven), the other 60 writes drive the patch
// extent, 18 columns: (4 x 256 + 60 x 18) x 150 fJ = 315.6; sense 384 x 18
// columns x 8 fJ = 55.296; popcount 384 x 0.5 = 192; shift-add 384 x 0.1 =
// 38.4; acc transfer 32 x 0.1 = 3.2; DPU 16 vbcast x 2 lanes = 32. Dynamic
// 1019.496, total + leakMW x 774 ns.
// MACs: 16 pixels x 2 filters x K=18 = 576.
func TestConvCosts(t *testing.T) {
	r := reportOf(t, "conv.pasm")
	p := r.PerInference
	checkNear(t, "latency_ns", p.LatencyNS, 774)
	checkNear(t, "instructions", p.Instructions, 630)
	e := p.Energy
	checkNear(t, "controller", e.Controller, 63)
	checkNear(t, "buffer", e.Buffer, 320)
	checkNear(t, "write", e.Write, 315.6)
	checkNear(t, "sense", e.Sense, 55.296)
	checkNear(t, "popcount", e.Popcount, 192)
	checkNear(t, "shift_add", e.ShiftAdd, 38.4)
	checkNear(t, "acc_transfer", e.AccTransfer, 3.2)
	checkNear(t, "dpu", e.DPU, 32)
	checkNear(t, "total", e.Total, 1019.496+leakMW*774)
	checkNear(t, "MACs", r.MACs, 576)
	// The halt carries no source comment: it is the unattributed row
	// (1 ns, 0.1 pJ + leakMW x 1 ns).
	if len(r.Sources) != 2 || r.Sources[0].Layer != "conv1" || r.Sources[1].Index != -1 {
		t.Fatalf("sources = %+v", r.Sources)
	}
	checkNear(t, "conv1 latency", r.Sources[0].LatencyNS, 773)
	checkNear(t, "conv1 energy", r.Sources[0].Energy.Total, 1019.496-0.1+leakMW*773)
	checkNear(t, "halt latency", r.Sources[1].LatencyNS, 1)
}

// TestReluLayerCosts checks testdata/isa/relu_layer.pasm (240 instructions:
// 25 set-up, 3 x 70 per filter, 5 for bias/requantize/store/halt).
//
// Timing (ns): pld p0 (256 words = 4 accesses) 3..7, pld p1 7..8; the 8
// writes of sub-array 0 at 7, 9, ..., 21 (done 23) and of sub-array 1 at 21,
// 23, ..., 35 (its patch was ready, but the controller is blocked behind
// sub-array 0's writes); setvl, vbcast, 3 li: the first bmac issues at 39.
// One filter iteration from that issue t0: 32 bmac on sub-array 0 dispatch
// from t0+1 every 1.2 ns (last at t0+38.2, issue of the next at t0+38);
// 32 bmac on sub-array 1 from t0+39 (last t0+76.2, accumulate done t0+78.2);
// accadd t0+78.2..78.5 (issued t0+76+... blocked until then), accclr t0+79,
// vacc t0+80..81, addi, addi, dbnz: next iteration issues at t0+83.
// Iteration 3 starts at 39 + 2 x 83 = 205, its vacc ends at 286 and dbnz
// issues at 287; vldc 289..290, vldc 290..291, vrq 291..292, vst 292..293;
// halt dispatches at 293 ns.
//
// Energy (pJ): issue 240 x 0.1 = 24; buffer (300 pld + 6 vldc reads, 3 vst
// writes) = 309; writes 16 x 38.4 = 614.4 (rows not yet written); sense
// (column gating: sub-array 0's rows hold 256 columns of the patch,
// sub-array 1's the other 44) 96 x 2.048 + 96 x 44 x 8 fJ = 230.4;
// popcount 192 x 0.5 = 96; shift-add (192 bmac + 3 accadd + 3 accclr) x 0.1
// = 19.8; acc transfer 0.3; DPU (vbcast + vrq) x 3 lanes = 6. Dynamic
// 1299.9, total + leakMW x 293 ns. Source 1 (relu1: vldc, vldc, vrq,
// vst): issue 0.4 + buffer 9 + DPU 3 = 12.4 dynamic, + leakMW x 4 ns.
// Weight programming: 24 rows x 38.4 = 921.6 pJ (+ leakMW x 24 ns), 12 rows per
// sub-array x 2 ns = 24 ns. MACs: 3 filters x K=300 = 900.
func TestReluLayerCosts(t *testing.T) {
	r := reportOf(t, "relu_layer.pasm")
	p := r.PerInference
	checkNear(t, "latency_ns", p.LatencyNS, 293)
	checkNear(t, "instructions", p.Instructions, 240)
	e := p.Energy
	checkNear(t, "controller", e.Controller, 24)
	checkNear(t, "buffer", e.Buffer, 309)
	checkNear(t, "write", e.Write, 614.4)
	checkNear(t, "sense", e.Sense, 230.4)
	checkNear(t, "popcount", e.Popcount, 96)
	checkNear(t, "shift_add", e.ShiftAdd, 19.8)
	checkNear(t, "acc_transfer", e.AccTransfer, 0.3)
	checkNear(t, "dpu", e.DPU, 6)
	checkNear(t, "total", e.Total, 1299.9+leakMW*293)
	checkNear(t, "MACs", r.MACs, 900)
	checkNear(t, "load energy", r.Load.Energy.Total, 921.6+leakMW*24)
	checkNear(t, "load latency", r.Load.LatencyNS, 24)
	if len(r.Sources) != 3 || r.Sources[2].Index != -1 {
		t.Fatalf("sources = %+v", r.Sources)
	}
	checkNear(t, "relu1 energy", r.Sources[1].Energy.Total, 12.4+leakMW*4)
	checkNear(t, "relu1 instructions", r.Sources[1].Instructions, 4)
	checkNear(t, "relu1 latency", r.Sources[1].LatencyNS, 4)
	checkNear(t, "sources add up (latency)", r.Sources[0].LatencyNS+r.Sources[1].LatencyNS+r.Sources[2].LatencyNS, 293)
	checkNear(t, "sources add up (energy)", r.Sources[0].Energy.Total+r.Sources[1].Energy.Total+r.Sources[2].Energy.Total, 1299.9+leakMW*293)
}

// TestPowerGatingLeakage: with leakage.subarray_power_gating, relu_layer's
// run (2 sub-arrays touched of 1024, one stream of 16 controllers) leaks
// the SRAM (0.10802429952 mW), one controller with its DPU lanes
// (4.33152/16 + 0.2256/16 mW) and 2 x 4.653 uW for 293 ns; the periphery of
// the 1022 untouched sub-arrays and the 15 idle controllers and DPUs leak
// nothing. Weight programming powers the 2 sub-arrays that receive weights.
func TestPowerGatingLeakage(t *testing.T) {
	prog, ins, _ := isaProgram(t, "relu_layer.pasm")
	tgt, err := target.Parse("gated.yaml", []byte("base: sot-mram-45nm\nname: gated\nleakage:\n  subarray_power_gating: {value: 1, provenance: test}\n"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(prog, tgt)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range ins {
		m.WriteInputRaw(name, v)
	}
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	r := m.Report(st)
	fixed, per := (4.33152+0.2256)/16+0.10802429952, 4.653e-3
	e := r.PerInference.Energy
	checkNear(t, "leakage", e.Leakage, (fixed+2*per)*293)
	checkNear(t, "periphery leakage", e.LeakageBy.Periphery, 2*2.82e-3*293)
	checkNear(t, "DPU leakage", e.LeakageBy.DPU, 4.33152/16*293)
	checkNear(t, "total", e.Total, 1299.9+(fixed+2*per)*293)
	checkNear(t, "load energy", r.Load.Energy.Total, 921.6+(fixed+2*per)*24)
	if !r.PowerGating {
		t.Error("report does not say the sub-arrays are gated")
	}
}

// TestTrace checks the trace lines of dot.pasm against the hand timeline of
// TestDotCosts: the first bmac issues at 9 and dispatches at 11 (array busy
// with the writes), the last at 27/29, halt at 32/33.
func TestTrace(t *testing.T) {
	prog, ins, _ := isaProgram(t, "dot.pasm")
	m, err := Load(prog, target.Default())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	m.Trace = &b
	m.WriteInputRaw("x", ins["x"])
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 28 {
		t.Fatalf("%d trace lines, want 28", len(lines))
	}
	for _, want := range []struct {
		i      int
		prefix string
	}{
		{7, "     7      9.000     11.000  bmac [r0+0], 0, [r0+4], a0, 0, pos"},
		{22, "    22     27.000     29.000  bmac [r0+0], 3, [r0+7], a0, 6, neg"},
		{27, "    27     32.000     33.000  halt"},
	} {
		if !strings.HasPrefix(lines[want.i], want.prefix) {
			t.Errorf("trace line %d = %q, want prefix %q", want.i, lines[want.i], want.prefix)
		}
	}
	m.Reset()
	b.Reset()
	m.TraceLimit = 5
	m.WriteInputRaw("x", ins["x"])
	m.Run()
	if n := strings.Count(b.String(), "\n"); n != 5 {
		t.Fatalf("TraceLimit 5: %d lines", n)
	}
}
