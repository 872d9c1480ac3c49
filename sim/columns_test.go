package sim

import (
	"testing"

	"github.com/pimc-dev/pimc/target"
)

// TestDrivenColumns checks the driven-column rules of columns.go on a
// hand-written program (sub-array 0, pext = highest column pld loaded):
//
//	wrp row 0 from a 200-column patch, row 0 not yet written: 256 driven
//	wrp row 0 from a 16-column patch: max(16, 200) = 200 driven
//	wrp row 0 again: max(16, 16) = 16 driven
//	wrp row 1 from the same patch: not yet written, 256 driven
//	and row 0, row 1: min(16, 16) = 16 sensed; or: max = 16
//	rdrow row 1: 16 sensed; and row 0 with weight row 5 (256): 16
//	gwrp row 2 of sub-arrays 0..2 (16-column patch, rows not written): 3 x
//	256 driven, the broadcast to the 2 others every column
//
// Undriven: writes (0 + 56 + 240 + 0) + 3 x 0 = 296, senses 240 x 3
// (and, or, and) = 720, read 240, broadcast 0. With ops.column_gating 0 the
// same counts are kept but every row is charged whole.
func TestDrivenColumns(t *testing.T) {
	src := `
.weights sa=0 row=5 src=-1 hex=ff00000000000000000000000000000000000000000000000000000000000000
    pzero p0
    pld p0, 0, [r0+0], 200
    wrp [r0+0], [r0+0], p0, 0
    pzero p0
    pld p0, 0, [r0+0], 16
    wrp [r0+0], [r0+0], p0, 0
    wrp [r0+0], [r0+0], p0, 0
    wrp [r0+0], [r0+1], p0, 0
    and [r0+0], 0, [r0+1]
    or [r0+0], 0, [r0+1]
    rdrow [r0+0], [r0+1]
    and [r0+0], 0, [r0+5]
    gwrp [r0], 3, [r0+2], p0, 0
    halt
`
	for _, gating := range []bool{true, false} {
		tgt := target.Default()
		if !gating {
			var err error
			tgt, err = target.Parse("off.yaml", []byte("base: sot-mram-45nm\nname: off\nops:\n  column_gating: {value: 0, provenance: test}\n"))
			if err != nil {
				t.Fatal(err)
			}
		}
		p := asm(t, src)
		p.TargetName, p.TargetFingerprint = tgt.Name, tgt.Fingerprint()
		m, err := Load(p, tgt)
		if err != nil {
			t.Fatal(err)
		}
		st, err := m.Run()
		if err != nil {
			t.Fatal(err)
		}
		var u [numUnd]int64
		for _, s := range st.Undriven {
			for k := range u {
				u[k] += s[k]
			}
		}
		if u != [numUnd]int64{undSense: 720, undRead: 240, undWrite: 296, undBroadcast: 0} {
			t.Fatalf("undriven columns %v, want sense 720, read 240, write 296, broadcast 0", u)
		}
		e := m.Report(st).PerInference.Energy
		// 7 row writes of 256 columns x 150 fJ less 296 undriven; 3 senses
		// x 256 x 8 fJ less 720 and a read of 256 x 5 fJ less 240.
		wantW, wantS := (7*256-296)*0.15, (3*256-720)*0.008+(256-240)*0.005
		if !gating {
			wantW, wantS = 7*256*0.15, 3*256*0.008+256*0.005
		}
		checkNear(t, "write", e.Write, wantW)
		checkNear(t, "sense", e.Sense, wantS)
	}
}
