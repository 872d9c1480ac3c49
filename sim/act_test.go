package sim

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/target"
)

// TestVmulVlut: vmul multiplies lanes and saturates to int32; vlut reads
// each lane's CMEM word at base + code (negative codes below the base);
// both are v1.6; vlut charges one constant-memory read and one DPU op per
// lane, and its time is one buffer access per lane (a gather).
func TestVmulVlut(t *testing.T) {
	src := `
    setvl [r0+4]
    vldc v1, [r0+0]          # 3 -4 50000 -2
    vldc v2, [r0+4]          # 5 6 50000 -1
    vmul v3, v1, v2          # 15 -24 saturated 2
    vst v3, [r0+0], 1
    vldc v4, [r0+8]          # codes -2 0 1 -1
    vlut v5, v4, [r0+14]     # table at 12..16 for codes -2..2: entry code+14
    vst v5, [r0+4], 1
    halt
.const a addr=0 len=17
.data 3 -4 50000 -2 5 6 50000 -1 -2 0 1 -1 100 101 102 103 104
`
	p := asm(t, src)
	m, err := Load(p, target.Default())
	if err != nil {
		t.Fatal(err)
	}
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	wantWords(t, m, 0, 15, -24, 2147483647, 2, 100, 102, 103, 101)
	var lutPC int
	for pc, in := range p.Code {
		if in.Op.String() == "vlut" {
			lutPC = pc
		}
	}
	if !p.Code[lutPC].Op.SinceV16() {
		t.Error("vlut is not a v1.6 instruction")
	}
	dyn := st.Dyn[0] // unattributed source
	// vldc x3 read 12 words, vlut 4; DPU ops: vmul 4 + vlut 4.
	if dyn[target.OpBufferRead] != 16 || dyn[target.OpDPU] != 8 {
		t.Errorf("buffer reads %d, DPU lane ops %d; want 16 and 8", dyn[target.OpBufferRead], dyn[target.OpDPU])
	}
	// Alone, a lookup of 4 lanes takes 3 buffer accesses more than one of 1 lane.
	lat := func(vl string) int64 {
		m, err := Load(asm(t, "    setvl [r0+"+vl+"]\n    vlut v5, v4, [r0+14]\n    halt\n.const a addr=0 len=17\n.data 3 -4 50000 -2 5 6 50000 -1 -2 0 1 -1 100 101 102 103 104\n"), target.Default())
		if err != nil {
			t.Fatal(err)
		}
		st, err := m.Run()
		if err != nil {
			t.Fatal(err)
		}
		return st.LatencyPS
	}
	if d, want := lat("4")-lat("1"), 3*int64(target.Default().Cost(target.OpBufferRead).LatencyNS*1000); d != want {
		t.Errorf("4 lanes take %d ps more than 1, want %d (one buffer access per lane)", d, want)
	}

	// A code whose entry is outside CMEM faults, naming the instruction.
	bad := strings.Replace(src, "vlut v5, v4, [r0+14]", "vlut v5, v4, [r0+65535]", 1)
	m, err = Load(asm(t, bad), target.Default())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(); err == nil || !strings.Contains(err.Error(), "vlut: lane 2: table address 65536") {
		t.Errorf("out-of-range lookup: %v", err)
	}
}
