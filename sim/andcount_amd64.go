package sim

import "unsafe"

//go:noescape
func andCountsPOPCNT(a, b *uint64, ops *gbOp, n int, cnt *int32)

func popcntCPUID() (ecx uint32)

// hasPOPCNT: CPUID leaf 1, ECX bit 23 (Intel SDM vol. 2A). The Go compiler
// checks it at every bits.OnesCount64 unless built for GOAMD64=v2 or
// later; the kernel checks it once. The kernel reads 16-byte gbOps.
var hasPOPCNT = popcntCPUID()&(1<<23) != 0 && unsafe.Sizeof(gbOp{}) == 16

// andCounts4 sets cnt[i] to the popcount of the AND of the 4-word rows at
// a[ops[i].oa:] and b[ops[i].ob:] (a gbmac run's member on a 256-column
// sub-array), with POPCNT in one assembly loop where the CPU has it:
// 15-20% of the LeNet-5 simulation on the generic amd64 build. The caller
// has checked rowsFit4(ops, len(a), len(b)).
func andCounts4(a, b []uint64, ops []gbOp, cnt []int32) {
	cnt = cnt[:len(ops)]
	if !hasPOPCNT || len(ops) == 0 {
		andCounts4Go(a, b, ops, cnt)
		return
	}
	andCountsPOPCNT(&a[0], &b[0], &ops[0], len(ops), &cnt[0])
}
