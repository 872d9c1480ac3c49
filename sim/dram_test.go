package sim

import (
	"slices"
	"testing"

	"github.com/pimc-dev/pimc/target"
)

// runDRAM runs src on the default target from the post-load state (inputs
// all zero) and returns the machine and the report of the run.
func runDRAM(t *testing.T, src string) (*Machine, *Report) {
	t.Helper()
	m, err := Load(asm(t, src), target.Default())
	if err != nil {
		t.Fatal(err)
	}
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	return m, m.Report(st)
}

// TestDRAMTiming: a transfer of n words takes the access latency plus n
// words at the bandwidth (53.5 ns + n x 0.3125 ns on the default), costs
// 20 pJ/bit x 32 bits per word, and holds the channel: a second transfer
// waits for the first.
func TestDRAMTiming(t *testing.T) {
	_, r := runDRAM(t, `.source 0 layer="spill" node="S" value="v"
    li r1, 100        # @0
    li r2, 64         # @0
    dstore r1, r0, r2, i32 # @0 dispatched at 3 ns, ends at 3 + 53.5 + 20 = 76.5 ns
    halt
`)
	p := r.PerInference
	if p.LatencyNS != 76.5 || p.DRAMNS != 73.5 || p.DRAMBits != 64*32 {
		t.Errorf("latency %v ns, DRAM busy %v ns for %v bits; want 76.5, 73.5, 2048", p.LatencyNS, p.DRAMNS, p.DRAMBits)
	}
	if p.Energy.DRAM != 64*32*20 || p.Ops["dram_write"] != 64*32 || p.Ops["buffer_read"] != 64 {
		t.Errorf("DRAM energy %v pJ, ops %v; want 40960 pJ, 2048 dram_write bits and 64 buffer_read words", p.Energy.DRAM, p.Ops)
	}
	if r.ResourceCounts["DRAM"] != 1 || !slices.ContainsFunc(r.Resources, func(u ResourceUse) bool { return u.Kind == "DRAM" && u.BusyNS == 73.5 }) {
		t.Errorf("resources %v, counts %v: want the DRAM channel busy 73.5 ns", r.Resources, r.ResourceCounts)
	}
	// The same 64 words as u8 codes move 512 bits: 53.5 + 5 ns, 10240 pJ.
	_, r8 := runDRAM(t, `.source 0 layer="spill" node="S" value="v"
    li r1, 100        # @0
    li r2, 64         # @0
    dstore r1, r0, r2, u8 # @0
    halt
`)
	if p := r8.PerInference; p.DRAMNS != 58.5 || p.DRAMBits != 512 || p.Energy.DRAM != 512*20 {
		t.Errorf("u8: DRAM busy %v ns for %v bits, %v pJ; want 58.5 ns, 512 bits, 10240 pJ", p.DRAMNS, p.DRAMBits, p.Energy.DRAM)
	}
	// Two streams on two controllers each load 64 words at once: the
	// channel serialises them.
	_, r2 := runDRAM(t, `.stream 0 entry=a
.stream 1 entry=b
.source 0 layer="spill" node="S" value="v"
a:
    li r1, 100        # @0
    li r2, 64         # @0
    dload r0, r1, r2, i32  # @0
    halt
b:
    li r1, 100        # @0
    li r2, 64         # @0
    li r3, 128        # @0
    dload r3, r1, r2, i32  # @0
    halt
`)
	if p := r2.PerInference; p.DRAMNS != 2*73.5 || p.LatencyNS < 2*73.5 {
		t.Errorf("two transfers at once: latency %v ns, DRAM busy %v ns; want the channel busy 147 ns and the run at least that", p.LatencyNS, p.DRAMNS)
	}
}

// TestDRAMReset: the DRAM is zero at load, and Reset brings it back.
func TestDRAMReset(t *testing.T) {
	m, _ := runDRAM(t, `.output "y" addr=8 shape=1x2 type=i32 scale=1 zp=0
    li r1, 5
    st r1, [r0+0]
    li r2, 1
    li r3, 70000
    li r4, 8
    dload r4, r3, r2, i32   # y[0] = DRAM[70000]: 0 on a fresh machine
    dstore r3, r0, r2, i32  # DRAM[70000] = 5
    li r4, 9
    dload r4, r3, r2, i32   # y[1] = 5
    halt
`)
	for run := range 2 {
		y, err := m.ReadOutputRaw("y")
		if err != nil {
			t.Fatal(err)
		}
		if got := y.Int64s(); got[0] != 0 || got[1] != 5 {
			t.Fatalf("run %d: y = %v, want [0 5]", run, got)
		}
		m.Reset()
		if _, err := m.Run(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDRAMFaults(t *testing.T) {
	f := runFault(t, faultHeader+`
    li r1, 536870910
    li r2, 4
    dload r0, r1, r2, i32                   # @0
    halt
`, 0)
	wantFault(t, f, 2, "dload r0, r1, r2, i32", "DRAM address 536870910 (+4) outside 536870912 words")
	f = runFault(t, faultHeader+`
    li r1, -1
    dstore r0, r0, r1, i32                  # @0
    halt
`, 0)
	wantFault(t, f, 1, "dstore r0, r0, r1, i32", "negative length -1")
	f = runFault(t, faultHeader+`
    li r1, 1048575
    li r2, 2
    dstore r0, r1, r2, i32                  # @0
    halt
`, 0)
	wantFault(t, f, 2, "dstore r0, r1, r2, i32", "1048575")
}

// TestDRAMImage: the program's DRAM image (section dram) is in the DRAM at
// load, at its words, zero elsewhere; a dstore into it changes this
// machine's copy only, and Reset brings the image back (every run starts
// from it), also for a clone running beside it.
func TestDRAMImage(t *testing.T) {
	m, _ := runDRAM(t, `.output "y" addr=8 shape=1x4 type=i32 scale=1 zp=0
.dram img addr=65535 type=i8 len=3
.data -7 100 3
    li r1, 65535
    li r2, 4
    li r4, 8
    dload r4, r1, r2, i8    # y = DRAM[65535..65538] = -7 100 3 0: the image, a page boundary inside
    li r5, 99
    st r5, [r0+0]
    li r2, 1
    li r1, 65536
    dstore r1, r0, r2, i8   # DRAM[65536] = 99 (clamped to i8)
    halt
`)
	c := m.Clone()
	if _, err := c.Run(); err != nil {
		t.Fatal(err)
	}
	for run := range 2 {
		for i, mm := range []*Machine{m, c} {
			y, err := mm.ReadOutputRaw("y")
			if err != nil {
				t.Fatal(err)
			}
			if got := y.Int64s(); !slices.Equal(got, []int64{-7, 100, 3, 0}) {
				t.Fatalf("run %d, machine %d: y = %v, want the image [-7 100 3 0]", run, i, got)
			}
		}
		m.Reset()
		if _, err := m.Run(); err != nil {
			t.Fatal(err)
		}
	}
	if got := m.dram.data[1][0]; got != 99 {
		t.Errorf("DRAM[65536] after the dstore = %d, want 99", got)
	}
	if got := m.exe.dramImg[1][0]; got != 100 {
		t.Errorf("the shared image changed: %d, want 100", got)
	}
}
