package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// lockstepCase is a program and its target for the lockstep tests.
type lockstepCase struct {
	name string
	prog *isa.Program
	tgt  *target.Target
}

// lockstepCases: the golden programs (testdata/isa, the compiled MNIST
// model, synthetic layers on several geometries), the group program of
// testdata/isa on one stream, the gdot program and random gdot programs,
// random programs of static and
// register-addressed bmacs (with faults and budget cuts) and random group
// programs.
func lockstepCases(t *testing.T) []lockstepCase {
	var cs []lockstepCase
	for _, c := range goldenCases(t) {
		cs = append(cs, lockstepCase{c.name, c.prog, c.tgt})
	}
	par, _, _ := isaProgram(t, "parallel.pasm")
	par.Streams = nil
	cs = append(cs, lockstepCase{"isa-parallel-one-stream", par, target.Default()})
	seq, _, _ := isaProgram(t, "seq.pasm")
	cs = append(cs, lockstepCase{"isa-seq", seq, seqTarget(t, 0)})
	for i := range 6 { // gdots (ISA v1.7), saturating on 10-bit accumulators
		tgt := seqTarget(t, []int{0, 10}[i%2])
		cs = append(cs, lockstepCase{fmt.Sprintf("gdot-%d", i), randGdotProgram(uint64(i), tgt, true), tgt})
	}
	for ti, tgt := range staticTestTargets(t) {
		for seed := range 12 {
			r := rand.New(rand.NewPCG(uint64(seed), uint64(ti)))
			cs = append(cs, lockstepCase{fmt.Sprintf("static-%s-%d", tgt.Name, seed), staticTestProgram(r, tgt), tgt})
		}
	}
	cs = append(cs, lockstepCase{"saturating", saturatingProgram(t), target.Default()})
	r := rand.New(rand.NewPCG(15, 39))
	for i := range 12 {
		p, _ := randGroupProgram(r, target.Default())
		cs = append(cs, lockstepCase{fmt.Sprintf("group-%d", i), p, target.Default()})
	}
	return cs
}

// runOutcome is what a run of one image gives: its error, its raw outputs
// and its statistics, as text.
func runOutcome(m *Machine, st *RunStats, err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "err=%v\n", err)
	for _, p := range m.exe.Ports(isa.PortOut) {
		y, _ := m.ReadOutputRaw(p.Name)
		fmt.Fprintf(&b, "%s=%v\n", p.Name, y.I64)
	}
	js, _ := json.Marshal(st)
	b.Write(js)
	return b.String()
}

// TestLockstepMatchesPerImage: every lane of a lockstep batch gives its
// image's per-image results, statistics and report, on the first run (lane
// 0 records the tape, the others replay it) and on later runs of full and
// partial batches (every lane replays); faults and budget cuts are those of
// the per-image run; with and without the utilisation timeline.
func TestLockstepMatchesPerImage(t *testing.T) {
	testLockstepMatches(t)
}

// TestLockstepUntaped: a run longer than lockstepMaxSteps records no tape
// and runs every lane on its own, with the same results.
func TestLockstepUntaped(t *testing.T) {
	defer func(n int64) { lockstepMaxSteps = n }(lockstepMaxSteps)
	lockstepMaxSteps = 40
	testLockstepMatches(t)
}

func testLockstepMatches(t *testing.T) {
	ran, faults, untaped := 0, 0, 0
	for _, c := range lockstepCases(t) {
		exe, err := Prepare(c.prog, c.tgt)
		if err != nil {
			continue // the generators' programs Validate refuses
		}
		if why := exe.LockstepRefusal(); why != "" {
			t.Logf("%s: refused: %s", c.name, why)
			continue
		}
		exe.RecordTimeline(ran%2 == 0) // sampled runs (RunStats.Timeline) too
		ran++
		const lanes = 5 // a group of four (replayRun4) and one more
		ls, err := exe.NewLockstep(lanes)
		if err != nil {
			t.Fatal(err)
		}
		budget := int64(0)
		if strings.HasSuffix(c.name, "-5") {
			budget = 150 // a budget cut in some static programs
		}
		ls.SetMaxSteps(budget)
		ref := exe.NewMachine()
		ref.MaxSteps = budget
		r := rand.New(rand.NewPCG(3, uint64(len(c.name))))
		img := 0
		for round, k := range []int{lanes, lanes, 1, 4} {
			var want []string
			var wantErr []string
			var wantStats []*RunStats
			inputs := make([]map[string][]int64, k)
			for i := range k {
				inputs[i] = map[string][]int64{}
				for _, p := range exe.Ports(isa.PortIn) {
					inputs[i][p.Name] = randRaw(r.Uint64(), *p)
				}
				ref.Reset()
				for n, v := range inputs[i] {
					if err := ref.WriteInputRaw(n, v); err != nil {
						t.Fatal(err)
					}
				}
				st, err := ref.Run()
				want = append(want, runOutcome(ref, st, err))
				wantErr = append(wantErr, fmt.Sprint(err))
				wantStats = append(wantStats, st)
			}
			for i, m := range ls.Lanes()[:k] {
				m.Reset()
				for n, v := range inputs[i] {
					if err := m.WriteInputRaw(n, v); err != nil {
						t.Fatal(err)
					}
				}
			}
			st, err := ls.Run(k)
			for i, m := range ls.Lanes()[:k] {
				if err != nil { // a fault, every image's: no lane ran
					if fmt.Sprint(err) != wantErr[i] {
						t.Fatalf("%s: round %d, lane %d: lockstep error %v, per image %s", c.name, round, i, err, wantErr[i])
					}
					faults++
					continue
				}
				if got := runOutcome(m, st, err); got != want[i] {
					t.Fatalf("%s: round %d, lane %d (image %d): lockstep differs from the per-image run\nlockstep:  %.3000s\nper image: %.3000s", c.name, round, i, img+i, got, want[i])
				}
			}
			if err == nil {
				var all []*RunStats
				for range k {
					all = append(all, st)
				}
				a, _ := exe.BuildReport(all).JSON()
				b, _ := exe.BuildReport(wantStats).JSON()
				if !bytes.Equal(a, b) {
					t.Fatalf("%s: round %d: the batch report differs from the per-image runs'", c.name, round)
				}
			}
			img += k
		}
		if ls.untaped {
			untaped++
		}
	}
	if lockstepMaxSteps < 100 && untaped < 20 {
		t.Fatalf("only %d programs ran untaped", untaped)
	}
	t.Logf("%d programs in lockstep, %d faulting lane runs", ran, faults)
	if ran < 40 || faults == 0 {
		t.Fatalf("only %d programs ran in lockstep, %d faulting lane runs", ran, faults)
	}
}

