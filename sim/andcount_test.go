package sim

import (
	"math/rand/v2"
	"testing"
)

// TestAndCounts4: the popcounts of andCounts4 (the POPCNT kernel on amd64)
// equal the Go reference's on random rows and operands, at every offset
// up to the rows' ends, and a run of one or none.
func TestAndCounts4(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	a, b := make([]uint64, 256*4), make([]uint64, 300*4)
	for i := range a {
		a[i] = r.Uint64()
	}
	for i := range b {
		b[i] = r.Uint64() & r.Uint64()
	}
	for _, n := range []int{0, 1, 2, 7, 64, 200} {
		ops := make([]gbOp, n)
		for i := range ops {
			ops[i] = gbOp{oa: int32(r.IntN(len(a) - 3)), ob: int32(r.IntN(len(b) - 3))}
		}
		if n > 1 {
			ops[0].oa, ops[1].ob = int32(len(a)-4), int32(len(b)-4)
		}
		if !rowsFit4(ops, len(a), len(b)) {
			t.Fatalf("n %d: operands outside the rows", n)
		}
		got, want := make([]int32, n), make([]int32, n)
		andCounts4(a, b, ops, got)
		andCounts4Go(a, b, ops, want)
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("n %d, op %d (%+v): %d, want %d", n, i, ops[i], got[i], want[i])
			}
		}
	}
}
