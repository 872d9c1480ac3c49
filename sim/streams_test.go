package sim

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// streamsRun assembles src (its .stream lines included) for tgt, runs it
// with a trace and returns the machine, the stats and each pc's dispatch
// time (ps) from the trace.
func streamsRun(t *testing.T, tgt *target.Target, src string) (*Machine, *RunStats, map[int]int64) {
	t.Helper()
	p, err := isa.ParseAsm("s.pasm", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p.TargetName, p.TargetFingerprint = tgt.Name, tgt.Fingerprint()
	m, err := Load(p, tgt)
	if err != nil {
		t.Fatal(err)
	}
	var tr bytes.Buffer
	m.Trace = &tr
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	disp := map[int]int64{}
	sc := bufio.NewScanner(&tr)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		pc, _ := strconv.Atoi(f[0])
		d, _ := strconv.ParseFloat(f[2], 64)
		disp[pc] = int64(d*1000 + 0.5)
	}
	return m, st, disp
}

func nops(n int) string { return strings.Repeat("    nop\n", n) }

// TestStreamsTokens: a twait dispatches when the signal is visible, sync
// after the tsig dispatched, on another controller; the run ends at the
// last halt.
func TestStreamsTokens(t *testing.T) {
	tgt := target.Default()
	c := newCostTable(tgt)
	_, st, disp := streamsRun(t, tgt, ".stream 0 entry=a\n.stream 1 entry=b\na:\n"+nops(10)+"    tsig 0\n    halt\nb:\n    twait 0\n    halt\n")
	tsig, twait := disp[10], disp[12]
	if tsig != 11*c.cycle || twait != tsig+c.lat[target.OpSync] {
		t.Errorf("tsig dispatched at %d, twait at %d; want %d and %d + sync", tsig, twait, 11*c.cycle, 11*c.cycle)
	}
	if st.LatencyPS != disp[13] || disp[13] <= disp[11] {
		t.Errorf("latency %d, halts at %d and %d: want the last halt", st.LatencyPS, disp[11], disp[13])
	}
	// Halts end streams: a long stream sets the latency.
	_, st, disp = streamsRun(t, tgt, ".stream 0 entry=a\n.stream 1 entry=b\na:\n    halt\nb:\n"+nops(100)+"    halt\n")
	if st.LatencyPS != disp[101] || disp[101] != 101*c.cycle {
		t.Errorf("latency %d, want the long stream's halt %d", st.LatencyPS, 101*c.cycle)
	}
}

// TestStreamsBarrierLocal: a barrier waits for its own controller's units
// only.
func TestStreamsBarrierLocal(t *testing.T) {
	tgt := target.Default()
	c := newCostTable(tgt)
	src := ".stream 0 entry=a\n.stream 1 entry=b\na:\n" + strings.Repeat("    wrp [r0+0], [r0+0], p0, 0\n", 20) + "    barrier\n    halt\nb:\n    nop\n    barrier\n    halt\n"
	_, _, disp := streamsRun(t, tgt, src)
	if disp[20] < 20*c.lat[target.OpRowWrite] {
		t.Errorf("stream 0's barrier at %d, before its writes end (%d)", disp[20], 20*c.lat[target.OpRowWrite])
	}
	if disp[23] != 2*c.cycle {
		t.Errorf("stream 1's barrier at %d, want %d: it waited for the other controller", disp[23], 2*c.cycle)
	}
}

// TestStreamsPorts: controllers on one buffer port serialise their
// accesses; on ports of their own they do not.
func TestStreamsPorts(t *testing.T) {
	one, err := target.Parse("p1.yaml", []byte("name: p1\nbase: sot-mram-45nm\nparallel:\n  buffer_ports: {value: 1, provenance: test}\n  controllers: {value: 2, provenance: test}\n"))
	if err != nil {
		t.Fatal(err)
	}
	src := ".stream 0 entry=a\n.stream 1 entry=b\na:\n" + strings.Repeat("    pld p0, 0, [r0+0], 256\n", 8) + "    halt\nb:\n" + strings.Repeat("    pld p1, 0, [r0+256], 256\n", 8) + "    halt\n"
	_, st1, _ := streamsRun(t, one, src)
	_, st16, _ := streamsRun(t, target.Default(), src)
	c := newCostTable(one)
	per := c.transfer(256, c.lat[target.OpBufferRead]) // 4 accesses of 64 words
	if st1.LatencyPS < 16*per || st16.LatencyPS >= 9*per+4*c.cycle {
		t.Errorf("one port: %d ps (want >= 16 x %d); one port each: %d ps (want about 8 x %d)", st1.LatencyPS, per, st16.LatencyPS, per)
	}
}