// TestLockstepRefusal: programs whose registers may hold data (ld), whose
// addresses may (vlut), with several streams or several frames per run are
// refused with the reason, and NewLockstep says so.
func TestLockstepRefusal(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"parallel.pasm", "several streams"},
		{"act.pasm", "vlut forms addresses from data"},
	} {
		prog, _, _ := isaProgram(t, c.name)
		exe, err := Prepare(prog, target.Default())
		if err != nil {
			t.Fatal(err)
		}
		if why := exe.LockstepRefusal(); !strings.Contains(why, c.want) {
			t.Errorf("%s: refusal %q, want %q", c.name, why, c.want)
		}
		if _, err := exe.NewLockstep(2); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: NewLockstep: %v", c.name, err)
		}
	}
	tgt := target.Default()
	b := isa.NewBuilder(tgt.Name, tgt.Fingerprint())
	b.AddPort(isa.Port{Name: "x", Dir: isa.PortIn, Addr: 0, Shape: []uint32{1}, Type: isa.MakeIntType(8, true), Scale: 1})
	b.Emit(isa.OpLd, 1, 0, 0)
	b.Emit(isa.OpHalt)
	p, err := b.Program()
	if err != nil {
		t.Fatal(err)
	}
	exe, err := Prepare(p, tgt)
	if err != nil {
		t.Fatal(err)
	}
	if why := exe.LockstepRefusal(); !strings.Contains(why, "pc 0: ld loads data into a register") {
		t.Errorf("ld: refusal %q", why)
	}
}

// saturatingProgram is a run of bmacs of the input's bit-0 plane against a
// weight row of ones, with shifts large enough that the 24-bit accumulator
// saturates (and recovers through subtractions) on most images: the
// op-by-op path of a lockstep run.
func saturatingProgram(t *testing.T) *isa.Program {
	tgt := target.Default()
	a := tgt.Arch()
	b := isa.NewBuilder(tgt.Name, tgt.Fingerprint())
	b.SetSource(isa.Source{Layer: "sat"})
	b.AddPort(isa.Port{Name: "x", Dir: isa.PortIn, Addr: 0, Shape: []uint32{uint32(a.Cols)}, Type: isa.MakeIntType(8, true), Scale: 1})
	b.AddPort(isa.Port{Name: "y", Dir: isa.PortOut, Addr: 4096, Shape: []uint32{uint32(a.DPULanes)}, Type: isa.MakeIntType(32, true), Scale: 1})
	ones := make([]byte, a.Cols/8)
	for i := range ones {
		ones[i] = 0xff
	}
	b.AddWeightRow(3, 8, ones)
	b.Emit(isa.OpPzero, 0)
	b.Emit(isa.OpPld, 0, 0, 0, 0, int64(a.Cols))
	b.Emit(isa.OpWrp, 0, 3, 0, 0, 0, 0)
	for i := range 12 {
		b.Emit(isa.OpBmac, 0, 3, 0, 0, 8, 0, int64(13+i%3), int64(i%4/3))
	}
	b.Emit(isa.OpVacc, 0, 0, 0, 0, 3, 0, 1)
	b.Emit(isa.OpVst, 0, 0, 4096, 1)
	b.Emit(isa.OpHalt)
	p, err := b.Program()
	if err != nil {
		t.Fatal(err)
	}
	return p
}
