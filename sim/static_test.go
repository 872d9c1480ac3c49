package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// staticTestTargets are the default target and one where the static bmac
// path takes its other branches: rows of 512 columns (not the unrolled
// 4-word case), a bit-counter slower than the sense (the count stage
// stalls), a shift-add slower still (the accumulate chain binds), a slow
// accumulator transfer and a clock period that divides no latency; and one with a 3 GHz clock (the sense takes several cycles, long
// stalls) and a slow accumulator transfer (vacc holds the shift-add unit).
func staticTestTargets(t *testing.T) []*target.Target {
	odd, err := target.Parse("odd", []byte(`name: odd
base: sot-mram-45nm
clock: {value: 700, unit: MHz, provenance: static path test}
geometry:
  cols: {value: 512, provenance: static path test}
  acc_per_subarray: {value: 2, provenance: static path test}
ops:
  bitcount: {latency: {value: 3.1, unit: ns, provenance: static path test}, energy: {value: 0.5, unit: pJ/op, provenance: static path test}}
  shift_add: {latency: {value: 2.9, unit: ns, provenance: static path test}, energy: {value: 0.1, unit: pJ/op, provenance: static path test}}
  acc_transfer: {latency: {value: 9.7, unit: ns, provenance: static path test}, energy: {value: 0.1, unit: pJ/op, provenance: static path test}}
`))
	if err != nil {
		t.Fatal(err)
	}
	fast, err := target.Parse("fast", []byte(`name: fast
base: sot-mram-45nm
clock: {value: 3, unit: GHz, provenance: static path test}
ops:
  acc_transfer: {latency: {value: 4.1, unit: ns, provenance: static path test}, energy: {value: 0.1, unit: pJ/op, provenance: static path test}}
`))
	if err != nil {
		t.Fatal(err)
	}
	return []*target.Target{target.Default(), odd, fast}
}

