package sim

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// fuzzProgram builds a program from fuzz bytes: every 9 bytes are one
// instruction (an opcode chosen among the defined ones, then operand values
// reduced into their fields and, for sub-arrays, rows and lanes, mostly into
// the target's ranges so the run gets past Validate and exercises the
// machine). A halt ends the code; a few weight rows make bmacs legal.
func fuzzProgram(data []byte, tgt *target.Target) *isa.Program {
	a := tgt.Arch()
	p := &isa.Program{TargetName: tgt.Name, TargetFingerprint: a.Fingerprint}
	for s := range 2 {
		for row := range 4 {
			bits := make([]byte, a.Cols/8)
			for i := range bits {
				bits[i] = byte(i*7 + row + s)
			}
			p.Weights = append(p.Weights, isa.WeightRow{Subarray: uint32(s), Row: uint32(row), Bits: bits, Src: -1})
		}
	}
	// The opcodes up to v1.5 are picked by the first byte as before (the
	// corpus's programs stay what they were); the unused last byte makes
	// one instruction in 32 a DRAM transfer (v1.6) on a target with DRAM,
	// and one more in 32 a gdot (v1.7) on a target with the sequencer.
	var ops []isa.Opcode
	for _, op := range isa.Opcodes() {
		if !op.SinceV16() && !op.SinceV17() {
			ops = append(ops, op)
		}
	}
	orig := data
	for len(data) >= 9 && len(p.Code) < 64 {
		b := data[:9]
		data = data[9:]
		op := ops[int(b[0])%len(ops)]
		if b[8]%32 == 0 && a.DRAMWords > 0 {
			op = []isa.Opcode{isa.OpDload, isa.OpDstore}[b[8]/32%2]
		}
		if b[8]%32 == 1 && a.PlaneSequencer {
			op = isa.OpGdot
		}
		info := op.Info()
		args := make([]int64, len(info.Fields))
		r := rand.New(rand.NewPCG(uint64(b[1])|uint64(b[2])<<8|uint64(b[3])<<16, uint64(b[4])|uint64(b[5])<<8|uint64(b[6])<<16|uint64(b[7])<<24))
		for i, f := range info.Fields {
			var v int64
			switch f.Kind {
			case isa.FReg, isa.FBase, isa.FAddr:
				v = r.Int64N(10) // few registers: more data flow
			case isa.FVReg:
				v = r.Int64N(8)
			case isa.FPReg:
				v = r.Int64N(4)
			case isa.FAcc:
				v = r.Int64N(int64(a.AccPerSubarray))
			case isa.FMode:
				v = r.Int64N(4)
			case isa.FType:
				v = int64(isa.MakeIntType(1+r.IntN(31), false))
				if r.IntN(2) == 0 {
					v = int64(isa.MakeIntType(2+r.IntN(31), true))
				}
			case isa.FSign:
				v = r.Int64N(2)
			case isa.FPlanes:
				pl := isa.Planes{M: 1 + r.IntN(2), N: 1 + r.IntN(2), XSigned: r.IntN(2) == 0} // the 4 rows of the weight image
				if r.IntN(4) == 0 {
					pl.M, pl.PlusMinus = 1, true
				}
				v = pl.Pack()
			case isa.FTarget:
				v = r.Int64N(int64(len(p.Code) + 1))
			case isa.FUImm:
				v = r.Int64N(int64(1) << f.Width)
				if r.IntN(4) != 0 {
					v = r.Int64N(min(int64(1)<<f.Width, 8))
				}
			case isa.FSImm:
				v = r.Int64N(int64(1)<<f.Width) - int64(1)<<(f.Width-1)
				if r.IntN(4) != 0 {
					v = r.Int64N(16) - 4
				}
			}
			args[i] = v
		}
		if op.IsGroup() { // a group of at least one sub-array
			n := map[isa.Opcode]int{isa.OpGwrp: 1, isa.OpGbmac: 1, isa.OpGvacc: 4, isa.OpGdot: 1}[op]
			args[n] = max(args[n], 1)
		}
		if op == isa.OpVclip && args[2] > args[3] {
			args[2], args[3] = args[3], args[2]
		}
		in := isa.NewInstr(op, args...)
		if _, err := in.Encode(); err != nil {
			continue
		}
		p.Code = append(p.Code, in)
	}
	p.Code = append(p.Code, isa.NewInstr(isa.OpHalt))
	// Streams (v1.5): for some inputs, one to three more streams at pcs
	// the fuzz bytes pick, so the scheduler meets shared code, tokens and
	// faults in any stream.
	if n := len(orig) % 4; n > 0 && a.Controllers > n && len(orig) > 0 {
		p.Streams = []uint32{0}
		for i := range n {
			p.Streams = append(p.Streams, uint32(int(orig[i%len(orig)])%len(p.Code)))
		}
	}
	return p
}

// FuzzSim runs random programs that pass Validate for a bounded number of
// steps: the simulator must never panic, whatever faults the program hits,
// and a machine that faulted must run again after Reset.
func FuzzSim(f *testing.F) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 16 {
		b := make([]byte, 9*32)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		f.Add(b)
	}
	tgt := seqTarget(f, 0) // the default with the plane sequencer: every opcode is legal
	f.Fuzz(func(t *testing.T, data []byte) {
		p := fuzzProgram(data, tgt)
		exe, err := Prepare(p, tgt)
		if err != nil {
			return // Validate rejected it: fine
		}
		m := exe.NewMachine()
		m.MaxSteps = 2000
		st, err := m.Run()
		if err == nil {
			exe.BuildReport([]*RunStats{st})
		} else if _, ok := AsFault(err); !ok {
			t.Fatalf("Run returned a non-fault error: %v", err)
		}
		m.Reset()
		m.Run()
	})
}

// TestFuzzCorpusRuns makes sure the fuzz generator produces programs that
// pass Validate and run, so FuzzSim exercises the machine and not only the
// loader.
func TestFuzzCorpusRuns(t *testing.T) {
	for _, tgt := range []*target.Target{target.Default(), seqTarget(t, 0)} {
		r := rand.New(rand.NewPCG(7, 8))
		valid, halted, gdots := 0, 0, 0
		for range 200 {
			b := make([]byte, 9*24)
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			p := fuzzProgram(b, tgt)
			exe, err := Prepare(p, tgt)
			if err != nil {
				continue
			}
			valid++
			if slices.ContainsFunc(p.Code, func(in isa.Instr) bool { return in.Op == isa.OpGdot }) {
				gdots++
			}
			m := exe.NewMachine()
			m.MaxSteps = 2000
			if _, err := m.Run(); err == nil {
				halted++
			}
		}
		// On the plane sequencer's target (FuzzSim's), gdots make more
		// programs invalid; enough valid ones have them.
		if tgt.HasPlaneSequencer() && (gdots < 10 || valid < 30) || !tgt.HasPlaneSequencer() && (valid < 50 || halted < 3) {
			t.Fatalf("fuzz generator on %s: %d of 200 programs valid (%d with a gdot), %d halted", tgt.Name, valid, gdots, halted)
		}
		t.Logf("%s: %d of 200 valid (%d with a gdot), %d halted", tgt.Name, valid, gdots, halted)
	}
}
