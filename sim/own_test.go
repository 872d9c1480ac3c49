package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// TestOwnRestoresImageRows: a run that reads a weight-image row, then
// overwrites it with wrp and reads it again gives the same outputs on a
// fresh machine and on one reused after Reset (which keeps its private
// rows and restores only the written ones, own), per image and in lockstep.
func TestOwnRestoresImageRows(t *testing.T) {
	tgt := target.Default()
	a := tgt.Arch()
	r := rand.New(rand.NewPCG(1, 4))
	b := isa.NewBuilder(tgt.Name, tgt.Fingerprint())
	b.SetSource(isa.Source{Layer: "l"})
	b.AddPort(isa.Port{Name: "x", Dir: isa.PortIn, Addr: 0, Shape: []uint32{uint32(a.Cols)}, Type: isa.MakeIntType(8, true), Scale: 1})
	b.AddPort(isa.Port{Name: "y", Dir: isa.PortOut, Addr: 4096, Shape: []uint32{uint32(a.DPULanes)}, Type: isa.MakeIntType(32, true), Scale: 1})
	row := make([]byte, a.Cols/8)
	for i := range row {
		row[i] = byte(r.Uint32())
	}
	b.AddWeightRow(3, 8, row)
	b.Emit(isa.OpPzero, 0)
	b.Emit(isa.OpPld, 0, 0, 0, 0, int64(a.Cols))
	b.Emit(isa.OpWrp, 0, 3, 0, 0, 0, 0)        // row 0 = bit 0 of x
	b.Emit(isa.OpBmac, 0, 3, 0, 0, 8, 0, 0, 0) // acc = row 0 AND the image's row 8
	b.Emit(isa.OpVacc, 0, 0, 0, 0, 3, 0, 1)
	b.Emit(isa.OpWrp, 0, 3, 0, 8, 0, 1)        // row 8 = bit 1 of x
	b.Emit(isa.OpBmac, 0, 3, 0, 0, 8, 0, 0, 0) // acc = row 0 AND the new row 8
	b.Emit(isa.OpVacc, 0, 0, 1, 0, 3, 0, 1)
	b.Emit(isa.OpVst, 0, 0, 4096, 1)
	b.Emit(isa.OpHalt)
	p, err := b.Program()
	if err != nil {
		t.Fatal(err)
	}
	exe, err := Prepare(p, tgt)
	if err != nil {
		t.Fatal(err)
	}
	x := randRaw(9, *exe.Ports(isa.PortIn)[0])
	run := func(m *Machine) string {
		m.Reset()
		if err := m.WriteInputRaw("x", x); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Run(); err != nil {
			t.Fatal(err)
		}
		y, _ := m.ReadOutputRaw("y")
		return fmt.Sprint(y.I64[:2])
	}
	want := run(exe.NewMachine())
	m := exe.NewMachine()
	for i := range 3 {
		if got := run(m); got != want {
			t.Fatalf("run %d on a reused machine: y = %s, want %s (a fresh machine's)", i, got, want)
		}
	}
	ls, err := exe.NewLockstep(2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		for _, m := range ls.Lanes() {
			m.Reset()
			if err := m.WriteInputRaw("x", x); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := ls.Run(2); err != nil {
			t.Fatal(err)
		}
		for l, m := range ls.Lanes() {
			if y, _ := m.ReadOutputRaw("y"); fmt.Sprint(y.I64[:2]) != want {
				t.Fatalf("lockstep run %d, lane %d: y = %v, want %s", i, l, y.I64[:2], want)
			}
		}
	}
}