// staticTestProgram is a random loop mixing runs of static bmacs over four
// sub-arrays with what changes the state they depend on: wrp (defines input
// rows and occupies the array), and/popc/shadd/rdrow (the same units),
// register-based bmacs, vacc draining the accumulators, scalar and buffer
// instructions (issue stalls). Input rows 0..3 are written inside the loop,
// and only sometimes before it too (otherwise at the end of the body,
// register-addressed), so some programs read an undefined row on the first
// iteration. Outputs: the accumulators drained into v0 lanes.
func staticTestProgram(r *rand.Rand, tgt *target.Target) *isa.Program {
	a := tgt.Arch()
	p := &isa.Program{TargetName: tgt.Name, TargetFingerprint: a.Fingerprint}
	for s := range 4 {
		for row := 8; row < 16; row++ {
			bits := make([]byte, a.Cols/8)
			for i := range bits {
				bits[i] = byte(r.Uint32())
			}
			p.Weights = append(p.Weights, isa.WeightRow{Subarray: uint32(s), Row: uint32(row), Bits: bits, Src: -1})
		}
	}
	p.Ports = []isa.Port{
		{Name: "x", Dir: isa.PortIn, Addr: 0, Shape: []uint32{1, 64}, Type: isa.MakeIntType(8, true), Scale: 1},
		{Name: "y", Dir: isa.PortOut, Addr: 100, Shape: []uint32{1, 8}, Type: isa.MakeIntType(32, true), Scale: 1},
	}
	emit := func(op isa.Opcode, args ...int64) { p.Code = append(p.Code, isa.NewInstr(op, args...)) }
	acc := func() int64 { return r.Int64N(int64(a.AccPerSubarray)) }
	row := func() int64 {
		if r.IntN(3) == 0 {
			return r.Int64N(4)
		}
		return 8 + r.Int64N(8)
	}
	emit(isa.OpSetvl, 0, 8)
	emit(isa.OpVbcast, 0, 0)
	emit(isa.OpPld, 0, 0, 0, 0, 64)
	preWrite := r.IntN(3) != 0
	if preWrite {
		for s := range 4 {
			for row := range 4 {
				emit(isa.OpWrp, 0, int64(s), 0, int64(row), 0, int64(row))
			}
		}
	}
	emit(isa.OpLi, 1, 2+r.Int64N(4))
	emit(isa.OpLi, 2, 0)
	top := int64(len(p.Code))
	for range 4 + r.IntN(12) {
		switch k := r.IntN(10); {
		case k < 4: // a run of static bmacs, on one sub-array or several
			one := r.Int64N(4)
			multi := r.IntN(2) == 0
			for range 1 + r.IntN(24) {
				s := one
				if multi {
					s = r.Int64N(4)
				}
				emit(isa.OpBmac, 0, s, row(), 0, row(), acc(), r.Int64N(8), r.Int64N(2))
			}
			// What the run leaves in its last sub-array's latch and bit
			// count: read it back into an accumulator.
			last := p.Code[len(p.Code)-1].Args[1]
			switch r.IntN(3) {
			case 0:
				emit(isa.OpShadd, 0, last, acc(), r.Int64N(4), r.Int64N(2))
			case 1:
				emit(isa.OpPopc, 0, last)
				emit(isa.OpShadd, 0, last, acc(), r.Int64N(4), r.Int64N(2))
			}
		case k == 4:
			emit(isa.OpWrp, 0, r.Int64N(4), 0, r.Int64N(4), 0, r.Int64N(8))
		case k == 5:
			s := r.Int64N(4)
			emit(isa.OpAnd, 0, s, row(), 0, row())
			emit(isa.OpPopc, 0, s)
			emit(isa.OpShadd, 0, s, acc(), r.Int64N(4), r.Int64N(2))
		case k == 6:
			s := r.Int64N(4)
			emit(isa.OpRdrow, 0, s, 0, 8+r.Int64N(8))
			emit(isa.OpPopc, 0, s)
		case k == 7: // register-based bmacs (r2 just loaded: a ready time)
			// r2 addresses the sub-array, r6 the rows: zero, or an input
			// value (often out of range, or an undefined row).
			for _, reg := range []int64{2, 6} {
				if r.IntN(4) == 0 {
					emit(isa.OpLd, reg, 0, r.Int64N(64))
				} else {
					emit(isa.OpLd, reg, 0, 200)
				}
			}
			// Half the runs address the sub-array by immediate ([r0+s]), as
			// compiled filter loops do: the row-register path (bmacrow.go).
			saReg := int64(2)
			if r.IntN(2) == 0 {
				saReg = 0
			}
			for range 1 + r.IntN(6) {
				emit(isa.OpBmac, saReg, r.Int64N(4), row(), 6, 8+r.Int64N(8), acc(), r.Int64N(8), r.Int64N(2))
			}
		case k == 8:
			// Some iterations only: the units' state at the next run
			// differs from one iteration to the next.
			if r.IntN(2) == 0 {
				emit(isa.OpLi, 5, 1+r.Int64N(3))
				emit(isa.OpBlt, 1, 5, int64(len(p.Code)+2))
			}
			switch s := r.Int64N(4); r.IntN(3) {
			case 0:
				emit(isa.OpVacc, 0, 0, r.Int64N(8), 0, s, acc(), r.Int64N(2))
			case 1:
				emit(isa.OpPopc, 0, s)
			default:
				emit(isa.OpShadd, 0, s, acc(), r.Int64N(4), r.Int64N(2))
			}
		default:
			for range 1 + r.IntN(3) {
				emit(isa.OpAddi, 3, 3, 1)
			}
		}
	}
	if !preWrite {
		// Register-addressed writes of the input rows at the end of the
		// body: legal for Validate (they may write any row, and the loop
		// branches back), undefined reads at run time in the first pass.
		for s := range 4 {
			for row := range 4 {
				emit(isa.OpWrp, 4, int64(s), 4, int64(row), 0, int64(row))
			}
		}
	}
	emit(isa.OpDbnz, 1, top)
	for s := range 4 {
		for ac := range a.AccPerSubarray {
			emit(isa.OpVacc, 0, 0, int64(2*s+ac), 0, int64(s), int64(ac), 1)
		}
	}
	emit(isa.OpVst, 0, 0, 100, 1)
	emit(isa.OpHalt)
	for i := range p.Code {
		p.Code[i].Src = -1
	}
	return p
}