// TestStreamsPortsLocal: with at least as many buffer ports as
// controllers, each controller's port is in its own bank, so a buffer
// access pays no link hop. More ports must not make a program slower:
// until s12 controller c used port c mod P, which with 32 ports sat in bank
// floor(c / 2), a hop away for every controller but 0. With fewer ports,
// consecutive controllers share one, in the first one's bank.
func TestStreamsPortsLocal(t *testing.T) {
	src := ".stream 0 entry=a\n.stream 1 entry=b\n.stream 2 entry=c\n.stream 3 entry=d\na:\n    halt\nb:\n    pld p0, 0, [r0+0], 64\n    halt\nc:\n    halt\nd:\n    pld p0, 0, [r0+64], 64\n    halt\n"
	for _, cs := range []struct {
		ports int
		link  [2]bool // stream 1's and stream 3's pld reach their port over a link
	}{{16, [2]bool{false, false}}, {32, [2]bool{false, false}}, {64, [2]bool{false, false}}, {8, [2]bool{true, true}}} {
		tgt, err := target.Parse("p.yaml", []byte(fmt.Sprintf("name: p%d\nbase: sot-mram-45nm\nparallel:\n  buffer_ports: {value: %d, provenance: test}\n", cs.ports, cs.ports)))
		if err != nil {
			t.Fatal(err)
		}
		c := newCostTable(tgt)
		m, _, disp := streamsRun(t, tgt, src)
		for i, pc := range []int{1, 4} {
			want := c.cycle
			if cs.link[i] {
				want += c.lat[target.OpLink]
			}
			if disp[pc] != want {
				t.Errorf("%d ports: stream %d's pld (port %d) dispatched at %d ps, want %d", cs.ports, 2*i+1, m.portOf(2*i+1), disp[pc], want)
			}
		}
	}
}

// TestStreamsTimingOrder: streams run in timing order, so a shared port
// is given to the accesses in the order of their times: one load of
// stream 1 at the start waits for one transfer of stream 0, not for all
// the transfers stream 0 issues later.
func TestStreamsTimingOrder(t *testing.T) {
	one, err := target.Parse("p1.yaml", []byte("name: p1\nbase: sot-mram-45nm\nparallel:\n  buffer_ports: {value: 1, provenance: test}\n  controllers: {value: 2, provenance: test}\n"))
	if err != nil {
		t.Fatal(err)
	}
	src := ".stream 0 entry=a\n.stream 1 entry=b\na:\n" + strings.Repeat("    pld p0, 0, [r0+0], 256\n", 8) + "    halt\nb:\n    ld r1, [r0+5]\n    halt\n"
	_, _, disp := streamsRun(t, one, src)
	c := newCostTable(one)
	per := c.transfer(256, c.lat[target.OpBufferRead])
	if want := c.cycle + per; disp[9] != want {
		t.Errorf("stream 1's ld dispatched at %d, want %d (after stream 0's first transfer only)", disp[9], want)
	}
}

// TestStreamsLink: controller 1 (bank 1 of the default target) writing a
// row of a sub-array of bank 0 pays one link hop before the write and link
// energy for the row's words; writing into its own bank it pays nothing.
func TestStreamsLink(t *testing.T) {
	tgt := target.Default()
	c := newCostTable(tgt)
	for _, cs := range []struct {
		sa    int
		words int64
	}{{0, 8}, {64, 0}, {70, 0}, {128, 8}} {
		src := fmt.Sprintf(".stream 0 entry=a\n.stream 1 entry=b\na:\n    halt\nb:\n    wrp [r0+%d], [r0+0], p0, 0\n    halt\n", cs.sa)
		m, st, disp := streamsRun(t, tgt, src)
		want := c.cycle
		if cs.words > 0 {
			want += c.lat[target.OpLink]
		}
		r := m.Report(st)
		if disp[1] != want || r.PerInference.Ops["link"] != cs.words {
			t.Errorf("wrp into sub-array %d: dispatch %d (want %d), link words %d (want %d)", cs.sa, disp[1], want, r.PerInference.Ops["link"], cs.words)
		}
	}
}

