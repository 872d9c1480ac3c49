package sim

// gbmacRegs returns the distinct registers the k gbmacs at pc read for
// their timing (the base register arg[0] and the row register arg[3] of
// each), in order of first use. A run's timing memo holds only while all
// of them are ready by the run's first dispatch; compiled runs read one or
// two registers, so testing the distinct ones replaces a load of every
// instruction's operands on each memo hit.
func gbmacRegs(code []inst, pc, k int, dst []int32) []int32 {
	dst = dst[:0]
	var seen uint64 // bit r: register r listed
	add := func(r int32) {
		if r < 0 || r >= 64 { // not a register number (Validate refuses it); listed each time
			dst = append(dst, r)
			return
		}
		if b := uint64(1) << uint(r); seen&b == 0 {
			seen |= b
			dst = append(dst, r)
		}
	}
	for i := pc; i < pc+k; i++ {
		add(code[i].arg[0])
		add(code[i].arg[3])
	}
	return dst
}

// regsReady reports whether every register in regs is ready by t.
func regsReady(regReady []int64, regs []int32, t int64) bool {
	for _, r := range regs {
		if regReady[r] > t {
			return false
		}
	}
	return true
}
