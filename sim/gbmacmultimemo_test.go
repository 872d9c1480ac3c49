package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// multiMemoProgram is a loop over an interleaved two-group product run
// whose groups enter it in different states from one iteration to the
// next: the first iteration on idle sub-arrays, the later ones after the
// previous iteration's run and accumulator reads, and after a prefix of
// single-group gbmacs on one group before iteration skipUntil and on the
// other from it on (the same issue clock, the groups' timers swapped).
func multiMemoProgram(r *rand.Rand, tgt *target.Target) *isa.Program {
	a := tgt.Arch()
	b := isa.NewBuilder(tgt.Name, tgt.Fingerprint())
	b.SetSource(isa.Source{Layer: "memo"})
	b.AddPort(isa.Port{Name: "x", Dir: isa.PortIn, Addr: 0, Shape: []uint32{uint32(a.Cols)}, Type: isa.MakeIntType(8, true), Scale: 1})
	b.AddPort(isa.Port{Name: "y", Dir: isa.PortOut, Addr: 8192, Shape: []uint32{uint32(2 * a.DPULanes)}, Type: isa.MakeIntType(32, true), Scale: 1})
	n := 1 + r.IntN(4)
	ni, nj := 1+r.IntN(4), 1+r.IntN(4)
	const w0 = 32
	for s := range 2 * n {
		for j := range nj {
			bits := make([]byte, a.Cols/8)
			for i := range bits {
				bits[i] = byte(r.Uint32())
			}
			b.AddWeightRow(uint32(4+s), uint32(w0+j), bits)
		}
	}
	b.Emit(isa.OpLi, 1, 4)
	b.Emit(isa.OpLi, 5, int64(4+n))
	b.Emit(isa.OpLi, 2, 0)
	b.Emit(isa.OpLi, 7, 0)                  // iteration
	b.Emit(isa.OpLi, 8, int64(3+r.IntN(4))) // iterations left
	b.Emit(isa.OpLi, 9, int64(1+r.IntN(3))) // skipUntil
	b.Emit(isa.OpPzero, 0)
	b.Emit(isa.OpPld, 0, 0, 0, 0, int64(a.Cols))
	for i := range ni {
		b.Emit(isa.OpGwrp, 1, int64(2*n), 0, int64(i), 0, int64(i))
	}
	var xRows, wRows []int
	for i := range ni {
		xRows = append(xRows, i)
	}
	for j := range nj {
		wRows = append(wRows, w0+j)
	}
	ops := productOps(r, xRows, wRows, r.IntN(2) == 0, r.IntN(2) == 0, r.IntN(3), 1)
	pre := []int64{1, 5}[r.IntN(2)]
	preLen := 1 + r.IntN(6)
	loop := 8 + ni // the instructions emitted so far: the loop's head
	emit := b.Emit
	emit(isa.OpAddi, 7, 7, 1)
	// before skipUntil the prefix on one group, from it on the other
	emit(isa.OpBlt, 7, 9, int64(loop+3+preLen))
	for k, base := range []int64{pre, 6 - pre} {
		for i := range preLen {
			o := ops[i%len(ops)]
			emit(isa.OpGbmac, base, int64(n), int64(o.ra), 2, int64(o.rb), 0, int64(o.shift), int64(-o.neg))
		}
		if k == 0 {
			emit(isa.OpJmp, int64(loop+3+2*preLen))
		}
	}
	for _, o := range ops {
		for _, base := range []int64{1, 5} {
			emit(isa.OpGbmac, base, int64(n), int64(o.ra), 2, int64(o.rb), 0, int64(o.shift), int64(-o.neg))
		}
	}
	for g, base := range []int64{1, 5} {
		emit(isa.OpGvacc, int64(g), 0, 0, base, int64(n), 1, 0, 1)
		emit(isa.OpVst, int64(g), 0, 8192+int64(g*a.DPULanes), 1)
	}
	emit(isa.OpDbnz, 8, int64(loop))
	emit(isa.OpHalt)
	p, err := b.Program()
	if err != nil {
		panic(err)
	}
	return p
}

// TestMultiTimingMemo: the interleaved runs' timing memo gives the
// outputs, statistics (every pc's count and controller time) and report
// of the unmemoised timing, on loops whose runs are entered in different
// states (idle, after the previous run, after a one-group prefix), on
// targets whose latencies are not multiples of the cycle, image after
// image on the same machines; the memo does hit and is re-keyed.
func TestMultiTimingMemo(t *testing.T) {
	defer func(mm bool) { multiMemo = mm }(multiMemo)
	var hits, rekeys int64
	progs := 0
	for ti, tgt := range staticTestTargets(t) {
		for seed := range 40 {
			r := rand.New(rand.NewPCG(uint64(seed), uint64(ti)+100))
			exe, err := Prepare(multiMemoProgram(r, tgt), tgt)
			if err != nil {
				t.Fatalf("target %s seed %d: %v", tgt.Name, seed, err)
			}
			progs++
			machines := [2]*Machine{exe.NewMachine(), exe.NewMachine()}
			for img := range 3 {
				x := randRaw(uint64(seed*3+img), *exe.Ports(isa.PortIn)[0])
				var out [2]string
				for k, m := range machines {
					multiMemo = k == 0
					m.Reset()
					if err := m.WriteInputRaw("x", x); err != nil {
						t.Fatal(err)
					}
					st, err := m.Run()
					out[k] = runOutcome(m, st, err)
					if err == nil {
						out[k] += fmt.Sprintf("\n%+v", m.Report(st))
					}
				}
				if out[0] != out[1] {
					t.Fatalf("target %s seed %d image %d: the memoised timing gives\n%s\nthe unmemoised one\n%s", tgt.Name, seed, img, out[0], out[1])
				}
			}
			for _, d := range machines[0].gbMulti {
				if d != nil {
					hits += d.timing.hits
					rekeys += d.timing.rekeys
				}
			}
			for _, d := range machines[1].gbMulti {
				if d != nil && (d.timing.valid || d.timing.hits > 0) {
					t.Fatalf("target %s seed %d: the memo was used while off", tgt.Name, seed)
				}
			}
		}
	}
	t.Logf("%d programs, %d memo hits, %d re-keyed entries", progs, hits, rekeys)
	if hits < 100 || rekeys < 50 {
		t.Fatalf("the memo hit %d times and was re-keyed %d times: the programs do not exercise it", hits, rekeys)
	}
}