// TestStaticRunsMatchReference runs random programs with the static and
// register-addressed bmac paths (Trace unset) and with the reference path (a Trace set makes every
// bmac go through bmacRun, the per-instruction implementation the static
// path replaces) and requires identical outputs, faults and run statistics
// (every pc's executions and controller time, operation counts, MACs,
// latency), image after image on the same machines (the timing memo is warm
// from the second image on) and with budgets that end a run midway.
func TestStaticRunsMatchReference(t *testing.T) {
	programs, faults, cut := 0, 0, 0
	for ti, tgt := range staticTestTargets(t) {
		for seed := range 150 {
			r := rand.New(rand.NewPCG(uint64(seed), uint64(ti)))
			p := staticTestProgram(r, tgt)
			exe, err := Prepare(p, tgt)
			if err != nil {
				continue // Validate: a row read that nothing may write
			}
			programs++
			fast, ref := exe.NewMachine(), exe.NewMachine()
			ref.Trace = io.Discard
			budget := int64(0)
			if seed%5 == 0 {
				budget = 20 + r.Int64N(200)
				fast.MaxSteps, ref.MaxSteps = budget, budget
			}
			for img := range 3 {
				x := make([]int64, 64)
				for i := range x {
					x[i] = r.Int64N(256) - 128
				}
				var got [2]string
				for i, m := range []*Machine{fast, ref} {
					m.Reset()
					if err := m.WriteInputRaw("x", x); err != nil {
						t.Fatal(err)
					}
					st, err := m.Run()
					js, _ := json.Marshal(st)
					y, _ := m.ReadOutputRaw("y")
					got[i] = fmt.Sprintf("err=%v\ny=%v\nstats=%s", err, y.I64, js)
					if i == 0 && err != nil {
						if f, _ := AsFault(err); f != nil && f.Step == budget {
							cut++
						} else {
							faults++
						}
					}
				}
				if got[0] != got[1] {
					t.Fatalf("target %s seed %d image %d: static path differs from the reference\nstatic:    %s\nreference: %s", tgt.Name, seed, img, got[0], got[1])
				}
			}
		}
	}
	t.Logf("%d programs, %d faulting and %d budget-cut images", programs, faults, cut)
	if programs < 100 || faults == 0 || cut == 0 {
		t.Fatalf("generator too narrow: %d programs, %d faults, %d budget cuts", programs, faults, cut)
	}
}

// TestStaticRunTimingMemo checks the memoised timing of a static run whose
// entry state alternates between loop iterations: in the first two of four
// iterations one instruction occupies one unit of the run's sub-array just
// before the run (vacc: the shift-add, popc: the bit-counter, wrp: the
// array; repeated until the unit is busy past the run's first use), so the
// run stalls on that unit in some entries and not in others.
// Each unit's timer must be part of the memo key (the odd target makes every
// stage able to bind); the reference is the per-instruction path.
func TestStaticRunTimingMemo(t *testing.T) {
	tgt := staticTestTargets(t)[1]
	a := tgt.Arch()
	for _, busy := range [][]isa.Instr{
		{isa.NewInstr(isa.OpVacc, 0, 0, 0, 0, 0, 0, 0)},
		{isa.NewInstr(isa.OpPopc, 0, 0), isa.NewInstr(isa.OpPopc, 0, 0), isa.NewInstr(isa.OpPopc, 0, 0)},
		{isa.NewInstr(isa.OpWrp, 0, 0, 0, 12, 0, 0), isa.NewInstr(isa.OpWrp, 0, 0, 0, 13, 0, 0)},
	} {
		t.Run(busy[0].Op.String(), func(t *testing.T) {
			p := &isa.Program{TargetName: tgt.Name, TargetFingerprint: a.Fingerprint}
			for row := 8; row < 10; row++ {
				bits := make([]byte, a.Cols/8)
				for i := range bits {
					bits[i] = byte(0x5a ^ i ^ row)
				}
				p.Weights = append(p.Weights, isa.WeightRow{Subarray: 0, Row: uint32(row), Bits: bits, Src: -1})
			}
			emit := func(op isa.Opcode, args ...int64) { p.Code = append(p.Code, isa.NewInstr(op, args...)) }
			emit(isa.OpSetvl, 0, 8)
			emit(isa.OpLi, 1, 4)
			emit(isa.OpLi, 5, 3)
			top := int64(len(p.Code))
			emit(isa.OpBlt, 1, 5, int64(len(p.Code)+1+len(busy)))
			p.Code = append(p.Code, busy...)
			for i := range 6 {
				emit(isa.OpBmac, 0, 0, 8+int64(i%2), 0, 9, 0, int64(i), 0)
			}
			for range 6 {
				emit(isa.OpNop)
			}
			emit(isa.OpDbnz, 1, top)
			emit(isa.OpHalt)
			for i := range p.Code {
				p.Code[i].Src = -1
			}
			exe, err := Prepare(p, tgt)
			if err != nil {
				t.Fatal(err)
			}
			var got [2]string
			for i := range 2 {
				m := exe.NewMachine()
				if i == 1 {
					m.Trace = io.Discard
				}
				for range 2 { // the second run starts with a warm memo
					m.Reset()
					st, err := m.Run()
					if err != nil {
						t.Fatal(err)
					}
					js, _ := json.Marshal(st)
					got[i] += string(js) + "\n"
				}
			}
			if got[0] != got[1] {
				t.Fatalf("static path:\n%s\nreference:\n%s", got[0], got[1])
			}
		})
	}
}