// TestStreamsLinkContention: controllers 1 and 2 (banks 1 and 2) both
// write a row into bank 0 (different sub-arrays) in their first cycle:
// bank 0's link carries one hop at a time, so one write dispatches a link
// latency after the other (before, both dispatched together and the
// link's accounted work was no bound on the run).
func TestStreamsLinkContention(t *testing.T) {
	tgt := target.Default()
	c := newCostTable(tgt)
	src := ".stream 0 entry=a\n.stream 1 entry=b\n.stream 2 entry=c\na:\n    halt\nb:\n    wrp [r0+0], [r0+0], p0, 0\n    halt\nc:\n    wrp [r0+1], [r0+0], p0, 0\n    halt\n"
	_, _, disp := streamsRun(t, tgt, src)
	l := c.lat[target.OpLink]
	first, second := min(disp[1], disp[3]), max(disp[1], disp[3])
	if first != c.cycle+l || second != c.cycle+2*l {
		t.Errorf("two hops over bank 0's link dispatched at %d and %d ps, want %d and %d", disp[1], disp[3], c.cycle+l, c.cycle+2*l)
	}
}

// TestStreamsDeadlock: when every live stream waits for a token no one
// will signal, the run faults naming each of them.
func TestStreamsDeadlock(t *testing.T) {
	tgt := target.Default()
	p, err := isa.ParseAsm("d.pasm", []byte(".stream 0 entry=a\n.stream 1 entry=b\n.stream 2 entry=c\na:\n    twait 1\n    halt\nb:\n    tsig 9\n    twait 2\n    halt\nc:\n    halt\n"))
	if err != nil {
		t.Fatal(err)
	}
	p.TargetName, p.TargetFingerprint = tgt.Name, tgt.Fingerprint()
	m, err := Load(p, tgt)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Run()
	f, ok := AsFault(err)
	if !ok || !strings.Contains(f.Msg, "deadlock") || !strings.Contains(f.Msg, "stream 0 at pc 0 waits for token 1; stream 1 at pc 3 waits for token 2") || strings.Contains(f.Msg, "stream 2") {
		t.Errorf("deadlock: %v", err)
	}
	// After the fault, Reset and a run again give the same fault.
	m.Reset()
	if _, err2 := m.Run(); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("after Reset: %v, want %v", err2, err)
	}
}

