package sim

import (
	"math/bits"
	"math/rand/v2"
	"testing"
)

// TestAndSums4: the sums of andSums4 (the AVX-512 kernel where the CPU has
// it) equal the Go reference's on random rows, operands, shifts and signs;
// and sumRun gives the op-by-op saturating result whenever it accepts a
// run, and accepts the runs that cannot saturate.
func TestAndSums4(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	a, b := make([]uint64, 256*4), make([]uint64, 300*4)
	for i := range a {
		a[i] = r.Uint64()
	}
	for i := range b {
		b[i] = r.Uint64() & r.Uint64()
	}
	t.Logf("AVX-512 kernel: %v", hasAndSums)
	accepted, refused := 0, 0
	for trial := range 400 {
		n := []int{0, 1, 2, 7, 16, 64, 200}[trial%7]
		ops := make([]gbOp, n)
		for i := range ops {
			ops[i] = gbOp{oa: int32(r.IntN(len(a) - 3)), ob: int32(r.IntN(len(b) - 3)), shift: uint8(r.IntN(16)), neg: -int8(r.IntN(2))}
		}
		if n > 1 {
			ops[0].oa, ops[1].ob = int32(len(a)-4), int32(len(b)-4)
		}
		p, q := andSums4(a, b, ops)
		wp, wq := andSums4Go(a, b, ops)
		if p != wp || q != wq {
			t.Fatalf("trial %d: sums %d, %d; want %d, %d", trial, p, q, wp, wq)
		}
		if n == 0 {
			continue
		}
		// The op-by-op loop with 24-bit saturation, from a random start.
		lo, hi := int64(-1<<23), int64(1<<23-1)
		acc0 := r.Int64N(hi-lo+1) + lo
		if trial%3 == 0 {
			acc0 /= 64
		}
		want, last := acc0, 0
		for _, o := range ops {
			last = 0
			for w := range 4 {
				last += bits.OnesCount64(a[int(o.oa)+w] & b[int(o.ob)+w])
			}
			neg := int64(o.neg)
			want = min(max(want+((int64(last)<<o.shift^neg)-neg), lo), hi)
		}
		got, gotLast, ok := sumRun(a, b, ops, acc0, lo, hi)
		if !ok {
			refused++
			if acc0+wp <= hi && acc0-wq >= lo {
				t.Fatalf("trial %d: a run that cannot saturate refused", trial)
			}
			continue
		}
		accepted++
		if got != want || gotLast != uint32(last) {
			t.Fatalf("trial %d: sumRun %d (last %d), want %d (last %d)", trial, got, gotLast, want, last)
		}
	}
	if accepted < 50 || refused < 50 {
		t.Fatalf("accepted %d, refused %d: generator too narrow", accepted, refused)
	}
}

// TestAndSumsLanes4: the four-lane kernel gives each lane the sums of
// andSums4Go on its own rows.
func TestAndSumsLanes4(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var a [4][]uint64
	for l := range a {
		a[l] = make([]uint64, 256*4)
		for i := range a[l] {
			a[l][i] = r.Uint64()
		}
	}
	b := make([]uint64, 256*4)
	for i := range b {
		b[i] = r.Uint64() & r.Uint64()
	}
	for _, n := range []int{0, 1, 3, 16, 64} {
		ops := make([]gbOp, n)
		for i := range ops {
			ops[i] = gbOp{oa: int32(r.IntN(len(a[0]) - 3)), ob: int32(r.IntN(len(b) - 3)), shift: uint8(r.IntN(16)), neg: -int8(r.IntN(2))}
		}
		var got [8]int64
		andSumsLanes4(&a, b, ops, &got)
		for l := range a {
			p, q := andSums4Go(a[l], b, ops)
			if got[l] != p || got[4+l] != q {
				t.Fatalf("n %d, lane %d: %d, %d; want %d, %d", n, l, got[l], got[4+l], p, q)
			}
		}
	}
}