// compareWithReference runs p twice on a machine with the fast bmac paths
// and on one with the per-instruction path (Trace set), and requires equal
// run statistics and outputs.
func compareWithReference(t *testing.T, p *isa.Program, tgt *target.Target) {
	t.Helper()
	for i := range p.Code {
		p.Code[i].Src = -1
	}
	exe, err := Prepare(p, tgt)
	if err != nil {
		t.Fatal(err)
	}
	var got [2]string
	for i := range 2 {
		m := exe.NewMachine()
		if i == 1 {
			m.Trace = io.Discard
		}
		for range 2 { // the second run starts with a warm memo
			m.Reset()
			st, err := m.Run()
			if err != nil {
				t.Fatal(err)
			}
			js, _ := json.Marshal(st)
			got[i] += string(js) + "\n"
			for _, port := range exe.Ports(isa.PortOut) {
				y, _ := m.ReadOutputRaw(port.Name)
				got[i] += fmt.Sprint(y.I64) + "\n"
			}
		}
	}
	if got[0] != got[1] {
		t.Fatalf("fast path:\n%s\nreference:\n%s", got[0], got[1])
	}
}

// TestRegRunTimingMemo checks the memo of register-addressed runs when what
// it depends on changes between loop iterations: the sub-arrays the
// registers select (r1 walks sub-arrays 4, 3, 2, 1, each idle at entry; a
// bmac right after the loop waits for the last one), and whether the row register's
// ready time binds (loaded from the buffer just before the run in some
// iterations only; the 3 GHz target makes a buffer read outlast a cycle).
func TestRegRunTimingMemo(t *testing.T) {
	tgt := staticTestTargets(t)[2]
	a := tgt.Arch()
	build := func(body func(emit func(op isa.Opcode, args ...int64), here func() int64)) *isa.Program {
		p := &isa.Program{TargetName: tgt.Name, TargetFingerprint: a.Fingerprint}
		for s := range 5 {
			for row := 8; row < 10; row++ {
				bits := make([]byte, a.Cols/8)
				for i := range bits {
					bits[i] = byte(0x3c ^ i ^ row ^ s)
				}
				p.Weights = append(p.Weights, isa.WeightRow{Subarray: uint32(s), Row: uint32(row), Bits: bits, Src: -1})
			}
		}
		p.Ports = []isa.Port{{Name: "y", Dir: isa.PortOut, Addr: 100, Shape: []uint32{1, 8}, Type: isa.MakeIntType(32, true), Scale: 1}}
		emit := func(op isa.Opcode, args ...int64) { p.Code = append(p.Code, isa.NewInstr(op, args...)) }
		body(emit, func() int64 { return int64(len(p.Code)) })
		emit(isa.OpVst, 0, 0, 100, 1)
		emit(isa.OpHalt)
		return p
	}
	t.Run("subarrays", func(t *testing.T) {
		compareWithReference(t, build(func(emit func(op isa.Opcode, args ...int64), here func() int64) {
			emit(isa.OpSetvl, 0, 8)
			emit(isa.OpLi, 1, 4)
			top := here()
			for range 30 { // the previous sub-array is idle again
				emit(isa.OpNop)
			}
			for i := range 6 {
				emit(isa.OpBmac, 1, 0, 8+int64(i%2), 0, 9, 0, int64(i), 0) // sub-array r1
			}
			emit(isa.OpDbnz, 1, top)
			emit(isa.OpBmac, 0, 1, 8, 0, 9, 0, 0, 0) // right after the last run (sub-array 1)
			for s := range 5 {
				emit(isa.OpVacc, 0, 0, int64(s), 0, int64(s), 0, 1)
			}
		}), tgt)
	})
	t.Run("ready", func(t *testing.T) {
		compareWithReference(t, build(func(emit func(op isa.Opcode, args ...int64), here func() int64) {
			emit(isa.OpSetvl, 0, 8)
			emit(isa.OpLi, 1, 4)
			emit(isa.OpLi, 5, 3)
			top := here()
			emit(isa.OpBlt, 1, 5, here()+2)
			emit(isa.OpLd, 6, 0, 200) // r6 = 0, late
			for i := range 6 {
				emit(isa.OpBmac, 0, 0, 8+int64(i%2), 6, 9, 0, int64(i), 0)
			}
			for range 30 { // the sub-array is idle again: only the register differs

				emit(isa.OpNop)
			}
			emit(isa.OpDbnz, 1, top)
			emit(isa.OpVacc, 0, 0, 0, 0, 0, 0, 1)
		}), tgt)
	})
}
