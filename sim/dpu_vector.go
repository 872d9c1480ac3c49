package sim

import "github.com/pimc-dev/pimc/isa"

// The DPU's lane arithmetic, shared by the interpreter (exec.go) and the
// lockstep replay (replay.go) so that the two can never compute a vector
// instruction differently. Timing and statistics stay with the callers.

// vectorRQ is vrq: each lane (a + b, saturated to 32 bits) times m, shifted
// right by shift with the rounding mode, clamped to the type's range.
func vectorRQ(dst, va, vb, vm []int32, shift uint, mode isa.RoundMode, t isa.IntType) {
	lo, hi := t.Range()
	for i := range dst {
		p := int64(sat32(int64(va[i])+int64(vb[i]))) * int64(vm[i])
		dst[i] = int32(min(max(isa.RoundShift(p, shift, mode), lo), hi))
	}
}

// vectorBinary is vadd, vsub, vmul (saturating to 32 bits), vmax and vmin.
func vectorBinary(op isa.Opcode, dst, va, vb []int32) {
	switch op {
	case isa.OpVadd:
		for i := range dst {
			dst[i] = sat32(int64(va[i]) + int64(vb[i]))
		}
	case isa.OpVsub:
		for i := range dst {
			dst[i] = sat32(int64(va[i]) - int64(vb[i]))
		}
	case isa.OpVmax:
		for i := range dst {
			dst[i] = max(va[i], vb[i])
		}
	case isa.OpVmul:
		for i := range dst {
			dst[i] = sat32(int64(va[i]) * int64(vb[i]))
		}
	case isa.OpVmin:
		for i := range dst {
			dst[i] = min(va[i], vb[i])
		}
	default:
		panic("BUG: sim: vectorBinary of " + op.String())
	}
}

// vectorClip is vclip: each lane clamped to [lo, hi].
func vectorClip(dst, va []int32, lo, hi int32) {
	for i, w := range va {
		dst[i] = min(max(w, lo), hi)
	}
}