// randStreamsProgram is a random race-free program of k streams. Stream i
// owns sub-arrays [32i, 32i+8) (its weights, input rows and accumulators)
// and ABUF words [1024(i+1), 1024(i+2)); all read the input at ABUF 0. It
// computes group dot products into vector registers and stores them; after
// storing a block it may signal token i, and stream i+1 then waits for it
// and adds that block into its own output. Every stream sets every register
// it uses before using it, so the streams run one after another on one
// controller give the same bits. It returns the program and the serial
// one (the streams in order, each halt but the last a jump to the next).
func randStreamsProgram(r *rand.Rand, tgt *target.Target, k int) (*isa.Program, *isa.Program) {
	a := tgt.Arch()
	b := isa.NewBuilder(tgt.Name, tgt.Fingerprint())
	b.SetSource(isa.Source{Layer: "s"})
	b.AddPort(isa.Port{Name: "x", Dir: isa.PortIn, Addr: 0, Shape: []uint32{uint32(a.Cols)}, Type: isa.MakeIntType(8, true), Scale: 1})
	b.AddPort(isa.Port{Name: "y", Dir: isa.PortOut, Addr: 1024, Shape: []uint32{uint32(1024 * k)}, Type: isa.MakeIntType(32, true), Scale: 1})
	for i := range k {
		for s := 32 * i; s < 32*i+8; s++ {
			for row := 8; row < 11; row++ {
				bits := make([]byte, a.Cols/8)
				for j := range bits {
					bits[j] = byte(r.Uint32())
				}
				b.AddWeightRow(uint32(s), uint32(row), bits)
			}
		}
	}
	var ends []int // pc of each stream's halt
	signals := make([]bool, k)
	for i := range k {
		lbl := fmt.Sprintf("s%d", i)
		b.Stream(i, lbl)
		b.Label(lbl)
		own, out := int64(32*i), int64(1024*(i+1))
		vl := int64(1 + r.IntN(16))
		b.Emit(isa.OpSetvl, 0, vl)
		for v := range int64(8) {
			b.Emit(isa.OpVbcast, v, 0)
		}
		b.Emit(isa.OpLi, 1, own)
		b.Emit(isa.OpLi, 2, 0)
		b.Emit(isa.OpPzero, 0)
		b.Emit(isa.OpPld, 0, 0, 0, int64(r.IntN(8)), int64(a.Cols-8))
		for row := int64(0); row < 3; row++ {
			b.Emit(isa.OpGwrp, 1, 8, 2, row, 0, row)
		}
		if i > 0 && signals[i-1] {
			// The block stream i-1 stored before its tsig.
			b.Emit(isa.OpTwait, int64(i-1))
			b.Emit(isa.OpVld, 7, 0, int64(1024*i), 1)
			b.Emit(isa.OpVadd, 6, 6, 7)
		}
		for range 5 + r.IntN(20) {
			n := int64(1 + r.IntN(8))
			switch r.IntN(5) {
			case 0, 1, 2:
				b.Emit(isa.OpGbmac, 1, n, int64(r.IntN(3)), 2, int64(8+r.IntN(3)), int64(r.IntN(a.AccPerSubarray)), int64(r.IntN(8)), int64(r.IntN(2)))
			case 3:
				stride := int64(r.IntN(2))
				b.Emit(isa.OpGvacc, int64(r.IntN(6)), 0, int64(r.IntN(int(vl))), 1, n, stride, int64(r.IntN(a.AccPerSubarray)), int64(r.IntN(2)))
			default:
				b.Emit(isa.OpBmac, 0, own+int64(r.IntN(8)), int64(r.IntN(3)), 0, int64(8+r.IntN(3)), 0, int64(r.IntN(8)), 0)
			}
		}
		for v := range int64(8) {
			b.Emit(isa.OpVst, v, 0, out+v*int64(vl), 1)
		}
		if i+1 < k && r.IntN(3) != 0 {
			b.Emit(isa.OpTsig, int64(i))
			signals[i] = true
		}
		b.Emit(isa.OpSt, 2, 0, out+1000) // r2 = 0: one scalar store too
		ends = append(ends, b.PC())
		b.Emit(isa.OpHalt)
	}
	p, err := b.Program()
	if err != nil {
		panic(err)
	}
	serial := *p
	serial.Streams = nil
	serial.Code = append([]isa.Instr(nil), p.Code...)
	for i, pc := range ends[:k-1] {
		j := isa.NewInstr(isa.OpJmp, int64(p.Streams[i+1]))
		j.Src = p.Code[pc].Src
		serial.Code[pc] = j
	}
	return p, &serial
}

// TestPropertyStreamsSerial: random race-free programs of 2 to 4 streams
// compute the same bits (outputs, accumulators, latches) as their streams
// run one after another on one controller, and a run is never longer than
// the serial one.
func TestPropertyStreamsSerial(t *testing.T) {
	tgt := target.Default()
	r := rand.New(rand.NewPCG(11, 15))
	for i := range 40 {
		k := 2 + r.IntN(3)
		p, serial := randStreamsProgram(r, tgt, k)
		x := make([]int64, tgt.Arch().Cols)
		for j := range x {
			x[j] = int64(r.IntN(256)) - 128
		}
		mp, sp := runRawX(t, tgt, p, i, x)
		ms, ss := runRawX(t, tgt, serial, i, x)
		yp, _ := mp.ReadOutputRaw("y")
		ys, _ := ms.ReadOutputRaw("y")
		if fmt.Sprint(yp.I64) != fmt.Sprint(ys.I64) {
			t.Fatalf("program %d (%d streams): outputs differ from the serial run", i, k)
		}
		for s := range 32 * k {
			if a, b := mp.sas[s], ms.sas[s]; (a == nil) != (b == nil) || a != nil && (a.acc != b.acc || a.latch != b.latch || a.count != b.count) {
				t.Fatalf("program %d: sub-array %d differs from the serial run", i, s)
			}
		}
		if sp.LatencyPS > ss.LatencyPS {
			t.Errorf("program %d: %d streams take %d ps, serially %d ps", i, k, sp.LatencyPS, ss.LatencyPS)
		}
		if fmt.Sprint(sp.MACs) != fmt.Sprint(ss.MACs) {
			t.Errorf("program %d: MACs %v, serial %v", i, sp.MACs, ss.MACs)
		}
	}
}
